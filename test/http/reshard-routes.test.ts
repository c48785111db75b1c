import {expect} from 'chai'

import {InProcessCluster} from '../cluster/in-process-cluster.js'
import {injectJson} from './inject-json.js'

/**
 * The reshard participant's peer routes (/internal/reshard/*, /internal/join/prepare): a
 * malformed message is refused with 400 and starts nothing; a well-formed one for a reshard
 * that does not follow the configuration in force, or that is not pending, is a 409.
 */
describe('reshard peer routes', function () {
  let cluster: InProcessCluster
  const node = '127.0.0.2:8085'

  before(async () => {
    cluster = await InProcessCluster.start(4, 2)
  })
  after(async () => cluster.stop())

  const post = (path: string, payload: unknown) => injectJson(cluster.nodes.get(node)!.app, 'POST', path, JSON.stringify(payload))
  const pendingCopy = async () => (await cluster.request(node, 'GET', '/admin/status')).body.reshardCopy
  const config = () => cluster.nodes.get(node)!.membership.config!
  const next = () => {
    const c = config()
    return {...c, configEpoch: c.configEpoch + 1, layoutEpoch: c.layoutEpoch + 1, shardCount: 1, shards: {'1': [...c.nodes]}}
  }
  const source = {shard: 1, layoutEpoch: 1, shardCount: 1, target: 1, limit: 10}

  const bad: Array<[string, string, unknown]> = [
    ['/internal/reshard/start', 'a configuration without shards', {configEpoch: 2, layoutEpoch: 2, shardCount: 1, nodes: []}],
    ['/internal/reshard/start', 'a configuration epoch of 0', {configEpoch: 0, layoutEpoch: 2, shardCount: 1, nodes: [], shards: {}}],
    ['/internal/reshard/progress', 'no epoch', {}],
    ['/internal/reshard/hold', 'a configuration epoch as a string', {configEpoch: '2'}],
    ['/internal/reshard/finish', 'a coverage that is not an object of clocks', {configEpoch: 2, need: {'1': 5}}],
    ['/internal/reshard/finish', 'a negative counter in a clock', {configEpoch: 2, need: {'1': {[node]: -1}}}],
    ['/internal/reshard/abort', 'a configuration epoch of -1', {configEpoch: -1}],
    ['/internal/reshard/snapshot', 'a page of 0 keys', {...source, offset: 0, limit: 0}],
    ['/internal/reshard/snapshot', 'a page of 50,001 keys', {...source, offset: 0, limit: 50_001}],
    ['/internal/reshard/snapshot', 'a negative offset', {...source, offset: -1}],
    ['/internal/reshard/changes', 'no clock to start from', {...source}],
    ['/internal/reshard/changes', 'a cursor without its run', {...source, since: {}, cursor: {at: 3}}],
    ['/internal/join/prepare', 'peers that are not a list', {shard: 1, layoutEpoch: 1, peers: 'all'}],
    ['/internal/join/prepare', 'shard 0', {shard: 0, layoutEpoch: 1, peers: []}],
  ]
  for (const [path, name, payload] of bad) {
    it(`${path} answers 400 to ${name} and starts nothing`, async () => {
      const res = await post(path, payload)
      expect(res.status, JSON.stringify(res.body)).to.equal(400)
      expect(res.body.error).to.be.a('string')
      expect(await pendingCopy()).to.equal(null)
    })
  }

  it('refuses (409) a reshard that does not follow the configuration in force, and starts nothing', async () => {
    const skipping = {...next(), configEpoch: config().configEpoch + 2}
    const res = await post('/internal/reshard/start', skipping)
    expect(res.status).to.equal(409)
    expect(await pendingCopy()).to.equal(null)
  })

  it('refuses (409) to report, hold or finish a reshard that is not pending', async () => {
    for (const path of ['/internal/reshard/progress', '/internal/reshard/hold']) {
      expect((await post(path, {configEpoch: 99})).status, path).to.equal(409)
    }
    expect((await post('/internal/reshard/finish', {configEpoch: 99, need: {}})).status).to.equal(409)
  })

  it('starts a copy toward the next layout, reports it, and aborts it: writes are never held', async () => {
    const plan = next()
    expect((await post('/internal/reshard/start', plan)).status).to.equal(200)
    const progress = await post('/internal/reshard/progress', {configEpoch: plan.configEpoch})
    expect(progress.status).to.equal(200)
    expect(progress.body).to.include({node, phase: 'copying', error: null})
    expect(await pendingCopy()).to.include({epoch: plan.configEpoch})
    expect((await post('/internal/reshard/abort', {configEpoch: plan.configEpoch})).body).to.deep.equal({aborted: true})
    expect(await pendingCopy()).to.equal(null)
    const write = await cluster.request(node, 'PUT', '/key-value-store/after-abort', {value: 'v', 'causal-metadata': ''})
    expect(write.status).to.equal(201)
  })
})

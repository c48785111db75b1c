import {expect} from 'chai'

import {InProcessCluster} from '../cluster/in-process-cluster.js'
import {injectJson} from './inject-json.js'

/**
 * The exploits of issue 13, each one request a peer could send (DESIGN.md section 7): every
 * one is refused with 400 or 409 and changes nothing — not the configuration, not the
 * replica's clock or keys, and no call goes out to a host the message named. Written
 * against today's routes; /internal/reshard/prepare, which the issue names, no longer
 * exists (the last test shows it).
 */
describe('peer input is bounded (issue 13)', function () {
  let cluster: InProcessCluster
  // Sorted, the nodes go to shards 1, 2, 1, 2: node and its shard peer hold shard 1.
  const node = '127.0.0.2:8085'
  const shardPeer = '127.0.0.4:8085'
  const otherShard = '127.0.0.3:8085'
  const outsider = '10.9.9.9:8085'
  const calls: string[] = []

  before(async () => {
    cluster = await InProcessCluster.start(4, 2)
    cluster.network.intercept((call, deliver) => {
      calls.push(call.to)
      return deliver()
    })
    const put = await cluster.request(node, 'PUT', '/key-value-store/a', {value: 'before', 'causal-metadata': ''})
    expect(put.status).to.equal(201)
  })
  after(async () => cluster.stop())

  const parts = () => cluster.nodes.get(node)!
  const post = (path: string, payload: unknown) => injectJson(parts().app, 'POST', path, JSON.stringify(payload))
  /** What an exploit must leave as it was. */
  const state = () => ({
    config: JSON.stringify(parts().membership.config),
    clock: JSON.stringify(parts().replicator.summary().clock),
    keys: parts().replicator.liveKeys,
  })
  const config = () => parts().membership.config!
  const summary = (over: Record<string, unknown>) => ({address: shardPeer, configEpoch: config().configEpoch, shard: 1, layoutEpoch: 1, applied: 0, clock: {}, ready: true, ...over})
  /** The next write shardPeer would replicate to node, with `over` in place. */
  const op = (over: Record<string, unknown> = {}) => {
    const seq = (parts().replicator.summary().clock[shardPeer] ?? 0) + 1
    return {shard: 1, epoch: 1, origin: shardPeer, seq, key: 'a', value: 'forged', ts: Date.now() * 1000, deps: {epoch: 1, clocks: {'1': {[shardPeer]: seq}}}, ...over}
  }
  /** The same cluster in one shard: a new layout, valid in form. */
  const oneShard = (configEpoch: number) => ({...config(), configEpoch, layoutEpoch: config().layoutEpoch + 1, shardCount: 1, shards: {'1': [...config().nodes]}})

  async function refused(path: string, payload: unknown, status: 400 | 409) {
    const before = state()
    const res = await post(path, payload)
    expect(res.status, JSON.stringify(res.body)).to.equal(status)
    expect(res.body.error ?? res.body.accepted).to.not.equal(undefined)
    expect(state()).to.deep.equal(before)
    return res
  }

  describe('configuration', () => {
    it('refuses a commit of configuration epoch 1e308 (it would freeze every later change)', async () => {
      await refused('/internal/config/commit', {...config(), configEpoch: 1e308}, 400)
    })

    it('refuses a commit no proposal was accepted for (a new layout would wipe the replica)', async () => {
      await refused('/internal/config/commit', oneShard(config().configEpoch + 1), 409)
    })

    it('refuses a proposal that skips epochs, and then its commit', async () => {
      const far = oneShard(config().configEpoch + 1000)
      const res = await refused('/internal/config/propose', far, 409)
      expect(res.body).to.include({accepted: false})
      await refused('/internal/config/commit', far, 409)
    })

    it('refuses a configuration that is not a layout of its nodes', async () => {
      const stranger = {...config(), configEpoch: config().configEpoch + 1, shards: {...config().shards, '1': [outsider]}}
      await refused('/internal/config/propose', stranger, 400)
      const twice = {...config(), configEpoch: config().configEpoch + 1, shards: {'1': [node, shardPeer], '2': [node, otherShard]}}
      await refused('/internal/config/propose', twice, 400)
    })
  })

  describe('heartbeats', () => {
    it('refuses a heartbeat from a host outside the cluster, and pulls nothing from it', async () => {
      calls.length = 0
      await refused('/internal/heartbeat', summary({address: outsider, configEpoch: config().configEpoch + 5}), 409)
      expect(calls).to.not.include(outsider)
    })

    it('refuses a heartbeat whose applied count is not the sum of its clock (a forged primary)', async () => {
      await refused('/internal/heartbeat', summary({applied: 1e15, clock: {[shardPeer]: 1}}), 400)
    })

    it('refuses a heartbeat with a configuration epoch of 1e308', async () => {
      await refused('/internal/heartbeat', summary({configEpoch: 1e308}), 400)
    })
  })

  describe('replication', () => {
    const replicate = (ops: unknown[], from = shardPeer) => ({from, ops})

    it('refuses a timestamp of 2^53 or more (it would pin the hybrid clock)', async () => {
      await refused('/internal/replicate', replicate([op({ts: 2 ** 53})]), 400)
    })

    it('refuses a timestamp an hour ahead of this node', async () => {
      await refused('/internal/replicate', replicate([op({ts: (Date.now() + 3_600_000) * 1000})]), 400)
    })

    it('refuses deps of {} (delivery would throw)', async () => {
      await refused('/internal/replicate', replicate([op({deps: {}})]), 400)
    })

    it('refuses 65,536 origins (the replica could not intern them, nor restart)', async () => {
      const ops = Array.from({length: 65_536}, (_, i) => op({origin: `10.${i >> 8}.${i & 255}.1:8085`, seq: 1, deps: {epoch: 1, clocks: {}}}))
      await refused('/internal/replicate', replicate(ops), 400)
    })

    it('refuses ops from a node that is not a member of the shard', async () => {
      await refused('/internal/replicate', replicate([op({origin: otherShard})], otherShard), 409)
    })

    it('refuses an op written by another origin than its sender', async () => {
      await refused('/internal/replicate', replicate([op({origin: node})]), 400)
    })

    it('refuses sequence numbers that do not follow', async () => {
      const first = op()
      await refused('/internal/replicate', replicate([op({seq: first.seq + 2_000_000})]), 400)
      await refused('/internal/replicate', replicate([first, {...first}]), 400)
    })

    it('still replicates and serves writes after all of these', async () => {
      const put = await cluster.request(node, 'PUT', '/key-value-store/a', {value: 'after', 'causal-metadata': ''})
      expect(put.status).to.equal(200)
      const read = await cluster.request(shardPeer, 'GET', '/key-value-store/a', {'causal-metadata': put.body['causal-metadata']})
      expect(read.body).to.include({value: 'after'})
    })
  })

  describe('reshard and add-member', () => {
    const pendingCopy = async () => (await cluster.request(node, 'GET', '/admin/status')).body.reshardCopy

    it('refuses an abort that names no reshard, or another one, and keeps the pending one', async () => {
      const plan = oneShard(config().configEpoch + 1)
      expect((await post('/internal/reshard/start', plan)).status).to.equal(200)
      await refused('/internal/reshard/abort', {}, 400)
      expect((await post('/internal/reshard/abort', {configEpoch: plan.configEpoch + 1})).body).to.deep.equal({aborted: false})
      expect(await pendingCopy()).to.include({epoch: plan.configEpoch})
      expect((await post('/internal/reshard/abort', {configEpoch: plan.configEpoch})).body).to.deep.equal({aborted: true})
    })

    it('refuses a reshard that lays out a host outside the cluster, and copies nothing to it', async () => {
      calls.length = 0
      const nodes = [outsider, ...config().nodes]
      await refused('/internal/reshard/start', {...oneShard(config().configEpoch + 1), nodes, shards: {'1': nodes}}, 409)
      expect(await pendingCopy()).to.equal(null)
      expect(calls).to.not.include(outsider)
    })

    it('refuses to copy a shard ahead of joining it from hosts that are not its members', async () => {
      calls.length = 0
      await refused('/internal/join/prepare', {shard: 1, layoutEpoch: config().layoutEpoch, peers: [outsider]}, 409)
      expect(calls).to.not.include(outsider)
    })

    it('no longer has /internal/reshard/prepare (the copy is pulled by the receivers)', async () => {
      const res = await post('/internal/reshard/prepare', {shard: 1, to: outsider})
      expect(res.status).to.equal(404)
    })
  })
})

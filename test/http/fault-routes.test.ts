import {expect} from 'chai'
import {injectJson} from './inject-json.js'
import {InProcessCluster} from '../cluster/in-process-cluster.js'
import {waitFor} from '../../src/wait-for.js'

/**
 * The test-only fault injection seam: /admin/faults exists only with the opt-in; with it,
 * the node refuses peer traffic both ways and still serves clients.
 */
describe('fault injection routes (test only)', function () {
  let cluster: InProcessCluster
  // Sorted view, node i in shard (i mod 2) + 1: a and c hold shard 1, b and d shard 2.
  const [a, b, c] = ['127.0.0.2:8085', '127.0.0.3:8085', '127.0.0.4:8085']
  /** Keys of shard 1 and of shard 2 (sum of character codes mod 2, + 1). */
  const shard1Key = 'b'
  const shard2Key = 'a'

  afterEach(async () => cluster?.stop())

  const inject = (node: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    injectJson(cluster.nodes.get(node)!.app, method, url, payload, {headers})

  const heartbeatFrom = (address: string) => ({address, configEpoch: 1, shard: 2, layoutEpoch: 1, applied: 0, clock: {}, ready: true})

  it('does not exist without the opt-in', async () => {
    cluster = await InProcessCluster.start(2, 1)
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const res = await inject(a, method, '/admin/faults', method === 'POST' ? {isolate: true} : undefined)
      expect(res.status, method).to.equal(404)
      expect(res.body.message).to.equal(`Error in ${method}`)
    }
    // Peer calls naming a sender are served as always.
    const beat = await inject(a, 'POST', '/internal/heartbeat', heartbeatFrom(b), {'x-kvs-from': b})
    expect(beat.status).to.equal(200)
  })

  it('rejects bad fault bodies with 400 and a clear message, changing nothing', async () => {
    cluster = await InProcessCluster.start(4, 2, {faultInjection: true})
    const bad: Array<[string, string | object, RegExp]> = [
      ['an empty object', {}, /must NOT have fewer than 1 properties/],
      ['isolate as a string', {isolate: 'yes'}, /isolate must be boolean/],
      ['refusePeers as a string', {refusePeers: b}, /refusePeers must be array/],
      ['a peer that is not host:port', {refusePeers: ['nowhere']}, /"nowhere" is not a host:port name/],
      ['a number as a peer', {refusePeers: [5]}, /must be string/],
      ['an unknown field', {isolate: true, heal: true}, /must NOT have additional properties/],
      ['malformed JSON', '{"isolate":', /not valid JSON/],
    ]
    for (const [name, body, message] of bad) {
      const res = await inject(a, 'POST', '/admin/faults', body)
      expect(res.status, name).to.equal(400)
      expect(res.body.error, name).to.match(message)
      expect(res.body.message, name).to.equal('Error in POST')
    }
    expect((await inject(a, 'GET', '/admin/faults')).body).to.include({isolate: false}).and.to.deep.include({refusePeers: []})
  })

  it('isolate: refuses peer calls both ways without touching state, and still serves clients', async () => {
    cluster = await InProcessCluster.start(4, 2, {faultInjection: true})
    const set = await inject(a, 'POST', '/admin/faults', {isolate: true})
    expect(set.status).to.equal(200)
    expect(set.body).to.include({message: 'Faults set', isolate: true})

    // Inbound: /internal calls, with or without a sender, and forwarded key requests.
    const beat = await inject(a, 'POST', '/internal/heartbeat', heartbeatFrom(b), {'x-kvs-from': b})
    expect(beat.status).to.equal(503)
    expect(beat.headers.connection).to.equal('close')
    expect(beat.body.error).to.equal(`Peer traffic from ${b} is refused (fault injection)`)
    const op = {shard: 1, epoch: 1, origin: c, seq: 1, key: shard1Key, value: 'from-c', ts: 1, deps: {epoch: 1, clocks: {'1': {[c]: 1}}}}
    expect((await inject(a, 'POST', '/internal/replicate', {from: c, ops: [op]})).status).to.equal(503)
    const forwarded = await inject(a, 'PUT', `/key-value-store/${shard1Key}`, {value: 'forwarded', 'causal-metadata': ''}, {'x-kvs-hops': '1'})
    expect(forwarded.status).to.equal(503)
    expect((await inject(a, 'GET', `/key-value-store/${shard1Key}`, {'causal-metadata': ''})).status, 'nothing was applied').to.equal(404)

    // Clients: keys of its own shard are served; another shard's keys cannot be forwarded.
    const put = await inject(a, 'PUT', `/key-value-store/${shard1Key}`, {value: 'mine', 'causal-metadata': ''})
    expect(put.status, JSON.stringify(put.body)).to.equal(201)
    expect((await inject(a, 'PUT', `/key-value-store/${shard2Key}`, {value: 'other', 'causal-metadata': ''})).status).to.equal(503)
    expect((await inject(a, 'GET', '/key-value-store-view')).status).to.equal(200)

    // Outbound: the write above could not reach c; heartbeats fail too.
    const counted = await inject(a, 'GET', '/admin/faults')
    expect(counted.body.refusedCalls.outbound).to.be.greaterThan(0)
    expect(counted.body.refusedCalls.inbound, "the three calls above, and peers' heartbeats").to.be.at.least(3)
    const atC = await inject(c, 'GET', `/key-value-store/${shard1Key}`, {'causal-metadata': ''})
    expect(atC.status, 'the partner never got the write').to.equal(404)

    // Healed: peers are accepted again and c catches up.
    const healed = await inject(a, 'DELETE', '/admin/faults')
    expect(healed.body).to.include({message: 'Faults healed', isolate: false})
    expect((await inject(a, 'POST', '/internal/heartbeat', heartbeatFrom(b), {'x-kvs-from': b})).status).to.equal(200)
    await waitFor(async () => (await inject(c, 'GET', `/key-value-store/${shard1Key}`, {'causal-metadata': ''})).body.value === 'mine', {timeoutMs: 10_000, what: 'c to catch up with a'})
  })

  it('refusePeers: refuses only the named peers, both ways', async () => {
    cluster = await InProcessCluster.start(4, 2, {faultInjection: true})
    const set = await inject(a, 'POST', '/admin/faults', {refusePeers: [b, a]})
    // A node never refuses itself.
    expect(set.body).to.deep.include({isolate: false, refusePeers: [b]})
    expect((await inject(a, 'POST', '/internal/heartbeat', heartbeatFrom(b), {'x-kvs-from': b})).status).to.equal(503)
    expect((await inject(a, 'POST', '/internal/heartbeat', heartbeatFrom(c), {'x-kvs-from': c})).status).to.equal(200)
    // a's heartbeats to b fail at a's transport; those to c and d go through.
    await waitFor(async () => (await inject(a, 'GET', '/admin/faults')).body.refusedCalls.outbound > 0, {timeoutMs: 10_000, what: 'a to refuse a call to b'})
    await waitFor(async () => !(await inject(b, 'GET', '/key-value-store-view')).body.view.split(',').includes(a), {timeoutMs: 8_000, what: 'b to see a down'})
    expect((await inject(c, 'GET', '/key-value-store-view')).body.view.split(',')).to.include(a)
    await inject(a, 'DELETE', '/admin/faults')
    await waitFor(async () => (await inject(b, 'GET', '/key-value-store-view')).body.view.split(',').includes(a), {timeoutMs: 8_000, what: 'b to see a up again'})
  })
})

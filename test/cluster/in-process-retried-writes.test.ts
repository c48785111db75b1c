/**
 * A forwarded write whose answer never reaches the forwarding node (the primary was paused,
 * or slow, after it applied and replicated it) is retried on another member. The retry must
 * not write the value a second time: a second copy carries a newer timestamp and would
 * overwrite writes made meanwhile that causally follow the first.
 */
import {expect} from 'chai'
import {clockTotal} from '../../src/clock/vector-clock.js'
import {KvsError} from '../../src/errors.js'
import type {PeerResponse} from '../../src/transport/transport.js'
import {ManualClock} from '../support/manual-clock.js'
import {InProcessCluster} from './in-process-cluster.js'
import {waitFor} from '../../src/wait-for.js'

describe('in-process retries of forwarded writes (3 nodes, 1 shard)', function () {
  let cluster: InProcessCluster
  const nodes = ['127.0.0.2:8085', '127.0.0.3:8085', '127.0.0.4:8085']

  beforeEach(async () => {
    cluster = await InProcessCluster.start(3, 1)
  })
  afterEach(async () => {
    cluster.network.intercept(null)
    await cluster.stop()
  })

  const read = async (node: string, key: string, meta: unknown) => cluster.request(node, 'GET', `/key-value-store/${key}`, {'causal-metadata': meta})

  it('answers a retry from the op already written, so a later write that causally follows it stands', async () => {
    const entry = nodes[2]
    const primary = cluster.nodes.get(entry)!.membership.primaryOf(1) as string
    expect(primary, 'the entry node is not the primary').to.not.equal(entry)
    const other = nodes.find((n) => n !== entry && n !== primary) as string

    // The primary applies the forwarded write and replicates it, but its answer is lost:
    // the entry node hears nothing until its own deadline, as from a process paused then.
    // Its deadline passes on a clock the test moves once the second write is in.
    const clock = new ManualClock()
    let forwardTimeoutMs = 0
    let applied!: () => void
    const appliedAtPrimary = new Promise<void>((resolve) => (applied = resolve))
    cluster.network.intercept(async (call, deliver): Promise<PeerResponse> => {
      if (call.from !== entry || call.to !== primary || call.req.path !== '/internal/forward') return deliver()
      cluster.network.intercept(null)
      await deliver()
      forwardTimeoutMs = call.req.timeoutMs
      applied()
      await clock.wait(call.req.timeoutMs)
      throw new KvsError('PEER_UNAVAILABLE', `${primary} did not answer in ${call.req.timeoutMs} ms`, {peer: primary})
    })
    const first = cluster.request(entry, 'PUT', '/key-value-store/k', {value: 'first', 'causal-metadata': ''})
    await appliedAtPrimary

    // Meanwhile another client reads the first write and overwrites it.
    const seen = await waitFor(async () => {
      const res = await read(other, 'k', '')
      return res.body.value === 'first' && res.body
    }, {timeoutMs: 10_000, what: 'the other member to hold the first write'})
    const second = await cluster.request(primary, 'PUT', '/key-value-store/k', {value: 'second', 'causal-metadata': seen['causal-metadata']})
    expect(second.status, JSON.stringify(second.body)).to.equal(200)

    await clock.advance(forwardTimeoutMs)
    const answer = await first
    expect(answer.status, `the client's answer to the first write: ${JSON.stringify(answer.body)}`).to.be.oneOf([200, 201])
    const after = answer.body['causal-metadata']

    for (const node of nodes) {
      await waitFor(() => clockTotal(cluster.nodes.get(node)!.replicator.summary().clock) >= 2, {timeoutMs: 10_000, what: `${node} to hold both writes`})
      expect(clockTotal(cluster.nodes.get(node)!.replicator.summary().clock), `writes applied at ${node}`).to.equal(2)
      const res = await read(node, 'k', second.body['causal-metadata'])
      expect(res.body.value, `k at ${node}`).to.equal('second')
    }
    // The retry's answer names the write that was applied: reading with it finds that write or a later one.
    expect((await read(entry, 'k', after)).status).to.equal(200)
  })
})

import {expect} from 'chai'
import {ManualClock} from '../support/manual-clock.js'
import {InProcessCluster} from './in-process-cluster.js'
import {waitFor} from '../../src/wait-for.js'

/** Failures in one process: nodes killed, restarted from their storage, paused. */
describe('in-process faults (3 nodes, 1 shard)', function () {
  let cluster: InProcessCluster
  const [a, b, c] = ['127.0.0.2:8085', '127.0.0.3:8085', '127.0.0.4:8085']

  beforeEach(async () => {
    cluster = await InProcessCluster.start(3, 1)
  })
  afterEach(async () => cluster.stop())

  const valueAt = async (node: string, key: string) => {
    const res = await cluster.request(node, 'GET', `/key-value-store/${key}`, {'causal-metadata': ''})
    return res.status === 200 ? res.body.value : undefined
  }

  it('a node killed during writes recovers its log and catches up on what it missed', async () => {
    let meta: unknown = ''
    for (let i = 0; i < 20; i++) {
      const res = await cluster.request(a, 'PUT', `/key-value-store/k${i}`, {value: `v${i}`, 'causal-metadata': meta})
      expect(res.status).to.equal(201)
      meta = res.body['causal-metadata']
    }
    const store = await cluster.kill(c)
    for (let i = 20; i < 40; i++) {
      const res = await cluster.request(b, 'PUT', `/key-value-store/k${i}`, {value: `v${i}`, 'causal-metadata': meta})
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      meta = res.body['causal-metadata']
    }
    await cluster.startNode(c, null, null, store)
    // Reads with the client's metadata never see less than the client wrote.
    for (let i = 0; i < 40; i++) {
      const res = await cluster.request(c, 'GET', `/key-value-store/k${i}`, {'causal-metadata': meta})
      expect(res.status, `k${i}`).to.equal(200)
      expect(res.body.value).to.equal(`v${i}`)
    }
    await waitFor(async () => (await valueAt(c, 'k39')) === 'v39', {timeoutMs: 10_000, what: 'c holds every key on its own'})
  })

  /** A new cluster whose calls to paused peers run out on a clock the test moves, never on real time. */
  const onManualClock = async (): Promise<ManualClock> => {
    await cluster.stop()
    const clock = new ManualClock()
    cluster = await InProcessCluster.start(3, 1, {}, clock.wait)
    return clock
  }

  it('writes succeed while a peer is paused, and the peer converges after it resumes', async () => {
    const clock = await onManualClock()
    cluster.network.pause(c)
    const res = await clock.runUntil(cluster.request(a, 'PUT', '/key-value-store/p', {value: '1', 'causal-metadata': ''}))
    expect(res.status).to.equal(201)
    cluster.network.resume(c)
    await waitFor(async () => (await valueAt(c, 'p')) === '1', {timeoutMs: 10_000, what: 'c has p'})
  })

  it('a read that waits in vain for its causal past answers 503 and leaves nothing queued behind', async () => {
    const written = await cluster.request(a, 'PUT', '/key-value-store/w', {value: '1', 'causal-metadata': ''})
    await waitFor(async () => (await valueAt(c, 'w')) === '1', {timeoutMs: 10_000, what: 'c to hold w'})
    // Metadata from a's future: c cannot pull it while a and b are paused, and applies nothing.
    const meta = written.body['causal-metadata'] as {epoch: number; clocks: Record<string, Record<string, number>>}
    const ahead = {...meta, clocks: {'1': {...meta.clocks['1'], [a]: 99}}}
    cluster.network.pause(a)
    cluster.network.pause(b)
    for (let i = 0; i < 3; i++) {
      const res = await cluster.request(c, 'GET', '/key-value-store/w', {'causal-metadata': ahead})
      expect(res.status).to.equal(503)
      expect(cluster.nodes.get(c)!.replicator.backlog.waiters, 'requests still waiting at c').to.equal(0)
    }
    cluster.network.resume(a)
    cluster.network.resume(b)
  })

  it('concurrent writes on both sides of a partition converge to one value and one metadata', async () => {
    const clock = await onManualClock()
    cluster.network.pause(c)
    const left = await clock.runUntil(cluster.request(a, 'PUT', '/key-value-store/x', {value: 'left', 'causal-metadata': ''}))
    cluster.network.resume(c)
    cluster.network.pause(a)
    cluster.network.pause(b)
    // c cannot reach anyone: it coordinates the write itself.
    const right = await clock.runUntil(
      cluster.nodes.get(c)!.app.inject({
        method: 'PUT',
        url: '/key-value-store/x',
        payload: {value: 'right', 'causal-metadata': ''},
        headers: {'x-kvs-hops': '1'},
      }),
    )
    expect(left.status).to.equal(201)
    // 201, or 200 if c heard of the left write before it was cut off.
    expect(right.statusCode).to.be.oneOf([200, 201])
    cluster.network.resume(a)
    cluster.network.resume(b)
    await waitFor(async () => {
      const answers = await Promise.all([a, b, c].map((n) => cluster.request(n, 'GET', '/key-value-store/x', {'causal-metadata': ''})))
      const first = JSON.stringify([answers[0].body.value, answers[0].body['causal-metadata']])
      return answers.every((r) => JSON.stringify([r.body.value, r.body['causal-metadata']]) === first)
    }, {timeoutMs: 10_000, what: 'every replica agrees on x and its metadata'})
  })
})

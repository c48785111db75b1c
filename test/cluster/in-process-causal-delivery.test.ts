/**
 * Replicated batches that reach a replica before the ops they depend on (the 503 "Could not
 * apply the ops in causal order yet" a bench saw under load). The in-memory network's hook
 * sets up the interleavings exactly: a batch lost on the way (its sender timed out), an
 * earlier batch processed late, and a pull of the receiver whose answer the sender computed
 * before it wrote the missing ops.
 */
import {expect} from 'chai'
import {KvsError} from '../../src/errors.js'
import type {Op} from '../../src/replication/op.js'
import type {PeerResponse} from '../../src/transport/transport.js'
import {InProcessCluster} from './in-process-cluster.js'
import {waitFor} from '../../src/wait-for.js'

describe('in-process causal delivery of replicated batches (2 nodes, 1 shard)', function () {
  let cluster: InProcessCluster
  const [a, b] = ['127.0.0.2:8085', '127.0.0.3:8085']
  /** What b answered to each /internal/replicate batch from a, by the first seq in it. */
  let answers: Map<number, PeerResponse | string>

  beforeEach(async () => {
    cluster = await InProcessCluster.start(2, 1)
    answers = new Map()
  })
  afterEach(async () => {
    cluster.network.intercept(null)
    await cluster.stop()
  })

  const replicaOf = (node: string) => cluster.nodes.get(node)!.replicator
  const seqsIn = (body: string | undefined) => (JSON.parse(body ?? '{}') as {ops: Op[]}).ops.map((op) => op.seq)
  const put = async (key: string, value: string) => {
    const res = await cluster.request(a, 'PUT', `/key-value-store/${key}`, {value, 'causal-metadata': ''})
    expect(res.status, JSON.stringify(res.body)).to.equal(201)
  }
  /** Ops of origin `a` in b's op log (what b would recover after a crash). */
  const loggedAtB = async () => {
    const seqs: number[] = []
    for await (const {entry} of cluster.storage.get(b)!.reopen().recovered.entries) if (entry.origin === a) seqs.push(entry.seq)
    return seqs
  }
  /** Holds b's pulls from a after a computed the answer, until `release()`. */
  function holdPullAnswers() {
    let release!: () => void
    const released = new Promise<void>((r) => (release = r))
    let held = 0
    return {
      release,
      get held() {
        return held
      },
      async onSync(deliver: () => Promise<PeerResponse>): Promise<PeerResponse> {
        const answer = await deliver()
        held++
        await released
        return answer
      },
    }
  }

  it('applies and acknowledges a batch that arrives before a lost batch it depends on, though a stale pull is in flight', async () => {
    await put('k1', 'v1')
    await waitFor(() => replicaOf(b).summary().applied === 1, {timeoutMs: 10_000, what: 'b to hold k1'})
    await waitFor(() => replicaOf(b).backlog.pulls === 0, {timeoutMs: 10_000, what: 'no pull in flight at b'})

    const pulls = holdPullAnswers()
    let holding = true
    cluster.network.intercept(async ({from, to, req}, deliver) => {
      if (from === b && to === a && req.path === '/internal/sync' && holding) return pulls.onSync(deliver)
      if (from === a && to === b && req.path === '/internal/replicate') {
        const [first] = seqsIn(req.body)
        // The batch with a's second write is lost: its sender gave up (timeout, reset).
        if (first === 2) {
          answers.set(2, 'lost')
          throw new KvsError('PEER_UNAVAILABLE', `${to} did not answer (test)`)
        }
        const answer = deliver()
        if (first === 3) {
          // b parked the op (its dependency is missing) and waits on a pull: only now does
          // the pull that a answered before writing seq 2 come back.
          await waitFor(() => replicaOf(b).backlog.pendingOps > 0, {timeoutMs: 10_000, what: 'b to park seq 3'})
          holding = false
          pulls.release()
        }
        answers.set(first, await answer)
        return answer
      }
      return deliver()
    })

    // A pull of b, started as by two heartbeats that show a ahead; a answers it at once.
    const {shard, layoutEpoch} = replicaOf(b).summary()
    for (let beat = 0; beat < 2; beat++) replicaOf(b).peerAhead({address: a, shard, layoutEpoch, clock: {[a]: 2}})
    await waitFor(() => pulls.held > 0, {timeoutMs: 10_000, what: 'a to answer b\'s pull'})
    await put('k2', 'v2')
    await put('k3', 'v3')
    // b let seq 2 time out, so a marked it lagging and answered seq 3 without waiting for it.
    const third = await waitFor(() => answers.get(3) as PeerResponse | undefined, {timeoutMs: 10_000, what: 'b to answer the batch with seq 3'})
    expect(answers.get(2)).to.equal('lost')
    expect(`${third.status} ${third.text}`, 'b\'s answer to the batch with seq 3').to.equal('200 {"ok":true}')
    expect(replicaOf(b).summary().clock[a], 'b applied everything it acknowledged').to.equal(3)
    expect(await loggedAtB(), 'and logged it').to.deep.equal([1, 2, 3])
    expect(replicaOf(b).backlog.pendingOps).to.equal(0)
  })

  it('acknowledges a batch applied by another delivery only once that delivery is logged', async () => {
    await put('k1', 'v1')
    await waitFor(() => replicaOf(b).summary().applied === 1, {timeoutMs: 10_000, what: 'b to hold k1'})
    await waitFor(() => replicaOf(b).backlog.pulls === 0, {timeoutMs: 10_000, what: 'no pull in flight at b'})

    // b's log append of seq 3 waits for the test (a slow disk write).
    const log = cluster.storage.get(b)!.log as {append(entry: Op): Promise<number>}
    const append = log.append.bind(log)
    let releaseDisk!: () => void
    const disk = new Promise<void>((r) => (releaseDisk = r))
    let seq3Logged = false
    let seq3AtDisk = false
    /** Whether seq 3 was on disk when b's acknowledgement of it reached a. */
    let loggedWhenAcked: boolean | null = null
    log.append = async (entry: Op) => {
      if (entry.origin === a && entry.seq === 3) {
        seq3AtDisk = true
        await disk
        const index = await append(entry)
        seq3Logged = true
        return index
      }
      return append(entry)
    }

    let lateBatch: (() => Promise<PeerResponse>) | null = null
    cluster.network.intercept(async ({from, to, req}, deliver) => {
      if (from === b && to === a && req.path === '/internal/sync') {
        // Every pull's answer comes back only once the late batch below was delivered.
        const answer = await deliver()
        await waitFor(() => (replicaOf(b).summary().clock[a] ?? 0) >= 3, {timeoutMs: 10_000, what: 'the late batch to be applied at b'})
        return answer
      }
      if (from === a && to === b && req.path === '/internal/replicate') {
        const [first] = seqsIn(req.body)
        if (first === 2) {
          // Its sender gives up on it (timeout), but b processes it later.
          lateBatch = deliver
          throw new KvsError('PEER_UNAVAILABLE', `${to} did not answer in time (test)`)
        }
        const answer = deliver()
        if (first === 3) {
          await waitFor(() => replicaOf(b).backlog.pendingOps > 0 && replicaOf(b).backlog.pulls > 0, {timeoutMs: 10_000, what: 'b to park seq 3 and pull'})
          // The late batch delivers seq 2 and the parked seq 3, whose append waits on the disk.
          void (lateBatch as () => Promise<PeerResponse>)().then((r) => answers.set(2, r))
        }
        const settled = await answer
        if (first === 3) loggedWhenAcked = seq3Logged
        answers.set(first, settled)
        return settled
      }
      return deliver()
    })

    await put('k2', 'v2')
    const third = put('k3', 'v3')
    await waitFor(() => (replicaOf(b).summary().clock[a] ?? 0) >= 3, {timeoutMs: 10_000, what: 'b to apply seq 3'})
    await waitFor(() => replicaOf(b).backlog.pulls === 0, {timeoutMs: 10_000, what: 'b\'s pull to end'})
    await waitFor(() => seq3AtDisk, {timeoutMs: 10_000, what: 'b to log seq 3'})
    releaseDisk()
    await third
    // b let seq 2 time out, so a marked it lagging and did not wait for b's answer to seq 3.
    const answered = await waitFor(() => answers.get(3) as PeerResponse | undefined, {timeoutMs: 10_000, what: 'b to answer the batch with seq 3'})
    expect(loggedWhenAcked, 'b acknowledged seq 3 only once it was logged').to.equal(true)
    expect(answered.status).to.equal(200)
    expect(await loggedAtB()).to.deep.equal([1, 2, 3])
  })
})

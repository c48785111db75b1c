/**
 * A long fault loop (issue 4: "a burst of failures does not leak sockets, timers or
 * memory"): peers of one surviving node are paused and resumed, cut off and healed
 * through the fault injection seam, and killed and restarted, round after round, while
 * causal clients keep sending requests to the survivor. Afterwards the survivor's own
 * account of its resources (GET /admin/status, `process`) must come back to what it was
 * before the loop: live resources by type, peer sockets, replication queues, heap.
 */
import {expect} from 'chai'

import {type Cluster, http, initialShards, Session, shardOfKey, startCluster} from '../support/cluster.js'
import {checkHistory, History} from '../support/history.js'
import {waitFor} from '../../src/wait-for.js'

const shards = 2
const nodes = 4
const rounds = 16

interface ProcessStatus {
  gc: boolean
  rssBytes: number
  heapUsedBytes: number
  activeResources: Record<string, number>
  inboundConnections: number
  openFds: number | null
  peerSockets: {peers: number; connected: number; free: number; running: number; queued: number} | null
  backlog: {pendingOps: number; pulls: number; waiters: number; transfers: number}
}

/** Above its count before the loop, a type of live resource may have this many more (keep-alive sockets come and go). */
const resourceSlack: Record<string, number> = {TCPSocketWrap: 12}
const defaultSlack = 3
/** Open peer sockets: at most this many more than before (pools keep idle sockets 30 s). */
const peerSocketSlack = 12
/** File descriptors (every socket, ref'd or not, and files): at most this many more. */
const fdSlack = 16
/** Heap after a full GC: at most this much more than before (generous: the data set grows a little). */
const heapSlackBytes = 24 * 1024 * 1024

describe('fault loop: no leaked sockets, timers or memory (real processes)', function () {
  this.timeout(120_000)
  let cluster: Cluster | undefined
  let traffic: Traffic | undefined

  afterEach(async function () {
    await traffic?.stop().catch(() => undefined)
    traffic = undefined
    if (this.currentTest?.state === 'failed' && cluster) console.log(cluster.logTails(30))
    await cluster?.stopAll()
    cluster = undefined
  })

  it(`keeps the survivor's resources bounded over ${rounds} rounds of pause, cut-off and kill of its peers under load`, async () => {
    const started = performance.now()
    const c = (cluster = await startCluster({
      nodes,
      shards,
      env: {KVS_FAULT_INJECTION: '1', NODE_OPTIONS: [process.env.NODE_OPTIONS, '--expose-gc'].filter(Boolean).join(' ')},
    }))
    const layout = initialShards(c.addresses, shards)
    const [survivor, partner] = layout.get(1) as string[]
    const [otherA, otherB] = layout.get(2) as string[]
    // Keys of both shards: the survivor coordinates shard 1 and forwards shard 2.
    const keys = Array.from({length: 16}, (_, i) => `loop${i}`)
    expect(new Set(keys.map((k) => shardOfKey(k, shards))).size).to.equal(shards)
    const history = new History()

    // Warm up with the same traffic, so that connection pools reach their working size,
    // then take the baseline once the survivor is quiet.
    traffic = new Traffic(['t1', 't2', 't3', 't4'].map((name) => new Session(name, history)), keys, survivor)
    await traffic.completedAtLeast(150)
    await traffic.stop()
    const before = await settled(survivor, null)

    traffic = new Traffic(['u1', 'u2', 'u3', 'u4'].map((name) => new Session(name, history)), keys, survivor)
    const loopStarted = performance.now()
    // The survivor's shard partner makes its replication fail; the other shard's members
    // make its forwarding fail over. A cycle of 8 rounds, each victim and kind in turn.
    const cycle: Array<['pause' | 'cut' | 'kill', string]> = [
      ['pause', partner],
      ['cut', otherA],
      ['cut', partner],
      ['pause', otherB],
      ['pause', partner],
      ['cut', otherB],
      ['pause', otherA],
      ['kill', partner],
    ]
    const killed = [partner, otherA, otherB]
    const shardOf = (node: string) => (node === partner ? 1 : 2)
    const tally = new Map<string, number>()
    for (let round = 0; round < rounds; round++) {
      const [kind, planned] = cycle[round % cycle.length]
      const victim = kind === 'kill' ? killed[Math.floor(round / cycle.length) % killed.length] : planned
      tally.set(kind, (tally.get(kind) ?? 0) + 1)
      // Each fault holds until the survivor answered 3 more writes to the victim's shard
      // (each had to get past the fault), then the clients get 8 answers before the next.
      const through = () => traffic!.putsAnsweredAtLeast(shardOf(victim), traffic!.putsAnswered(shardOf(victim)) + 3)
      if (kind === 'pause') {
        c.pause(victim)
        await through()
        c.resume(victim)
      } else if (kind === 'cut') {
        expect((await faults(victim, 'POST', {isolate: true})).status).to.equal(200)
        await through()
        expect((await faults(victim, 'DELETE')).status).to.equal(200)
      } else {
        await c.kill(victim, 'SIGKILL')
        await through()
        await c.startNode(victim, {dataDir: 'same'})
      }
      await traffic.completedAtLeast(traffic.completed + 8)
    }
    const loopDone = performance.now()
    await traffic.stop()
    const answered = history.operations.filter((op) => op.status !== null).length

    await waitFor(async () => (await Promise.all(c.addresses.map(viewOf))).every((v) => v.length === nodes), {
      timeoutMs: 15_000,
      what: 'every node to see every other again',
    })
    const after = await settled(survivor, before)
    const settledAt = performance.now()

    console.log(
      `      ${rounds} rounds (${[...tally].map(([k, n]) => `${n} ${k}`).join(', ')}) in ${Math.round(loopDone - loopStarted)} ms with ${answered} requests answered by ${survivor}; ` +
        `settled ${Math.round(settledAt - loopDone)} ms after the loop; test ${Math.round(settledAt - started)} ms\n` +
        `      before: ${summarize(before)}\n      after:  ${summarize(after)}`,
    )
    expect(checkHistory(history.operations).map((v) => `${v.guarantee}: ${v.explanation}`)).to.deep.equal([])
  })
})

/**
 * Polls the survivor (with a full GC first) until nothing is in flight and, when a
 * baseline is given, every count is back within its slack of it; returns that status.
 */
async function settled(node: string, baseline: ProcessStatus | null): Promise<ProcessStatus> {
  return waitFor(
    async () => {
      const status = await processOf(node)
      const problems: string[] = []
      const {peerSockets, backlog} = status
      if (!status.gc) problems.push('the node did not run a GC (started without --expose-gc?)')
      if (peerSockets && (peerSockets.running > 0 || peerSockets.queued > 0)) problems.push(`peer requests in flight: ${JSON.stringify(peerSockets)}`)
      if (backlog.pendingOps > 0 || backlog.pulls > 0 || backlog.waiters > 0) problems.push(`replication queues: ${JSON.stringify(backlog)}`)
      if (baseline) {
        for (const [type, count] of Object.entries(status.activeResources)) {
          const allowed = (baseline.activeResources[type] ?? 0) + (resourceSlack[type] ?? defaultSlack)
          if (count > allowed) problems.push(`${count} ${type} (before: ${baseline.activeResources[type] ?? 0}, allowed ${allowed})`)
        }
        const connected = peerSockets?.connected ?? 0
        const allowedSockets = (baseline.peerSockets?.connected ?? 0) + peerSocketSlack
        if (connected > allowedSockets) problems.push(`${connected} open peer sockets (before: ${baseline.peerSockets?.connected}, allowed ${allowedSockets})`)
        if (status.openFds !== null && baseline.openFds !== null && status.openFds > baseline.openFds + fdSlack) {
          problems.push(`${status.openFds} open file descriptors (before: ${baseline.openFds}, allowed ${baseline.openFds + fdSlack})`)
        }
        if (status.heapUsedBytes > baseline.heapUsedBytes + heapSlackBytes) {
          problems.push(`heap ${mb(status.heapUsedBytes)} after GC (before: ${mb(baseline.heapUsedBytes)})`)
        }
      }
      if (problems.length > 0) throw new Error(problems.join('; '))
      return status
    },
    {timeoutMs: 20_000, intervalMs: 500, what: `${node} to settle${baseline ? ' back to its resources before the loop' : ''}`},
  )
}

async function processOf(node: string): Promise<ProcessStatus> {
  const {status, body} = await http(node, 'GET', '/admin/status?gc=true', undefined, {timeoutMs: 5_000})
  if (status !== 200) throw new Error(`GET /admin/status at ${node}: ${status}`)
  return body.process as ProcessStatus
}

function summarize(s: ProcessStatus): string {
  const resources = Object.entries(s.activeResources)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([type, n]) => `${type} ${n}`)
    .join(', ')
  return `${resources}; fds ${s.openFds}; peer sockets ${s.peerSockets?.connected} open; inbound ${s.inboundConnections}; heap ${mb(s.heapUsedBytes)}, rss ${mb(s.rssBytes)}; backlog ${JSON.stringify(s.backlog)}`
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

async function faults(node: string, method: 'POST' | 'DELETE', body?: unknown): Promise<{status: number}> {
  const res = await fetch(`http://${node}/admin/faults`, {
    method,
    headers: body === undefined ? {} : {'content-type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  })
  await res.arrayBuffer()
  return {status: res.status}
}

async function viewOf(node: string): Promise<string[]> {
  const {body} = await http(node, 'GET', '/key-value-store-view', undefined, {timeoutMs: 3_000})
  return String(body.view).split(',')
}

/** Causal sessions sending PUTs and GETs of random keys to one node until stopped. */
class Traffic {
  completed = 0
  private readonly puts = new Map<number, number>()
  private stopped = false
  private readonly running: Promise<void[]>

  constructor(
    sessions: readonly Session[],
    private readonly keys: readonly string[],
    private readonly node: string,
  ) {
    this.running = Promise.all(sessions.map((s) => this.run(s)))
    this.running.catch(() => {})
  }

  completedAtLeast(n: number): Promise<boolean> {
    return waitFor(() => this.completed >= n, {timeoutMs: 30_000, intervalMs: 20, what: `${n} answered requests (have ${this.completed})`})
  }

  /** Answered PUTs (any status) to keys of `shard`. */
  putsAnswered(shard: number): number {
    return this.puts.get(shard) ?? 0
  }

  putsAnsweredAtLeast(shard: number, n: number): Promise<boolean> {
    return waitFor(() => this.putsAnswered(shard) >= n, {timeoutMs: 30_000, intervalMs: 20, what: `${n} answered PUTs to shard ${shard}`})
  }

  async stop(): Promise<void> {
    this.stopped = true
    await this.running
  }

  private async run(session: Session): Promise<void> {
    for (let seq = 0; !this.stopped; seq++) {
      const key = this.keys[Math.floor(Math.random() * this.keys.length)]
      try {
        if (seq % 2 === 0) {
          await session.put(key, `${session.name}:${seq}`, {node: this.node})
          const shard = shardOfKey(key, shards)
          this.puts.set(shard, this.putsAnswered(shard) + 1)
        } else {
          await session.get(key, {node: this.node})
        }
      } catch {
        // No answer in time: recorded in the history as such.
      }
      this.completed++
    }
  }
}

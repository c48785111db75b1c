/**
 * Fault suite (issues 3 and 4) against real node processes: SIGKILL and restart during
 * writes, a paused (SIGSTOP) primary under causal clients, a partition healed, a node
 * down during writes. Each test asserts that no acknowledged write is lost, that replicas
 * converge, and (where clients thread metadata) that no causal guarantee is broken.
 */
import {expect} from 'chai'

import {type Cluster, http, initialShards, Session, shardOfKey, startCluster, type ClusterOptions} from '../support/cluster.js'
import {checkHistory, History, type Operation} from '../support/history.js'
import {waitFor} from '../../src/wait-for.js'

const shards = 2
/** Two members per shard: every fault leaves a shard with one survivor. */
const nodes = 4

describe('faults (real processes)', function () {
  this.timeout(90_000)
  let cluster: Cluster | undefined
  /** Client loops of the running test, stopped before its cluster even when it fails. */
  let loads: Array<{stop(): Promise<unknown>}> = []
  const running = <T extends {stop(): Promise<unknown>}>(load: T): T => {
    loads.push(load)
    return load
  }

  /** Options of the running cluster, which tests asking for the same options share. */
  let clusterOptions = ''

  /**
   * A cluster with `options`: the running one when it has them, healed first (every node
   * running and resumed, and in every view), else a new one. Tests write keys of their own
   * and judge histories of their own, so a cluster one test has faulted and healed serves
   * the next as a new one would, at the cost of no start-up.
   */
  async function newCluster(options: Partial<ClusterOptions> = {}): Promise<Cluster> {
    if (cluster && clusterOptions === JSON.stringify(options)) {
      await heal(cluster)
      return cluster
    }
    await cluster?.stopAll()
    cluster = await startCluster({nodes, shards, ...options})
    clusterOptions = JSON.stringify(options)
    return cluster
  }

  afterEach(async function () {
    await Promise.allSettled(loads.map((l) => l.stop()))
    loads = []
    if (this.currentTest?.state === 'failed' && cluster) {
      // The next test gets a new cluster, not one left in an unknown state.
      console.log(cluster.logTails(40))
      await cluster.stopAll()
      cluster = undefined
    }
  })

  after(async () => {
    await cluster?.stopAll()
  })

  it('loses no acknowledged write when a random shard member is SIGKILLed and restarted, round after round', async () => {
    const c = await newCluster()
    const history = new History()
    const writers = ['w1', 'w2', 'w3'].map((name, i) => running(new StreamWriter(new Session(name, history), keysNamed(`a${i}-`, 12), () => c.live)))
    const killed: string[] = []
    for (let round = 0; round < 3; round++) {
      await writtenAtLeast(writers, 15 * (2 * round + 1))
      const victim = pick(c.addresses)
      killed.push(victim)
      await c.kill(victim, 'SIGKILL')
      await writtenAtLeast(writers, 15 * (2 * round + 2))
      await c.startNode(victim, {view: c.addresses, shardCount: shards})
    }
    await Promise.all(writers.map((w) => w.stop()))
    expect(acked(writers), `writes acknowledged (killed ${killed.join(', ')})`).to.be.greaterThan(60)

    await expectEveryMemberHolds(c, writers, 20_000)
    await readBackThroughSessions(c, writers)
    expect(explain(history)).to.deep.equal([])
  })

  it('answers every request and breaks no session guarantee while a shard primary is paused and resumed', async () => {
    const c = await newCluster()
    const history = new History()
    const keys = keysNamed('b', 8)
    const pausedShard = shardOfKey(keys[0], shards)
    expect(new Set(keys.map((k) => shardOfKey(k, shards))).size, 'keys cover both shards').to.equal(shards)
    const primary = await waitFor(() => primaryOf(c.addresses[0], pausedShard), {timeoutMs: 10_000, what: `a primary for shard ${pausedShard}`})
    const survivor = (initialShards(c.addresses, shards).get(pausedShard) as string[]).find((a) => a !== primary) as string

    const load = running(new CausalLoad(['alice', 'bob', 'carol'].map((name) => new Session(name, history)), keys, c.addresses))
    await load.completedAtLeast(60)
    await load.withdraw(primary)
    c.pause(primary)
    const pausedAt = performance.now()
    await waitFor(async () => (await primaryOf(survivor, pausedShard)) === survivor, {
      timeoutMs: 10_000,
      what: `${survivor} to report itself primary of shard ${pausedShard} after ${primary} was paused`,
    })
    await waitFor(() => ackedPutsSince(history, pausedAt, pausedShard) >= 5, {
      timeoutMs: 15_000,
      what: `5 writes to shard ${pausedShard} acknowledged while its primary ${primary} is paused`,
    })
    c.resume(primary)
    // Every session now goes to the resumed primary, which missed the writes made while it
    // was paused: it must catch up (or answer 503) before serving them.
    load.setTargets([primary])
    await load.completedAtLeast(load.completed + 30)
    load.setTargets(c.addresses)
    await load.completedAtLeast(load.completed + 60)
    await load.stop()

    const unanswered = history.operations.filter((op) => op.status === null)
    expect(unanswered.map((op) => `${op.client} ${op.kind} ${op.key} at ${op.node}: ${op.error}`), 'requests without an answer').to.deep.equal([])
    const serverErrors = history.operations.filter((op) => op.status !== null && op.status >= 500 && op.status !== 503)
    expect(serverErrors.map((op) => `${op.kind} ${op.key} at ${op.node}: ${op.status}`), 'server errors').to.deep.equal([])
    expect(explain(history)).to.deep.equal([])
  })

  it('does not apply again, on resume, a write whose forward to the paused primary timed out', async () => {
    const c = await newCluster()
    const history = new History()
    const key = 'f0'
    const shard = shardOfKey(key, shards)
    const members = initialShards(c.addresses, shards).get(shard) as string[]
    const forwarder = c.addresses.find((a) => !members.includes(a)) as string
    const primary = await waitFor(() => primaryOf(forwarder, shard), {timeoutMs: 10_000, what: `a primary for shard ${shard}`})

    c.pause(primary)
    // The forward of the first PUT waits in the paused primary's socket until the forwarder
    // gives up and retries on the other member; the second PUT causally follows the first.
    const client = new Session('client', history)
    for (const value of ['client:1', 'client:2']) {
      const answer = await client.put(key, value, {node: forwarder})
      expect(answer.status, `PUT ${key}=${value} via ${forwarder} while ${primary} is paused: ${JSON.stringify(answer.body)}`).to.be.oneOf([200, 201])
    }
    c.resume(primary)

    const settled = await settledCopies(members, key, 15_000)
    expect(settled.map((copy, i) => `${members[i]}: ${copy.status} ${copy.value} ${JSON.stringify(copy.metadata)}`), 'copies once settled').to.deep.equal(
      members.map((m) => `${m}: 200 client:2 ${JSON.stringify(settled[0].metadata)}`),
    )
    for (const m of members) await client.get(key, {node: m})
    expect(explain(history)).to.deep.equal([])
  })

  it('converges to identical values and causal metadata after a partition with concurrent writes on both sides', async () => {
    const c = await newCluster()
    const history = new History()
    const [sideA, sideB] = initialShards(c.addresses, shards).get(1) as string[]
    const keys = keysNamed('c', 12).filter((k) => shardOfKey(k, shards) === 1)
    expect(keys.length).to.be.greaterThan(3)

    c.pause(sideB)
    // Requests to the paused side wait in its socket buffer and are served, concurrently
    // with side A's writes, the moment it resumes.
    const writesOnB = keys.map((k) => new Session(`B-${k}`, history, 60_000).put(k, `B:${k}`, {node: sideB}))
    // Awaited below; marked handled now so that a failure before that point is reported
    // as itself, not as an unhandled rejection when the cluster stops.
    for (const write of writesOnB) write.catch(() => {})
    const writerA = new Session('A', history)
    const lastOnA = new Map<string, string>()
    const putOnA = async (round: number) => {
      for (const k of keys) {
        const answer = await writerA.put(k, `A:${k}:${round}`, {node: sideA})
        expect(answer.status, `PUT ${k} at ${sideA} while ${sideB} is paused: ${JSON.stringify(answer.body)}`).to.be.oneOf([200, 201])
        lastOnA.set(k, `A:${k}:${round}`)
      }
    }
    await putOnA(1)
    await waitFor(async () => !(await viewOf(sideA)).includes(sideB), {timeoutMs: 10_000, what: `${sideA} to drop paused ${sideB} from its view`})
    await putOnA(2)
    c.resume(sideB)
    for (const answer of await Promise.all(writesOnB)) {
      expect(answer.status, `queued PUT ${answer.op.key} at ${sideB}: ${JSON.stringify(answer.body)}`).to.be.oneOf([200, 201])
    }

    const members = [sideA, sideB]
    const converged = await waitFor(
      async () => {
        const differing: string[] = []
        const finals = new Map<string, string>()
        for (const k of keys) {
          const copies = await Promise.all(members.map((m) => readAt(m, k, '')))
          const [first] = copies
          if (copies.some((copy) => copy.status !== first.status || copy.value !== first.value || !deepEqual(copy.metadata, first.metadata))) {
            differing.push(`${k}: ${members.map((m, i) => `${m} ${copies[i].status} ${copies[i].value} ${JSON.stringify(copies[i].metadata)}`).join(' | ')}`)
          }
          finals.set(k, first.value as string)
        }
        if (differing.length > 0) throw new Error(`members differ on ${differing.length} keys: ${differing.slice(0, 4).join('; ')}`)
        return finals
      },
      {timeoutMs: 15_000, intervalMs: 500, what: `${members.join(' and ')} to hold identical values and causal metadata`},
    )
    for (const k of keys) {
      expect(converged.get(k), `final value of ${k}: one of the last concurrent writes`).to.be.oneOf([lastOnA.get(k), `B:${k}`])
    }

    for (const k of keys) for (const m of members) await writerA.get(k, {node: m})
    expect(explain(history)).to.deep.equal([])
  })

  for (const restart of ['same data directory, only SOCKET_ADDRESS and KVS_DATA_DIR', 'fresh data directory, VIEW and SHARD_COUNT'] as const) {
    it(`catches up a node that was down during N writes (restart on a ${restart})`, async () => {
      const c = await newCluster()
      const history = new History()
      const down = pick(c.addresses)
      const downShard = shardOfNode(c, down)
      await c.kill(down, 'SIGKILL')

      const writer = new Session('writer', history)
      const written = new Map<string, string>()
      const others = c.addresses.filter((a) => a !== down)
      // Keys of its own per variant: the two share a cluster.
      for (const k of keysNamed(restart.startsWith('same') ? 'd' : 'g', 120)) {
        const answer = await writer.put(k, `writer:${k}`, {node: pick(others)})
        expect(answer.status, `PUT ${k} while ${down} is down: ${JSON.stringify(answer.body)}`).to.be.oneOf([200, 201])
        written.set(k, `writer:${k}`)
      }
      const ownKeys = [...written.keys()].filter((k) => shardOfKey(k, shards) === downShard)
      await waitFor(async () => (await viewsHolding(others, down)).length === 0, {timeoutMs: 15_000, what: `every live node to drop ${down} from its view`})
      const {body} = await http(others[0], 'GET', `/key-value-store-shard/shard-id-members/${downShard}`)
      expect(body['shard-id-members'], `a down node keeps its shard membership (API.md 9.8)`).to.include(down)

      await c.startNode(
        down,
        restart.startsWith('same') ? {dataDir: 'same'} : {dataDir: 'fresh', view: c.addresses, shardCount: shards},
      )
      // Each key is overwritten while the peers may still count the node down, then read at
      // once at the node with the writer's metadata: it must answer that write (after
      // catching up) or 503, never older data.
      const stale: string[] = []
      for (const k of ownKeys) {
        const answer = await writer.put(k, `writer:${k}:again`, {node: pick(others)})
        expect(answer.status, `PUT ${k} as ${down} restarts: ${JSON.stringify(answer.body)}`).to.be.oneOf([200, 201])
        written.set(k, `writer:${k}:again`)
        const read = await writer.get(k, {node: down})
        if (read.status !== 503 && (read.status !== 200 || read.body.value !== written.get(k))) stale.push(`${k}: ${read.status} ${read.body.value}`)
      }
      expect(stale, `reads at ${down} with the writer's metadata right after its restart`).to.deep.equal([])

      await waitFor(
        async () => {
          const copies = await Promise.all(ownKeys.map((k) => readAt(down, k, '')))
          const missing = copies.flatMap((r, i) => (r.status === 200 && r.value === written.get(ownKeys[i]) ? [] : [`${ownKeys[i]}: ${r.status} ${r.value}`]))
          if (missing.length > 0) throw new Error(`${down} lacks ${missing.length}/${ownKeys.length} keys of shard ${downShard}: ${missing.slice(0, 5).join('; ')}`)
          return true
        },
        {timeoutMs: 15_000, intervalMs: 500, what: `${down} to hold every write of shard ${downShard} made while it was down`},
      )
      await waitFor(async () => (await viewsHolding(c.addresses, down)).length === c.addresses.length, {
        timeoutMs: 15_000,
        what: `${down} to reappear in every view`,
      })
      for (const k of written.keys()) await writer.get(k, {node: down})
      expect(explain(history)).to.deep.equal([])
    })
  }

  it('loses no acknowledged write when every member of a shard is SIGKILLed at once (fsync always)', async () => {
    const c = await newCluster({fsync: 'always'})
    const history = new History()
    const writers = ['w1', 'w2'].map((name, i) => running(new StreamWriter(new Session(name, history), keysNamed(`e${i}-`, 12), () => c.live)))
    await writtenAtLeast(writers, 40)
    const shard = initialShards(c.addresses, shards).get(1) as string[]
    await Promise.all(shard.map((a) => c.kill(a, 'SIGKILL')))
    await writtenAtLeast(writers, 60)
    await Promise.all(shard.map((a) => c.startNode(a, {view: c.addresses, shardCount: shards})))
    const restartedAt = performance.now()
    await waitFor(() => ackedPutsSince(history, restartedAt, 1) >= 10, {timeoutMs: 15_000, what: 'writes to shard 1 acknowledged again after its restart'})
    await Promise.all(writers.map((w) => w.stop()))

    await expectEveryMemberHolds(c, writers, 20_000)
    await readBackThroughSessions(c, writers)
    expect(explain(history)).to.deep.equal([])
  })
})

/**
 * Writes its keys round-robin through random live nodes until stopped, threading its
 * session's metadata, and remembers for each key every value attempted and which was the
 * last acknowledged. A write that fails or gets no answer may still have been applied.
 */
class StreamWriter {
  readonly attempts = new Map<string, string[]>()
  readonly lastAcked = new Map<string, number>()
  writes = 0
  private stopped = false
  private readonly running: Promise<void>

  constructor(
    readonly session: Session,
    readonly keys: readonly string[],
    private readonly targets: () => readonly string[],
  ) {
    this.running = this.run()
    // Awaited by stop(); marked handled here so a failure surfaces there, not as unhandled.
    this.running.catch(() => {})
  }

  /** Values a member may hold for `key`: the last acknowledged one or any attempted after it. */
  acceptable(key: string): string[] | undefined {
    const acked = this.lastAcked.get(key)
    return acked === undefined ? undefined : (this.attempts.get(key) as string[]).slice(acked)
  }

  stop(): Promise<void> {
    this.stopped = true
    return this.running
  }

  private async run(): Promise<void> {
    for (let seq = 0; !this.stopped; seq++) {
      const key = this.keys[seq % this.keys.length]
      const value = `${this.session.name}:${seq}`
      const tried = this.attempts.get(key) ?? []
      this.attempts.set(key, [...tried, value])
      const node = pick(this.targets())
      try {
        const answer = await this.session.put(key, value, {node})
        if (answer.status === 200 || answer.status === 201) this.lastAcked.set(key, tried.length)
      } catch {
        // No answer (the node was killed mid-request): recorded in the history as such.
      }
      this.writes++
    }
  }
}

/**
 * Causal sessions reading and writing random keys through random target nodes until
 * stopped. A node can be withdrawn from the targets (waiting until no request to it is in
 * flight) so that it can be paused without a client waiting on it.
 */
class CausalLoad {
  completed = 0
  private stopped = false
  private targets: string[]
  private readonly inFlight = new Map<string, number>()
  private readonly running: Promise<void[]>

  constructor(
    private readonly sessions: readonly Session[],
    private readonly keys: readonly string[],
    targets: readonly string[],
  ) {
    this.targets = [...targets]
    this.running = Promise.all(sessions.map((s) => this.run(s)))
    // Awaited by stop(); marked handled here so a failure surfaces there, not as unhandled.
    this.running.catch(() => {})
  }

  completedAtLeast(n: number): Promise<boolean> {
    return waitFor(() => this.completed >= n, {timeoutMs: 30_000, intervalMs: 50, what: `${n} completed requests (have ${this.completed})`})
  }

  async withdraw(node: string): Promise<void> {
    this.targets = this.targets.filter((t) => t !== node)
    await waitFor(() => (this.inFlight.get(node) ?? 0) === 0, {timeoutMs: 10_000, intervalMs: 20, what: `requests to ${node} to finish`})
  }

  setTargets(nodes: readonly string[]): void {
    this.targets = [...nodes]
  }

  async stop(): Promise<void> {
    this.stopped = true
    await this.running
    // Each session ends by reading every key, so the history checks its whole past.
    for (const session of this.sessions) for (const k of this.keys) await this.request((node) => session.get(k, {node}))
  }

  private async run(session: Session): Promise<void> {
    for (let seq = 0; !this.stopped; seq++) {
      const key = pick(this.keys)
      await this.request((node) =>
        Math.random() < 0.4 ? session.put(key, `${session.name}:${seq}`, {node}) : session.get(key, {node}),
      )
    }
  }

  private async request(send: (node: string) => Promise<unknown>): Promise<void> {
    const node = pick(this.targets)
    this.inFlight.set(node, (this.inFlight.get(node) ?? 0) + 1)
    try {
      await send(node)
    } catch {
      // No answer within the session timeout: recorded with status null, asserted by the test.
    } finally {
      this.inFlight.set(node, (this.inFlight.get(node) ?? 0) - 1)
      this.completed++
    }
  }
}

function shardOfNode(cluster: Cluster, node: string): number {
  const entry = [...initialShards(cluster.addresses, shards)].find(([, members]) => members.includes(node))
  if (!entry) throw new Error(`${node} is in no shard`)
  return entry[0]
}

/** Acknowledged PUTs to keys of `shard` sent after `since`. */
function ackedPutsSince(history: History, since: number, shard: number): number {
  const acked = (op: Operation) => op.kind === 'put' && op.start >= since && (op.status === 200 || op.status === 201)
  return history.operations.filter((op) => acked(op) && shardOfKey(op.key, shards) === shard).length
}

function keysNamed(prefix: string, count: number): string[] {
  return Array.from({length: count}, (_, i) => `${prefix}${i}`)
}

function pick<T>(items: readonly T[]): T {
  if (items.length === 0) throw new Error('nothing to pick from')
  return items[Math.floor(Math.random() * items.length)]
}

function acked(writers: readonly StreamWriter[]): number {
  return writers.reduce((sum, w) => sum + w.session.history.operations.filter((op) => op.client === w.session.name && (op.status === 200 || op.status === 201)).length, 0)
}

function writtenAtLeast(writers: readonly StreamWriter[], each: number): Promise<boolean> {
  return waitFor(() => writers.every((w) => w.writes >= each), {
    timeoutMs: 30_000,
    intervalMs: 50,
    what: `each writer to attempt ${each} writes (have ${writers.map((w) => w.writes).join(', ')})`,
  })
}

function explain(history: History): string[] {
  return checkHistory(history.operations).map((v) => `${v.guarantee}: ${v.explanation}`)
}

interface Copy {
  readonly status: number
  readonly value: unknown
  readonly metadata: unknown
}

/** GET at one node with the given metadata; reads at a member of the key's shard are served locally. */
async function readAt(node: string, key: string, metadata: unknown): Promise<Copy> {
  const answer = await http(node, 'GET', `/key-value-store/${encodeURIComponent(key)}`, {'causal-metadata': metadata}, {timeoutMs: 5_000})
  return {status: answer.status, value: answer.body.value, metadata: answer.body['causal-metadata']}
}

/** Every member of each key's shard holds, with identical values, the last acknowledged write (or a later attempt). */
async function expectEveryMemberHolds(cluster: Cluster, writers: readonly StreamWriter[], timeoutMs: number): Promise<void> {
  const layout = initialShards(cluster.addresses, shards)
  const expected = writers.flatMap((w) => w.keys.flatMap((k) => (w.acceptable(k) ? [{key: k, values: w.acceptable(k) as string[]}] : [])))
  await waitFor(
    async () => {
      const wrong: string[] = []
      await Promise.all(
        expected.map(async ({key, values}) => {
          const members = layout.get(shardOfKey(key, shards)) as string[]
          const copies = await Promise.all(members.map((m) => readAt(m, key, '')))
          const bad = copies.some((c) => c.status !== 200 || !values.includes(c.value as string) || c.value !== copies[0].value)
          if (bad) wrong.push(`${key} (want one of ${values.join(',')}): ${members.map((m, i) => `${m} ${copies[i].status} ${copies[i].value}`).join(' | ')}`)
        }),
      )
      if (wrong.length > 0) throw new Error(`${wrong.length}/${expected.length} keys wrong: ${wrong.slice(0, 5).join('; ')}`)
      return true
    },
    {timeoutMs, intervalMs: 500, what: 'every member of each shard to hold every acknowledged write'},
  )
}

/** Each writer reads its keys back through random nodes with its threaded metadata (read-your-writes). */
async function readBackThroughSessions(cluster: Cluster, writers: readonly StreamWriter[]): Promise<void> {
  for (const w of writers) for (const k of w.keys) await w.session.get(k, {node: pick(cluster.addresses)})
}

async function primaryOf(askAt: string, shard: number): Promise<string> {
  const {status, body} = await http(askAt, 'GET', '/admin/status', undefined, {timeoutMs: 3_000})
  if (status !== 200) throw new Error(`GET /admin/status at ${askAt}: ${status} ${JSON.stringify(body)}`)
  const entries = body.nodes as Array<{address: string; shardId: number | null; primary: boolean}>
  const primary = entries.find((n) => n.shardId === shard && n.primary)
  if (!primary) throw new Error(`${askAt} reports no primary for shard ${shard}: ${JSON.stringify(entries)}`)
  return primary.address
}

/** Restarts stopped nodes on their data, resumes paused ones, and waits until every view lists every node. */
async function heal(cluster: Cluster): Promise<void> {
  for (const address of cluster.addresses) {
    const node = cluster.node(address)
    if (!node.running) await cluster.startNode(address)
    else if (node.paused) cluster.resume(address)
  }
  await waitFor(
    async () => {
      for (const node of cluster.addresses) if ((await viewOf(node)).length !== cluster.addresses.length) return false
      return true
    },
    {timeoutMs: 20_000, what: 'every node in every view before the next test'},
  )
}

async function viewOf(node: string): Promise<string[]> {
  const {body} = await http(node, 'GET', '/key-value-store-view', undefined, {timeoutMs: 3_000})
  return Array.isArray(body.view) ? (body.view as string[]) : String(body.view).split(',')
}

/**
 * Reads `key` at every member (metadata "") until all answer identically (value and
 * metadata) in two polls a second apart, so that late work such as a replayed request
 * has had its chance to show.
 */
async function settledCopies(members: readonly string[], key: string, timeoutMs: number): Promise<Copy[]> {
  let previous = ''
  return waitFor(
    async () => {
      const copies = await Promise.all(members.map((m) => readAt(m, key, '')))
      const now = JSON.stringify(copies.map((c) => [c.status, c.value, canonical(c.metadata)]))
      const settled = copies.every((c) => deepEqual(c, copies[0])) && now === previous
      previous = now
      if (!settled) throw new Error(`not settled: ${members.map((m, i) => `${m} ${copies[i].status} ${copies[i].value} ${JSON.stringify(copies[i].metadata)}`).join(' | ')}`)
      return copies
    },
    {timeoutMs, intervalMs: 1_000, what: `${members.join(' and ')} to hold one settled copy of ${key}`},
  )
}

/** The nodes among `askAt` whose view lists `node`. */
async function viewsHolding(askAt: readonly string[], node: string): Promise<string[]> {
  const views = await Promise.all(askAt.map(viewOf))
  return askAt.filter((_, i) => views[i].includes(node))
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))
}

/** JSON with object keys sorted: causal metadata compares as parsed JSON, key order free. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]))
  }
  return value
}

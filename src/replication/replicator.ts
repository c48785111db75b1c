/**
 * The replica of this node's shard: coordinates writes (log, apply, send to live peers,
 * answer once every reachable member applied), applies replicated ops in causal order,
 * serves reads once the client's causal past is covered, and catches up from peers. A
 * reshard builds the new layout's replica aside (reshard-participant.ts); this class holds
 * writes for its cutover and swaps the new replica in when the new layout is installed.
 * Decisions are the pure functions of delivery.ts and clock/; this class owns the timing
 * and the messages.
 */
import {mergeMetadata, noHistory, requiredClock, type CausalMetadata} from '../clock/causal-metadata.js'
import {HybridClock} from '../clock/hybrid-clock.js'
import {clockTotal, covers, type VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import {membersOf, shardOfNode, type ClusterConfig} from '../membership/cluster-config.js'
import type {PeerClient} from '../protocol/peer-client.js'
import {drainDeliverable} from './delivery.js'
import {PeerChannel} from './peer-channel.js'
import {CatchUp, type CatchUpHost} from './catch-up.js'
import {rebuildReplica} from './recovery.js'
import {ReshardParticipant, type ReplicaAccess, type ReshardClusterView} from './reshard-participant.js'
import {ShardState} from './shard-state.js'
import {StateTransfers, type TransferOffer} from './state-transfers.js'
import {WriteGate} from './write-gate.js'
import type {Op, Version} from './op.js'
import type {ReplicaStore, SnapshotHeader} from './replica-store.js'

/** What the replicator needs to know about the cluster (implemented by Membership). */
export interface ClusterView extends ReshardClusterView {
  livePeers(shard: number): readonly string[]
}

export interface ReplicatorOptions {
  cluster: ClusterView
  peers: PeerClient
  store: ReplicaStore
  log: {info(o: object | string, msg?: string): void; warn(o: object | string, msg?: string): void}
  /** Longest a request waits for its causal past to arrive before 503. */
  causalWaitMs?: number
  /** Longest a write waits for one peer's acknowledgement. */
  replicationTimeoutMs?: number
  peerTimeoutMs?: number
}

export interface ReadResult {
  version: Version | undefined
  meta: CausalMetadata
}

export interface WriteResult {
  /** Whether the key held a value (in the client's visible past) before this write. */
  existed: boolean
  meta: CausalMetadata
}

/** How long after a cutover the new layout's first snapshot is written (see persisted()). */
const snapshotAfterCutoverMs = 1000
/**
 * The log is compacted into a snapshot once it outgrows both this floor and a multiple of
 * the live data, so disk use stays proportional to the data, not to the write history.
 */
const compactFloorBytes = 4 * 1024 * 1024
const compactDataFactor = 4
/** A rough size of one key's snapshot record, to compare the log against. */
const approxRecordBytes = 160

export class Replicator implements ReplicaAccess, CatchUpHost {
  private state: ShardState | null = null
  private readonly hlc = new HybridClock()
  private readonly channels = new Map<string, PeerChannel>()
  private pending: Op[] = []
  /** Requests waiting for their causal past, woken by every applied op (and by their timer). */
  private readonly waiters = new Set<() => void>()
  /** The newest op log append: appends resolve in order, so it covers every earlier one. */
  private lastAppend: Promise<unknown> = Promise.resolve()
  private synced = false
  /**
   * The replica was rebuilt from a log that began a new layout after the last snapshot:
   * the keys that arrived by reshard are in no op, so it copies a peer's whole state.
   */
  private replicaIncomplete = false
  /** False until recover() has loaded the disk; installs wait for it. */
  private recovered = false
  private markRecovered!: () => void
  private readonly whenRecovered = new Promise<void>((resolve) => (this.markRecovered = resolve))
  private snapshotting: Promise<void> | null = null
  /** A reshard swapped in a replica no snapshot holds yet (see persisted()). */
  private snapshotDue = false
  /** Held closed by a reshard's cutover. */
  private readonly gate = new WriteGate()
  private readonly transfers = new StateTransfers()
  /** Fetches what this replica lacks from its shard's peers. */
  private readonly catchUp: CatchUp
  private readonly causalWaitMs: number
  private readonly replicationTimeoutMs: number
  private readonly peerTimeoutMs: number
  /** This node's part in a reshard: the new layout's replica, built while this one serves. */
  readonly reshard: ReshardParticipant

  constructor(private readonly opts: ReplicatorOptions) {
    this.causalWaitMs = opts.causalWaitMs ?? 1000
    this.replicationTimeoutMs = opts.replicationTimeoutMs ?? 800
    this.peerTimeoutMs = opts.peerTimeoutMs ?? 2000
    this.reshard = new ReshardParticipant({cluster: opts.cluster, replica: this, peers: opts.peers, log: opts.log})
    this.catchUp = new CatchUp({host: this, peers: opts.peers, log: opts.log, peerTimeoutMs: this.peerTimeoutMs})
  }

  /** What catch-up fetched from peers since start: single ops, and whole-state transfers. */
  get fetched(): {ops: number; transfers: number} {
    return this.catchUp.fetched
  }

  get self(): string {
    return this.opts.cluster.self
  }

  // ---- status ------------------------------------------------------------------------

  get shard(): number | null {
    return this.state?.shard ?? null
  }

  get ready(): boolean {
    return this.recovered && (this.state === null || this.synced)
  }

  summary(): {shard: number | null; layoutEpoch: number; applied: number; clock: VectorClock; ready: boolean} {
    const s = this.state
    return {shard: s?.shard ?? null, layoutEpoch: s?.epoch ?? 0, applied: s ? clockTotal(s.clock) : 0, clock: s?.clock ?? {}, ready: this.ready}
  }

  get liveKeys(): number {
    return this.state?.liveKeys ?? 0
  }

  /** Sizes of the queues that grow under faults and must shrink again (operator status). */
  get backlog(): {pendingOps: number; pulls: number; waiters: number; transfers: number} {
    return {pendingOps: this.pending.length, pulls: this.catchUp.pullsRunning, waiters: this.waiters.size, transfers: this.transfers.size}
  }

  // ---- start-up ------------------------------------------------------------------------

  /** Rebuilds the replica from the snapshot and log recovered from disk. */
  async recover(config: ClusterConfig | null): Promise<void> {
    // Built aside and installed at the end: requests meanwhile see no replica and go to peers.
    const {state, incomplete, replayed, highestTs} = await rebuildReplica(this.opts.store.recovered, config, this.self)
    this.hlc.observe(highestTs)
    this.replicaIncomplete = incomplete
    this.state = state
    this.recovered = true
    this.markRecovered()
    this.opts.log.info({keys: this.liveKeys, replayed, shard: this.shard}, 'replica recovered from disk')
  }

  /**
   * Copies what this replica lacks from a live peer of its shard before it counts as ready.
   * Gives up after `deadlineMs` when no peer answers (a whole cluster starting together).
   */
  async syncOnStart(deadlineMs: number): Promise<void> {
    const s = this.state
    if (!s) return
    const config = this.opts.cluster.config
    const peers = config ? membersOf(config, s.shard).filter((m) => m !== this.self) : []
    const until = Date.now() + deadlineMs
    while (Date.now() < until && !this.synced) {
      // Else try again until the deadline.
      if (await this.catchUp.pullFromAny(peers)) this.synced = true
      else await new Promise((r) => setTimeout(r, 100))
    }
    this.synced = true
  }

  // ---- reads and writes ----------------------------------------------------------------

  /**
   * The replica of `shard` in layout `layoutEpoch`, the layout the request was routed by;
   * else 'moved': a reshard swapped in another layout (shard numbers mean other keys there).
   */
  private requireState(shard: number, layoutEpoch: number): ShardState {
    const s = this.state
    if (!s || s.shard !== shard || s.epoch !== layoutEpoch) {
      throw new KvsError('UNAVAILABLE', 'This node does not hold the shard of that key', {shard, moved: true})
    }
    return s
  }

  async read(shard: number, layoutEpoch: number, key: string, meta: CausalMetadata | null): Promise<ReadResult> {
    const s = await this.covered(shard, layoutEpoch, meta)
    const version = s.get(key)
    const base = meta ?? noHistory(s.epoch)
    return {version, meta: version ? mergeMetadata(base, s.metadataOf(version)) : base}
  }

  /**
   * Writes `value` (null deletes). A delete of a missing key writes nothing. A write past
   * its `deadline` (ms since the epoch) is refused unapplied: its sender has given up. A
   * forwarded request `rid` this replica already applied is answered from that op.
   */
  async write(
    shard: number,
    layoutEpoch: number,
    key: string,
    value: string | null,
    meta: CausalMetadata | null,
    deadline?: number,
    rid?: string,
  ): Promise<WriteResult> {
    let s: ShardState
    // Re-check the gate after every wait: a cutover may have begun meanwhile, and from
    // the last check to `inflight++` nothing else can run.
    do {
      await this.gate.passed()
      s = await this.covered(shard, layoutEpoch, meta)
    } while (this.gate.isClosed)
    const done = rid === undefined ? undefined : s.appliedRequest(rid)
    if (done) {
      // Answered only once the op is in this replica's log too, as a write of its own would be.
      await this.lastAppend
      return {existed: done.existed, meta: mergeMetadata(meta ?? noHistory(s.epoch), {epoch: s.epoch, clocks: {[String(shard)]: {[done.origin]: done.seq}}})}
    }
    // At the deadline itself the sender may already have given up (its timeout fires then).
    if (deadline !== undefined && Date.now() >= deadline) {
      throw new KvsError('UNAVAILABLE', 'Unable to satisfy request', {reason: 'the forwarding node gave up on this write'})
    }
    const current = s.get(key)
    const existed = current !== undefined && current.value !== null
    const base = meta ?? noHistory(s.epoch)
    if (value === null && !existed) return {existed, meta: current ? mergeMetadata(base, s.metadataOf(current)) : base}
    this.gate.enter()
    try {
      const seq = (s.clock[this.self] ?? 0) + 1
      const clock = {...s.clock, [this.self]: seq}
      const deps = mergeMetadata(base, {epoch: s.epoch, clocks: {[String(shard)]: clock}})
      const written: Op = {shard, epoch: s.epoch, origin: this.self, seq, key, value, ts: this.hlc.now(), deps}
      const op: Op = rid === undefined ? written : {...written, rid}
      const durable = (this.lastAppend = this.opts.store.log.append(op))
      s.apply(op)
      this.applied()
      await Promise.all([durable, this.replicate(op)])
      return {existed, meta: deps}
    } finally {
      this.gate.leave()
    }
  }

  private async replicate(op: Op): Promise<void> {
    const peers = this.opts.cluster.livePeers(op.shard)
    await Promise.all(peers.map((peer) => this.channel(peer).send(op)))
  }

  private channel(peer: string): PeerChannel {
    let c = this.channels.get(peer)
    if (!c) {
      c = new PeerChannel(this.self, peer, this.opts.peers, this.replicationTimeoutMs)
      this.channels.set(peer, c)
    }
    return c
  }

  /** Waits until this replica covers what `meta` says the client saw of `shard`; else 503. */
  private async covered(shard: number, layoutEpoch: number, meta: CausalMetadata | null): Promise<ShardState> {
    const s = this.requireState(shard, layoutEpoch)
    // The client saw a layout this replica has not installed: its shard numbers mean
    // something else here, and a write would lose its own clock to the newer epoch.
    if (meta && meta.epoch > s.epoch) {
      throw new KvsError('UNAVAILABLE', 'This replica has not installed the layout the client has seen', {shard, moved: true})
    }
    await this.awaitCovered(s, requiredClock(meta, shard, s.epoch))
    return this.requireState(shard, layoutEpoch)
  }

  /** Waits until the replica `s` (while in force) covers `need`, pulling from live peers; else 503. */
  private async awaitCovered(s: ShardState, need: VectorClock): Promise<void> {
    if (covers(s.clock, need)) return
    const {shard} = s
    const until = Date.now() + this.causalWaitMs
    for (const peer of this.opts.cluster.livePeers(shard)) void this.catchUp.pullFrom(peer).catch(() => undefined)
    while (!covers(s.clock, need)) {
      const left = until - Date.now()
      if (left <= 0) throw new KvsError('UNAVAILABLE', 'Unable to satisfy request', {shard, need})
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t)
          this.waiters.delete(wake)
          resolve()
        }
        // Woken by the timer, it leaves too: a replica that applies nothing for long (cut
        // off) would otherwise keep one closure per 100 ms of every request that waited.
        const t = setTimeout(wake, Math.min(left, 100))
        this.waiters.add(wake)
      })
      this.requireState(shard, s.epoch)
    }
  }

  private applied(): void {
    if (!this.snapshotting && this.opts.store.log.logBytes > this.compactionThreshold()) void this.snapshot()
    if (this.waiters.size > 0) for (const w of [...this.waiters]) w()
  }

  // ---- replication from peers ----------------------------------------------------------

  /** Applies ops sent by `from`, in causal order; pulls what they depend on if needed. */
  async receive(ops: readonly Op[], from: string): Promise<void> {
    const s = this.state
    if (!s) throw new KvsError('CONFLICT', 'This node holds no shard')
    const appends: Promise<number>[] = []
    for (const op of ops) {
      if (op.shard !== s.shard || op.epoch !== s.epoch) throw new KvsError('CONFLICT', 'Op is for another shard or epoch')
      this.pending.push(op)
    }
    this.deliverPending(appends)
    if (this.pending.some((p) => ops.includes(p))) {
      // A pull from `from` already running may have been answered before `from` wrote what
      // these ops depend on (one pull per peer at a time): then wait for it and pull again.
      await this.catchUp.pullAgain(from)
      this.deliverPending(appends)
    }
    await Promise.all(appends)
    if (ops.some((op) => (s.clock[op.origin] ?? 0) < op.seq)) {
      throw new KvsError('UNAVAILABLE', 'Could not apply the ops in causal order yet')
    }
    // Some ops may have been applied by another delivery (a pull, a late batch) whose
    // appends are still under way: acknowledge only once they are logged too.
    await this.lastAppend
  }

  /**
   * A heartbeat showed `peer`'s clock in our shard: catch-up decides whether to pull.
   */
  peerAhead(peer: {address: string; shard: number | null; layoutEpoch: number; clock: VectorClock}): void {
    this.catchUp.peerAhead(peer)
  }

  // ---- what catch-up needs of this replica (CatchUpHost) -------------------------------

  current(): ShardState | null {
    return this.state
  }

  deliverOps(ops: readonly Op[]): {applied: number; logged: Promise<unknown>} {
    const appends: Promise<number>[] = []
    this.pending.push(...ops)
    this.deliverPending(appends)
    return {applied: appends.length, logged: Promise.all(appends)}
  }

  /** The replica in force lacks keys that came by reshard (see replicaIncomplete). */
  get incomplete(): boolean {
    return this.replicaIncomplete
  }

  async stateCopied(s: ShardState, peer: string): Promise<void> {
    this.replicaIncomplete = false
    this.applied()
    this.opts.log.info({peer, keys: s.liveKeys}, 'copied shard state from peer')
    await this.snapshot()
  }

  private deliverPending(appends: Promise<number>[]): void {
    const s = this.state
    if (!s) return
    this.pending = drainDeliverable(this.pending, s.clock, (op) => {
      s.apply(op)
      appends.push((this.lastAppend = this.opts.store.log.append(op)))
      this.hlc.observe(op.ts)
      this.applied()
      return s.clock
    })
  }


  /** Answers a peer's sync request: the ops it lacks, or a state transfer to page through. */
  syncFor(
    shard: number,
    epoch: number,
    theirs: VectorClock,
    full: boolean,
  ): {ops: Op[]} | TransferOffer {
    const s = this.state
    if (!s || s.shard !== shard || s.epoch !== epoch) throw new KvsError('CONFLICT', 'This node holds another shard or epoch')
    const ops = s.opsAfter(theirs, full)
    return ops ? {ops} : this.transfers.offer(s)
  }

  transferPage(id: string, offset: number, limit: number): {entries: Array<[string, Version]>; done: boolean} {
    return this.transfers.page(id, offset, limit)
  }

  // ---- configuration changes -------------------------------------------------------------

  /**
   * Adapts the replica to a newly committed configuration: a reshard swaps in the replica
   * the participant built for it; a new membership, or a layout this node did not copy
   * toward, copies the shard from its peers first.
   */
  async install(next: ClusterConfig, previous: ClusterConfig | null): Promise<void> {
    await this.whenRecovered
    const myShard = shardOfNode(next, this.self)
    if (previous && next.layoutEpoch !== previous.layoutEpoch) {
      const built = this.reshard.take(next)
      if (built !== undefined) {
        this.swapIn(built)
        // Written once the configuration is on disk (persisted()), in the background: the
        // cutover must not wait for it (it grows with the data), nor the configuration's
        // fsync behind it. A restart before it finds ops of the new layout after an older
        // snapshot, and copies a peer's whole state (see `replicaIncomplete`).
        this.snapshotDue = true
        return
      }
    }
    if (myShard === null) {
      this.swapIn(null)
      return
    }
    if (this.state && this.state.shard === myShard && this.state.epoch === next.layoutEpoch) return
    // A new member: start from the copy made before it joined (then only the writes since
    // are pulled), else empty. A node that missed a reshard starts empty. Either copies
    // from the shard's members before it counts as ready.
    this.swapIn(this.catchUp.takeJoined(myShard, next.layoutEpoch) ?? new ShardState(myShard, next.layoutEpoch))
    this.synced = false
    await this.catchUp.pullFromAny(membersOf(next, myShard).filter((m) => m !== this.self))
    this.synced = true
    await this.snapshot()
  }

  /**
   * The configuration installed last is on disk: write the snapshot a reshard left due, a
   * little later. Every node of the cluster snapshots at once after a cutover; on a small
   * machine that CPU would otherwise delay the last nodes' commits, and so the held writes
   * (measured: 270 ms instead of 40 ms for 20,000 keys, 6 nodes on 2 cores).
   */
  persisted(): void {
    if (!this.snapshotDue) return
    this.snapshotDue = false
    setTimeout(() => void this.snapshot(), snapshotAfterCutoverMs).unref()
  }

  /** Puts `state` in force and gives held writes back: they find the new layout (or 'moved'). */
  private swapIn(state: ShardState | null): void {
    this.state = state
    this.pending = []
    this.synced = true
    this.releaseWrites()
    if (this.waiters.size > 0) for (const w of [...this.waiters]) w()
  }

  /** Copies `shard` before this node joins it (add-member): see CatchUp.prepareJoin. */
  async prepareJoin(shard: number, layoutEpoch: number, peers: readonly string[]): Promise<{keys: number}> {
    await this.whenRecovered
    return this.catchUp.prepareJoin(shard, layoutEpoch, peers)
  }

  // ---- what a reshard needs of this replica (ReplicaAccess) ------------------------------

  stateOf(shard: number, layoutEpoch: number): ShardState {
    const s = this.state
    if (!s || s.shard !== shard || s.epoch !== layoutEpoch || !this.ready) {
      throw new KvsError('CONFLICT', 'This node holds no ready replica of that shard and layout', {shard, layoutEpoch})
    }
    return s
  }

  async awaitClock(shard: number, layoutEpoch: number, need: VectorClock): Promise<void> {
    await this.awaitCovered(this.stateOf(shard, layoutEpoch), need)
  }

  observeTimestamp(ts: number): void {
    this.hlc.observe(ts)
  }

  async holdWrites(): Promise<{shard: number | null; clock: VectorClock}> {
    await this.gate.close()
    return {shard: this.state?.shard ?? null, clock: this.state?.clock ?? {}}
  }

  releaseWrites(): void {
    this.gate.open()
  }

  /** Resolves once no cutover is holding writes (503 after 30 s). */
  awaitWritable(): Promise<void> {
    return this.gate.passed()
  }

  // ---- persistence -----------------------------------------------------------------------

  private compactionThreshold(): number {
    const keys = this.state?.versions.size ?? 0
    return Math.max(compactFloorBytes, compactDataFactor * keys * approxRecordBytes)
  }

  /** Writes the whole replica as a snapshot, which lets storage drop the log it covers. */
  snapshot(): Promise<void> {
    if (this.snapshotting) return this.snapshotting.then(() => this.snapshot())
    const s = this.state
    const header: SnapshotHeader = s
      ? {shard: s.shard, epoch: s.epoch, clock: s.clock}
      : {shard: 0, epoch: 0, clock: {}}
    const records: Iterable<[string, Version]> = s ? s.frozen() : []
    const coversIndex = this.opts.store.log.lastIndex
    this.snapshotting = this.opts.store.snapshots
      .write(header, records, coversIndex)
      .catch((error) => this.opts.log.warn({err: String(error)}, 'snapshot failed; the log still holds everything'))
      .finally(() => (this.snapshotting = null))
    return this.snapshotting
  }
}

/**
 * The replica of this node's shard, as the rest of the node sees it: reads once the
 * client's causal past is covered, writes (write-coordinator.ts), ops replicated from
 * peers, catch-up (catch-up.ts), start-up (start-up.ts), installs of new configurations
 * (config-install.ts) and, for a reshard, the new layout's replica built aside
 * (reshard-participant.ts, which reaches this one through reshard-access.ts) and swapped
 * in at its cutover. The replica in force and its applying live in replica.ts, snapshots
 * in compaction.ts; decisions are the pure functions of delivery.ts,
 * replication-policy.ts and config-install.ts.
 */
import {mergeMetadata, noHistory, type CausalMetadata} from '../clock/causal-metadata.js'
import {clockTotal, type VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import type {ClusterConfig} from '../membership/cluster-config.js'
import type {PeerClient} from '../protocol/peer-client.js'
import {CatchUp, type CatchUpHost} from './catch-up.js'
import {Compaction} from './compaction.js'
import {ConfigInstall} from './config-install.js'
import {Replica} from './replica.js'
import {ReshardAccess} from './reshard-access.js'
import {ReshardParticipant, type ReshardClusterView} from './reshard-participant.js'
import type {ShardState} from './shard-state.js'
import {StartUp} from './start-up.js'
import {StateTransfers, type TransferOffer} from './state-transfers.js'
import {WriteCoordinator, type WriteResult} from './write-coordinator.js'
import {WriteGate} from './write-gate.js'
import type {BatchOp, BatchPartOutcome} from './batch.js'
import type {Op, Version} from './op.js'
import {lastSeq, type Update} from './op-group.js'
import type {ReplicaStore} from './replica-store.js'

export type {WriteResult} from './write-coordinator.js'

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

export class Replicator implements CatchUpHost {
  private readonly replica: Replica
  private readonly writes: WriteCoordinator
  private readonly compaction: Compaction
  /** Recovery from disk, the first catch-up, and whether the replica in force caught up. */
  private readonly startUp: StartUp
  private readonly installs: ConfigInstall
  /** Held closed by a reshard's cutover. */
  private readonly gate = new WriteGate()
  private readonly transfers = new StateTransfers()
  /** Fetches what this replica lacks from its shard's peers. */
  private readonly catchUp: CatchUp
  private readonly causalWaitMs: number
  /** This node's part in a reshard: the new layout's replica, built while this one serves. */
  readonly reshard: ReshardParticipant

  constructor(private readonly opts: ReplicatorOptions) {
    this.causalWaitMs = opts.causalWaitMs ?? 1000
    const peerTimeoutMs = opts.peerTimeoutMs ?? 2000
    this.replica = new Replica(opts.store.log, () => this.compaction.check())
    this.compaction = new Compaction(opts.store, () => this.replica.current, opts.log)
    this.writes = new WriteCoordinator({
      self: opts.cluster.self,
      replica: this.replica,
      gate: this.gate,
      peers: opts.peers,
      livePeers: (shard) => opts.cluster.livePeers(shard),
      covered: (shard, layoutEpoch, meta) => this.covered(shard, layoutEpoch, meta),
      replicationTimeoutMs: opts.replicationTimeoutMs ?? 800,
    })
    const access = new ReshardAccess({
      replica: this.replica,
      gate: this.gate,
      ready: () => this.ready,
      causalWaitMs: this.causalWaitMs,
      pullForWaiters: (s) => this.pullForWaiters(s),
    })
    this.reshard = new ReshardParticipant({cluster: opts.cluster, replica: access, peers: opts.peers, log: opts.log})
    this.catchUp = new CatchUp({host: this, peers: opts.peers, log: opts.log, peerTimeoutMs})
    const {replica, catchUp, compaction, reshard, gate} = this
    this.startUp = new StartUp({cluster: opts.cluster, store: opts.store, replica, catchUp, log: opts.log})
    this.installs = new ConfigInstall({self: opts.cluster.self, replica, startUp: this.startUp, catchUp, reshard, compaction, gate})
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
    return this.replica.current?.shard ?? null
  }

  get ready(): boolean {
    return this.startUp.isRecovered && (this.replica.current === null || this.startUp.synced) && this.replica.logFailure === null
  }

  summary(): {shard: number | null; layoutEpoch: number; applied: number; clock: VectorClock; ready: boolean} {
    const s = this.replica.current
    return {shard: s?.shard ?? null, layoutEpoch: s?.epoch ?? 0, applied: s ? clockTotal(s.clock) : 0, clock: s?.clock ?? {}, ready: this.ready}
  }

  get liveKeys(): number {
    return this.replica.current?.liveKeys ?? 0
  }

  /** Sizes of the queues that grow under faults and must shrink again (operator status). */
  get backlog(): {pendingOps: number; pulls: number; waiters: number; transfers: number} {
    return {pendingOps: this.replica.pendingOps, pulls: this.catchUp.pullsRunning, waiters: this.replica.waiting, transfers: this.transfers.size}
  }

  /** Peers of this shard that let a write's acknowledgement time out and have not caught up. */
  get laggingPeers(): string[] {
    return this.writes.laggingPeers
  }

  // ---- start-up (start-up.ts) ---------------------------------------------------------

  /** Rebuilds the replica from the snapshot and log recovered from disk. */
  recover(config: ClusterConfig | null): Promise<void> {
    return this.startUp.recover(config)
  }

  /** Catches up from a live peer of the shard before counting as ready; see StartUp.syncOnStart. */
  syncOnStart(deadlineMs: number): Promise<void> {
    return this.startUp.syncOnStart(deadlineMs)
  }

  // ---- reads and writes ----------------------------------------------------------------

  async read(shard: number, layoutEpoch: number, key: string, meta: CausalMetadata | null): Promise<ReadResult> {
    const s = await this.covered(shard, layoutEpoch, meta)
    const version = s.get(key)
    const base = meta ?? noHistory(s.epoch)
    return {version, meta: version ? mergeMetadata(base, s.metadataOf(version)) : base}
  }

  /** See WriteCoordinator.write. */
  write(
    shard: number,
    layoutEpoch: number,
    key: string,
    value: string | null,
    meta: CausalMetadata | null,
    deadline?: number,
    rid?: string,
  ): Promise<WriteResult> {
    return this.writes.write(shard, layoutEpoch, key, value, meta, deadline, rid)
  }

  /** See WriteCoordinator.writeBatch. */
  writeBatch(shard: number, layoutEpoch: number, ops: readonly BatchOp[], meta: CausalMetadata | null, deadline?: number, rid?: string): Promise<BatchPartOutcome> {
    return this.writes.writeBatch(shard, layoutEpoch, ops, meta, deadline, rid)
  }

  /**
   * The live keys of `shard` starting with `prefix` and their values as of now, once the
   * client's causal past is covered (a scan's snapshot). The metadata covers every key in it.
   */
  async scanSnapshot(shard: number, layoutEpoch: number, meta: CausalMetadata | null, prefix: string): Promise<{keys: string[]; values: string[]; meta: CausalMetadata}> {
    const s = await this.covered(shard, layoutEpoch, meta)
    const {keys, values, other} = s.liveEntries(prefix)
    const own: CausalMetadata = {epoch: s.epoch, clocks: Object.keys(s.clock).length > 0 ? {[String(shard)]: s.clock} : {}}
    const seen = mergeMetadata(meta ?? noHistory(s.epoch), own)
    return {keys, values, meta: other ? mergeMetadata(seen, other) : seen}
  }

  /** The replica of `shard` once it covers what `meta` says the client saw of it; else 503. */
  private covered(shard: number, layoutEpoch: number, meta: CausalMetadata | null): Promise<ShardState> {
    return this.replica.covered(shard, layoutEpoch, meta, this.causalWaitMs, (s) => this.pullForWaiters(s))
  }

  private pullForWaiters(s: ShardState): void {
    for (const peer of this.opts.cluster.livePeers(s.shard)) void this.catchUp.pullFrom(peer).catch(() => undefined)
  }

  // ---- replication from peers ----------------------------------------------------------

  /** Applies ops and groups of writes sent by `from`, in causal order; pulls what they depend on if needed. */
  async receive(updates: readonly Update[], from: string): Promise<void> {
    const s = this.replica.current
    if (!s) throw new KvsError('CONFLICT', 'This node holds no shard')
    this.replica.requireWorkingLog()
    for (const u of updates) {
      if (u.shard !== s.shard || u.epoch !== s.epoch) throw new KvsError('CONFLICT', 'Op is for another shard or epoch')
    }
    const first = this.replica.deliver(updates)
    let again: Promise<unknown> = Promise.resolve()
    if (this.replica.isPending(updates)) {
      // A pull from `from` already running may have been answered before `from` wrote what
      // these ops depend on (one pull per peer at a time): then wait for it and pull again.
      await this.catchUp.pullAgain(from)
      again = this.replica.deliver([]).logged
    }
    await Promise.all([first.logged, again])
    if (updates.some((u) => (s.clock[u.origin] ?? 0) < lastSeq(u))) {
      throw new KvsError('UNAVAILABLE', 'Could not apply the ops in causal order yet')
    }
    // Some ops may have been applied by another delivery (a pull, a late batch) whose
    // appends are still under way: acknowledge only once they are logged too.
    await this.replica.logged
  }

  /** A heartbeat showed `peer`'s clock in our shard: catch-up decides whether to pull. */
  peerAhead(peer: {address: string; shard: number | null; layoutEpoch: number; clock: VectorClock}): void {
    this.catchUp.peerAhead(peer)
  }

  // ---- what catch-up needs of this replica (CatchUpHost) -------------------------------

  current(): ShardState | null {
    // A node whose log failed fetches nothing more: it could not log it (fail-stop).
    return this.replica.logFailure ? null : this.replica.current
  }

  deliverOps(ops: readonly Op[]): {applied: number; logged: Promise<unknown>} {
    this.replica.requireWorkingLog()
    return this.replica.deliver(ops)
  }

  observeTimestamp(ts: number): void {
    this.replica.hlc.observe(ts)
  }

  /** The replica in force lacks keys that came by reshard (see StartUp.incomplete). */
  get incomplete(): boolean {
    return this.startUp.incomplete
  }

  async stateCopied(s: ShardState, peer: string): Promise<void> {
    this.startUp.incomplete = false
    this.replica.applied()
    this.opts.log.info({peer, keys: s.liveKeys}, 'copied shard state from peer')
    await this.compaction.snapshot()
  }

  /** Answers a peer's sync request: the ops it lacks, or a state transfer to page through. */
  syncFor(shard: number, epoch: number, theirs: VectorClock, full: boolean): {ops: Op[]} | TransferOffer {
    const s = this.replica.current
    if (!s || s.shard !== shard || s.epoch !== epoch) throw new KvsError('CONFLICT', 'This node holds another shard or epoch')
    const ops = s.opsAfter(theirs, full)
    return ops ? {ops} : this.transfers.offer(s)
  }

  transferPage(id: string, offset: number, limit: number): {entries: Array<[string, Version]>; done: boolean} {
    return this.transfers.page(id, offset, limit)
  }

  // ---- configuration changes (config-install.ts) ----------------------------------------

  /** Adapts the replica to a newly committed configuration: see ConfigInstall.install. */
  install(next: ClusterConfig, previous: ClusterConfig | null): Promise<void> {
    return this.installs.install(next, previous)
  }

  /** The configuration installed last is on disk (see Compaction.persisted). */
  persisted(): void {
    this.installs.persisted()
  }

  /** Copies `shard` before this node joins it (add-member): see CatchUp.prepareJoin. */
  prepareJoin(shard: number, layoutEpoch: number, peers: readonly string[]): Promise<{keys: number}> {
    return this.installs.prepareJoin(shard, layoutEpoch, peers)
  }

  // ---- the write gate a reshard's cutover holds (reshard-access.ts) ----------------------

  /** Resolves once no cutover is holding writes (503 after 30 s). */
  awaitWritable(): Promise<void> {
    return this.gate.passed()
  }

  /** The node stops gracefully: a large log is snapshotted, so the restart reads it fast. */
  beforeClose(): Promise<void> {
    return this.compaction.beforeClose()
  }

  /** Writes the whole replica as a snapshot, which lets storage drop the log it covers. */
  snapshot(): Promise<void> {
    return this.compaction.snapshot()
  }
}

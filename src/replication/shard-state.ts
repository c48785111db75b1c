/**
 * One replica's in-memory state of its shard: the winning version of every key, the vector
 * clock of applied writes, and the recent ops (for peers that need to catch up).
 * Synchronous and free of I/O; the replicator logs ops before calling apply().
 */
import type {CausalMetadata} from '../clock/causal-metadata.js'
import {covers, type VectorClock} from '../clock/vector-clock.js'
import {checkCopyPage, type CopyPage, type CopyPageBuilder} from './copy-page.js'
import {makeVersion, opOf, otherDeps, toVersion, versionMetadata, versionOf, type LegacyVersion, type Op, type Version} from './op.js'
import type {OpGroup} from './op-group.js'
import type {VersionChunk} from './replica-store.js'
import {AppliedBatches, AppliedRequests, type AppliedBatch, type AppliedRequest} from './applied-requests.js'
import {RecentOps, type ChangesCursor} from './recent-ops.js'
import {VersionTable, type FrozenVersions} from './version-table.js'

/** Ops kept in memory for catch-up; older ones are served as a state transfer instead. */
export const retainedOps = 100_000
/** Bytes of keys and values those ops may hold (see RecentOps): a few large values must not fill the heap. */
export const retainedOpBytes = 64 * 1024 * 1024
/** Forwarded requests remembered, for retries of them (see applied-requests.ts). */
export const rememberedRequests = 50_000
/** Statuses of forwarded batch parts remembered, for retries of them: 100 parts of 10,000 ops. */
export const rememberedBatchStatuses = 1_000_000

export class ShardState {
  private readonly table = new VersionTable()
  private clockEntries: Record<string, number> = {}
  /** The last applied ops in application order (a causal order), and the clock before them. */
  private readonly recent: RecentOps
  private readonly requests = new AppliedRequests(rememberedRequests)
  private readonly batches = new AppliedBatches(rememberedBatchStatuses)
  /** Whether some versions arrived as state rather than as ops. */
  private transferred = false

  constructor(
    readonly shard: number,
    readonly epoch: number,
    retain: number = retainedOps,
    retainBytes: number = retainedOpBytes,
  ) {
    this.recent = new RecentOps(retain, undefined, retainBytes)
  }

  get clock(): VectorClock {
    return this.clockEntries
  }

  /** The winning version of every key (tombstones included), read-only. */
  get versions(): ReadonlyMap<string, Version> {
    return this.table
  }

  get liveKeys(): number {
    return this.table.liveKeys
  }

  get(key: string): Version | undefined {
    return this.table.get(key)
  }

  /** Adds the current version of `key` to a copy page (a reshard's snapshot, see reshard-source.ts). */
  addToPage(builder: CopyPageBuilder, key: string): void {
    this.table.addTo(builder, key)
  }

  /** The live keys starting with `prefix`, their values and dependencies, as of now (scans, see VersionTable.liveEntries). */
  liveEntries(prefix: string): ReturnType<VersionTable['liveEntries']> {
    return this.table.liveEntries(prefix)
  }

  /** Every (key, version) as of now, unaffected by later writes: for snapshots and transfers. */
  frozen(): FrozenVersions {
    return this.table.frozen()
  }

  /** The causal metadata a version of this replica stands for (see versionMetadata). */
  metadataOf(version: Version): CausalMetadata {
    return versionMetadata(version, this.shard, this.epoch)
  }

  /** Applies an op already known to be deliverable (or replayed from the local log). */
  apply(op: Op): void {
    if ((this.clockEntries[op.origin] ?? 0) >= op.seq) return
    const origin = this.table.intern(op.origin)
    this.clockEntries = {...this.clockEntries, [origin]: op.seq}
    const version = versionOf(op, origin)
    if (op.rid !== undefined) this.requests.record(op.rid, {origin, seq: op.seq, existed: (this.table.get(op.key)?.value ?? null) !== null})
    this.table.install(op.key, version)
    this.recent.push(op.key, version, op.rid)
  }

  /**
   * Applies the writes of group `g` (op-group.ts) before index `end` that are not applied
   * yet: the group is deliverable, or replayed from the local log. Returns how many.
   */
  applyGroup(g: OpGroup, end: number = g.keys.length): number {
    // A forwarded part's group: remembered once its last write is applied (see AppliedBatches).
    if (g.rid !== undefined && g.statuses && end === g.keys.length) {
      this.batches.record(g.rid, {origin: this.table.intern(g.origin), seq: g.seq + end - 1, statuses: g.statuses})
    }
    const from = Math.max(0, (this.clockEntries[g.origin] ?? 0) - g.seq + 1)
    if (from >= end) return 0
    const origin = this.table.intern(g.origin)
    // One `other` for the whole group: its writes share their metadata outside their own entry.
    const other = otherDeps(g.deps, g.shard, g.epoch)
    for (let i = from; i < end; i++) {
      const version = makeVersion(g.values[i], g.ts[i], origin, g.seq + i, other)
      this.table.install(g.keys[i], version)
      this.recent.push(g.keys[i], version)
    }
    this.clockEntries = {...this.clockEntries, [origin]: g.seq + end - 1}
    return end - from
  }

  /** The op that carried out the forwarded request `rid`, if this replica applied one. */
  appliedRequest(rid: string): AppliedRequest | undefined {
    return this.requests.get(rid)
  }

  /** The group that carried out the forwarded batch part `rid`, if this replica applied one. */
  appliedBatch(rid: string): AppliedBatch | undefined {
    return this.batches.get(rid)
  }

  /**
   * Merges a state transfer (another replica's versions and the clock they cover). Safe to
   * repeat and to interleave with ops: last-writer-wins merge is idempotent and commutative.
   */
  mergeState(entries: Iterable<readonly [string, Version | LegacyVersion]>, clock: VectorClock): void {
    for (const [key, record] of entries) {
      this.table.install(key, toVersion(record, this.shard, this.epoch, this.table.intern(record.origin)))
      this.transferred = true
    }
    if (covers(this.clockEntries, clock)) return
    const merged: Record<string, number> = {...this.clockEntries}
    for (const m in clock) if (clock[m] > (merged[m] ?? 0)) merged[m] = clock[m]
    this.clockEntries = merged
    // Writes that arrived as state, not as ops: the retained ops no longer tell peers everything.
    this.recent.reset(merged)
  }

  /** Merges a snapshot's chunk of versions (see mergeState; the clock comes with the snapshot's header). */
  mergeChunk(chunk: VersionChunk): void {
    const origins = chunk.origins.map((o) => this.table.intern(o))
    const other = new Map(chunk.other)
    for (let i = 0; i < chunk.keys.length; i++) {
      this.table.install(chunk.keys[i], makeVersion(chunk.values[i], chunk.ts[i], origins[chunk.origin[i]], chunk.seq[i], other.get(i) ?? null))
    }
    if (chunk.keys.length > 0) this.transferred = true
  }

  /**
   * Installs a reshard copy's keys as moved versions (no dependencies: the new layout is a
   * barrier), last writer wins as for any merge. Returns the highest timestamp installed, for
   * the hybrid clock: new writes must order after every copied one.
   */
  mergeMoved(page: CopyPage): number {
    checkCopyPage(page)
    const origins = page.origins.map((o) => this.table.intern(o))
    let highest = 0
    for (let i = 0; i < page.keys.length; i++) {
      const ts = page.ts[i]
      this.table.install(page.keys[i], makeVersion(page.values[i], ts, origins[page.origin[i]], 0, null))
      if (ts > highest) highest = ts
    }
    if (page.keys.length > 0) this.transferred = true
    return highest
  }

  /**
   * Every op a replica at `theirs` lacks, in causal order, or null when ops cannot tell it
   * everything: some were trimmed, or the asking replica is empty (`empty`) while this one
   * holds data that came by state transfer (a reshard), which is in no op. Each op's own
   * clock is this replica's clock just after it applied the op: at least the clock the op
   * was written with, and made only of ops the asking replica has or is sent before it.
   */
  opsAfter(theirs: VectorClock, empty = false): Op[] | null {
    if (!covers(theirs, this.recent.from) || (empty && this.transferred)) return null
    // Nothing to send, the common answer to a pull a heartbeat started: no scan of the ring.
    if (covers(theirs, this.clockEntries)) return []
    return this.recent.missing(theirs, (key, version, clock, rid) => opOf(key, version, clock, this.shard, this.epoch, rid))
  }

  /** What a replica at `theirs` lacks of the keys that pass `keep`, bounded (see RecentOps.changesAfter). */
  changesAfter(
    theirs: VectorClock,
    keep: (key: string) => boolean,
    limit: number,
    maxBytes: number,
    cursor?: ChangesCursor,
  ): ReturnType<RecentOps['changesAfter']> {
    return this.recent.changesAfter(theirs, keep, limit, maxBytes, cursor)
  }

}

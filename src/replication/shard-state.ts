/**
 * One replica's in-memory state of its shard: the winning version of every key, the vector
 * clock of applied writes, and the recent ops (for peers that need to catch up).
 * Synchronous and free of I/O; the replicator logs ops before calling apply().
 */
import type {CausalMetadata} from '../clock/causal-metadata.js'
import {covers, type VectorClock} from '../clock/vector-clock.js'
import {deliveryOf, supersedes} from './delivery.js'
import {opOf, toVersion, versionMetadata, versionOf, type LegacyVersion, type Op, type Version} from './op.js'
import {RecentOps} from './recent-ops.js'

/** Ops kept in memory for catch-up; older ones are served as a state transfer instead. */
export const retainedOps = 100_000

export class ShardState {
  readonly versions = new Map<string, Version>()
  private clockEntries: Record<string, number> = {}
  private live = 0
  /** The last applied ops in application order (a causal order), and the clock before them. */
  private readonly recent: RecentOps
  /** Whether some versions arrived as state rather than as ops. */
  private transferred = false
  /** One copy of each origin address, shared by every version and clock entry. */
  private readonly origins = new Map<string, string>()

  constructor(
    readonly shard: number,
    readonly epoch: number,
    retain: number = retainedOps,
  ) {
    this.recent = new RecentOps(retain)
  }

  get clock(): VectorClock {
    return this.clockEntries
  }

  get liveKeys(): number {
    return this.live
  }

  get(key: string): Version | undefined {
    return this.versions.get(key)
  }

  /** The causal metadata a version of this replica stands for (see versionMetadata). */
  metadataOf(version: Version): CausalMetadata {
    return versionMetadata(version, this.shard, this.epoch)
  }

  /** Applies an op already known to be deliverable (or replayed from the local log). */
  apply(op: Op): void {
    if ((this.clockEntries[op.origin] ?? 0) >= op.seq) return
    const origin = this.intern(op.origin)
    this.clockEntries = {...this.clockEntries, [origin]: op.seq}
    const version = versionOf(op, origin)
    this.install(op.key, version)
    this.recent.push(op.key, version)
  }

  /** Applies `op` if it is the next causally deliverable op; says what happened. */
  offer(op: Op): 'applied' | 'duplicate' | 'blocked' {
    const d = deliveryOf(op, this.clockEntries)
    if (d === 'deliverable') {
      this.apply(op)
      return 'applied'
    }
    return d
  }

  /**
   * Merges a state transfer (another replica's versions and the clock they cover). Safe to
   * repeat and to interleave with ops: last-writer-wins merge is idempotent and commutative.
   */
  mergeState(entries: Iterable<readonly [string, Version | LegacyVersion]>, clock: VectorClock): void {
    for (const [key, record] of entries) {
      this.install(key, toVersion(record, this.shard, this.epoch, this.intern(record.origin)))
      this.transferred = true
    }
    if (covers(this.clockEntries, clock)) return
    const merged: Record<string, number> = {...this.clockEntries}
    for (const m in clock) if (clock[m] > (merged[m] ?? 0)) merged[m] = clock[m]
    this.clockEntries = merged
    // Writes that arrived as state, not as ops: the retained ops no longer tell peers everything.
    this.recent.reset(merged)
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
    return this.recent.missing(theirs, (key, version, clock) => opOf(key, version, clock, this.shard, this.epoch))
  }

  /** Drops keys for which `keep` is false (used when a reshard moves them away). */
  retain(keep: (key: string) => boolean): void {
    for (const [key, version] of this.versions) {
      if (!keep(key)) {
        this.versions.delete(key)
        if (version.value !== null) this.live--
      }
    }
  }

  private install(key: string, version: Version): void {
    const current = this.versions.get(key)
    if (!supersedes(version, current)) return
    this.versions.set(key, version)
    const wasLive = current !== undefined && current.value !== null
    const isLive = version.value !== null
    if (wasLive !== isLive) this.live += isLive ? 1 : -1
  }

  private intern(origin: string): string {
    const known = this.origins.get(origin)
    if (known !== undefined) return known
    this.origins.set(origin, origin)
    return origin
  }
}

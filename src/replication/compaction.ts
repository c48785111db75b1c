/**
 * Snapshots of the replica in force, which let storage drop the log they cover: when the
 * log outgrows the data (compactionDue), after a peer's whole state was copied, after an
 * install, and shortly after a reshard's cutover (see persisted()). One at a time.
 */
import {compactionDue} from './replication-policy.js'
import type {ReplicaStore, SnapshotHeader, VersionChunk} from './replica-store.js'
import type {ShardState} from './shard-state.js'

/** How long after a cutover the new layout's first snapshot is written (see persisted()). */
const snapshotAfterCutoverMs = 1000
/**
 * A graceful stop snapshots when the log holds more than this past the last snapshot: a
 * restart then reads the snapshot instead of replaying every op (measured: 500,000 keys
 * took 5.7 s to serve again after a restart that replayed them).
 */
const closingSnapshotMinBytes = 1024 * 1024
/**
 * Keys per snapshot record: a record of columns parses several times faster than a record
 * per key, and 4,096 keys of 1 MiB values would still fit one frame (its length is 32-bit).
 */
const snapshotChunkKeys = 4096

export class Compaction {
  private running: Promise<void> | null = null
  /** A reshard swapped in a replica no snapshot holds yet (see persisted()). */
  private due = false

  constructor(
    private readonly store: ReplicaStore,
    private readonly current: () => ShardState | null,
    private readonly log: {warn(o: object, msg: string): void},
  ) {}

  /** Called after every apply: snapshots in the background once the log outgrew the data. */
  check(): void {
    if (!this.running && compactionDue(this.store.log.logBytes, this.current()?.versions.size ?? 0)) void this.snapshot()
  }

  /** A reshard swapped in a replica that no snapshot holds: write one once the configuration is on disk. */
  markDue(): void {
    this.due = true
  }

  /**
   * The configuration installed last is on disk: write the snapshot a reshard left due, a
   * little later. Every node of the cluster snapshots at once after a cutover; on a small
   * machine that CPU would otherwise delay the last nodes' commits, and so the held writes
   * (measured: 270 ms instead of 40 ms for 20,000 keys, 6 nodes on 2 cores).
   */
  persisted(): void {
    if (!this.due) return
    this.due = false
    setTimeout(() => void this.snapshot(), snapshotAfterCutoverMs).unref()
  }

  /** A graceful stop: snapshot unless the log is small (or failed: nothing could be written). */
  async beforeClose(): Promise<void> {
    if (this.store.log.failure === null && this.store.log.logBytes > closingSnapshotMinBytes) await this.snapshot()
  }

  /** Writes the whole replica in force as a snapshot; a failure leaves the log holding everything. */
  snapshot(): Promise<void> {
    if (this.running) return this.running.then(() => this.snapshot())
    const s = this.current()
    const header: SnapshotHeader = s ? {shard: s.shard, epoch: s.epoch, clock: s.clock} : {shard: 0, epoch: 0, clock: {}}
    const records: Iterable<VersionChunk> = s ? s.frozen().chunks(snapshotChunkKeys) : []
    const coversIndex = this.store.log.lastIndex
    this.running = this.store.snapshots
      .write(header, records, coversIndex)
      .catch((error) => this.log.warn({err: String(error)}, 'snapshot failed; the log still holds everything'))
      .finally(() => (this.running = null))
    return this.running
  }
}

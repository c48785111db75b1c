/**
 * What the replicator keeps on disk: ops in the op log, and snapshots whose header is the
 * replica's shard, layout epoch and clock, followed by one record per key.
 */
import type {VectorClock} from '../clock/vector-clock.js'
import type {OpLog, Recovered, Snapshots} from '../storage/types.js'
import type {LegacyVersion, Op, Version} from './op.js'

export interface SnapshotHeader {
  /** 0 when the node held no shard. */
  shard: number
  epoch: number
  clock: VectorClock
}

/** Snapshots written before versions were compact hold legacy versions; both are read. */
export type SnapshotRecord = [string, Version | LegacyVersion]

export interface ReplicaStore {
  log: OpLog<Op>
  snapshots: Snapshots<SnapshotHeader, SnapshotRecord>
  recovered: Recovered<SnapshotHeader, SnapshotRecord, Op>
}

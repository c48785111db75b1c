/**
 * What the replicator keeps on disk: ops in the op log, and snapshots whose header is the
 * replica's shard, layout epoch and clock, followed by one record per key.
 */
import type {CausalMetadata} from '../clock/causal-metadata.js'
import type {VectorClock} from '../clock/vector-clock.js'
import type {OpLog, Recovered, Snapshots} from '../storage/types.js'
import type {Update} from './op-group.js'
import type {LegacyVersion, Version} from './op.js'

export interface SnapshotHeader {
  /** 0 when the node held no shard. */
  shard: number
  epoch: number
  clock: VectorClock
}

/**
 * Versions of many keys by column (FrozenVersions.chunks()): `origin[i]` indexes `origins`;
 * `other` lists the few versions with other-shard dependencies as [index, metadata].
 */
export interface VersionChunk {
  keys: string[]
  values: Array<string | null>
  ts: number[]
  seq: number[]
  origins: string[]
  origin: number[]
  other: Array<[number, CausalMetadata]>
}

/**
 * A snapshot holds chunks of versions; snapshots written before chunks hold one [key,
 * version] record per key (and before versions were compact, legacy versions). All are read.
 */
export type SnapshotRecord = VersionChunk | [string, Version | LegacyVersion]

export interface ReplicaStore {
  log: OpLog<Update>
  snapshots: Snapshots<SnapshotHeader, SnapshotRecord>
  recovered: Recovered<SnapshotHeader, SnapshotRecord, Update>
}

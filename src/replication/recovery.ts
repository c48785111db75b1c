/**
 * Rebuilding a replica from its data directory: the newest snapshot, then the op log
 * replayed over it, then checked against the configuration in force. Reads only; the
 * replicator installs the result.
 */
import type {ClusterConfig} from '../membership/cluster-config.js'
import {shardOfNode} from '../membership/cluster-config.js'
import {transferBatch} from './catch-up.js'
import {isGroup, newestTs} from './op-group.js'
import type {ReplicaStore, SnapshotRecord, VersionChunk} from './replica-store.js'
import {ShardState} from './shard-state.js'

export interface Rebuilt {
  /** The replica for this node's shard in `config`; null when it holds none. */
  state: ShardState | null
  /**
   * The replica lacks keys it held before: the log began a newer layout than the snapshot
   * (keys that arrived by reshard were never logged), or the data was of another shard or
   * layout than the configuration says. It copies a peer's whole state before serving.
   */
  incomplete: boolean
  /** Ops replayed from the log. */
  replayed: number
  /** The highest hybrid timestamp seen: the clock must not go back after a restart. */
  highestTs: number
}

export async function rebuildReplica(recovered: ReplicaStore['recovered'], config: ClusterConfig | null, self: string): Promise<Rebuilt> {
  let state: ShardState | null = null
  let incomplete = false
  let highestTs = 0
  if (recovered.snapshot && recovered.snapshot.header.shard !== 0) {
    const {header} = recovered.snapshot
    state = new ShardState(header.shard, header.epoch)
    // Records of one key each (older snapshots) are merged in batches: the parsed records
    // become garbage as they are installed, not all at the end.
    let batch: Array<Exclude<SnapshotRecord, VersionChunk>> = []
    for await (const record of recovered.snapshot.records) {
      if (!Array.isArray(record)) {
        state.mergeChunk(record)
        continue
      }
      batch.push(record)
      if (batch.length >= transferBatch) {
        state.mergeState(batch, {})
        batch = []
      }
    }
    state.mergeState(batch, header.clock)
  }
  let replayed = 0
  for await (const {entry} of recovered.entries) {
    if (!state || entry.shard !== state.shard || entry.epoch !== state.epoch) {
      incomplete = entry.epoch > (state?.epoch ?? 1)
      state = new ShardState(entry.shard, entry.epoch)
    }
    if (isGroup(entry)) replayed += state.applyGroup(entry)
    else {
      state.apply(entry)
      replayed++
    }
    highestTs = Math.max(highestTs, newestTs(entry))
  }
  for (const v of state?.versions.values() ?? []) if (v.ts > highestTs) highestTs = v.ts
  const myShard = config ? shardOfNode(config, self) : null
  if (config && myShard !== null && (!state || state.shard !== myShard || state.epoch !== config.layoutEpoch)) {
    state = new ShardState(myShard, config.layoutEpoch)
    incomplete = true
  } else if (config && myShard === null) {
    state = null
  }
  return {state, incomplete, replayed, highestTs}
}

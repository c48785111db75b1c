/**
 * A reshard's source side: what a receiver building the new layout's replica pages
 * through (reshard-participant.ts). A snapshot of the keys of one old shard that go to one
 * new shard, frozen at its first page with the replica's clock then; and the changes since
 * a clock, from the replica's recent ops. Both are bounded in keys and bytes per answer.
 * The replica keeps serving meanwhile: a frozen snapshot is unaffected by later writes.
 */
import type {VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import {shardForKey} from '../placement/placement.js'
import type {Version} from './op.js'
import type {ShardState} from './shard-state.js'
import type {FrozenVersions} from './version-table.js'

/** Keys per snapshot page and per round of changes. */
export const copyPageKeys = 10_000
/** Bytes of keys and values per page or round, so that one answer stays bounded whatever the values. */
export const copyPageBytes = 8 * 1024 * 1024
/** A snapshot nobody asked for a page of since this long is dropped. */
const snapshotIdleMs = 60_000

/** A page of a snapshot (POST /internal/reshard/snapshot). */
export interface SnapshotRequest {
  shard: number
  layoutEpoch: number
  shardCount: number
  target: number
  /** Absent for the first page: the source freezes its replica then. */
  id?: string
  offset: number
  limit: number
}

export interface SnapshotPage {
  id: string
  total: number
  /** The source replica's clock when it froze the snapshot. */
  clock: VectorClock
  entries: Array<[string, Version]>
  done: boolean
}

/** Changes since a clock (POST /internal/reshard/changes). */
export interface ChangesRequest {
  shard: number
  layoutEpoch: number
  shardCount: number
  target: number
  since: VectorClock
  /** The source first waits until its replica covers this (the cutover's coverage). */
  need?: VectorClock
  limit: number
}

export type ChangesAnswer = {entries: Array<[string, Version]>; clock: VectorClock; more: boolean} | {restart: true}

/** What the source needs of the node's replica. */
export interface SourceReplica {
  stateOf(shard: number, layoutEpoch: number): ShardState
  awaitClock(shard: number, layoutEpoch: number, need: VectorClock): Promise<void>
}

export class ReshardSource {
  private readonly snapshots = new Map<string, {frozen: FrozenVersions; indices: Uint32Array; clock: VectorClock; at: number}>()

  constructor(private readonly replica: SourceReplica) {}

  /** Snapshots held for receivers (operator status: they must not pile up). */
  get heldSnapshots(): number {
    return this.snapshots.size
  }

  /** A page of the keys of `shard` that go to `target`, frozen at the first page. */
  snapshotPage(req: SnapshotRequest): SnapshotPage {
    const now = Date.now()
    for (const [id, s] of this.snapshots) if (now - s.at > snapshotIdleMs) this.snapshots.delete(id)
    let id = req.id
    let snap = id === undefined ? undefined : this.snapshots.get(id)
    if (!snap) {
      if (id !== undefined && req.offset > 0) throw new KvsError('NOT_FOUND', 'Snapshot expired')
      const state = this.replica.stateOf(req.shard, req.layoutEpoch)
      const frozen = state.frozen()
      const picked: number[] = []
      for (let i = 0; i < frozen.length; i++) if (shardForKey(frozen.keyAt(i), req.shardCount) === req.target) picked.push(i)
      snap = {frozen, indices: Uint32Array.from(picked), clock: state.clock, at: now}
      id = `${now.toString(36)}-${Math.random().toString(36).slice(2)}`
      this.snapshots.set(id, snap)
    }
    snap.at = now
    const end = Math.min(snap.indices.length, req.offset + req.limit)
    const entries: Array<[string, Version]> = []
    let bytes = 0
    let i = req.offset
    for (; i < end && bytes < copyPageBytes; i++) {
      const entry = snap.frozen.entry(snap.indices[i])
      bytes += entryBytes(entry)
      entries.push(entry)
    }
    const done = i >= snap.indices.length
    if (done) this.snapshots.delete(id as string)
    return {id: id as string, total: snap.indices.length, clock: snap.clock, entries, done}
  }

  /** The changes to the keys of `shard` that go to `target` since `since` (after covering `need`). */
  async changes(req: ChangesRequest): Promise<ChangesAnswer> {
    if (req.need) await this.replica.awaitClock(req.shard, req.layoutEpoch, req.need)
    const state = this.replica.stateOf(req.shard, req.layoutEpoch)
    const found = state.changesAfter(req.since, (key) => shardForKey(key, req.shardCount) === req.target, req.limit, copyPageBytes)
    return found ?? {restart: true}
  }
}

/** What an entry weighs in a page: its key and value, and a little for the rest. */
export const entryBytes = ([key, version]: readonly [string, Version]): number => key.length + (version.value?.length ?? 0) + 64


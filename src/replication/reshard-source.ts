/**
 * A reshard's source side: what a receiver building the new layout's replica pages
 * through (reshard-participant.ts). A snapshot of the keys of one old shard that go to one
 * new shard, and the changes since a clock, from the replica's recent ops. Both are
 * bounded in keys and bytes per answer.
 *
 * The snapshot is read from the live replica a page at a time, never copied whole: a
 * freeze of 500,000 keys would hold the event loop for hundreds of milliseconds, and
 * requests with it. Its clock is the replica's clock when it began; a key written since
 * may be read at a newer version than that clock, which is harmless: the changes since the
 * clock bring that version (or a newer one) again, and installing is last-writer-wins.
 */
import type {VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import {shardForKey} from '../placement/placement.js'
import {copyPageBytes, CopyPageBuilder} from './copy-page.js'
import type {ChangesRequest, PeerAnswer, SnapshotRequest} from '../protocol/messages.js'
import type {ShardState} from './shard-state.js'

/** Keys per snapshot page and per round of changes. */
export const copyPageKeys = 2_000
/** A snapshot nobody asked for a page of since this long is dropped. */
const snapshotIdleMs = 60_000

/** The requests and answers of a reshard's copy; their schemas are the protocol's. */
export type {ChangesRequest, SnapshotRequest}
export type SnapshotPage = PeerAnswer<'reshardSnapshot'>
export type ChangesAnswer = PeerAnswer<'reshardChanges'>

/** A snapshot being paged through: the replica read, where the reading got, the last page sent. */
interface Snapshot {
  readonly state: ShardState
  readonly keys: Iterator<string>
  readonly clock: VectorClock
  served: number
  last: {offset: number; answer: SnapshotPage} | null
  at: number
}

/** What the source needs of the node's replica. */
export interface SourceReplica {
  stateOf(shard: number, layoutEpoch: number): ShardState
  awaitClock(shard: number, layoutEpoch: number, need: VectorClock): Promise<void>
}

export class ReshardSource {
  private readonly snapshots = new Map<string, Snapshot>()

  constructor(private readonly replica: SourceReplica) {}

  /** A page of the keys of `shard` that go to `target` (see the head of this file). */
  snapshotPage(req: SnapshotRequest): SnapshotPage {
    const now = Date.now()
    for (const [id, s] of this.snapshots) if (now - s.at > snapshotIdleMs) this.snapshots.delete(id)
    let id = req.id
    let snap = id === undefined ? undefined : this.snapshots.get(id)
    if (!snap) {
      if (id !== undefined || req.offset > 0) throw new KvsError('NOT_FOUND', 'Snapshot expired')
      const state = this.replica.stateOf(req.shard, req.layoutEpoch)
      id = `${now.toString(36)}-${Math.random().toString(36).slice(2)}`
      snap = {state, keys: state.versions.keys(), clock: state.clock, served: 0, last: null, at: now}
      this.snapshots.set(id, snap)
    }
    snap.at = now
    // A receiver that did not get the last page asks for it again.
    if (snap.last && req.offset === snap.last.offset) return snap.last.answer
    if (req.offset !== snap.served) throw new KvsError('NOT_FOUND', 'Snapshot expired')
    if (this.replica.stateOf(req.shard, req.layoutEpoch) !== snap.state) throw new KvsError('CONFLICT', 'The replica changed under the snapshot')
    const builder = new CopyPageBuilder()
    let done = false
    while (builder.page.keys.length < req.limit && !builder.full) {
      const next = snap.keys.next()
      if (next.done) {
        done = true
        break
      }
      if (shardForKey(next.value, req.shardCount) === req.target) snap.state.addToPage(builder, next.value)
    }
    // An estimate for progress: keys spread evenly over the new shards.
    const total = Math.max(snap.served + builder.page.keys.length, Math.round(snap.state.versions.size / req.shardCount))
    const answer: SnapshotPage = {id: id as string, total, clock: snap.clock, page: builder.page, done}
    snap.last = {offset: req.offset, answer}
    snap.served += builder.page.keys.length
    return answer
  }

  /** The changes to the keys of `shard` that go to `target` since `since` (after covering `need`). */
  async changes(req: ChangesRequest): Promise<ChangesAnswer> {
    if (req.need) await this.replica.awaitClock(req.shard, req.layoutEpoch, req.need)
    const state = this.replica.stateOf(req.shard, req.layoutEpoch)
    const found = state.changesAfter(req.since, (key) => shardForKey(key, req.shardCount) === req.target, req.limit, copyPageBytes, req.cursor)
    if (!found) return {restart: true}
    const builder = new CopyPageBuilder()
    for (const [key, version] of found.entries) builder.addVersion(key, version)
    return {page: builder.page, clock: found.clock, more: found.more, cursor: found.cursor}
  }
}

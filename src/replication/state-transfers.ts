/**
 * The serving side of a whole-state transfer: a replica that no longer keeps the ops a
 * catching-up peer lacks offers a frozen copy of its state, which the peer pages through
 * (the protocol's sync, then transfer routes). A transfer nobody paged through for
 * `idleMs` is dropped, and one paged to its end at once. Each copy holds the whole shard's
 * data, so at most `maxHeld` are kept at a time: a further offer is refused with
 * UNAVAILABLE (the peer pulls again later, or from another member) rather than let pulls
 * multiply the shard in memory.
 */
import type {VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import type {PeerAnswer} from '../protocol/messages.js'
import type {Version} from './op.js'
import type {ShardState} from './shard-state.js'
import type {FrozenVersions} from './version-table.js'

/** A sync answered with a state transfer to page through (the schema is the protocol's). */
export type TransferOffer = Extract<PeerAnswer<'sync'>, {transfer: string}>

export class StateTransfers {
  private readonly held = new Map<string, {entries: FrozenVersions; clock: VectorClock; at: number}>()

  constructor(
    private readonly idleMs = 120_000,
    /** A shard has a handful of members catching up at once; this leaves room for all of them. */
    readonly maxHeld = 8,
    /** Bytes of keys and values per page: an answer stays well within what a peer parses at once. */
    readonly maxPageBytes = 8 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.held.size
  }

  offer(state: ShardState): TransferOffer {
    const now = Date.now()
    for (const [k, t] of this.held) if (now - t.at > this.idleMs) this.held.delete(k)
    if (this.held.size >= this.maxHeld) throw new KvsError('UNAVAILABLE', 'Too many state transfers under way; try again later', {held: this.held.size})
    const id = `${now}-${Math.random().toString(36).slice(2)}`
    const entries = state.frozen()
    this.held.set(id, {entries, clock: state.clock, at: now})
    return {transfer: id, clock: state.clock, total: entries.length}
  }

  /**
   * Up to `limit` entries from `offset` on, and no more than about `maxPageBytes` of keys
   * and values (one entry at least): the caller goes on from `offset + entries.length`.
   */
  page(id: string, offset: number, limit: number): {entries: Array<[string, Version]>; done: boolean} {
    const t = this.held.get(id)
    if (!t) throw new KvsError('NOT_FOUND', 'Transfer expired')
    t.at = Date.now()
    const entries = t.entries.slice(offset, offset + limit)
    let bytes = 0
    for (let i = 0; i < entries.length; i++) {
      bytes += entries[i][0].length + (entries[i][1].value?.length ?? 0) + 64
      if (bytes > this.maxPageBytes && i > 0) {
        entries.length = i
        break
      }
    }
    const done = offset + entries.length >= t.entries.length
    if (done) this.held.delete(id)
    return {entries, done}
  }
}

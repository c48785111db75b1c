/**
 * The serving side of a whole-state transfer: a replica that no longer keeps the ops a
 * catching-up peer lacks offers a frozen copy of its state, which the peer pages through
 * (the protocol's sync, then transfer routes). A transfer nobody paged through for
 * `idleMs` is dropped.
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

  constructor(private readonly idleMs = 120_000) {}

  get size(): number {
    return this.held.size
  }

  offer(state: ShardState): TransferOffer {
    const now = Date.now()
    for (const [k, t] of this.held) if (now - t.at > this.idleMs) this.held.delete(k)
    const id = `${now}-${Math.random().toString(36).slice(2)}`
    const entries = state.frozen()
    this.held.set(id, {entries, clock: state.clock, at: now})
    return {transfer: id, clock: state.clock, total: entries.length}
  }

  page(id: string, offset: number, limit: number): {entries: Array<[string, Version]>; done: boolean} {
    const t = this.held.get(id)
    if (!t) throw new KvsError('NOT_FOUND', 'Transfer expired')
    t.at = Date.now()
    const entries = t.entries.slice(offset, offset + limit)
    const done = offset + limit >= t.entries.length
    if (done) this.held.delete(id)
    return {entries, done}
  }
}

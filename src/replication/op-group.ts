/**
 * A group of writes: consecutive writes one origin coordinated in one shard, as a batch
 * part makes them (batch.ts), kept together as one record in the op log and one item on
 * the wire. Column-wise: one key, value and timestamp per write, and the causal metadata
 * once. Pure functions only.
 *
 * Write i of group g is the op (g.origin, g.seq + i) whose metadata is g.deps with its own
 * shard's entry for g.origin at g.seq + i: a batch part's writes are made in one turn, so
 * they share the client's metadata and the shard clock, and differ only in their own
 * sequence number. Delivering the first write of a group therefore delivers all of it:
 * every later one depends on the writes before it in the group, and on nothing else new.
 */
import type {CausalMetadata} from '../clock/causal-metadata.js'
import type {VectorClock} from '../clock/vector-clock.js'
import type {OpGroupMessage} from '../protocol/messages.js'
import {opClock, type Op} from './op.js'

export type OpGroup = OpGroupMessage

/** What replicas exchange and log: a single write, or a group of them. */
export type Update = Op | OpGroup

export const isGroup = (u: Update): u is OpGroup => 'keys' in u

/** Writes in `u`. */
export const writesIn = (u: Update): number => (isGroup(u) ? u.keys.length : 1)

/** Writes in all of `updates`. */
export const writesInAll = (updates: readonly Update[]): number => updates.reduce((n, u) => n + writesIn(u), 0)

/** Sequence number of the last write of `u`. */
export const lastSeq = (u: Update): number => u.seq + writesIn(u) - 1

/** The clock of `u`'s first write in its own shard (see opClock). */
export const firstClock = (u: Update): VectorClock => (isGroup(u) ? (u.deps.clocks[String(u.shard)] ?? {}) : opClock(u))

/** The newest timestamp of `u`. */
export function newestTs(u: Update): number {
  if (!isGroup(u)) return u.ts
  let max = 0
  for (const ts of u.ts) if (ts > max) max = ts
  return max
}

/** Characters of the keys and values of `u`: what holding it costs, to within a constant per write. */
export function bytesOf(u: Update): number {
  if (!isGroup(u)) return u.key.length + (u.value?.length ?? 0) + 64
  let n = 0
  for (let i = 0; i < u.keys.length; i++) n += u.keys[i].length + (u.values[i]?.length ?? 0) + 16
  return n
}

/** `deps` with the entry of `origin` in shard `shard`'s clock set to `seq`. */
export function withOwnSeq(deps: CausalMetadata, shard: number, origin: string, seq: number): CausalMetadata {
  const own = String(shard)
  return {epoch: deps.epoch, clocks: {...deps.clocks, [own]: {...deps.clocks[own], [origin]: seq}}}
}

/** Write `i` of `g` as a single op (for catch-up and tests; the hot paths stay column-wise). */
export function opAt(g: OpGroup, i: number): Op {
  const seq = g.seq + i
  return {shard: g.shard, epoch: g.epoch, origin: g.origin, seq, key: g.keys[i], value: g.values[i], ts: g.ts[i], deps: withOwnSeq(g.deps, g.shard, g.origin, seq)}
}

/**
 * Writes `from` (inclusive) to `to` (exclusive) of `g`, as a group of their own. The slice
 * that ends the group carries its request id and statuses: a replica remembers the part
 * once it applied the last slice, and so all of them (they are delivered in causal order).
 */
export function sliceGroup(g: OpGroup, from: number, to: number): OpGroup {
  const seq = g.seq + from
  const slice: OpGroup = {
    shard: g.shard,
    epoch: g.epoch,
    origin: g.origin,
    seq,
    deps: from === 0 ? g.deps : withOwnSeq(g.deps, g.shard, g.origin, seq),
    keys: g.keys.slice(from, to),
    values: g.values.slice(from, to),
    ts: g.ts.slice(from, to),
  }
  if (to === g.keys.length && g.rid !== undefined) Object.assign(slice, {rid: g.rid, statuses: g.statuses})
  return slice
}

/** `g` cut in two halves, or null when it is a single write. */
export function halveGroup(g: OpGroup): [OpGroup, OpGroup] | null {
  const n = g.keys.length
  if (n < 2) return null
  const mid = Math.ceil(n / 2)
  return [sliceGroup(g, 0, mid), sliceGroup(g, mid, n)]
}

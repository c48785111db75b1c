/**
 * A write as it travels between replicas and sits in the op log, and the compact version a
 * replica keeps of it for each key. Pure functions only.
 *
 * `Op.deps` is the writer's causal metadata merged with the coordinator's shard clock right
 * after the write; `deps.clocks[shard]` is therefore the op's own vector clock. A replica
 * needs that whole clock to deliver the op in causal order, but not to describe the op
 * afterwards: every replica applies its shard's ops only in causal order (delivery.ts), and
 * state transfers merge such causally closed states, so a replica of the shard whose clock
 * has `origin >= seq` has applied everything the op's own clock names. A stored Version
 * therefore keeps only `(origin, seq)` for its own shard, plus the writer's causal past in
 * other shards (`other`, usually null); versionMetadata() rebuilds the metadata answers
 * carry from these, the same at every replica.
 */
import {mergeMetadata, type CausalMetadata} from '../clock/causal-metadata.js'
import type {VectorClock} from '../clock/vector-clock.js'
import type {LegacyVersionMessage, OpMessage, VersionMessage} from '../protocol/messages.js'

/**
 * A write as replicas exchange it (its schema is the protocol's): `origin` coordinated it
 * as its `seq`-th write (1, 2, ...) in layout epoch `epoch`; `value` null is a delete (a
 * tombstone, kept so replicas converge); `ts` is its hybrid timestamp, which orders
 * concurrent writes to one key; `rid` the forwarded client request it carried out (see
 * applied-requests.ts), if any.
 */
export type Op = OpMessage

/**
 * The state of one key at a replica: the winning write. Also the form of a key in
 * snapshots and state transfers. `seq` is the write's sequence number at `origin`: its
 * causal past in its own shard is whatever a replica had applied when it applied (origin,
 * seq); 0 when the version names nothing in its shard (it was moved there by a reshard,
 * which is a barrier). `other` is the writer's causal past outside the version's own shard
 * entry: metadata of the same epoch without the own shard's clock, or (when the writer's
 * metadata was of a newer layout epoch than the replica) that whole metadata; null when
 * there is none.
 */
export type Version = VersionMessage

/** How versions were stored and sent before they were compact: with the op's whole metadata. */
export type LegacyVersion = LegacyVersionMessage

export const opClock = (op: Op): VectorClock => op.deps.clocks[String(op.shard)] ?? {}

/** The one constructor of versions, so that every version has the same shape. */
export const makeVersion = (value: string | null, ts: number, origin: string, seq: number, other: CausalMetadata | null): Version => ({
  value,
  ts,
  origin,
  seq,
  other,
})

/**
 * What of `deps` (metadata of a write in shard `shard`, layout epoch `epoch`) a version
 * keeps besides (origin, seq): the clocks of other shards, or all of it when its epoch is
 * newer (then it supersedes the shard's own metadata, as mergeMetadata does). Metadata of an
 * older epoch is satisfied by definition and kept as nothing.
 */
export function otherDeps(deps: CausalMetadata, shard: number, epoch: number): CausalMetadata | null {
  if (deps.epoch > epoch) return deps
  if (deps.epoch < epoch) return null
  const own = String(shard)
  let rest: Record<string, VectorClock> | null = null
  for (const s in deps.clocks) {
    if (s === own) continue
    rest ??= {}
    rest[s] = deps.clocks[s]
  }
  return rest ? {epoch, clocks: rest} : null
}

/** The version a replica stores for `op` (`origin` may be an interned copy of op.origin). */
export const versionOf = (op: Op, origin: string = op.origin): Version =>
  makeVersion(op.value, op.ts, origin, op.seq, otherDeps(op.deps, op.shard, op.epoch))

/**
 * The causal metadata of a version of shard `shard` at layout epoch `epoch`: its own
 * (origin, seq) merged with its other dependencies. Canonical, and a function of the
 * version alone, so every replica holding it answers the same. For any replica of the
 * shard (whose clock is causally closed) it requires exactly what the op's full metadata
 * required: covering `{origin: seq}` implies covering the op's own clock.
 */
export function versionMetadata(version: Version, shard: number, epoch: number): CausalMetadata {
  const own: CausalMetadata = {epoch, clocks: version.seq > 0 ? {[String(shard)]: {[version.origin]: version.seq}} : {}}
  return version.other ? mergeMetadata(version.other, own) : own
}

/**
 * The op a retained (key, version, own clock, request id) stands for: with the clock the op
 * was delivered with, it is the op that was applied (its metadata rebuilt from `other`).
 */
export function opOf(key: string, version: Version, clock: VectorClock, shard: number, epoch: number, rid?: string): Op {
  // An empty own clock is left out, as canonical metadata does.
  const own: CausalMetadata = {epoch, clocks: Object.keys(clock).length > 0 ? {[String(shard)]: clock} : {}}
  const deps = version.other ? mergeMetadata(version.other, own) : own
  const op: Op = {shard, epoch, origin: version.origin, seq: version.seq, key, value: version.value, ts: version.ts, deps}
  return rid === undefined ? op : {...op, rid}
}

/**
 * A version as stored or sent by any kvs (compact, or legacy with the whole metadata), as
 * a compact version of shard `shard` at `epoch`. A legacy version's own seq is its
 * origin's entry in its own clock: the coordinator's clock right after the write.
 */
export function toVersion(record: Version | LegacyVersion, shard: number, epoch: number, origin: string = record.origin): Version {
  if ('deps' in record && record.deps) {
    const {deps} = record
    const seq = deps.epoch === epoch ? (deps.clocks[String(shard)]?.[record.origin] ?? 0) : 0
    return makeVersion(record.value, record.ts, origin, seq, otherDeps(deps, shard, epoch))
  }
  const v = record as Version
  return makeVersion(v.value, v.ts, origin, v.seq, v.other ?? null)
}


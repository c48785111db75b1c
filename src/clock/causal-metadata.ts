/**
 * Causal metadata: the opaque JSON a client echoes back on every request.
 * `{epoch, clocks: {shardId: VectorClock}}` where `epoch` is the layout epoch (it advances
 * only on reshard, which is a barrier: clocks of an older epoch are satisfied by definition).
 *
 * Everything here is pure and canonical: empty shard clocks and zero entries are never
 * kept, so equal meaning means deep-equal JSON, at every replica.
 */
import {KvsError} from '../errors.js'
import {mergeClocks, type VectorClock} from './vector-clock.js'

export interface CausalMetadata {
  readonly epoch: number
  readonly clocks: Readonly<Record<string, VectorClock>>
}

export const noHistory = (epoch: number): CausalMetadata => ({epoch, clocks: {}})

/**
 * Reads what a client sent. `""`, `null` and a missing field mean "no history" (null).
 * A JSON string holding metadata is accepted too (some clients stringify it).
 * Anything else that is not well-formed metadata is a BAD_REQUEST.
 */
export function parseMetadata(raw: unknown): CausalMetadata | null {
  if (raw === undefined || raw === null || raw === '') return null
  let value = raw
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw)
    } catch {
      throw malformed('it is a string that is not JSON')
    }
    if (value === null || value === '') return null
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw malformed('expected an object')
  const {epoch, clocks} = value as {epoch?: unknown; clocks?: unknown}
  if (!Number.isSafeInteger(epoch) || (epoch as number) < 0) throw malformed('"epoch" must be a non-negative integer')
  if (typeof clocks !== 'object' || clocks === null || Array.isArray(clocks)) throw malformed('"clocks" must be an object')
  const out: Record<string, VectorClock> = {}
  for (const [shard, clock] of Object.entries(clocks)) {
    if (!/^[1-9]\d*$/.test(shard)) throw malformed(`shard id "${shard}" is not a positive integer`)
    if (typeof clock !== 'object' || clock === null || Array.isArray(clock)) throw malformed(`clock of shard ${shard} must be an object`)
    const entries: Record<string, number> = {}
    for (const [member, counter] of Object.entries(clock)) {
      if (!Number.isSafeInteger(counter) || (counter as number) < 0) {
        throw malformed(`counter of ${member} in shard ${shard} must be a non-negative integer`)
      }
      if ((counter as number) > 0) entries[member] = counter as number
    }
    if (Object.keys(entries).length > 0) out[shard] = entries
  }
  return {epoch: epoch as number, clocks: out}
}

function malformed(why: string): KvsError {
  return new KvsError('BAD_REQUEST', `Causal metadata is malformed: ${why}`)
}

/**
 * Merge of two histories. A newer epoch supersedes an older one entirely (reshard barrier);
 * within one epoch, clocks merge pointwise. Commutative, associative, idempotent.
 */
export function mergeMetadata(a: CausalMetadata, b: CausalMetadata): CausalMetadata {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? a : b
  if (a === b) return a
  const clocks: Record<string, VectorClock> = {...a.clocks}
  for (const shard in b.clocks) {
    clocks[shard] = clocks[shard] ? mergeClocks(clocks[shard], b.clocks[shard]) : b.clocks[shard]
  }
  return {epoch: a.epoch, clocks}
}

/**
 * What `meta` requires of shard `shard` at layout epoch `epoch`: the clock a replica must
 * cover before serving. Metadata of an older epoch requires nothing.
 */
export function requiredClock(meta: CausalMetadata | null, shard: number, epoch: number): VectorClock {
  if (!meta || meta.epoch < epoch) return {}
  return meta.clocks[String(shard)] ?? {}
}

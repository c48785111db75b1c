/**
 * Batches: many key operations in one request with one causal metadata (the batch route).
 * Pure: the shapes, splitting a batch by shard, and carrying out one shard's part on a
 * replica's state. The replicator owns the timing (causal waits, logging, replication).
 */
import {mergeMetadata, type CausalMetadata} from '../clock/causal-metadata.js'
import {shardForKey} from '../placement/placement.js'
import type {AppliedBatch} from './applied-requests.js'
import {lastSeq, withOwnSeq, type OpGroup} from './op-group.js'
import type {ShardState} from './shard-state.js'

export type BatchOpKind = 'put' | 'delete' | 'get'

export interface BatchOp {
  readonly op: BatchOpKind
  readonly key: string
  /** For 'put' only. */
  readonly value?: string
}

/**
 * What became of one operation, as the key route would answer it: put 201 (added) or 200
 * (updated); delete 200 or 404 (missing); get 200 with the value or 404; 503 when its
 * shard could not be reached (the operation may or may not have been applied).
 */
export interface BatchOpResult {
  status: number
  value?: string
}

/** One shard's operations of a batch, in batch order, with their positions in the batch. */
export interface BatchPart {
  readonly shard: number
  readonly positions: number[]
  readonly ops: BatchOp[]
}

/** A part as carried out by a replica: one result per op, and the metadata that covers them all. */
export interface BatchPartOutcome {
  results: BatchOpResult[]
  meta: CausalMetadata
}

/** Splits `ops` by the shard of their keys (placement.ts); parts in shard order, ops in batch order. */
export function splitByShard(ops: readonly BatchOp[], shardCount: number): BatchPart[] {
  const parts = new Map<number, BatchPart>()
  for (let i = 0; i < ops.length; i++) {
    const shard = shardForKey(ops[i].key, shardCount)
    let part = parts.get(shard)
    if (!part) {
      part = {shard, positions: [], ops: []}
      parts.set(shard, part)
    }
    part.positions.push(i)
    part.ops.push(ops[i])
  }
  return [...parts.values()].sort((a, b) => a.shard - b.shard)
}

/** Puts each part's results back in batch order. `results[i]` of part p answers op p.positions[i]. */
export function joinResults(total: number, parts: ReadonlyArray<{part: BatchPart; results: readonly BatchOpResult[]}>): BatchOpResult[] {
  const joined: BatchOpResult[] = new Array(total)
  for (const {part, results} of parts) for (let i = 0; i < part.positions.length; i++) joined[part.positions[i]] = results[i]
  return joined
}

export const hasWrites = (ops: readonly BatchOp[]): boolean => ops.some((o) => o.op !== 'get')

/** How a replica stamps the writes of a batch: its address and hybrid time. */
export interface BatchWriter {
  readonly self: string
  now(): number
}

/**
 * Carries out one shard's part on replica `s`, in order, as the single-key routes would one
 * by one: each write gets the next sequence number of `writer.self`, and an op sees every
 * write before it in the batch. `base` is the client's metadata; the outcome's metadata
 * covers every write and every version read. Returns the writes as one group (op-group.ts),
 * applied to `s`, for the op log and replication; null when the part wrote nothing.
 * Synchronous: nothing else is applied between its writes.
 */
export function applyBatch(s: ShardState, ops: readonly BatchOp[], base: CausalMetadata, writer: BatchWriter, rid?: string): BatchPartOutcome & {written: OpGroup | null} {
  const own = String(s.shard)
  const results: BatchOpResult[] = []
  let written: OpGroup | null = null
  // Writes are applied to `s` when an op looks at a key written before it in the batch, and
  // at the end: one apply for a part of distinct keys (a load), not one per write.
  const unapplied = new Set<string>()
  const lookUp = (key: string) => {
    if (written && unapplied.has(key)) {
      s.applyGroup(written)
      unapplied.clear()
    }
    return s.get(key)
  }
  let meta = base
  for (const {op: kind, key, value} of ops) {
    const current = lookUp(key)
    const existed = current !== undefined && current.value !== null
    if (kind === 'get' || (kind === 'delete' && !existed)) {
      if (current) meta = mergeMetadata(meta, s.metadataOf(current))
      results.push(existed ? {status: 200, value: current.value as string} : {status: 404})
      continue
    }
    if (!written) {
      const seq = (s.clock[writer.self] ?? 0) + 1
      const deps = mergeMetadata(base, {epoch: s.epoch, clocks: {[own]: {...s.clock, [writer.self]: seq}}})
      written = {shard: s.shard, epoch: s.epoch, origin: writer.self, seq, deps, keys: [], values: [], ts: []}
    }
    written.keys.push(key)
    written.values.push(kind === 'put' ? (value as string) : null)
    written.ts.push(writer.now())
    unapplied.add(key)
    results.push({status: kind === 'delete' || existed ? 200 : 201})
  }
  if (!written) return {results, meta, written}
  if (rid !== undefined) Object.assign(written, {rid, statuses: results.map((r) => r.status)})
  s.applyGroup(written)
  // The last write's clock covers every write of the part (and what it depended on).
  return {results, meta: mergeMetadata(meta, withOwnSeq(written.deps, s.shard, writer.self, lastSeq(written))), written}
}

/**
 * The answer to a part `s` already applied (a retry of forwarded part `applied`, see
 * AppliedBatches): each write's status as its coordinator gave it, each get read again now.
 * The metadata covers the part's writes and the versions read.
 */
export function answerApplied(s: ShardState, ops: readonly BatchOp[], base: CausalMetadata, applied: AppliedBatch): BatchPartOutcome {
  let meta = mergeMetadata(base, {epoch: s.epoch, clocks: {[String(s.shard)]: {[applied.origin]: applied.seq}}})
  const results = ops.map(({op, key}, i): BatchOpResult => {
    if (op !== 'get') return {status: applied.statuses[i]}
    const current = s.get(key)
    if (current) meta = mergeMetadata(meta, s.metadataOf(current))
    return current && current.value !== null ? {status: 200, value: current.value} : {status: 404}
  })
  return {results, meta}
}

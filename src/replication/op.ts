/**
 * A write as it travels between replicas and sits in the op log.
 * `deps` is the writer's causal metadata merged with the coordinator's shard clock right
 * after the write; `deps.clocks[shard]` is therefore the op's own vector clock.
 */
import type {CausalMetadata} from '../clock/causal-metadata.js'
import type {VectorClock} from '../clock/vector-clock.js'

export interface Op {
  readonly shard: number
  /** Layout epoch the op was written in. */
  readonly epoch: number
  /** The member that coordinated the write, and its sequence number there (1, 2, ...). */
  readonly origin: string
  readonly seq: number
  readonly key: string
  /** null is a delete (a tombstone, kept so replicas converge). */
  readonly value: string | null
  /** Hybrid timestamp: orders concurrent writes to one key. */
  readonly ts: number
  readonly deps: CausalMetadata
}

/** The state of one key at a replica: the winning write. */
export interface Version {
  readonly value: string | null
  readonly ts: number
  readonly origin: string
  readonly deps: CausalMetadata
}

export const opClock = (op: Op): VectorClock => op.deps.clocks[String(op.shard)] ?? {}

export const versionOf = (op: Op): Version => ({value: op.value, ts: op.ts, origin: op.origin, deps: op.deps})

/**
 * Checks of peer messages that need more than their schema (messages.ts): the node's clock,
 * its configuration, the replica's clock (DESIGN.md section 7). Pure: each returns why a
 * message is refused, or null when it is accepted; callers answer 400 or 409 and change
 * nothing.
 */
import {sortAddresses} from '../placement/placement.js'
import {limits, type ClusterConfigMessage, type OpMessage, type PeerSummaryMessage} from './messages.js'

/**
 * How far ahead of this node's wall clock a peer's hybrid timestamp may be. Clocks of a
 * cluster's machines agree within this; a timestamp further ahead would pin every later
 * write's timestamp to it (and so let an old write win over newer ones).
 */
export const maxClockSkewMs = 60_000

/**
 * How far past a replica's clock the first op of an origin in a replicate batch may be.
 * A peer that missed ops pulls them (the ring keeps 100,000); an op further ahead is not
 * one its origin wrote, and would wait in the pending buffer for ever.
 */
export const maxSeqAhead = 1_000_000

/** Why a configuration is not a layout of its nodes; null when it is one. */
export function layoutFault(config: ClusterConfigMessage): string | null {
  if (config.layoutEpoch > config.configEpoch) return 'its layout epoch is newer than its configuration epoch'
  const sorted = sortAddresses(config.nodes)
  if (sorted.length !== config.nodes.length || sorted.some((n, i) => n !== config.nodes[i])) return 'its nodes are not sorted and distinct'
  const ids = Object.keys(config.shards)
  if (ids.length !== config.shardCount) return `it has ${ids.length} shards, not shardCount ${config.shardCount}`
  const nodes = new Set(config.nodes)
  const placed = new Set<string>()
  for (let id = 1; id <= config.shardCount; id++) {
    const members = config.shards[String(id)]
    if (!members) return `shard ${id} is missing`
    for (const m of members) {
      if (!nodes.has(m)) return `member ${m} of shard ${id} is not one of its nodes`
      if (placed.has(m)) return `${m} is a member of two shards`
      placed.add(m)
    }
  }
  return null
}

/**
 * Why `next` is not a reshard of `base` a node may copy toward: a reshard lays out the
 * same nodes anew (cluster-config.ts resharded()), so a layout naming other nodes would
 * have this node copy from, or hold writes for, hosts outside the cluster. Null when it is.
 */
export function reshardFault(base: ClusterConfigMessage, next: ClusterConfigMessage): string | null {
  if (next.nodes.length !== base.nodes.length || next.nodes.some((n, i) => n !== base.nodes[i])) return 'it lays out other nodes than the cluster has'
  return layoutFault(next)
}

/** Why a hybrid timestamp is refused at wall-clock time `nowMs`; null when it is near enough. */
export function timestampFault(ts: number, nowMs: number): string | null {
  if (!Number.isSafeInteger(ts) || ts < 0) return `timestamp ${ts} is not a non-negative safe integer`
  if (ts > (nowMs + maxClockSkewMs) * 1000) return `timestamp ${ts} is more than ${maxClockSkewMs} ms ahead of this node's clock`
  return null
}

/** The first timestampFault() of `stamps`. */
export function timestampsFault(stamps: Iterable<number>, nowMs: number): string | null {
  for (const ts of stamps) {
    const fault = timestampFault(ts, nowMs)
    if (fault) return fault
  }
  return null
}

/** Why ops name too many origins for a replica to tell apart; null when they do not. */
export function originsFault(origins: Iterable<string>): string | null {
  const distinct = new Set(origins)
  return distinct.size > limits.nodes ? `${distinct.size} origins, more than the ${limits.nodes} a cluster can have` : null
}

/** What a replica and its configuration say about a replicate batch. */
export interface ReplicaContext {
  /** Members of the replica's shard in the configuration in force. */
  readonly members: readonly string[]
  /** The replica's clock. */
  readonly clock: Readonly<Record<string, number>>
  readonly nowMs: number
}

/**
 * Why a replicate batch from `from` is refused; null when it is accepted. A member sends
 * only the writes it coordinated, each the next of its own, in order: so every op's origin
 * is the sender, a member of the shard; its sequence numbers rise within the batch and
 * start no further than maxSeqAhead past the replica's clock; its own clock names its
 * origin; its timestamps are near this node's clock.
 */
export function replicateFault(from: string, ops: readonly OpMessage[], ctx: ReplicaContext): string | null {
  if (!ctx.members.includes(from)) return `${from} is not a member of this shard`
  let last = ctx.clock[from] ?? 0
  let first = true
  for (const op of ops) {
    if (op.origin !== from) return `op ${op.origin}:${op.seq} was not written by the sender ${from}`
    if (first ? op.seq > last + maxSeqAhead : op.seq <= last) {
      return first ? `op ${op.origin}:${op.seq} is too far past this replica's ${last}` : `sequence numbers do not rise (${last} then ${op.seq})`
    }
    first = false
    last = op.seq
    const own = op.deps.clocks[String(op.shard)]
    if (op.deps.epoch === op.epoch && own?.[op.origin] !== op.seq) return `op ${op.origin}:${op.seq} has no own clock entry for itself`
    const ts = timestampFault(op.ts, ctx.nowMs)
    if (ts) return ts
  }
  return null
}

/** Why a heartbeat's figures do not agree with each other; null when they do. */
export function summaryFault(summary: PeerSummaryMessage): string | null {
  let total = 0
  for (const m in summary.clock) total += summary.clock[m]
  if (total !== summary.applied) return `applied ${summary.applied} is not the sum of its clock (${total})`
  if (summary.shard === null && total > 0) return 'a node without a shard has no clock'
  return null
}

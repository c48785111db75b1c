/**
 * Checks of peer messages that need more than their schema (messages.ts): the node's clock,
 * its configuration, the replica's clock (DESIGN.md section 7). Pure: each returns why a
 * message is refused, or null when it is accepted; callers answer 400 or 409 and change
 * nothing.
 */
import {sortAddresses} from '../placement/placement.js'
import {limits, type ClusterConfigMessage, type OpGroupMessage, type OpMessage, type PeerSummaryMessage} from './messages.js'

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
 * only the writes it coordinated, each the next of its own, in order: so every write's
 * origin is the sender, a member of the shard; its sequence numbers rise within each list
 * (single ops, groups) and start no further than maxSeqAhead past the replica's clock; its
 * own clock names its origin; its timestamps are near this node's clock.
 */
export function replicateFault(from: string, ops: readonly OpMessage[], groups: readonly OpGroupMessage[], ctx: ReplicaContext): string | null {
  if (!ctx.members.includes(from)) return `${from} is not a member of this shard`
  if (ops.length === 0 && groups.length === 0) return 'nothing to replicate'
  for (const list of [ops, groups]) {
    let last = ctx.clock[from] ?? 0
    let first = true
    for (const u of list) {
      if (u.origin !== from) return `op ${u.origin}:${u.seq} was not written by the sender ${from}`
      if (first ? u.seq > last + maxSeqAhead : u.seq <= last) {
        return first ? `op ${u.origin}:${u.seq} is too far past this replica's ${last}` : `sequence numbers do not rise (${last} then ${u.seq})`
      }
      first = false
      const isGroup = 'keys' in u
      const fault = isGroup ? (groupFault(u) ?? timestampsFault(u.ts, ctx.nowMs)) : (opFault(u) ?? timestampFault(u.ts, ctx.nowMs))
      if (fault) return fault
      last = isGroup ? u.seq + u.keys.length - 1 : u.seq
    }
  }
  return null
}

/** Why `g` is not a well-formed group; null when it is. Its columns must agree, and its metadata name its first write. */
export function groupFault(g: OpGroupMessage): string | null {
  const n = g.keys.length
  if (n === 0) return 'a group of no writes'
  if (g.values.length !== n || g.ts.length !== n) return `a group's columns disagree (${n} keys, ${g.values.length} values, ${g.ts.length} timestamps)`
  if (!Number.isSafeInteger(g.seq + n - 1)) return `a group's sequence numbers pass 2^53`
  const own = g.deps.clocks[String(g.shard)]
  if (g.deps.epoch === g.epoch && own?.[g.origin] !== g.seq) return `group ${g.origin}:${g.seq} has no own clock entry for its first write`
  return null
}

/** Why a single op does not name itself in its own clock; null when it does. */
function opFault(op: OpMessage): string | null {
  const own = op.deps.clocks[String(op.shard)]
  return op.deps.epoch === op.epoch && own?.[op.origin] !== op.seq ? `op ${op.origin}:${op.seq} has no own clock entry for itself` : null
}

/** Why a heartbeat's figures do not agree with each other; null when they do. */
export function summaryFault(summary: PeerSummaryMessage): string | null {
  let total = 0
  for (const m in summary.clock) total += summary.clock[m]
  if (total !== summary.applied) return `applied ${summary.applied} is not the sum of its clock (${total})`
  if (summary.shard === null && total > 0) return 'a node without a shard has no clock'
  return null
}

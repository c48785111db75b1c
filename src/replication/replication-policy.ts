/**
 * The replicator's decisions, as pure functions (riak_kv's get_core over get_fsm): whom a
 * write waits for, when a peer counts as lagging and when it stops, and when the log is
 * compacted. The replicator owns the timing and the messages and calls these.
 */

/**
 * A peer that let a write's acknowledgement time out. Later writes still send to it but do
 * not wait for it, so one slow or paused member costs one timeout, not one per write; it
 * catches up by pulling (heartbeats show it behind) and stops lagging at its next ack.
 */
export type LaggingPeers = ReadonlySet<string>

/** Which live peers a write waits for (DESIGN.md section 3) and which it only sends to. */
export function ackPlan(livePeers: readonly string[], lagging: LaggingPeers): {awaited: string[]; sentOnly: string[]} {
  const awaited: string[] = []
  const sentOnly: string[] = []
  for (const peer of livePeers) (lagging.has(peer) ? sentOnly : awaited).push(peer)
  return {awaited, sentOnly}
}

/** The lagging set after `peer` acknowledged (true) or let an op time out (false). */
export function afterAck(lagging: LaggingPeers, peer: string, acked: boolean): LaggingPeers {
  if (acked === !lagging.has(peer)) return lagging
  const next = new Set(lagging)
  if (acked) next.delete(peer)
  else next.add(peer)
  return next
}

/** The lagging set once the shard's live peers are `livePeers`: a peer seen down is not lagging, just down. */
export function keepLive(lagging: LaggingPeers, livePeers: readonly string[]): LaggingPeers {
  if (lagging.size === 0) return lagging
  const next = new Set([...lagging].filter((p) => livePeers.includes(p)))
  return next.size === lagging.size ? lagging : next
}

/**
 * The log is compacted into a snapshot once it outgrows both a floor and a multiple of the
 * live data, so disk use stays proportional to the data, not to the write history.
 */
export interface CompactionRule {
  floorBytes: number
  dataFactor: number
  /** A rough size of one key's snapshot record, to compare the log against. */
  recordBytes: number
}

export const defaultCompaction: CompactionRule = {floorBytes: 4 * 1024 * 1024, dataFactor: 4, recordBytes: 160}

export function compactionDue(logBytes: number, keys: number, rule: CompactionRule = defaultCompaction): boolean {
  return logBytes > Math.max(rule.floorBytes, rule.dataFactor * keys * rule.recordBytes)
}

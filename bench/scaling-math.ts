/**
 * Arithmetic behind the scaling figures: keys a reshard must move, and RSS per key. Pure.
 */
import {assignShards, shardForKey} from '../src/placement/placement.js'

/**
 * Keys that at least one node must receive when `nodes` go from `fromShards` to
 * `toShards` shards: a key moves when its new shard has a member that did not hold it
 * before. A key whose shard ID changes but whose holders stay the same moves nothing.
 */
export function countMovedKeys(
  keys: Iterable<string>,
  nodes: readonly string[],
  fromShards: number,
  toShards: number,
): number {
  const before = assignShards(nodes, fromShards)
  const after = assignShards(nodes, toShards)
  const beforeSets: Record<number, Set<string>> = {}
  for (const [id, members] of Object.entries(before)) beforeSets[Number(id)] = new Set(members)
  let moved = 0
  for (const key of keys) {
    const holders = beforeSets[shardForKey(key, fromShards)]
    if (after[shardForKey(key, toShards)].some((node) => !holders.has(node))) moved++
  }
  return moved
}

/** How many of `keys` each of `shardCount` shards owns. */
export function keysPerShard(keys: Iterable<string>, shardCount: number): Record<number, number> {
  const counts: Record<number, number> = {}
  for (let id = 1; id <= shardCount; id++) counts[id] = 0
  for (const key of keys) counts[shardForKey(key, shardCount)]++
  return counts
}

/**
 * How long to wait for work of `units` keys or writes before calling it stuck: 30 s plus
 * 1 ms per unit, i.e. a floor of 1,000 per second, far below any useful rate.
 */
export function waitBudgetMs(units: number): number {
  return 30_000 + units
}

/** Resident set size in bytes from the text of /proc/<pid>/status (its VmRSS line, in kB). */
export function parseVmRssBytes(procStatus: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(procStatus)
  if (!match) throw new Error('no VmRSS line in /proc/<pid>/status')
  return Number(match[1]) * 1024
}

/** Growth of RSS per key held; 0 when the node holds no key. */
export function bytesPerKey(rssBeforeBytes: number, rssAfterBytes: number, keys: number): number {
  return keys > 0 ? (rssAfterBytes - rssBeforeBytes) / keys : 0
}

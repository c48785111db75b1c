/**
 * Placement: which shard owns a key, and which nodes form each shard. Pure functions;
 * every node computes the same answers from the same inputs, with no lookup.
 */
import {canonicalNodeName, compareNodeNames} from './node-name.js'

export type ShardId = number

/** Shard of `key` among `shardCount` shards: (sum of UTF-16 code units mod N) + 1. */
export function shardForKey(key: string, shardCount: number): ShardId {
  let sum = 0
  for (let i = 0; i < key.length; i++) sum += key.charCodeAt(i)
  return (sum % shardCount) + 1
}

/** The view's order of node names (compareNodeNames: IPv4, then IPv6, then DNS names). */
export const compareAddresses = compareNodeNames

/** Distinct names in view order. */
export function sortAddresses(addresses: Iterable<string>): string[] {
  return [...new Set(addresses)].sort(compareAddresses)
}

/** Initial layout (and layout after a reshard): sort the nodes, node i joins shard (i mod N)+1. */
export function assignShards(nodes: readonly string[], shardCount: number): Record<ShardId, string[]> {
  const shards: Record<ShardId, string[]> = {}
  for (let id = 1; id <= shardCount; id++) shards[id] = []
  sortAddresses(nodes).forEach((node, i) => shards[(i % shardCount) + 1].push(node))
  return shards
}

/** A shard count is feasible when every shard gets at least two nodes. */
export function isFeasibleShardCount(nodeCount: number, shardCount: number): boolean {
  return Number.isInteger(shardCount) && shardCount >= 1 && 2 * shardCount <= nodeCount
}

/** True for a node name in its one spelling (node-name.ts: `ipv4:port`, `[ipv6]:port`, `dnsname:port`). */
export function isSocketAddress(value: string): boolean {
  return canonicalNodeName(value) === value
}

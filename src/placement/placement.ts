/**
 * Placement: which shard owns a key, and which nodes form each shard. Pure functions;
 * every node computes the same answers from the same inputs, with no lookup.
 */

export type ShardId = number

/** Shard of `key` among `shardCount` shards: (sum of UTF-16 code units mod N) + 1. */
export function shardForKey(key: string, shardCount: number): ShardId {
  let sum = 0
  for (let i = 0; i < key.length; i++) sum += key.charCodeAt(i)
  return (sum % shardCount) + 1
}

/** Orders `ip:port` addresses numerically by IPv4 octets, then port (127.0.0.10 after .9). */
export function compareAddresses(a: string, b: string): number {
  const pa = addressParts(a)
  const pb = addressParts(b)
  for (let i = 0; i < pa.length; i++) {
    if (pa[i] !== pb[i]) return pa[i] - pb[i]
  }
  return a < b ? -1 : a > b ? 1 : 0
}

function addressParts(address: string): number[] {
  const [ip, port] = address.split(':')
  const octets = ip.split('.').map(Number)
  return [...octets, Number(port)].map((n) => (Number.isFinite(n) ? n : 0))
}

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

const addressPattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/

/** True for a well-formed IPv4 `ip:port` (octets 0-255, port 1-65535). */
export function isSocketAddress(value: string): boolean {
  const m = addressPattern.exec(value)
  if (!m) return false
  const octets = m.slice(1, 5).map(Number)
  const port = Number(m[5])
  return octets.every((o) => o <= 255) && port >= 1 && port <= 65535
}

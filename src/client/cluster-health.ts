/**
 * The verdict of `kvs status`, decided purely from what the nodes answered.
 *
 * - unavailable: no node answered, or some shard has no member that answered (its keys
 *   cannot be read or written).
 * - degraded: every shard is served, but a node is down, a shard is down to one live
 *   member (no fault tolerance left), nodes disagree on the epoch, a node believes a peer
 *   is down that we reached (a partition), or a reshard is under way.
 * - healthy: none of the above.
 */
import type {AdminStatus, ReshardProgress} from './api-types.js'

export type Verdict = 'healthy' | 'degraded' | 'unavailable'

export interface NodeHealth {
  address: string
  /** The node's own shard when it answered, else the configuration's; null when unplaced. */
  shardId: number | null
  primary: boolean
  state: 'up' | 'down'
  keys: number | null
  epoch: number | null
}

export interface ClusterHealth {
  verdict: Verdict
  /** Why the verdict is not healthy, one human sentence each (empty when healthy). */
  reasons: string[]
  shardCount: number | null
  nodes: NodeHealth[]
  reshard: ReshardProgress | null
}

/**
 * `configured` lists every node of the configuration (from the first status answer, or
 * the addresses tried when none answered); `answers` holds each node's own status, or null
 * when it did not answer.
 */
export function assessHealth(
  configured: ReadonlyArray<{address: string; shardId: number | null}>,
  shardCount: number | null,
  answers: ReadonlyMap<string, AdminStatus | null>,
): ClusterHealth {
  const nodes: NodeHealth[] = configured.map(({address, shardId}) => {
    const own = answers.get(address) ?? null
    return {
      address,
      shardId: own ? own.shardId : shardId,
      primary: own ? own.primary : false,
      state: own ? 'up' : 'down',
      keys: own ? own.keys : null,
      epoch: own ? own.epoch : null,
    }
  })
  const up = nodes.filter((n) => n.state === 'up')
  // A coordinator keeps its last reshard's figures after it ended: only one under way degrades.
  const reshard = [...answers.values()].map((a) => a?.reshard).find((r) => r?.phase === 'copying' || r?.phase === 'cutover') ?? null

  const unavailable: string[] = []
  if (up.length === 0) unavailable.push('no node answered')
  const liveMembers = new Map<number, number>()
  for (let id = 1; id <= (shardCount ?? 0); id++) liveMembers.set(id, 0)
  for (const node of up) if (node.shardId !== null) liveMembers.set(node.shardId, (liveMembers.get(node.shardId) ?? 0) + 1)
  if (up.length > 0) {
    for (const [id, live] of liveMembers) if (live === 0) unavailable.push(`shard ${id} has no live member`)
  }
  if (unavailable.length > 0) return {verdict: 'unavailable', reasons: unavailable, shardCount, nodes, reshard}

  const degraded: string[] = []
  const down = nodes.length - up.length
  if (down > 0) degraded.push(`${down} of ${nodes.length} nodes down`)
  for (const [id, live] of liveMembers) if (live === 1) degraded.push(`shard ${id} has only one live member`)
  const epochs = [...new Set(up.map((n) => n.epoch))]
  if (epochs.length > 1) degraded.push(`nodes disagree on the epoch (${epochs.join(', ')})`)
  for (const answer of answers.values()) {
    const unseen = answer?.nodes.filter((peer) => peer.state === 'down' && answers.get(peer.address)) ?? []
    for (const peer of unseen) degraded.push(`${answer?.address} cannot reach ${peer.address}`)
  }
  if (reshard) degraded.push(`reshard under way (${reshard.phase}, ${reshard.moved}/${reshard.total} keys moved)`)
  return {verdict: degraded.length > 0 ? 'degraded' : 'healthy', reasons: degraded, shardCount, nodes, reshard}
}

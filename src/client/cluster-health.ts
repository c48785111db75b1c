/**
 * The verdict of `kvs status`, decided purely from what the nodes answered.
 *
 * - unavailable: no node answered, or some shard has no member that answered (its keys
 *   cannot be read or written).
 * - degraded: every shard is served, but a node is down, a shard is down to one live
 *   member (no fault tolerance left), nodes disagree on the epoch, a node believes a peer
 *   is down that we reached (a partition), or a reshard is under way.
 * - healthy: none of the above.
 *
 * Apart from the verdict, `notes` say what is open: routes some node serves without a
 * token, and nodes running the test-only fault routes.
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
  /** Security notes, one human sentence each: "the cluster is open: ..." (empty when every node requires both tokens). */
  notes: string[]
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
  const notes = securityNotes([...answers.values()].filter((a): a is AdminStatus => a !== null))
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
  if (unavailable.length > 0) return {verdict: 'unavailable', reasons: unavailable, shardCount, nodes, reshard, notes}

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
  for (const answer of answers.values()) if (answer?.storageFailed) degraded.push(`${answer.address} cannot write its op log and takes no writes`)
  if (reshard) degraded.push(`reshard under way (${reshard.phase}, ${reshard.moved}/${reshard.total} keys moved)`)
  return {verdict: degraded.length > 0 ? 'degraded' : 'healthy', reasons: degraded, shardCount, nodes, reshard, notes}
}

function securityNotes(answered: readonly AdminStatus[]): string[] {
  const notes: string[] = []
  const openOn = (kind: 'client' | 'cluster') => answered.filter((a) => !a.auth?.[kind]).map((a) => a.address)
  const clientOpen = openOn('client')
  const clusterOpen = openOn('cluster')
  if (clientOpen.length > 0) notes.push(`the cluster is open: no client token (KVS_TOKEN) protects ${listed(clientOpen, answered)}`)
  if (clusterOpen.length > 0) notes.push(`the cluster is open: no cluster token (KVS_CLUSTER_TOKEN) protects node-to-node routes of ${listed(clusterOpen, answered)}`)
  const faulty = answered.filter((a) => a.faultInjection).map((a) => a.address)
  if (faulty.length > 0) notes.push(`fault injection (test only) is on at ${faulty.join(', ')}`)
  return notes
}

function listed(addresses: readonly string[], answered: readonly AdminStatus[]): string {
  return addresses.length === answered.length ? 'any node' : addresses.join(', ')
}

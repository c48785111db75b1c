/**
 * The cluster configuration and every change an operator can make to it, as pure functions.
 * A change yields a new configuration with `configEpoch + 1`; only a reshard advances
 * `layoutEpoch`, the epoch ops and causal metadata are stamped with (as their `epoch`).
 */
import {KvsError} from '../errors.js'
import type {ClusterConfigMessage} from '../protocol/messages.js'
import {assignShards, isFeasibleShardCount, sortAddresses, type ShardId} from '../placement/placement.js'

/** Every node of the cluster, sorted, and each shard's members (the schema is the protocol's). */
export type ClusterConfig = ClusterConfigMessage

export function initialConfig(view: readonly string[], shardCount: number): ClusterConfig {
  const nodes = sortAddresses(view)
  if (!isFeasibleShardCount(nodes.length, shardCount) && !(shardCount === 1 && nodes.length >= 1)) {
    throw new KvsError('USAGE', `SHARD_COUNT ${shardCount} needs at least ${2 * shardCount} nodes in VIEW, got ${nodes.length}`)
  }
  return {configEpoch: 1, layoutEpoch: 1, shardCount, nodes, shards: stringKeys(assignShards(nodes, shardCount))}
}

/**
 * A configuration as a data directory holds it: earlier versions named the configuration
 * epoch `epoch` (the name ops and causal metadata use for the layout epoch).
 */
export type StoredConfig = ClusterConfig | (Omit<ClusterConfig, 'configEpoch'> & {epoch: number})

/** The configuration a data directory holds, whichever version wrote it. */
export function fromStored(stored: StoredConfig): ClusterConfig {
  if ('configEpoch' in stored) return stored
  const {epoch, ...rest} = stored
  return {configEpoch: epoch, ...rest}
}

export function shardIds(config: ClusterConfig): ShardId[] {
  return Object.keys(config.shards).map(Number).sort((a, b) => a - b)
}

export function membersOf(config: ClusterConfig, shard: ShardId): readonly string[] {
  return config.shards[String(shard)] ?? []
}

export function shardOfNode(config: ClusterConfig, node: string): ShardId | null {
  for (const id in config.shards) if (config.shards[id].includes(node)) return Number(id)
  return null
}

export function hasShard(config: ClusterConfig, shard: unknown): shard is ShardId {
  return Number.isSafeInteger(shard) && String(shard) in config.shards
}

export function withNode(config: ClusterConfig, node: string): ClusterConfig {
  if (config.nodes.includes(node)) throw new KvsError('CONFLICT', 'Socket address already exists in the view', {node})
  return {...config, configEpoch: config.configEpoch + 1, nodes: sortAddresses([...config.nodes, node])}
}

export function withoutNode(config: ClusterConfig, node: string): ClusterConfig {
  if (!config.nodes.includes(node)) throw new KvsError('NOT_FOUND', 'Socket address does not exist in the view', {node})
  const shards: Record<string, string[]> = {}
  for (const id in config.shards) shards[id] = config.shards[id].filter((n) => n !== node)
  return {...config, configEpoch: config.configEpoch + 1, nodes: config.nodes.filter((n) => n !== node), shards}
}

/** Places `node` in `shard`, moving it out of any shard it was in. Idempotent in content. */
export function withMember(config: ClusterConfig, shard: ShardId, node: string): ClusterConfig {
  if (!hasShard(config, shard)) throw new KvsError('NOT_FOUND', 'Shard ID does not exist', {shard})
  const shards: Record<string, string[]> = {}
  for (const id in config.shards) {
    const others = config.shards[id].filter((n) => n !== node)
    shards[id] = Number(id) === shard ? sortAddresses([...others, node]) : others
  }
  return {...config, configEpoch: config.configEpoch + 1, nodes: sortAddresses([...config.nodes, node]), shards}
}

/**
 * A new layout of `nodes` (the live nodes) over `shardCount` shards. Throws BAD_REQUEST with
 * the contract's message when a shard would get fewer than two nodes.
 */
export function resharded(config: ClusterConfig, live: readonly string[], shardCount: number): ClusterConfig {
  const nodes = sortAddresses(live)
  if (!isFeasibleShardCount(nodes.length, shardCount)) {
    throw new KvsError('BAD_REQUEST', 'Not enough nodes to provide fault-tolerance with the given shard count!', {
      need: 2 * shardCount,
      alive: nodes.length,
    })
  }
  return {
    configEpoch: config.configEpoch + 1,
    layoutEpoch: config.layoutEpoch + 1,
    shardCount,
    nodes: sortAddresses(config.nodes),
    shards: stringKeys(assignShards(nodes, shardCount)),
  }
}

/** A stable text form, so two proposals can be compared for equal content. */
export function configFingerprint(config: ClusterConfig): string {
  const shards = shardIds(config).map((id) => [id, [...membersOf(config, id)]])
  return JSON.stringify([config.configEpoch, config.layoutEpoch, config.shardCount, config.nodes, shards])
}

function stringKeys(shards: Record<ShardId, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [id, members] of Object.entries(shards)) out[id] = members
  return out
}

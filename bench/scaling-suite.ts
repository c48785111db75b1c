/**
 * The scaling suite: memory per key, restart, catch-up and reshard, each on a fresh
 * local cluster so one figure's data never skews another's. Every figure carries its
 * inputs; rates (keys/s, writes/s) make linear growth visible across sizes.
 */
import {fetchAdminStatus} from '../src/client/kvs-client.js'
import {assignShards} from '../src/placement/placement.js'
import {KvsError} from '../src/errors.js'
import type {BenchContext} from './context.js'
import {loadKeys, type LoadResult} from './loader.js'
import {LocalCluster} from './local-cluster.js'
import type {CatchUpFigure, MemoryFigure, ReshardFigure, RestartFigure, ScalingReport} from './report.js'
import {bytesPerKey, countMovedKeys, keysPerShard, waitBudgetMs} from './scaling-math.js'
import {rate} from './stats.js'
import {keyName, keyNames} from './workload.js'

/** Memory, restart and catch-up use one shard of two nodes, so one node holds every key. */
const pairNodes = 2
const pairShards = 1

/** A reshard from 2 to 3 shards needs 6 nodes (2 per shard). */
const reshardNodes = 6
const reshardFrom = 2
const reshardTo = 3

/** A reshard moves the whole data set; its answer may take much longer than a key call. */
const reshardTimeoutMs = 600_000
/** Deadline of one call that polls or sets up, never of the load itself. */
const callTimeoutMs = 2_000

export async function runScaling(ctx: BenchContext): Promise<ScalingReport> {
  const {memory, restart} = await measureMemoryAndRestart(ctx)
  const catchUp: CatchUpFigure[] = []
  for (const writes of ctx.options.catchUpWrites) catchUp.push(await measureCatchUp(ctx, writes))
  const reshard: ReshardFigure[] = []
  for (const keys of ctx.options.reshardKeys) reshard.push(await measureReshard(ctx, keys))
  return {memory, restart, catchUp, reshard}
}

function startCluster(ctx: BenchContext, nodes: number, shards: number): Promise<LocalCluster> {
  return LocalCluster.start(ctx.scope, ctx.client, {
    nodes,
    shards,
    fsync: ctx.options.fsync,
    repoRoot: ctx.repoRoot,
    cpuProfDir: ctx.options.cpuProfDir,
  })
}

function load(ctx: BenchContext, targets: readonly string[], count: number): Promise<LoadResult> {
  return loadKeys(ctx.transport, {
    targets,
    from: 0,
    count,
    valueBytes: ctx.options.valueBytes,
    concurrency: ctx.options.loadConcurrency,
  })
}

/** Waits until `node` has applied as many writes as `peer` has now. */
async function waitForPeer(ctx: BenchContext, cluster: LocalCluster, node: string, peer: string, units: number): Promise<void> {
  const target = (await fetchAdminStatus(ctx.client, peer)).appliedWrites
  await cluster.poll(node, `appliedWrites to reach ${peer}'s ${target}`, async () => (await fetchAdminStatus(ctx.client, node)).appliedWrites >= target, waitBudgetMs(units))
}

/** Status of a GET of `key` with no causal history. */
async function keyStatus(ctx: BenchContext, node: string, key: string): Promise<number> {
  return (await ctx.client.send(node, {method: 'GET', path: `/key-value-store/${key}`, body: {'causal-metadata': ''}, timeoutMs: callTimeoutMs})).status
}

async function measureMemoryAndRestart(ctx: BenchContext): Promise<{memory: MemoryFigure; restart: RestartFigure}> {
  const {options, progress} = ctx
  const keys = options.memoryKeys
  const cluster = await startCluster(ctx, pairNodes, pairShards)
  const [peer, node] = cluster.addresses
  const rssBeforeBytes = await cluster.rssBytes(node)
  progress(`scaling: loading ${keys} keys into ${pairNodes} nodes, ${pairShards} shard`)
  const loaded = await load(ctx, cluster.addresses, keys)
  await waitForPeer(ctx, cluster, node, peer, keys)
  const keysOnNode = (await fetchAdminStatus(ctx.client, node)).keys
  const rssAfterLoadBytes = await cluster.rssBytes(node)

  progress(`scaling: restarting ${node} with ${keysOnNode} keys on disk`)
  await cluster.stopNode(node)
  const {startedAt} = await cluster.startNode(node)
  const answerMs = performance.now() - startedAt
  const lastKey = keyName(keys - 1)
  await cluster.poll(
    node,
    `all ${keysOnNode} keys after restart`,
    async () => (await fetchAdminStatus(ctx.client, node)).keys >= keysOnNode && (await keyStatus(ctx, node, lastKey)) === 200,
    waitBudgetMs(keys),
  )
  const readyMs = performance.now() - startedAt
  const rssAfterRestartBytes = await cluster.rssBytes(node)
  await cluster.stop()

  return {
    memory: {
      inputs: {nodes: pairNodes, shards: pairShards, keysLoaded: keys, valueBytes: options.valueBytes},
      node,
      keysOnNode,
      loadMs: loaded.ms,
      loadRetries: loaded.retries,
      rssBeforeBytes,
      rssAfterLoadBytes,
      bytesPerKey: bytesPerKey(rssBeforeBytes, rssAfterLoadBytes, keysOnNode),
      rssAfterRestartBytes,
      bytesPerKeyAfterRestart: bytesPerKey(rssBeforeBytes, rssAfterRestartBytes, keysOnNode),
    },
    restart: {inputs: {keysOnDisk: keysOnNode, valueBytes: options.valueBytes}, node, answerMs, readyMs},
  }
}

/**
 * Stops one node of a pair (SIGTERM), writes `writes` keys through its peer, restarts it
 * on its data directory and times how long until it has applied everything its peer has.
 */
async function measureCatchUp(ctx: BenchContext, writes: number): Promise<CatchUpFigure> {
  const cluster = await startCluster(ctx, pairNodes, pairShards)
  const [peer, node] = cluster.addresses
  ctx.progress(`scaling: ${node} misses ${writes} writes`)
  await cluster.stopNode(node)
  const written = await load(ctx, [peer], writes)
  const {startedAt} = await cluster.startNode(node)
  const answerMs = performance.now() - startedAt
  await waitForPeer(ctx, cluster, node, peer, writes)
  const caughtUpMs = performance.now() - startedAt
  await cluster.stop()
  return {
    inputs: {nodes: pairNodes, shards: pairShards, missedWrites: writes},
    node,
    answerMs,
    caughtUpMs,
    writesPerSec: rate(writes, caughtUpMs / 1000),
    loadRetries: written.retries,
  }
}

/**
 * Loads `keys` keys into 6 nodes in 2 shards, reshards to 3, and times until every node
 * is in its new shard holding exactly that shard's keys.
 */
async function measureReshard(ctx: BenchContext, keys: number): Promise<ReshardFigure> {
  const cluster = await startCluster(ctx, reshardNodes, reshardFrom)
  ctx.progress(`scaling: loading ${keys} keys into ${reshardNodes} nodes, ${reshardFrom} shards`)
  const loaded = await load(ctx, cluster.addresses, keys)
  const keysMoved = countMovedKeys(keyNames(0, keys), cluster.addresses, reshardFrom, reshardTo)
  const expected = expectedLayout(cluster.addresses, keys)

  ctx.progress(`scaling: resharding ${keys} keys from ${reshardFrom} to ${reshardTo} shards, with client traffic`)
  const traffic = clientTraffic(ctx, cluster.addresses, keys)
  const started = performance.now()
  const answer = await ctx.client.send(cluster.addresses[0], {
    method: 'PUT',
    path: '/key-value-store-shard/reshard',
    body: {'shard-count': reshardTo},
    timeoutMs: reshardTimeoutMs,
  })
  const responseMs = performance.now() - started
  const during = await traffic.stop()
  const pauseMs = (await fetchAdminStatus(ctx.client, cluster.addresses[0])).reshard?.pauseMs ?? null
  if (answer.status !== 200) {
    throw new KvsError('INTERNAL', `reshard to ${reshardTo} answered ${answer.status}`, {body: answer.body})
  }
  await Promise.all(
    cluster.addresses.map((address) =>
      cluster.poll(
        address,
        `shard ${expected[address].shardId} with ${expected[address].keys} keys`,
        async () => {
          const status = await fetchAdminStatus(ctx.client, address)
          return status.shardId === expected[address].shardId && status.keys === expected[address].keys
        },
        waitBudgetMs(keys),
      ),
    ),
  )
  const settledMs = performance.now() - started
  await cluster.stop()
  return {
    inputs: {nodes: reshardNodes, fromShards: reshardFrom, toShards: reshardTo, keys},
    keysMoved,
    responseMs,
    settledMs,
    keysMovedPerSec: rate(keysMoved, settledMs / 1000),
    keysPerSec: rate(keys, responseMs / 1000),
    pauseMs,
    traffic: during,
    loadRetries: loaded.retries,
  }
}

/** Lanes of client requests sent one after another while a reshard runs. */
const trafficLanes = 4

/**
 * Clients that keep working during a reshard: each lane alternates a GET and a PUT (same
 * value size) of loaded keys on every node in turn, without retries, until stopped. A
 * request fails when it gets no answer, a 5xx, or a 404 (every key it asks for exists).
 */
function clientTraffic(ctx: BenchContext, nodes: readonly string[], keys: number): {stop(): Promise<{requests: number; failed: number; longestMs: number}>} {
  let running = true
  const figures = {requests: 0, failed: 0, longestMs: 0}
  const value = 'x'.repeat(ctx.options.valueBytes)
  const lane = async (n: number) => {
    for (let i = n; running; i += trafficLanes) {
      const key = keyName((i * 7919) % keys)
      const node = nodes[i % nodes.length]
      const put = i % 2 === 1
      const sent = performance.now()
      let status = 0
      try {
        const body = JSON.stringify(put ? {value, 'causal-metadata': ''} : {'causal-metadata': ''})
        status = (await ctx.transport.request(node, {method: put ? 'PUT' : 'GET', path: `/key-value-store/${key}`, body, timeoutMs: callTimeoutMs})).status
      } catch {
        // No answer: counted as failed below.
      }
      figures.requests++
      figures.longestMs = Math.max(figures.longestMs, performance.now() - sent)
      if (status !== 200) figures.failed++
    }
  }
  const lanes = Array.from({length: trafficLanes}, (_, n) => lane(n))
  return {
    stop: async () => {
      running = false
      await Promise.all(lanes)
      return figures
    },
  }
}

/** Each node's shard after the reshard and how many of the loaded keys it must then hold. */
function expectedLayout(nodes: readonly string[], keys: number): Record<string, {shardId: number; keys: number}> {
  const counts = keysPerShard(keyNames(0, keys), reshardTo)
  const layout: Record<string, {shardId: number; keys: number}> = {}
  for (const [id, members] of Object.entries(assignShards(nodes, reshardTo))) {
    for (const member of members) layout[member] = {shardId: Number(id), keys: counts[Number(id)]}
  }
  return layout
}

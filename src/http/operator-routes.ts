/** Operator routes (/admin): what `kvs status` shows. */
import type {FastifyInstance} from 'fastify'
import {readdirSync} from 'node:fs'
import {shardOfNode} from '../membership/cluster-config.js'
import {requireClientToken} from './auth-hooks.js'
import {reshardAbortResponse, statusQuery, statusResponse} from './schemas.js'
import type {NodeServices} from './services.js'

export async function operatorRoutes(app: FastifyInstance, {services}: {services: NodeServices}): Promise<void> {
  const {membership, replicator} = services
  app.addHook('onRequest', requireClientToken(services.tokens?.client ?? null))

  app.get<{Querystring: {gc?: 'true' | 'false'}}>('/status', {schema: {querystring: statusQuery, response: statusResponse}}, async (request) => {
    const config = membership.config
    const self = membership.self
    const shard = replicator.shard
    const summary = replicator.summary()
    const lagging = replicator.laggingPeers
    return {
      address: self,
      epoch: config?.configEpoch ?? 0,
      layoutEpoch: config?.layoutEpoch ?? 0,
      shardId: shard,
      shardCount: config?.shardCount ?? 0,
      primary: shard !== null && membership.primaryOf(shard) === self,
      ready: replicator.ready,
      keys: replicator.liveKeys,
      appliedWrites: summary.applied,
      nodes: (config?.nodes ?? [self]).map((address) => {
        const nodeShard = config ? shardOfNode(config, address) : null
        return {
          address,
          state: membership.state(address),
          shardId: nodeShard,
          primary: nodeShard !== null && membership.primaryOf(nodeShard) === address,
          lagging: lagging.includes(address),
        }
      }),
      reshard: services.reshard.progress,
      reshardCopy: replicator.reshard.status,
      catchUp: replicator.fetched,
      // Whether tokens are required, never the tokens; and whether the test-only fault routes exist.
      auth: {client: Boolean(services.tokens?.client), cluster: Boolean(services.tokens?.cluster)},
      faultInjection: Boolean(services.faults),
      storageFailed: services.health.storageFailure !== null,
      process: await processStatus(app, services, request.query.gc === 'true'),
    }
  })

  // Aborts the reshard this node coordinates, or else one pending on any node (its coordinator died).
  app.post('/reshard/abort', {schema: {response: reshardAbortResponse}}, async () => {
    const aborted = await services.reshard.abort()
    return {message: aborted ? 'Reshard aborted' : 'No reshard was under way', aborted}
  })
}

/** Memory and live resources of this process; `gc` first runs a full GC when it is exposed. */
async function processStatus(app: FastifyInstance, services: NodeServices, gc: boolean) {
  const collect = (globalThis as {gc?: () => void}).gc
  const collected = gc && typeof collect === 'function'
  if (collected) collect()
  const activeResources: Record<string, number> = {}
  for (const type of process.getActiveResourcesInfo()) activeResources[type] = (activeResources[type] ?? 0) + 1
  const memory = process.memoryUsage()
  const server = app.server
  const inboundConnections = server.listening
    ? await new Promise<number>((resolve) => server.getConnections((error, n) => resolve(error ? 0 : n)))
    : 0
  return {
    gc: collected,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    activeResources,
    inboundConnections,
    openFds: openFds(),
    peerSockets: services.transport.stats?.() ?? null,
    backlog: services.replicator.backlog,
  }
}

/** File descriptors this process holds (sockets of every kind, files); null without /proc. */
function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return null
  }
}

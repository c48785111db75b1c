/**
 * Health and metrics for orchestrators and Prometheus (API.md section 10.2): GET /livez,
 * GET /readyz and GET /metrics. Apart from the operator routes because probes and scrapers
 * call them every few seconds at fixed paths; none of them changes anything.
 */
import type {FastifyInstance} from 'fastify'
import {shardOfNode} from '../membership/cluster-config.js'
import type {NodeMetrics} from '../metrics/node-metrics.js'
import {requireClientToken} from './auth-hooks.js'
import {livezResponse, metricsResponse, notReadyReasons, readyzResponse} from './schemas.js'
import type {NodeServices} from './services.js'

export type NotReadyReason = (typeof notReadyReasons)[number]

/** What readiness is decided from; every field is read from the node when /readyz is asked. */
export interface ReadinessFacts {
  /** The op log could not be written (ENOSPC, EIO): the node stopped taking writes (fail-stop). */
  storageFailed: boolean
  /** SIGTERM received: the node finishes its work and stops. */
  draining: boolean
  /** The replica has been rebuilt from the data directory (snapshot and op log). */
  recovered: boolean
  /** A configuration is installed and lists this node (a newcomer is not in one until announced and accepted). */
  inConfiguration: boolean
  /** The replicator counts itself ready: it copied what its shard's peers had at start (or holds no shard). */
  caughtUp: boolean
}

/** The first reason the node cannot serve, or null when it can. Pure. */
export function notReadyReason(f: ReadinessFacts): NotReadyReason | null {
  if (f.storageFailed) return 'storage failed'
  if (f.draining) return 'draining'
  if (!f.recovered) return 'recovering'
  if (!f.inConfiguration) return 'not in configuration'
  if (!f.caughtUp) return 'catching up'
  return null
}

const explanation: Record<NotReadyReason, string> = {
  'storage failed': 'The node could not write its op log (disk full or failing): it takes no writes until an operator fixes the disk and restarts it',
  draining: 'The node received SIGTERM: it finishes requests in flight, flushes its op log and exits',
  recovering: 'The node is rebuilding its replica from its data directory',
  'not in configuration': 'The node is not in the cluster configuration yet (a newcomer waits to be added to the view)',
  'catching up': 'The node is copying the writes it missed from the other members of its shard',
}

export async function healthRoutes(app: FastifyInstance, {services}: {services: NodeServices}): Promise<void> {
  const {membership, replicator, health} = services

  app.get('/livez', {schema: {response: livezResponse}}, async () => ({status: 'live'}))

  app.get('/readyz', {schema: {response: readyzResponse}}, async (_request, reply) => {
    const config = membership.config
    const self = membership.self
    const reason = notReadyReason({
      storageFailed: health.storageFailure !== null,
      draining: health.draining,
      recovered: health.recovered,
      inConfiguration: config !== null && config.nodes.includes(self),
      caughtUp: replicator.ready,
    })
    const where = {address: self, epoch: config?.configEpoch ?? 0, shardId: config ? shardOfNode(config, self) : null}
    if (reason === null) return {status: 'ready', ...where}
    return reply.code(503).send({status: 'not ready', reason, message: explanation[reason], ...where})
  })

  const metrics: NodeMetrics | null | undefined = services.metrics
  if (metrics) {
    app.get('/metrics', {schema: {response: metricsResponse}, onRequest: requireClientToken(services.tokens?.client ?? null)}, async (_request, reply) => {
      const text = await metrics.text()
      return reply.type(metrics.contentType).send(text)
    })
  }
}

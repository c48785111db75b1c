/** Peer-to-peer routes (/internal): heartbeats, configuration changes, replication, catch-up, reshard. */
import type {FastifyInstance} from 'fastify'
import {KvsError} from '../errors.js'
import type {VectorClock} from '../clock/vector-clock.js'
import type {ClusterConfig} from '../membership/cluster-config.js'
import type {PeerSummary} from '../membership/failure-detector.js'
import {parseMetadata} from '../clock/causal-metadata.js'
import type {ForwardedRequest} from '../replication/key-service.js'
import type {Op} from '../replication/op.js'
import type {ChangesRequest, SnapshotRequest} from '../replication/reshard-source.js'
import {requireClusterToken} from './auth-hooks.js'
import {errorAnswer} from './error-answer.js'
import {
  clusterConfig,
  forwardBody,
  forwardResponse,
  okResponse,
  peerSummary,
  replicateBody,
  syncBody,
  transferPageBody,
} from './schemas.js'
import {joinPrepare, reshardSchemas} from './reshard-schemas.js'
import type {NodeServices} from './services.js'

export async function internalRoutes(app: FastifyInstance, {services}: {services: NodeServices}): Promise<void> {
  const {membership, replicator} = services
  const ok = {ok: true}
  app.addHook('onRequest', requireClusterToken(services.tokens?.cluster ?? null))

  app.post<{Body: PeerSummary}>('/heartbeat', {schema: {body: peerSummary, response: {200: peerSummary}}}, async (request) =>
    membership.receiveHeartbeat(request.body),
  )

  app.get('/config', {schema: {response: {200: clusterConfig}}}, async () => {
    if (!membership.config) throw new KvsError('UNAVAILABLE', 'This node has no configuration yet')
    return membership.config
  })

  app.post<{Body: ClusterConfig}>('/config/propose', {schema: {body: clusterConfig}}, async (request, reply) => {
    const answer = membership.receivePropose(request.body)
    return reply.code(answer.accepted ? 200 : 409).send(answer)
  })

  app.post<{Body: ClusterConfig}>('/config/commit', {schema: {body: clusterConfig, response: okResponse}}, async (request) => {
    await membership.install(request.body)
    return ok
  })

  app.post<{Body: {from: string; ops: Op[]}}>(
    '/replicate',
    {schema: {body: replicateBody, response: okResponse}, bodyLimit: 64 * 1024 * 1024},
    async (request) => {
      await replicator.receive(request.body.ops, request.body.from)
      return ok
    },
  )

  // Key requests other nodes forward here, in batches; each is answered as the key route would.
  app.post<{Body: {requests: ForwardedRequest[]}}>(
    '/forward',
    {schema: {body: forwardBody, response: forwardResponse}, bodyLimit: 64 * 1024 * 1024},
    async (request) => ({
      answers: await Promise.all(
        request.body.requests.map(async (r) => {
          try {
            const answer = await services.keys.handle({...r, meta: parseMetadata(r.meta)})
            return {status: answer.status, body: typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)}
          } catch (error) {
            const {status, body} = errorAnswer(r.method, error)
            if (status === 500) services.log.error({err: error, key: r.key}, 'unexpected error in a forwarded request')
            return {status, body: JSON.stringify(body)}
          }
        }),
      ),
    }),
  )

  app.post<{Body: {shard: number; epoch: number; clock: VectorClock; full?: boolean}}>('/sync', {schema: {body: syncBody}}, async (request) =>
    replicator.syncFor(request.body.shard, request.body.epoch, request.body.clock, request.body.full ?? false),
  )

  app.post<{Body: {id: string; offset: number; limit: number}}>('/transfer', {schema: {body: transferPageBody}}, async (request) =>
    replicator.transferPage(request.body.id, request.body.offset, request.body.limit),
  )

  // add-member: the newcomer copies the shard before the configuration names it a member.
  app.post<{Body: {shard: number; layoutEpoch: number; peers: string[]}}>('/join/prepare', {schema: joinPrepare}, async (request) =>
    replicator.prepareJoin(request.body.shard, request.body.layoutEpoch, request.body.peers),
  )

  // The reshard participant (reshard-participant.ts): the coordinator drives it, receivers copy from it.
  const {reshard} = replicator
  app.post<{Body: ClusterConfig}>('/reshard/start', {schema: reshardSchemas.start}, async (request) => {
    reshard.start(request.body)
    return ok
  })
  app.post<{Body: {epoch: number}}>('/reshard/progress', {schema: reshardSchemas.progress}, async (request) => reshard.report(request.body.epoch))
  app.post<{Body: {epoch: number}}>('/reshard/hold', {schema: reshardSchemas.hold}, async (request) => reshard.hold(request.body.epoch))
  app.post<{Body: {epoch: number; need: Record<string, VectorClock>}}>('/reshard/finish', {schema: reshardSchemas.finish}, async (request) => {
    await reshard.finish(request.body.epoch, request.body.need)
    return ok
  })
  app.post<{Body: {epoch?: number}}>('/reshard/abort', {schema: reshardSchemas.abort}, async (request) => ({
    aborted: reshard.abort(request.body?.epoch),
  }))
  // Copy pages are large columns of strings: the native JSON.stringify writes 10,000 keys in
  // 4 ms where the schema's serializer took 36 ms (the schema still documents the answer).
  app.post<{Body: SnapshotRequest}>('/reshard/snapshot', {schema: reshardSchemas.snapshot}, async (request, reply) =>
    reply.serializer(JSON.stringify).send(reshard.source.snapshotPage(request.body)),
  )
  app.post<{Body: ChangesRequest}>('/reshard/changes', {schema: reshardSchemas.changes}, async (request, reply) =>
    reply.serializer(JSON.stringify).send(await reshard.source.changes(request.body)),
  )
}

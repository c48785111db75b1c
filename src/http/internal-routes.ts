/**
 * Peer-to-peer routes: heartbeats, configuration changes, replication, catch-up, reshard.
 * Their paths, bodies and answers are the protocol's (protocol/messages.ts); what a body
 * must also agree with here (this node's clock, configuration and replica) is checked
 * before anything is changed (protocol/bounds.ts): 400 for a message no node would send,
 * 409 for one that does not fit this node's state.
 */
import type {FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'
import {parseMetadata} from '../clock/causal-metadata.js'
import {KvsError} from '../errors.js'
import {hasShard, membersOf} from '../membership/cluster-config.js'
import {layoutFault, replicateFault, reshardFault, summaryFault} from '../protocol/bounds.js'
import {peerBatchBodyLimit, peerRoutes, type PeerBody, type PeerRouteName} from '../protocol/messages.js'
import {requireClusterToken} from './auth-hooks.js'
import {errorAnswer} from './error-answer.js'
import type {NodeServices} from './services.js'

export async function internalRoutes(app: FastifyInstance, {services}: {services: NodeServices}): Promise<void> {
  const {membership, replicator} = services
  const ok = {ok: true}
  app.addHook('onRequest', requireClusterToken(services.tokens?.cluster ?? null))

  /** Registers peer route `name` from its protocol definition. */
  const route = <N extends PeerRouteName>(
    name: N,
    handler: (body: NoInfer<PeerBody<N>>, reply: FastifyReply) => unknown,
    opts: {bodyLimit?: number; rawAnswer?: boolean} = {},
  ) => {
    const {method, path, body, answer} = peerRoutes[name]
    app.route({
      method,
      url: path,
      schema: {...(body ? {body} : {}), response: {200: answer}},
      ...(opts.bodyLimit ? {bodyLimit: opts.bodyLimit} : {}),
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const result = await handler(request.body as PeerBody<N>, reply)
        // Large answers (ops, copy pages) are columns of strings: the native JSON.stringify
        // writes 10,000 keys in 4 ms where the schema's serializer took 36 ms (the schema
        // still documents the answer, and the client checks it).
        return opts.rawAnswer ? reply.serializer(JSON.stringify).send(result) : result
      },
    })
  }
  const refuse = (why: string | null, code: 'BAD_REQUEST' | 'CONFLICT' = 'BAD_REQUEST') => {
    if (why) throw new KvsError(code, why)
  }

  route('heartbeat', (summary) => {
    refuse(summaryFault(summary))
    return membership.receiveHeartbeat(summary)
  })

  route('config', () => {
    if (!membership.config) throw new KvsError('UNAVAILABLE', 'This node has no configuration yet')
    return membership.config
  })

  route('propose', (config, reply) => {
    refuse(layoutFault(config))
    const answer = membership.receivePropose(config)
    return reply.code(answer.accepted ? 200 : 409).send(answer)
  })

  route('commit', async (config) => {
    refuse(layoutFault(config))
    await membership.receiveCommit(config)
    return ok
  })

  route(
    'replicate',
    async ({from, ops, groups}) => {
      const config = membership.config
      const shard = replicator.shard
      if (!config || shard === null) throw new KvsError('CONFLICT', 'This node holds no shard')
      const members = membersOf(config, shard)
      refuse(members.includes(from) ? null : `${from} is not a member of shard ${shard}`, 'CONFLICT')
      const grouped = groups ?? []
      refuse(replicateFault(from, ops, grouped, {members, clock: replicator.summary().clock, nowMs: Date.now()}))
      await replicator.receive([...ops, ...grouped], from)
      return ok
    },
    {bodyLimit: peerBatchBodyLimit},
  )

  // Key requests other nodes forward here, in batches; each is answered as the key route would.
  route(
    'forward',
    async ({requests}) => ({
      answers: await Promise.all(
        requests.map(async (r) => {
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
    {bodyLimit: peerBatchBodyLimit},
  )

  route('sync', (b) => replicator.syncFor(b.shard, b.epoch, b.clock, b.full ?? false), {rawAnswer: true})
  route('transfer', (b) => replicator.transferPage(b.id, b.offset, b.limit), {rawAnswer: true})

  // add-member: the newcomer copies the shard, from its members only, before the configuration names it a member.
  route('joinPrepare', ({shard, layoutEpoch, peers}) => {
    const config = membership.config
    if (!config || !hasShard(config, shard) || config.layoutEpoch !== layoutEpoch) {
      throw new KvsError('CONFLICT', 'That shard and layout are not the ones in force here', {shard, layoutEpoch})
    }
    const members = membersOf(config, shard)
    refuse(peers.every((p) => members.includes(p)) ? null : `the peers to copy from are not all members of shard ${shard}`, 'CONFLICT')
    return replicator.prepareJoin(shard, layoutEpoch, peers)
  })

  // The reshard participant (reshard-participant.ts): the coordinator drives it, receivers copy from it.
  const {reshard} = replicator
  route('reshardStart', (next) => {
    refuse(layoutFault(next))
    const base = membership.config
    refuse(base && reshardFault(base, next), 'CONFLICT')
    reshard.start(next)
    return ok
  })
  route('reshardProgress', ({configEpoch}) => reshard.report(configEpoch))
  route('reshardHold', ({configEpoch}) => reshard.hold(configEpoch))
  route('reshardFinish', async ({configEpoch, need}) => {
    await reshard.finish(configEpoch, need)
    return ok
  })
  route('reshardAbort', ({configEpoch}) => ({aborted: reshard.abort(configEpoch)}))
  route('reshardSnapshot', (b) => reshard.source.snapshotPage(b), {rawAnswer: true})
  route('reshardChanges', (b) => reshard.source.changes(b), {rawAnswer: true})

  // The bulk routes' parts (http/bulk-routes.ts): a batch's shard part, a scan's page.
  route('batch', (part) => services.batches.serveForwarded({...part, meta: parseMetadata(part.meta)}), {bodyLimit: peerBatchBodyLimit})
  route('scan', async (call) => services.scans.servePage({...call, meta: parseMetadata(call.meta)}), {rawAnswer: true})
}

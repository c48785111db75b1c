/**
 * The public contract of API.md: view, key and shard operations, with its exact paths,
 * fields, status codes and messages.
 */
import type {FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'
import {parseMetadata} from '../clock/causal-metadata.js'
import {isKvsError, KvsError} from '../errors.js'
import {hasShard, membersOf, shardIds, shardOfNode, withMember, withNode, withoutNode} from '../membership/cluster-config.js'
import {parseNodeName} from '../placement/node-name.js'
import {isFeasibleShardCount} from '../placement/placement.js'
import {hopHeader, type KeyMethod} from '../replication/key-service.js'
import {requireClientToken} from './auth-hooks.js'
import {
  keyBody,
  keyParams,
  keyResponses,
  messageResponses,
  shardCountBody,
  shardIdParams,
  shardResponses,
  socketAddressBody,
} from './schemas.js'
import type {NodeServices} from './services.js'

const maxKeyLength = 50

interface KeyRoute {
  Params: {key: string}
  Body: {value?: unknown; 'causal-metadata'?: unknown} | undefined
}

export async function publicRoutes(app: FastifyInstance, {services}: {services: NodeServices}): Promise<void> {
  const {membership, keys} = services
  app.addHook('onRequest', requireClientToken(services.tokens?.client ?? null))

  // ---- view --------------------------------------------------------------------------

  app.get('/key-value-store-view', {schema: {response: messageResponses}}, async () => ({
    message: 'View retrieved successfully',
    view: membership.view().join(','),
  }))

  app.put<{Body: {'socket-address': string}}>(
    '/key-value-store-view',
    {schema: {body: socketAddressBody, response: messageResponses}, attachValidation: true},
    async (request, reply) => {
      const address = socketAddressOf(request, 'PUT')
      const config = requireConfig(services, 'PUT')
      if (config.nodes.includes(address)) return viewError(reply, 'PUT', 'Socket address already exists in the view')
      try {
        await membership.change((c) => withNode(c, address))
      } catch (error) {
        if (isKvsError(error) && error.message === 'Socket address already exists in the view') {
          return viewError(reply, 'PUT', error.message)
        }
        throw error
      }
      return reply.code(201).send({message: 'Replica added successfully to the view'})
    },
  )

  app.delete<{Body: {'socket-address': string}}>(
    '/key-value-store-view',
    {schema: {body: socketAddressBody, response: messageResponses}, attachValidation: true},
    async (request, reply) => {
      const address = socketAddressOf(request, 'DELETE')
      const config = requireConfig(services, 'DELETE')
      if (!config.nodes.includes(address)) return viewError(reply, 'DELETE', 'Socket address does not exist in the view')
      try {
        await membership.change((c) => withoutNode(c, address))
      } catch (error) {
        if (isKvsError(error) && error.code === 'NOT_FOUND') return viewError(reply, 'DELETE', error.message)
        throw error
      }
      return reply.code(200).send({message: 'Replica deleted successfully from the view'})
    },
  )

  // ---- keys --------------------------------------------------------------------------

  const handleKey = async (method: KeyMethod, request: FastifyRequest<KeyRoute>, reply: FastifyReply) => {
    const {key} = request.params
    if (key.length > maxKeyLength) return badKey(reply, method, 'Key is too long')
    if (request.validationError) {
      const error = request.validationError as Error & {validationContext?: string}
      return badKey(reply, method, error.validationContext === 'body' ? 'Value must be a string' : `Invalid request: ${error.message}`)
    }
    const body = request.body
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      return badKey(reply, method, 'Body must be a JSON object')
    }
    if (method === 'PUT') {
      if (body?.value === undefined || body.value === null) return badKey(reply, method, 'Value is missing')
      if (typeof body.value !== 'string') return badKey(reply, method, 'Value must be a string')
    }
    let meta
    try {
      meta = parseMetadata(body?.['causal-metadata'])
    } catch (error) {
      if (isKvsError(error)) return badKey(reply, method, error.message)
      throw error
    }
    const answer = await keys.handle({method, key, value: body?.value as string | undefined, meta, hops: 0})
    reply.code(answer.status)
    if (typeof answer.body === 'string') return reply.type('application/json').send(answer.body)
    return reply.send(answer.body)
  }

  const keyRoute = {
    schema: {params: keyParams, body: keyBody, response: keyResponses},
    attachValidation: true,
  }
  app.put<KeyRoute>('/key-value-store/:key', keyRoute, (req, reply) => handleKey('PUT', req, reply))
  app.delete<KeyRoute>('/key-value-store/:key', keyRoute, (req, reply) => handleKey('DELETE', req, reply))
  // GET carries its causal metadata in a JSON body (API.md section 4); app.ts lets Fastify parse it.
  // No body schema: Fastify also serves this route as HEAD, which cannot have one; handleKey
  // checks the body's shape and parseMetadata() its metadata.
  app.get<KeyRoute>(
    '/key-value-store/:key',
    {schema: {params: keyParams, response: keyResponses}, attachValidation: true},
    (req, reply) => handleKey('GET', req, reply),
  )

  // ---- shards ------------------------------------------------------------------------

  app.get('/key-value-store-shard/shard-ids', {schema: {response: shardResponses}}, async () => ({
    message: 'Shard IDs retrieved successfully',
    'shard-ids': shardIds(requireConfig(services, 'GET')),
  }))

  app.get('/key-value-store-shard/node-shard-id', {schema: {response: shardResponses}}, async () => {
    const config = membership.config
    return {
      message: 'Shard ID of the node retrieved successfully',
      'shard-id': config ? shardOfNode(config, membership.self) : null,
    }
  })

  app.get<{Params: {id: string}}>(
    '/key-value-store-shard/shard-id-members/:id',
    {schema: {params: shardIdParams, response: shardResponses}, attachValidation: true},
    async (request, reply) => {
      const shard = shardParam(services, request, 'GET')
      if (shard === null) return unknownShard(reply, 'GET')
      return {
        message: 'Members of shard ID retrieved successfully',
        'shard-id-members': [...membersOf(requireConfig(services, 'GET'), shard)],
      }
    },
  )

  app.get<{Params: {id: string}}>(
    '/key-value-store-shard/shard-id-key-count/:id',
    {schema: {params: shardIdParams, response: shardResponses}, attachValidation: true},
    async (request, reply) => {
      const shard = shardParam(services, request, 'GET')
      if (shard === null) return unknownShard(reply, 'GET')
      if (services.replicator.shard === shard) {
        return {message: 'Key count of shard ID retrieved successfully', 'shard-id-key-count': services.replicator.liveKeys}
      }
      if (Number(request.headers[hopHeader] ?? 0) === 0) {
        for (const peer of membership.route(shard).members) {
          try {
            const res = await services.transport.request(peer, {
              method: 'GET',
              path: `/key-value-store-shard/shard-id-key-count/${shard}`,
              headers: {[hopHeader]: '1'},
              timeoutMs: 2000,
            })
            if (res.status === 200) return reply.code(200).type('application/json').send(res.text)
          } catch {
            // Try the next member.
          }
        }
      }
      return reply.code(503).send({error: 'Unable to satisfy request', message: 'Error in GET', code: 'UNAVAILABLE'})
    },
  )

  app.put<{Params: {id: string}; Body: {'socket-address': string}}>(
    '/key-value-store-shard/add-member/:id',
    {schema: {params: shardIdParams, body: socketAddressBody, response: messageResponses}, attachValidation: true},
    async (request, reply) => {
      const shard = shardParam(services, request, 'PUT')
      if (shard === null) return unknownShard(reply, 'PUT')
      const address = socketAddressOf(request, 'PUT')
      await services.prepareJoin(address, shard)
      await membership.change((c) => withMember(c, shard, address))
      return {message: 'Member added successfully'}
    },
  )

  app.put<{Body: {'shard-count': number}}>(
    '/key-value-store-shard/reshard',
    {schema: {body: shardCountBody, response: messageResponses}, attachValidation: true},
    async (request, reply) => {
      if (request.validationError) {
        throw new KvsError('BAD_REQUEST', 'shard-count must be a positive integer')
      }
      const count = request.body['shard-count']
      if (!isFeasibleShardCount(membership.view().length, count)) {
        return reply.code(400).send({message: 'Not enough nodes to provide fault-tolerance with the given shard count!'})
      }
      await services.reshard.run(count)
      return {message: 'Resharding done successfully'}
    },
  )
}

function requireConfig(services: NodeServices, method: string) {
  const config = services.membership.config
  if (!config) throw new KvsError('UNAVAILABLE', `Error in ${method}`, {reason: 'configuration not known yet'})
  return config
}

/** The body's address in its one spelling (API.md section 10.3), so `KVS-0.kvs:8085` finds `kvs-0.kvs:8085` in the view. */
function socketAddressOf(request: FastifyRequest<{Body: {'socket-address': string}}>, method: string): string {
  if (request.validationError) {
    throw new KvsError('BAD_REQUEST', 'socket-address must be a string host:port', {method})
  }
  const parsed = parseNodeName(request.body['socket-address'])
  if (!parsed.ok) throw new KvsError('BAD_REQUEST', `socket-address must be a string host:port: ${parsed.reason}`, {method})
  return parsed.value.name
}

function shardParam(services: NodeServices, request: FastifyRequest<{Params: {id: string}}>, method: string): number | null {
  if (request.validationError) return null
  const id = Number(request.params.id)
  return hasShard(requireConfig(services, method), id) ? id : null
}

function viewError(reply: FastifyReply, method: string, error: string) {
  return reply.code(404).send({error, message: `Error in ${method}`})
}

function badKey(reply: FastifyReply, method: string, error: string) {
  return reply.code(400).send({error, message: `Error in ${method}`})
}

function unknownShard(reply: FastifyReply, method: string) {
  return reply.code(404).send({error: 'Shard ID does not exist', message: `Error in ${method}`})
}

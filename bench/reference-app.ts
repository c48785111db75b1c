/**
 * The bench's second yardstick: a cluster of the same layout as kvs's (same nodes, same
 * shards, same placement) that does nothing but route, batch and copy. Each process keeps
 * its shard's keys in a Map; a key of another shard is forwarded to a member of that shard
 * in batches (kvs's Batcher over kvs's transport, as kvs forwards); a write goes to the
 * shard's first member, which stores it, copies it to the other members in batches and
 * answers once they all have it. No clocks, no op log, no failover, no schemas.
 *
 * kvs / reference is then the cost of what kvs does besides its layout (causal metadata,
 * durability, validation, failure handling); reference / baseline is the cost of the layout
 * itself on this host (more processes than cores, one hop for keys of another shard).
 * Built without listening, so tests use inject() over the in-memory transport.
 */
import Fastify, {type FastifyInstance} from 'fastify'
import {initialConfig, membersOf} from '../src/membership/cluster-config.js'
import {shardForKey} from '../src/placement/placement.js'
import {Batcher} from '../src/transport/batcher.js'
import type {Transport} from '../src/transport/transport.js'

export interface ReferenceOptions {
  self: string
  /** Every process of the reference cluster. */
  view: readonly string[]
  shardCount: number
}

interface Forwarded {
  method: 'GET' | 'PUT'
  key: string
  value?: string
  meta?: unknown
}

interface Answer {
  status: number
  /** JSON text, relayed as is by the node that forwarded the request. */
  body: string
}

/** A key request in flight longer than this is answered 503, as kvs gives up on a peer. */
const callTimeoutMs = 2000
const maxKeyLength = 50

export function buildReferenceApp(opts: ReferenceOptions, transport: Transport): FastifyInstance {
  const config = initialConfig(opts.view, opts.shardCount)
  const store = new Map<string, string>()
  const batchers = new Map<string, Batcher<unknown, Answer>>()
  let turn = 0

  const call = (peer: string, path: string, wrap: (items: unknown[]) => unknown): Batcher<unknown, Answer> => {
    const id = `${peer}${path}`
    let batcher = batchers.get(id)
    if (!batcher) {
      batcher = new Batcher(async (items) => {
        const res = await transport.request(peer, {method: 'POST', path, body: JSON.stringify(wrap(items)), timeoutMs: callTimeoutMs})
        if (res.status !== 200) throw new Error(`${peer} answered ${res.status}`)
        const {answers} = JSON.parse(res.text) as {answers?: Answer[]}
        return answers ?? items.map(() => ({status: res.status, body: res.text}))
      }, 1)
      batchers.set(id, batcher)
    }
    return batcher
  }
  const forward = (peer: string, request: Forwarded) => call(peer, '/forward', (requests) => ({requests})).send(request)
  const copy = (peer: string, key: string, value: string) => call(peer, '/copy', (entries) => ({entries})).send([key, value])

  /** Serves a request whose key belongs to this process's shard. */
  const serve = async (request: Forwarded, shard: number): Promise<Answer> => {
    if (request.method === 'GET') {
      const value = store.get(request.key)
      if (value === undefined) {
        return answer(404, {doesExist: false, error: 'Key does not exist', message: 'Error in GET', 'shard-id': shard})
      }
      return answer(200, {message: 'Retrieved successfully', value, 'causal-metadata': request.meta ?? '', 'shard-id': shard, doesExist: true})
    }
    const value = request.value as string
    const existed = store.has(request.key)
    store.set(request.key, value)
    const others = membersOf(config, shard).filter((m) => m !== opts.self)
    await Promise.all(others.map((peer) => copy(peer, request.key, value)))
    return answer(existed ? 200 : 201, {
      message: existed ? 'Updated successfully' : 'Added successfully',
      'causal-metadata': request.meta ?? '',
      'shard-id': shard,
      replaced: existed,
    })
  }

  /** Serves here or forwards: reads to any member of the key's shard, writes to its first member. */
  const route = async (request: Forwarded, hops: number): Promise<Answer> => {
    const shard = shardForKey(request.key, config.shardCount)
    const members = membersOf(config, shard)
    const local = members.includes(opts.self)
    if (hops > 0 || (local && (request.method === 'GET' || members[0] === opts.self))) return serve(request, shard)
    const peers = members.filter((m) => m !== opts.self)
    const peer = request.method === 'GET' ? peers[turn++ % peers.length] : members[0]
    try {
      return await forward(peer, request)
    } catch {
      return answer(503, {error: 'Unable to satisfy request', message: `Error in ${request.method}`})
    }
  }

  const app = Fastify({logger: false, keepAliveTimeout: 30_000, bodyLimit: 64 * 1024 * 1024})
  app.addHttpMethod('GET', {hasBody: true, overrideExisting: true})

  app.get<{Params: {key: string}; Body: {'causal-metadata'?: unknown} | undefined}>('/key-value-store/:key', async (req, reply) => {
    const key = req.params.key
    if (key.length > maxKeyLength) return reply.code(400).send({error: 'Key is too long', message: 'Error in GET'})
    const res = await route({method: 'GET', key, meta: req.body?.['causal-metadata']}, 0)
    return reply.code(res.status).type('application/json').send(res.body)
  })

  app.put<{Params: {key: string}; Body: {value?: unknown; 'causal-metadata'?: unknown} | undefined}>(
    '/key-value-store/:key',
    async (req, reply) => {
      const key = req.params.key
      const value = req.body?.value
      if (key.length > maxKeyLength) return reply.code(400).send({error: 'Key is too long', message: 'Error in PUT'})
      if (value === undefined || value === null) return reply.code(400).send({error: 'Value is missing', message: 'Error in PUT'})
      if (typeof value !== 'string') return reply.code(400).send({error: 'Value must be a string', message: 'Error in PUT'})
      const res = await route({method: 'PUT', key, value, meta: req.body?.['causal-metadata']}, 0)
      return reply.code(res.status).type('application/json').send(res.body)
    },
  )

  app.post<{Body: {requests: Forwarded[]}}>('/forward', async (req) => ({
    answers: await Promise.all(req.body.requests.map((r) => route(r, 1))),
  }))

  app.post<{Body: {entries: Array<[string, string]>}}>('/copy', async (req) => {
    for (const [key, value] of req.body.entries) store.set(key, value)
    return {ok: true}
  })

  return app
}

function answer(status: number, body: Record<string, unknown>): Answer {
  return {status, body: JSON.stringify(body)}
}

/**
 * The baseline of every throughput figure: a bare Fastify app doing the in-memory part of
 * kvs's work, with kvs's request and answer shapes. It parses the JSON body of every
 * request (GET included, as kvs must, for the causal metadata), checks the key and value
 * as kvs does, and keeps the keys in one Map; no replication, no storage, no clocks.
 * Built without listening, so tests use inject().
 */
import Fastify, {type FastifyInstance} from 'fastify'

/** API.md section 4: a 50-character key is valid, 51 is too long. */
const maxKeyLength = 50

interface KeyParams {
  key: string
}

interface KeyBody {
  value?: unknown
  'causal-metadata'?: unknown
}

export function buildBaselineApp(): FastifyInstance {
  const app = Fastify({logger: false, keepAliveTimeout: 30_000})
  // Fastify skips GET bodies unless told GET has one.
  app.addHttpMethod('GET', {hasBody: true, overrideExisting: true})
  const store = new Map<string, string>()

  app.get<{Params: KeyParams; Body: KeyBody | undefined}>('/key-value-store/:key', async (request, reply) => {
    const value = store.get(request.params.key)
    if (value === undefined) {
      return reply.code(404).send({doesExist: false, error: 'Key does not exist', message: 'Error in GET'})
    }
    return {message: 'Retrieved successfully', value, 'causal-metadata': request.body?.['causal-metadata'] ?? ''}
  })

  app.put<{Params: KeyParams; Body: KeyBody | undefined}>('/key-value-store/:key', async (request, reply) => {
    const {key} = request.params
    const value = request.body?.value
    if (key.length > maxKeyLength) return reply.code(400).send({error: 'Key is too long', message: 'Error in PUT'})
    if (value === undefined || value === null) {
      return reply.code(400).send({error: 'Value is missing', message: 'Error in PUT'})
    }
    if (typeof value !== 'string') return reply.code(400).send({error: 'Value must be a string', message: 'Error in PUT'})
    const existed = store.has(key)
    store.set(key, value)
    return reply.code(existed ? 200 : 201).send({
      message: existed ? 'Updated successfully' : 'Added successfully',
      'causal-metadata': request.body?.['causal-metadata'] ?? '',
      'shard-id': 1,
    })
  })

  return app
}

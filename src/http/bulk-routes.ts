/**
 * The bulk routes: many keys per request (POST /key-value-store-batch), keys by prefix page
 * by page (POST /key-value-store-scan). The peer calls behind them are the
 * protocol's batch and scan routes (protocol/messages.ts). Shapes in the README.
 */
import type {FastifyInstance} from 'fastify'
import {parseMetadata} from '../clock/causal-metadata.js'
import {KvsError} from '../errors.js'
import type {BatchOp} from '../replication/batch.js'
import {
  batchBody,
  batchResponses,
  defaultScanLimit,
  maxBatchBytes,
  scanBody,
  scanResponses,
} from './bulk-schemas.js'
import {requireClientToken} from './auth-hooks.js'
import type {NodeServices} from './services.js'

interface BatchRoute {
  Body: {ops?: BatchOp[]; puts?: {keys: string[]; values: string[]}; 'causal-metadata'?: unknown}
}

/** The batch's ops, from whichever of its two forms the client sent; 400 for anything else. */
function opsOf({ops, puts}: BatchRoute['Body']): BatchOp[] {
  if ((ops === undefined) === (puts === undefined)) throw new KvsError('BAD_REQUEST', 'a batch has "ops" or "puts", one of the two')
  if (puts) {
    const {keys, values} = puts
    if (keys.length !== values.length) throw new KvsError('BAD_REQUEST', `puts: ${keys.length} keys and ${values.length} values`)
    return keys.map((key, i) => ({op: 'put', key, value: values[i]}))
  }
  const list = ops as BatchOp[]
  const bad = list.findIndex((o) => (o.op === 'put') !== (o.value !== undefined))
  if (bad >= 0) {
    const why = list[bad].op === 'put' ? 'a put needs a string "value"' : `a ${list[bad].op} carries no "value"`
    throw new KvsError('BAD_REQUEST', `ops[${bad}]: ${why}`)
  }
  return list
}

interface ScanRoute {
  Body: {prefix?: string; limit?: number; cursor?: string; values?: boolean; 'causal-metadata'?: unknown} | undefined
}

export async function bulkRoutes(app: FastifyInstance, {services}: {services: NodeServices}): Promise<void> {
  app.addHook('onRequest', requireClientToken(services.tokens?.client ?? null))
  app.post<BatchRoute>('/key-value-store-batch', {schema: {body: batchBody, response: batchResponses}, bodyLimit: maxBatchBytes}, async (request, reply) => {
    const ops = opsOf(request.body)
    const meta = parseMetadata(request.body['causal-metadata'])
    const answer = await services.batches.handle(ops, meta)
    const outcome = request.body.puts ? {statuses: answer.results.map((r) => r.status)} : {results: answer.results}
    const body =
      answer.status === 200
        ? {message: 'Batch done', 'causal-metadata': answer.meta, ...outcome}
        : {message: 'Error in POST', error: 'Unable to satisfy request', 'causal-metadata': answer.meta, ...outcome}
    return reply.code(answer.status).send(body)
  })

  app.post<ScanRoute>('/key-value-store-scan', {schema: {body: scanBody, response: scanResponses}}, async (request, reply) => {
    const body = request.body ?? {}
    const answer = await services.scans.scan({
      prefix: body.prefix ?? '',
      limit: body.limit ?? defaultScanLimit,
      cursor: body.cursor,
      values: body.values ?? false,
      meta: parseMetadata(body['causal-metadata']),
    })
    const {meta, ...page} = answer
    // Columns of strings: the native serializer writes them several times faster than the schema's.
    return reply.type('application/json').serializer(JSON.stringify).send({message: 'Scanned successfully', ...page, 'causal-metadata': meta})
  })
}

/**
 * The Fastify app of a node, built without listening (tests use inject()). Public routes
 * (API.md), peer routes (protocol/messages.ts) and operator routes (/admin) are separate plugins.
 */
import type {IncomingMessage} from 'node:http'
import Fastify, {type FastifyError, type FastifyInstance, type onResponseHookHandler} from 'fastify'
import {bulkRoutes} from './bulk-routes.js'
import {errorAnswer} from './error-answer.js'
import {faultRoutes, refusePeerTraffic} from './fault-routes.js'
import {healthRoutes} from './health-routes.js'
import {peerPrefix} from '../protocol/messages.js'
import {internalRoutes} from './internal-routes.js'
import {operatorRoutes} from './operator-routes.js'
import {publicRoutes} from './public-routes.js'
import type {NodeServices} from './services.js'

export interface AppOptions {
  /** Largest request body accepted (bytes). */
  bodyLimit?: number
}

export function buildApp(services: NodeServices, opts: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    // Errors are logged through the node's logger (services.log). A Fastify logger would
    // build and check a child logger for every request, even with request logging off.
    logger: false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    keepAliveTimeout: 30_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
    ajv: {customOptions: {coerceTypes: false, removeAdditional: false, allErrors: false}},
  })

  // Reads send their causal metadata in a GET body (API.md section 4).
  app.addHttpMethod('GET', {hasBody: true, overrideExisting: true})

  // Clients may omit the content type or send another one: every body here is JSON.
  app.addContentTypeParser('*', {parseAs: 'string'}, (_req, body, done) => parseJson(body as string, done))
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser(['application/json', 'text/plain'], {parseAs: 'string'}, (_req, body, done) => parseJson(body as string, done))

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const {status, body} = errorAnswer(request.method, error)
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') await discardBody(request.raw, discardLimitBytes)
    const route = `${request.method} ${request.url.split('?')[0]}`
    if (status === 500) services.log.error({err: error, route}, 'unexpected error')
    else if (status >= 500) services.log.warn({err: error.message, code: (error as {code?: string}).code, route}, 'request failed')
    return reply.code(status).send(body)
  })

  const metrics = services.metrics
  if (metrics) {
    // One onResponse hook per route, closing over its series: the route label costs no
    // lookup per request (request.routeOptions builds a fresh object on every read).
    app.addHook('onRoute', (route) => {
      const series = metrics.requestSeries(route.url)
      const observe: onResponseHookHandler = (request, reply, done) => {
        series.observe(request.method, reply.statusCode, reply.elapsedTime / 1000)
        done()
      }
      route.onResponse = route.onResponse ? [...[route.onResponse].flat(), observe] : observe
    })
  }

  app.setNotFoundHandler((request, reply) => {
    // No route, so no per-route hook: counted here, with the time taken so far.
    metrics?.observeRequest(request.method, 'unmatched', 404, reply.elapsedTime / 1000)
    reply.code(404).send({message: `Error in ${request.method}`, error: `No route ${request.method} ${request.url.split('?')[0]}`})
  })

  if (services.faults) {
    // Test only: registered on the root so it covers every route, forwarded key requests included.
    app.addHook('onRequest', refusePeerTraffic(services.faults))
    app.register(faultRoutes, {faults: services.faults, log: services.log, clusterTokens: services.tokens?.cluster ?? null, prefix: '/admin'})
  }
  app.register(healthRoutes, {services})
  app.register(publicRoutes, {services})
  app.register(internalRoutes, {services, prefix: peerPrefix})
  app.register(bulkRoutes, {services})
  app.register(operatorRoutes, {services, prefix: '/admin'})
  return app
}

/** How much of a refused body is read and dropped before the 413 (see discardBody). */
const discardLimitBytes = 64 * 1024 * 1024

/**
 * Reads and drops the rest of a body refused as too large. Fastify answers at once and
 * closes the connection; a client still sending its body then gets EPIPE and never reads
 * the 413. Read to its end, the client finishes sending and reads the answer. Bodies that
 * say (or turn out) to be longer than `limit` are cut off as before.
 */
function discardBody(raw: IncomingMessage, limit: number): Promise<void> {
  if (raw.complete || raw.destroyed || Number(raw.headers['content-length']) > limit) return Promise.resolve()
  return new Promise((resolve) => {
    let seen = 0
    const done = () => {
      raw.off('data', count).off('end', done).off('error', done).off('close', done)
      resolve()
    }
    const count = (chunk: Buffer) => {
      seen += chunk.length
      if (seen > limit) done()
    }
    raw.on('data', count).once('end', done).once('error', done).once('close', done)
    raw.resume()
  })
}

function parseJson(body: string, done: (err: Error | null, body?: unknown) => void): void {
  if (body.trim() === '') return done(null, undefined)
  try {
    done(null, JSON.parse(body))
  } catch {
    const error = new Error('Body is not valid JSON') as FastifyError
    error.statusCode = 400
    done(error)
  }
}

/**
 * onRequest hooks that check the tokens of API.md section 10.1, one per kind of route:
 * each route plugin adds its own (public, operator and /metrics: the client token; peer and
 * fault routes: the cluster token). They run before the body is read, so a refused request
 * changes nothing; the token is never logged (nothing here logs, and Fastify's request
 * logging is off: app.ts).
 */
import type {FastifyReply, FastifyRequest, onRequestAsyncHookHandler} from 'fastify'
import {bearerToken, clusterTokenHeader, type TokenSet} from '../auth/tokens.js'

/** The tokens a node checks; null means that kind of route is open. */
export interface NodeTokens {
  client: TokenSet | null
  cluster: TokenSet | null
}

export const openTokens: NodeTokens = {client: null, cluster: null}

/** `Authorization: Bearer <client token>`; a no-op hook when no client token is set. */
export function requireClientToken(tokens: TokenSet | null): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (tokens === null) return
    const header = request.headers.authorization
    if (tokens.accepts(bearerToken(header))) return
    const why = header === undefined ? 'This node requires a client token: send Authorization: Bearer <token>' : 'The client token is not valid'
    return unauthorized(reply.header('www-authenticate', 'Bearer realm="kvs"'), why)
  }
}

/** The cluster token in `x-kvs-cluster-token`; the client token never passes here. */
export function requireClusterToken(tokens: TokenSet | null): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (tokens === null) return
    const presented = request.headers[clusterTokenHeader]
    if (tokens.accepts(typeof presented === 'string' ? presented : undefined)) return
    return unauthorized(reply, presented === undefined ? 'This route is for cluster nodes only: the cluster token is missing' : 'The cluster token is not valid')
  }
}

function unauthorized(reply: FastifyReply, error: string): FastifyReply {
  return reply.code(401).send({message: 'Unauthorized', error})
}

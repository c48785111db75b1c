/**
 * Test-only fault injection (transport/fault-injection.ts), present only on a node started
 * with --fault-injection / KVS_FAULT_INJECTION=1; without it neither the hook nor the
 * routes exist and /admin/faults answers the JSON 404 of every unknown route.
 *
 * GET    /admin/faults   the faults in force
 * POST   /admin/faults   {"refusePeers": ["host:port", ...]}, {"isolate": true} and/or
 *                        {"slowCalls": {"path": P, "ms": N}} (P a prefix of peer
 *                        paths, protocol/messages.ts): replaces them
 * DELETE /admin/faults   heals: every peer is accepted again
 *
 * The routes need the cluster token when one is set, and answer only callers on this
 * machine (a loopback source address): a node with faults on also refuses to start on an
 * address other machines can reach (node/options.ts).
 */
import type {FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'
import {canonicalNodeName} from '../placement/node-name.js'
import {peerPrefix} from '../protocol/messages.js'
import {hopHeader} from '../replication/key-service.js'
import {fromHeader, type FaultState, type PeerFaults} from '../transport/fault-injection.js'
import type {TokenSet} from '../auth/tokens.js'
import {isLoopbackSource} from './loopback-source.js'
import {requireClusterToken} from './auth-hooks.js'
import {faultsBody, faultsResponse} from './schemas.js'

/**
 * An onRequest hook: refuses peer traffic the faults cut off with 503 and `Connection:
 * close`, before the body is read, so nothing changes. Client requests pass.
 */
export function refusePeerTraffic(faults: PeerFaults) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const from = request.headers[fromHeader]
    const caller = typeof from === 'string' ? from : undefined
    const peerCall = caller !== undefined || request.headers[hopHeader] !== undefined || request.url.startsWith(`${peerPrefix}/`)
    if (!faults.refusesInbound(caller, peerCall)) return undefined
    faults.refusedCalls.inbound++
    // Returning the reply after send() ends the request here: no body read, no handler.
    return reply
      .code(503)
      .header('connection', 'close')
      .send({message: `Error in ${request.method}`, error: `Peer traffic${caller ? ` from ${caller}` : ''} is refused (fault injection)`})
  }
}

export async function faultRoutes(
  app: FastifyInstance,
  {faults, log, clusterTokens}: {faults: PeerFaults; log: FastifyBaseLogger; clusterTokens: TokenSet | null},
): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    if (isLoopbackSource(request.socket.remoteAddress)) return
    return reply.code(403).send({message: 'Forbidden', error: 'Fault injection answers callers on this machine only'})
  })
  app.addHook('onRequest', requireClusterToken(clusterTokens))
  const answer = (message: string) => ({message, ...faults.state, refusedCalls: faults.refusedCalls})

  app.get('/faults', {schema: {response: faultsResponse}}, async () => answer('Faults in force'))

  app.post<{Body: Partial<FaultState>}>('/faults', {schema: {body: faultsBody, response: faultsResponse}}, async (request, reply) => {
    const peers = request.body.refusePeers ?? []
    const bad = peers.find((p) => canonicalNodeName(p) === null)
    if (bad !== undefined) return reply.code(400).send({message: 'Error in POST', error: `refusePeers entry "${bad}" is not a host:port name`})
    faults.set({...request.body, refusePeers: peers.map((p) => canonicalNodeName(p) as string)})
    log.warn({faults: faults.state}, 'fault injection: peer traffic cut')
    return answer('Faults set')
  })

  app.delete('/faults', {schema: {response: faultsResponse}}, async () => {
    faults.heal()
    log.warn('fault injection: healed')
    return answer('Faults healed')
  })
}

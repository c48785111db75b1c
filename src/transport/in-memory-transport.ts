/**
 * The in-memory twin of the transport: calls a peer's Fastify app through inject(), so a
 * whole cluster runs in one process. Peers can be taken down (refuse) or paused (never
 * answer until the deadline), like SIGKILL and SIGSTOP of a real process.
 */
import type {FastifyInstance} from 'fastify'
import {KvsError} from '../errors.js'
import type {PeerRequest, PeerResponse, Transport} from './transport.js'

export class InMemoryNetwork {
  private readonly apps = new Map<string, FastifyInstance>()
  private readonly paused = new Set<string>()

  register(address: string, app: FastifyInstance): void {
    this.apps.set(address, app)
  }

  unregister(address: string): void {
    this.apps.delete(address)
  }

  pause(address: string): void {
    this.paused.add(address)
  }

  resume(address: string): void {
    this.paused.delete(address)
  }

  /** A transport for the node at `from`. */
  transport(): Transport {
    return {
      request: (peer, req) => this.deliver(peer, req),
      close: async () => undefined,
    }
  }

  private async deliver(peer: string, req: PeerRequest): Promise<PeerResponse> {
    const app = this.apps.get(peer)
    if (!app) throw new KvsError('PEER_UNAVAILABLE', `${peer} refused the connection`, {peer})
    if (this.paused.has(peer)) {
      await new Promise((resolve) => setTimeout(resolve, req.timeoutMs))
      throw new KvsError('PEER_UNAVAILABLE', `${peer} did not answer in ${req.timeoutMs} ms`, {peer})
    }
    const res = await app.inject({
      method: req.method,
      url: req.path,
      payload: req.body,
      headers: {...req.headers, ...(req.body === undefined ? {} : {'content-type': 'application/json'})},
    })
    return {status: res.statusCode, text: res.body}
  }
}

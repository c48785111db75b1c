/**
 * The in-memory twin of the transport: calls a peer's Fastify app through inject(), so a
 * whole cluster runs in one process. Peers can be taken down (refuse) or paused (never
 * answer until the deadline), like SIGKILL and SIGSTOP of a real process.
 */
import type {FastifyInstance} from 'fastify'
import {KvsError} from '../errors.js'
import type {PeerRequest, PeerResponse, Transport} from './transport.js'

/** One call on the in-memory network, as a test hook sees it. */
export interface Call {
  /** The calling node, when its transport was made with transport(from). */
  readonly from: string | undefined
  readonly to: string
  readonly req: PeerRequest
}

/**
 * A test hook that sees every call: `deliver` hands it to the peer and resolves with the
 * answer. The hook may hold the call, delay the answer, or throw instead of delivering.
 */
export type CallHook = (call: Call, deliver: () => Promise<PeerResponse>) => Promise<PeerResponse>

export class InMemoryNetwork {
  private readonly apps = new Map<string, FastifyInstance>()
  private readonly paused = new Set<string>()
  private hook: CallHook | null = null

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

  /** Routes every later call through `hook` (null removes it). */
  intercept(hook: CallHook | null): void {
    this.hook = hook
  }

  /**
   * A transport for the node at `from` (named to call hooks); `headers` go with every call,
   * as UndiciTransport's do (the node's tokens).
   */
  transport(from?: string, headers?: Record<string, string>): Transport {
    return {
      request: (peer, sent) => {
        const req = headers ? {...sent, headers: {...headers, ...sent.headers}} : sent
        const hook = this.hook
        return hook ? hook({from, to: peer, req}, () => this.deliver(peer, req)) : this.deliver(peer, req)
      },
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

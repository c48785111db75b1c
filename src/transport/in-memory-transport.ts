/**
 * The in-memory twin of the transport: calls a peer's Fastify app through inject(), so a
 * whole cluster runs in one process. Peers can be taken down (refuse) or paused, like
 * SIGKILL and SIGSTOP of a real process: a call to a paused peer is answered if the peer
 * resumes before the call's deadline, else fails at the deadline. Deadlines run on the
 * network's `wait`, which a test may replace with a clock it moves itself.
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

/** Resolves once `ms` milliseconds have passed on some clock. */
export type Wait = (ms: number) => Promise<void>

const realTime: Wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export class InMemoryNetwork {
  private readonly apps = new Map<string, FastifyInstance>()
  /** Paused peers, each with what resolves when it resumes. */
  private readonly paused = new Map<string, {resumed: Promise<void>; resume(): void}>()
  private hook: CallHook | null = null

  constructor(private readonly wait: Wait = realTime) {}

  register(address: string, app: FastifyInstance): void {
    this.apps.set(address, app)
  }

  unregister(address: string): void {
    this.apps.delete(address)
  }

  pause(address: string): void {
    if (this.paused.has(address)) return
    let resume = () => {}
    const resumed = new Promise<void>((resolve) => (resume = resolve))
    this.paused.set(address, {resumed, resume})
  }

  resume(address: string): void {
    this.paused.get(address)?.resume()
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
    if (!this.apps.has(peer)) throw new KvsError('PEER_UNAVAILABLE', `${peer} refused the connection`, {peer})
    const paused = this.paused.get(peer)
    if (paused) {
      const resumedInTime = await Promise.race([paused.resumed.then(() => true), this.wait(req.timeoutMs).then(() => false)])
      if (!resumedInTime) throw new KvsError('PEER_UNAVAILABLE', `${peer} did not answer in ${req.timeoutMs} ms`, {peer})
    }
    // Killed while paused: the connection resets.
    const app = this.apps.get(peer)
    if (!app) throw new KvsError('PEER_UNAVAILABLE', `${peer} closed the connection`, {peer})
    const res = await app.inject({
      method: req.method,
      url: req.path,
      payload: req.body,
      headers: {...req.headers, ...(req.body === undefined ? {} : {'content-type': 'application/json'})},
    })
    return {status: res.statusCode, text: res.body}
  }
}

/**
 * Transport over HTTP with undici: one keep-alive pool per peer, and a deadline on every
 * call (a paused peer accepts connections and never answers).
 */
import {Pool} from 'undici'
import {KvsError} from '../errors.js'
import type {PeerRequest, PeerResponse, Transport, TransportStats} from './transport.js'

export interface UndiciTransportOptions {
  /** Sockets per peer. */
  connections?: number
  connectTimeoutMs?: number
  /** Sent on every call (the cluster token, when one is configured). */
  headers?: Record<string, string>
}

export class UndiciTransport implements Transport {
  private readonly pools = new Map<string, Pool>()

  constructor(private readonly opts: UndiciTransportOptions = {}) {}

  private pool(peer: string): Pool {
    let pool = this.pools.get(peer)
    if (!pool) {
      pool = new Pool(`http://${peer}`, {
        connections: this.opts.connections ?? 32,
        keepAliveTimeout: 30_000,
        connect: {timeout: this.opts.connectTimeoutMs ?? 1000},
      })
      this.pools.set(peer, pool)
    }
    return pool
  }

  async request(peer: string, req: PeerRequest): Promise<PeerResponse> {
    // undici's headers and body timeouts start only once the request is on a socket; this
    // bounds the whole call, time queued in the pool included. A plain timer: a fresh
    // AbortSignal.timeout() per call showed in profiles.
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(), req.timeoutMs)
    try {
      const res = await this.pool(peer).request({
        method: req.method,
        path: req.path,
        body: req.body,
        headers: {
          ...this.opts.headers,
          ...req.headers,
          ...(req.body === undefined ? {} : {'content-type': 'application/json'}),
        },
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        // Peer calls never need a fresh socket; undici would close it after any GET that
        // carries a body (forwarded reads did, before they went in batches by POST).
        reset: false,
        signal: abort.signal,
      })
      return {status: res.statusCode, text: await res.body.text()}
    } catch (error) {
      throw new KvsError('PEER_UNAVAILABLE', `${peer} did not answer: ${(error as Error).message}`, {peer})
    } finally {
      clearTimeout(timer)
    }
  }

  stats(): TransportStats {
    const sum: TransportStats = {peers: this.pools.size, connected: 0, free: 0, running: 0, queued: 0}
    for (const pool of this.pools.values()) {
      const s = pool.stats
      sum.connected += s.connected
      sum.free += s.free
      sum.running += s.running
      sum.queued += s.queued
    }
    return sum
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.destroy()))
    this.pools.clear()
  }
}

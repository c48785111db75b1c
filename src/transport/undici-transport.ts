/**
 * Transport over HTTP with undici: one keep-alive pool per peer, and a deadline on every
 * call (a paused peer accepts connections and never answers).
 */
import {Pool, type Dispatcher} from 'undici'
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

  /**
   * One call through the pool's dispatch() with a minimal handler. The body is collected
   * from its chunks, and the deadline is a plain timer that aborts through the handler's
   * controller: `request()` with an AbortSignal cost about twice the CPU per call (the
   * signal's listeners and the body stream), and every forwarded batch and replicated
   * batch is one call.
   */
  request(peer: string, req: PeerRequest): Promise<PeerResponse> {
    return new Promise<PeerResponse>((resolve, reject) => {
      let controller: Dispatcher.DispatchController | null = null
      let settled = false
      let status = 0
      const chunks: Buffer[] = []
      const fail = (error: Error) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        reject(new KvsError('PEER_UNAVAILABLE', `${peer} did not answer: ${error.message}`, {peer}))
      }
      // undici's headers and body timeouts start only once the request is on a socket; this
      // bounds the whole call, time queued in the pool included.
      const giveUpAt = Date.now() + req.timeoutMs
      const expire = () => {
        // Timers count whole milliseconds of a monotonic clock, so by the wall clock one may
        // fire up to a millisecond early; callers rely on no timeout before the deadline they
        // sent the peer.
        const left = giveUpAt - Date.now()
        if (left > 0) {
          timer = setTimeout(expire, left)
          return
        }
        const error = new Error(`no answer within ${req.timeoutMs} ms`)
        controller?.abort(error)
        fail(error)
      }
      let timer = setTimeout(expire, req.timeoutMs)
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c
          // The caller gave up while the request waited in the pool: do not send it at all.
          if (settled) c.abort(new Error('the caller gave up before it was sent'))
        },
        onResponseStart(_c, statusCode) {
          status = statusCode
        },
        onResponseData(_c, chunk) {
          chunks.push(chunk)
        },
        onResponseEnd() {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resolve({status, text: chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')})
        },
        onResponseError(_c, error) {
          fail(error)
        },
      }
      try {
        this.pool(peer).dispatch(
          {
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
            // Peer calls never need a fresh socket; undici closes it after a request with a
            // body on a method that expects none unless told otherwise.
            reset: false,
          },
          handler,
        )
      } catch (error) {
        fail(error as Error)
      }
    })
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

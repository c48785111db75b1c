/**
 * How the CLI's client reaches one node: one JSON request, one JSON answer, within an
 * explicit deadline. The node:http implementation is the only one used for real; tests pass
 * a scripted twin. (node:http rather than undici: undici costs the CLI about 120 ms of
 * module loading on every invocation, node:http about 15.)
 */
import {Agent, request, type IncomingMessage} from 'node:http'
import {KvsError} from '../errors.js'

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE'

export interface NodeRequest {
  method: HttpMethod
  /** Path with any key already percent-encoded, e.g. `/key-value-store/a%2Fb`. */
  path: string
  /** Sent as JSON when present (GET included: API.md section 4 puts metadata in GET bodies). */
  body?: unknown
  /** The whole exchange (connect, headers, body) must finish within this many milliseconds. */
  timeoutMs: number
}

/** Any HTTP answer, whatever its status. Bodies that are not JSON objects are rejected. */
export interface NodeAnswer {
  status: number
  body: Record<string, unknown>
}

export interface ClientTransport {
  /**
   * Resolves with the node's answer. Rejects with PEER_UNAVAILABLE when the node did not
   * answer in time; `data.delivered` is false only when the request surely never reached
   * it, which is when a non-idempotent request may be sent elsewhere.
   */
  send(node: string, request: NodeRequest): Promise<NodeAnswer>
  close(): Promise<void>
}

/**
 * How long a node gets to acknowledge a request (connect, then `100 Continue`) before it is
 * given up as not answering. A paused node (SIGSTOP) accepts TCP connections in the kernel
 * but never acknowledges, so this, not the request's deadline, is how long it stalls the CLI.
 * A running node acknowledges at once: Node's HTTP server sends `100 Continue` itself.
 */
export const acknowledgeMs = 1_000

export interface HttpTransportOptions {
  /** The client token (KVS_TOKEN or --token), sent as `Authorization: Bearer` on every request. */
  token?: string
}

export class HttpTransport implements ClientTransport {
  // Keep-alive: `kvs status` and `kvs cluster up` call the same nodes several times.
  private readonly agent = new Agent({keepAlive: true, timeout: 2_000})
  private readonly authorization: string | undefined

  constructor(options: HttpTransportOptions = {}) {
    this.authorization = options.token === undefined ? undefined : `Bearer ${options.token}`
  }

  /**
   * Every request carries `Expect: 100-continue` and sends its body only once the node has
   * acknowledged, so a request given up before that never delivered its body: `delivered`
   * is false and a write may safely go to another node. Requests without a body are reads.
   */
  send(node: string, req: NodeRequest): Promise<NodeAnswer> {
    const body = req.body === undefined ? '' : JSON.stringify(req.body)
    const {host, port} = splitAddress(node)
    return new Promise((resolve, reject) => {
      let acknowledged = false
      let settled = false
      const headers: Record<string, string | number> = {expect: '100-continue', 'content-length': Buffer.byteLength(body)}
      if (req.body !== undefined) headers['content-type'] = 'application/json'
      if (this.authorization !== undefined) headers.authorization = this.authorization
      const outgoing = request({host, port, method: req.method, path: req.path, headers, agent: this.agent})
      const finish = (outcome: () => void) => {
        if (settled) return
        settled = true
        clearTimeout(acknowledgeTimer)
        clearTimeout(deadline)
        outcome()
      }
      const fail = (reason: string) =>
        finish(() => {
          outgoing.destroy()
          reject(new KvsError('PEER_UNAVAILABLE', `${node} did not answer (${reason})`, {node, reason, delivered: acknowledged}))
        })
      const acknowledge = () => {
        acknowledged = true
        clearTimeout(acknowledgeTimer)
      }
      const ackWithin = Math.min(acknowledgeMs, req.timeoutMs)
      const acknowledgeTimer = setTimeout(() => fail(`no acknowledgement within ${ackWithin} ms`), ackWithin)
      const deadline = setTimeout(() => fail(`no answer within ${req.timeoutMs} ms`), req.timeoutMs)
      outgoing.on('continue', () => {
        acknowledge()
        outgoing.end(body)
      })
      outgoing.on('response', (response: IncomingMessage) => {
        acknowledge()
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', (error) => fail(errorCode(error)))
        response.on('end', () =>
          finish(() => {
            // An answer before `100 Continue` leaves the request unfinished: its socket cannot be reused.
            if (!outgoing.writableEnded) outgoing.destroy()
            try {
              resolve({status: response.statusCode ?? 0, body: parseBody(node, response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))})
            } catch (error) {
              reject(error)
            }
          }),
        )
      })
      outgoing.on('error', (error) => fail(errorCode(error)))
      outgoing.flushHeaders()
    })
  }

  async close(): Promise<void> {
    this.agent.destroy()
  }
}

/**
 * The token the CLI sends: `--token`, else KVS_TOKEN; the first of two (a node being
 * rotated accepts "new,old"). Undefined when neither is set.
 */
export function clientToken(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const token = (flag ?? env.KVS_TOKEN ?? '').split(',')[0].trim()
  return token === '' ? undefined : token
}

/** `ip:port`, `[ipv6]:port` or `host:port`. */
function splitAddress(node: string): {host: string; port: number} {
  const colon = node.lastIndexOf(':')
  const host = node.slice(0, colon)
  return {host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(node.slice(colon + 1))}
}

function parseBody(node: string, status: number, text: string): Record<string, unknown> {
  let body: unknown
  try {
    body = text === '' ? {} : JSON.parse(text)
  } catch {
    throw new KvsError('INTERNAL', `${node} answered ${status} with a body that is not JSON`, {node, status})
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new KvsError('INTERNAL', `${node} answered ${status} with a body that is not a JSON object`, {node, status})
  }
  return body as Record<string, unknown>
}

function errorCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code
  return typeof code === 'string' ? code : error.message
}

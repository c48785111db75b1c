/**
 * How the CLI's client reaches one node: one JSON request, one JSON answer, within an
 * explicit deadline. The undici implementation is the only one used for real; tests pass
 * a scripted twin.
 */
import {Agent, request} from 'undici'
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

export interface Transport {
  /**
   * Resolves with the node's answer. Rejects with PEER_UNAVAILABLE when the node did not
   * answer in time; `data.delivered` is false only when the request surely never reached
   * it (no connection), which is when a non-idempotent request may be sent elsewhere.
   */
  send(node: string, request: NodeRequest): Promise<NodeAnswer>
  close(): Promise<void>
}

/** Errors that prove the request never left this process. */
const undeliveredCodes = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT'])

/** A paused node accepts TCP connections and never answers; loopback connects are instant. */
const connectTimeoutMs = 2_000

export class HttpTransport implements Transport {
  private readonly agent = new Agent({connect: {timeout: connectTimeoutMs}, keepAliveTimeout: 2_000})

  async send(node: string, req: NodeRequest): Promise<NodeAnswer> {
    let status: number
    let text: string
    try {
      const response = await request(`http://${node}${req.path}`, {
        dispatcher: this.agent,
        method: req.method,
        headers: req.body === undefined ? {} : {'content-type': 'application/json'},
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        signal: AbortSignal.timeout(req.timeoutMs),
      })
      status = response.statusCode
      text = await response.body.text()
    } catch (error) {
      const code = errorCode(error)
      throw new KvsError('PEER_UNAVAILABLE', `${node} did not answer (${code ?? errorMessage(error)})`, {
        node,
        reason: code ?? errorMessage(error),
        delivered: !(code !== null && undeliveredCodes.has(code)),
      })
    }
    return {status, body: parseBody(node, status, text)}
  }

  async close(): Promise<void> {
    await this.agent.destroy()
  }
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

function errorCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null
  const {code, cause, name} = error as {code?: unknown; cause?: unknown; name?: unknown}
  if (typeof code === 'string') return code
  const causeCode = errorCode(cause)
  if (causeCode) return causeCode
  return name === 'TimeoutError' ? 'timeout' : null
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

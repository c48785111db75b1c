/**
 * The few node calls the bench makes outside the load runs (API.md and GET /admin/status),
 * over the Transport seam, each with an explicit deadline.
 */
import {KvsError} from '../src/errors.js'
import type {Method, Transport} from '../src/transport/transport.js'

/** Deadline of one bench call: polls and setup, never the load itself. */
export const callTimeoutMs = 2_000

/** A reshard moves the whole data set; its answer may take much longer than a key call. */
export const reshardTimeoutMs = 600_000

export interface AdminStatus {
  address: string
  epoch: number
  shardId: number | null
  keys: number
  appliedWrites: number
}

export interface JsonAnswer {
  status: number
  body: unknown
}

export class NodeApi {
  constructor(private readonly transport: Transport) {}

  async call(address: string, method: Method, path: string, body?: unknown, timeoutMs = callTimeoutMs): Promise<JsonAnswer> {
    const answer = await this.transport.request(address, {
      method,
      path,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs,
    })
    let parsed: unknown
    try {
      parsed = answer.text === '' ? null : JSON.parse(answer.text)
    } catch {
      parsed = answer.text
    }
    return {status: answer.status, body: parsed}
  }

  /** The node's view, or null while it does not answer 200. Throws PEER_UNAVAILABLE when unreachable. */
  async view(address: string): Promise<string[] | null> {
    const answer = await this.call(address, 'GET', '/key-value-store-view')
    if (answer.status !== 200) return null
    const view = field(answer.body, 'view')
    if (Array.isArray(view)) return view.map(String)
    return typeof view === 'string' ? view.split(',').filter((a) => a !== '') : null
  }

  async status(address: string): Promise<AdminStatus> {
    const answer = await this.call(address, 'GET', '/admin/status')
    const body = answer.body
    const keys = field(body, 'keys')
    const appliedWrites = field(body, 'appliedWrites')
    if (answer.status !== 200 || typeof keys !== 'number' || typeof appliedWrites !== 'number') {
      throw new KvsError('INTERNAL', `${address} answered GET /admin/status with ${answer.status}`, {
        address,
        body,
      })
    }
    const shardId = field(body, 'shardId')
    return {
      address,
      epoch: Number(field(body, 'epoch') ?? 0),
      shardId: typeof shardId === 'number' ? shardId : null,
      keys,
      appliedWrites,
    }
  }

  /** Status of a GET of `key` with no causal history. */
  async getStatus(address: string, key: string): Promise<number> {
    return (await this.call(address, 'GET', `/key-value-store/${key}`, {'causal-metadata': ''})).status
  }
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined
}

export interface PollOptions {
  timeoutMs: number
  intervalMs?: number
  /** Checked before every probe: an error here ends the wait at once (the process died). */
  failure?: () => Promise<Error | null>
}

/**
 * Calls `probe` every `intervalMs` (default 50) until it returns a non-null value, and
 * returns it. A probe that throws counts as "not yet" (a starting node refuses connections,
 * a busy one may answer 503). After `timeoutMs`, throws UNAVAILABLE naming `what` and the
 * last error.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | null>, options: PollOptions): Promise<T> {
  const deadline = performance.now() + options.timeoutMs
  let lastError: unknown
  for (;;) {
    const failure = await options.failure?.()
    if (failure) throw failure
    try {
      const value = await probe()
      if (value !== null) return value
    } catch (error) {
      lastError = error
    }
    if (performance.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : ''
      throw new KvsError('UNAVAILABLE', `timed out after ${options.timeoutMs} ms waiting for ${what}${reason}`, {what})
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50))
  }
}

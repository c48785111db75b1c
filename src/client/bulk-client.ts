/**
 * The typed client of the bulk routes, for `kvs load`, `kvs dump` and `kvs scan`: batches
 * written several at a time over every selected node, and scans paged by cursor.
 *
 * Causal metadata: every request carries the session's metadata as it was when the command
 * began (the batches of a load are independent of each other, and keeping each write's
 * dependencies small keeps the nodes' memory per key small); the answers are merged, and
 * saveSession() records the merge once, so a later command sees everything this one did.
 *
 * Routing: a load asks a node for the layout (GET /admin/status) and sends each batch, made
 * of one shard's keys, to that shard's primary first when it is among the selected nodes,
 * so the batch needs no forwarding; the node still routes whatever it receives, so a
 * layout that changed meanwhile costs a hop, never a wrong write.
 *
 * Failover: a node that does not answer, or answers 503 before doing anything, is noted and
 * the next one is tried. Ops of a batch answered 503 (their shard had no member that could
 * serve them) are sent again, up to `batchRounds` times in all. A put or get repeated is
 * harmless; a delete repeated may answer 404 (a node retrying a part on another member sends
 * the same request id, and is answered from the part already applied).
 */
import {mergeMetadata, parseMetadata} from '../clock/causal-metadata.js'
import {isKvsError, KvsError} from '../errors.js'
import {shardForKey} from '../placement/placement.js'
import {decodeCursor} from '../replication/scan-cursor.js'
import type {ClientOptions} from './kvs-client.js'
import type {NodeAnswer, NodeRequest, ClientTransport} from './transport.js'

/** The records of a load: keys (each once) and their values, by position. */
export interface LoadRecordColumns {
  keys: readonly string[]
  values: readonly string[]
}

export interface BulkOp {
  op: 'put' | 'delete' | 'get'
  key: string
  value?: string
}

export interface BulkOpResult {
  status: number
  value?: string
}

export interface LoadResult {
  /** Keys written (a key given twice counts once: its last value). */
  keys: number
  batches: number
  /** Ops sent again after their shard answered 503. */
  retried: number
  seconds: number
  keysPerSecond: number
}

export interface ScanResult {
  prefix: string
  keys: string[]
  /** True when --limit stopped the scan before its end. */
  truncated: boolean
}

export interface DumpResult {
  keys: number
  bytes: number
  seconds: number
  keysPerSecond: number
}

/**
 * Ops per batch and batches on the wire at once (chosen, not tuned: the shared bench machine
 * did not resolve the difference): a batch of 2,000 keys of 100 B is about 250 KB, well inside
 * every body limit and a replication call's timeout; four keep both shards' primaries busy.
 */
export const batchOps = 2000
const batchBytes = 4 * 1024 * 1024
const batchesInFlight = 4
const batchRounds = 5
const bulkTimeoutMs = 30_000
/** Keys per scan page asked of a node (the route's maximum). */
export const scanPageKeys = 10_000

export class BulkClient {
  private readonly nodes: readonly string[]
  private readonly transport: ClientTransport
  /** What every request carries: the session as the command began. */
  private readonly sent: unknown
  private merged: ReturnType<typeof parseMetadata>
  private turn = 0

  constructor(private readonly options: ClientOptions) {
    if (options.nodes.length === 0) throw new KvsError('USAGE', 'No node to talk to')
    this.nodes = options.nodes
    this.transport = options.transport
    this.sent = options.metadata ?? ''
    this.merged = safeMetadata(this.sent)
  }

  /** Writes every record, `batchesInFlight` batches at a time; `onProgress` gets the keys written so far. */
  async load(records: LoadRecordColumns, onProgress: (written: number) => void = () => {}): Promise<LoadResult> {
    const started = performance.now()
    const layout = await this.layout()
    const batchesOf = shardBatches(records, layout?.shardCount ?? 1)
    let written = 0
    let batches = 0
    let retried = 0
    const worker = async () => {
      for (let next = batchesOf.next(); !next.done; next = batchesOf.next()) {
        const {shard, keys, values} = next.value
        const order = layout?.order.get(shard)
        const {retries} = await this.untilServed(keys.length, (at) => this.puts(at.map((i) => keys[i]), at.map((i) => values[i]), order))
        batches++
        retried += retries
        written += keys.length
        onProgress(written)
      }
    }
    await Promise.all(Array.from({length: batchesInFlight}, worker))
    const seconds = (performance.now() - started) / 1000
    return {keys: written, batches, retried, seconds, keysPerSecond: Math.round(written / Math.max(seconds, 1e-3))}
  }

  /** One batch, its ops answered 503 sent again until every op is served (else UNAVAILABLE). */
  batchAll(ops: readonly BulkOp[], order?: readonly string[]): Promise<{results: BulkOpResult[]; retries: number}> {
    return this.untilServed(ops.length, (at) => this.batch(at.map((i) => ops[i]), order))
  }

  /**
   * `count` ops sent by `send` (given the positions to send, it answers one result each),
   * the ones answered 503 sent again, with a growing pause, until every op is served (else UNAVAILABLE).
   */
  private async untilServed(count: number, send: (positions: number[]) => Promise<BulkOpResult[]>): Promise<{results: BulkOpResult[]; retries: number}> {
    const results: BulkOpResult[] = new Array(count)
    let pending = Array.from({length: count}, (_, i) => i)
    let retries = 0
    for (let round = 0; round < batchRounds && pending.length > 0; round++) {
      if (round > 0) {
        retries += pending.length
        await new Promise((resolve) => setTimeout(resolve, 200 * round))
      }
      const answered = await send(pending)
      answered.forEach((r, j) => (results[pending[j]] = r))
      pending = pending.filter((_, j) => answered[j].status === 503)
    }
    if (pending.length > 0) throw new KvsError('UNAVAILABLE', `${pending.length} ops of a batch found no member of their shard that could serve them`, {ops: pending.length})
    return {results, retries}
  }

  /** One POST /key-value-store-batch: a result per op (503 for the ops of a shard that could not be served). */
  async batch(ops: readonly BulkOp[], order?: readonly string[]): Promise<BulkOpResult[]> {
    // Puts only travel column-wise, which costs both ends less.
    if (ops.every((o) => o.op === 'put')) return this.puts(ops.map((o) => o.key), ops.map((o) => o.value as string), order)
    const answer = await this.request({method: 'POST', path: '/key-value-store-batch', body: {ops, 'causal-metadata': this.sent}, timeoutMs: bulkTimeoutMs}, true, order)
    const results: unknown = answer.body.results
    if (!Array.isArray(results) || results.length !== ops.length) throw bulkFailure(answer, 'batch')
    this.merge(answer.body['causal-metadata'])
    return results as BulkOpResult[]
  }

  /** One POST /key-value-store-batch of puts, column-wise (`puts`): a status per key. */
  private async puts(keys: readonly string[], values: readonly string[], order?: readonly string[]): Promise<BulkOpResult[]> {
    const body = {puts: {keys, values}, 'causal-metadata': this.sent}
    const answer = await this.request({method: 'POST', path: '/key-value-store-batch', body, timeoutMs: bulkTimeoutMs}, true, order)
    const statuses: unknown = answer.body.statuses
    if (!Array.isArray(statuses) || statuses.length !== keys.length) throw bulkFailure(answer, 'batch')
    this.merge(answer.body['causal-metadata'])
    return statuses.map((status: number) => ({status}))
  }

  /**
   * Pages through the live keys starting with `prefix` (with values when `values`), handing
   * each page to `onPage`; stops after `limit` keys. Resolves whether it stopped early. The
   * next page is asked for while `onPage` works, of the node holding the scan's snapshot
   * (read from the cursor) when it is selected, so pages need no hop between nodes.
   */
  async scan(opts: {prefix: string; values: boolean; limit?: number}, onPage: (keys: string[], values: string[] | undefined) => Promise<void> | void): Promise<{truncated: boolean}> {
    const layout = await this.layout()
    let left = opts.limit ?? Infinity
    const fetchPage = async (cursor: string | null) => {
      const body: Record<string, unknown> = {prefix: opts.prefix, values: opts.values, limit: Math.min(scanPageKeys, left), 'causal-metadata': this.sent}
      if (cursor) body.cursor = cursor
      const answer = await this.request({method: 'POST', path: '/key-value-store-scan', body, timeoutMs: bulkTimeoutMs}, false, this.scanOrder(cursor, layout))
      const {keys, values} = answer.body
      if (!isStrings(keys) || (opts.values && (!isStrings(values) || values.length !== keys.length))) throw bulkFailure(answer, 'scan')
      this.merge(answer.body['causal-metadata'])
      left -= keys.length
      return {keys, values: opts.values ? (values as string[]) : undefined, cursor: (answer.body.cursor ?? null) as string | null}
    }
    let page = await fetchPage(null)
    for (;;) {
      const more = page.cursor !== null && left > 0
      const next = more ? fetchPage(page.cursor) : null
      // A failed prefetch is reported by the await below, not as an unhandled rejection meanwhile.
      next?.catch(() => {})
      await onPage(page.keys, page.values)
      if (!next) return {truncated: page.cursor !== null}
      page = await next
    }
  }

  /** The selected nodes in the order to ask for the page at `cursor`: the snapshot's holder, else the shard's primary, first. */
  private scanOrder(cursor: string | null, layout: Layout | null): readonly string[] | undefined {
    let at
    try {
      at = cursor === null ? null : decodeCursor(cursor)
    } catch {
      return undefined
    }
    const holder = at?.member
    if (holder !== undefined && this.nodes.includes(holder)) return [holder, ...this.nodes.filter((n) => n !== holder)]
    return layout?.order.get(at?.shard ?? 1)
  }

  /** Records what the answers revealed in the session (once, at the end of a command). */
  async saveSession(): Promise<void> {
    if (this.merged) await this.options.onMetadata?.(this.merged)
  }

  async close(): Promise<void> {
    await this.transport.close()
  }

  /**
   * The layout as a node sees it: the shard count, and per shard the selected nodes in the
   * order to try them (its live members, primary first, then the others). Null when no
   * node tells it (then batches go anywhere and the nodes route them).
   */
  private async layout(): Promise<Layout | null> {
    let status: Record<string, unknown>
    try {
      status = (await this.request({method: 'GET', path: '/admin/status', timeoutMs: 2_000}, false)).body
    } catch (error) {
      if (isKvsError(error)) return null
      throw error
    }
    const {shardCount, nodes} = status as {shardCount?: unknown; nodes?: unknown}
    if (!Number.isSafeInteger(shardCount) || (shardCount as number) < 1 || !Array.isArray(nodes)) return null
    const selected = new Set(this.nodes)
    const order = new Map<number, string[]>()
    for (let shard = 1; shard <= (shardCount as number); shard++) {
      const members = (nodes as Array<{address?: unknown; shardId?: unknown; state?: unknown; primary?: unknown}>)
        .filter((n) => n.shardId === shard && n.state === 'up' && selected.has(n.address as string))
        .sort((a, b) => Number(b.primary === true) - Number(a.primary === true))
        .map((n) => n.address as string)
      order.set(shard, [...members, ...this.nodes.filter((n) => !members.includes(n))])
    }
    return {shardCount: shardCount as number, order}
  }

  private merge(raw: unknown): void {
    const meta = safeMetadata(raw)
    if (meta) this.merged = this.merged ? mergeMetadata(this.merged, meta) : meta
  }

  /**
   * Tries the nodes in `order`, else in turn starting one further at every call (so requests
   * spread over the nodes). `partial`: a 503 that carries per-op results is an answer, not a failure.
   */
  private async request(req: NodeRequest, partial: boolean, order?: readonly string[]): Promise<NodeAnswer> {
    const start = this.turn++
    const nodes = order ?? this.nodes.map((_, k) => this.nodes[(start + k) % this.nodes.length])
    const tried: string[] = []
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k]
      const next = k + 1 < nodes.length ? nodes[k + 1] : null
      let answer: NodeAnswer
      try {
        answer = await this.transport.send(node, {...req, timeoutMs: this.options.timeoutMs ?? req.timeoutMs})
      } catch (error) {
        if (!isKvsError(error) || error.code !== 'PEER_UNAVAILABLE') throw error
        tried.push(`${node} (${String(error.data.reason ?? error.message)})`)
        if (next) this.options.onNote?.(`${node} did not answer (${error.data.reason}); trying ${next}`)
        continue
      }
      if (answer.status === 200 || (partial && answer.status === 503 && (Array.isArray(answer.body.results) || Array.isArray(answer.body.statuses)))) return answer
      if (answer.status !== 503) throw bulkFailure(answer, req.path)
      tried.push(`${node} (${errorText(answer)})`)
      if (next) this.options.onNote?.(`${node} answered 503 (${errorText(answer)}); trying ${next}`)
    }
    throw new KvsError('UNAVAILABLE', `No node could serve the request: ${tried.join(', ')}`, {tried})
  }
}

interface Layout {
  shardCount: number
  /** Per shard, the selected nodes in the order to try them. */
  order: Map<number, string[]>
}

/**
 * The records as batches of one shard's keys each (at most batchOps keys and about
 * batchBytes), in the order the records come; each shard's last batch when the records end.
 */
export function* shardBatches({keys, values}: LoadRecordColumns, shardCount: number): Generator<{shard: number; keys: string[]; values: string[]}> {
  const open = new Map<number, {keys: string[]; values: string[]; bytes: number}>()
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    const value = values[i]
    const shard = shardForKey(key, shardCount)
    let batch = open.get(shard)
    if (!batch) open.set(shard, (batch = {keys: [], values: [], bytes: 0}))
    batch.keys.push(key)
    batch.values.push(value)
    batch.bytes += key.length + value.length + 32
    if (batch.keys.length >= batchOps || batch.bytes >= batchBytes) {
      open.delete(shard)
      yield {shard, keys: batch.keys, values: batch.values}
    }
  }
  for (const [shard, batch] of open) yield {shard, keys: batch.keys, values: batch.values}
}

const isStrings = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string')

function safeMetadata(raw: unknown): ReturnType<typeof parseMetadata> {
  try {
    return parseMetadata(raw)
  } catch {
    return null
  }
}

function errorText(answer: NodeAnswer): string {
  const {error, message} = answer.body
  return typeof error === 'string' ? error : typeof message === 'string' ? message : `HTTP ${answer.status}`
}

function bulkFailure(answer: NodeAnswer, what: string): KvsError {
  const text = errorText(answer)
  const data = {status: answer.status}
  if (answer.status === 400 || answer.status === 413) return new KvsError('BAD_REQUEST', text, data)
  if (answer.status === 404) return new KvsError('NOT_FOUND', text, data)
  if (answer.status === 409) return new KvsError('CONFLICT', text, data)
  if (answer.status === 503) return new KvsError('UNAVAILABLE', text, data)
  return new KvsError('INTERNAL', `The ${what} answer is not what the route promises (HTTP ${answer.status}: ${text})`, data)
}

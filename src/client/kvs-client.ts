/**
 * The typed client the CLI uses: every route of API.md plus the operator status route,
 * failover across the selected nodes, and causal metadata threaded through key requests.
 *
 * Failover: nodes are tried in the given order. A node that does not answer, or answers 503
 * (nothing changed, safe to retry), is reported through `onNote` and the next one is
 * tried. A node that does not even acknowledge a request (a paused one) is left after at
 * most a second (transport.ts, `acknowledgeMs`) and never got the request's body, so any
 * request, writes included, may go on to the next node then. Requests that change the
 * configuration move on after a non-answer only when the request surely never reached the
 * node, so a slow reshard is never started twice. When every node failed the call rejects
 * with UNAVAILABLE, `data.tried` naming each.
 */
import {isKvsError, KvsError, type ErrorCode} from '../errors.js'
import type {
  AddMemberResult,
  AdminStatus,
  DeleteResult,
  GetResult,
  NodeShardIdResult,
  PutResult,
  ReshardAbortResult,
  ReshardProgress,
  ReshardResult,
  ShardIdsResult,
  ShardKeyCountResult,
  ShardMembersResult,
  ViewChangeResult,
  ViewResult,
} from './api-types.js'
import {assessHealth, type ClusterHealth} from './cluster-health.js'
import type {HttpMethod, NodeAnswer, NodeRequest, ClientTransport} from './transport.js'

/** Explicit deadlines per kind of request (milliseconds); `--timeout` replaces them all. */
export const timeouts = {
  /** A paused node must not stall the CLI; peers answer each other within 2 s. */
  probe: 2_000,
  read: 10_000,
  write: 10_000,
  /** View changes and add-member commit on a majority and copy a shard. */
  configChange: 30_000,
  /** A reshard blocks until every key moved (API.md: done within 20 s). */
  reshard: 120_000,
} as const

const reshardPollMs = 250

export interface ClientOptions {
  /** Candidate nodes in the order to try them; at least one. */
  nodes: readonly string[]
  transport: ClientTransport
  /** Causal metadata to send with the first key request ("" = no history). */
  metadata?: unknown
  /** Called with the metadata of every key answer that carried some, before the call resolves. */
  onMetadata?: (metadata: unknown) => Promise<void>
  /** Human notes for stderr (failover). */
  onNote?: (note: string) => void
  /** The deadline of every request to one node, instead of the defaults in `timeouts`. */
  timeoutMs?: number
}

export interface StatusResult extends ClusterHealth {
  /** The node whose configuration was used; null when no node answered. */
  node: string | null
}

interface Attempt {
  node: string
  reason: string
}

export class KvsClient {
  readonly nodes: readonly string[]
  private readonly transport: ClientTransport
  private metadataValue: unknown
  private readonly onMetadata: (metadata: unknown) => Promise<void>
  private readonly onNote: (note: string) => void
  private readonly timeoutMs: number | undefined

  constructor(options: ClientOptions) {
    if (options.nodes.length === 0) throw new KvsError('USAGE', 'No node to talk to')
    this.nodes = options.nodes
    this.transport = options.transport
    this.metadataValue = options.metadata ?? ''
    this.onMetadata = options.onMetadata ?? (async () => {})
    this.onNote = options.onNote ?? (() => {})
    this.timeoutMs = options.timeoutMs
  }

  /** The causal metadata the next key request will carry. */
  get metadata(): unknown {
    return this.metadataValue
  }

  // ---- keys ------------------------------------------------------------------------

  async put(key: string, value: string): Promise<PutResult> {
    const {node, answer} = await this.keyRequest('PUT', key, {value})
    if (answer.status !== 200 && answer.status !== 201) throw keyFailure(answer, node, key)
    return {key, created: answer.status === 201, shardId: shardIdOf(answer.body), node}
  }

  async get(key: string): Promise<GetResult> {
    const {node, answer} = await this.keyRequest('GET', key, {})
    if (answer.status !== 200) throw keyFailure(answer, node, key)
    const value = answer.body.value
    if (typeof value !== 'string') throw malformed(node, 'GET answer without a string "value"')
    return {key, value, shardId: shardIdOf(answer.body), node}
  }

  async delete(key: string): Promise<DeleteResult> {
    const {node, answer} = await this.keyRequest('DELETE', key, {})
    if (answer.status !== 200) throw keyFailure(answer, node, key)
    return {key, shardId: shardIdOf(answer.body), node}
  }

  // ---- view ------------------------------------------------------------------------

  async view(): Promise<ViewResult> {
    const {node, answer} = await this.request({method: 'GET', path: '/key-value-store-view', timeoutMs: timeouts.read})
    expectStatus(answer, node, 200)
    return {view: addressList(answer.body.view, node, 'view'), node}
  }

  async addToView(address: string): Promise<ViewChangeResult> {
    const {node, answer} = await this.request(
      {method: 'PUT', path: '/key-value-store-view', body: {'socket-address': address}, timeoutMs: timeouts.configChange},
      {retryDelivered: false},
    )
    if (answer.status === 404) throw new KvsError('CONFLICT', errorText(answer), {address, node})
    expectStatus(answer, node, 201)
    return {address, message: messageOf(answer), node}
  }

  async removeFromView(address: string): Promise<ViewChangeResult> {
    const {node, answer} = await this.request(
      {method: 'DELETE', path: '/key-value-store-view', body: {'socket-address': address}, timeoutMs: timeouts.configChange},
      {retryDelivered: false},
    )
    if (answer.status === 404) throw new KvsError('NOT_FOUND', errorText(answer), {address, node})
    expectStatus(answer, node, 200)
    return {address, message: messageOf(answer), node}
  }

  // ---- shards ----------------------------------------------------------------------

  async shardIds(): Promise<ShardIdsResult> {
    const {node, answer} = await this.request({method: 'GET', path: '/key-value-store-shard/shard-ids', timeoutMs: timeouts.read})
    expectStatus(answer, node, 200)
    const ids = answer.body['shard-ids']
    const list = typeof ids === 'string' ? ids.split(',').filter(Boolean).map(Number) : ids
    if (!Array.isArray(list) || !list.every((id) => Number.isSafeInteger(id))) {
      throw malformed(node, '"shard-ids" is not a list of integers')
    }
    return {shardIds: list as number[], node}
  }

  async nodeShardId(): Promise<NodeShardIdResult> {
    const {node, answer} = await this.request({method: 'GET', path: '/key-value-store-shard/node-shard-id', timeoutMs: timeouts.read})
    expectStatus(answer, node, 200)
    return {shardId: shardIdOf(answer.body), node}
  }

  async shardMembers(shardId: number): Promise<ShardMembersResult> {
    const {node, answer} = await this.request({
      method: 'GET',
      path: `/key-value-store-shard/shard-id-members/${shardId}`,
      timeoutMs: timeouts.read,
    })
    if (answer.status === 404) throw new KvsError('NOT_FOUND', errorText(answer), {shardId, node})
    expectStatus(answer, node, 200)
    return {shardId, members: addressList(answer.body['shard-id-members'], node, 'shard-id-members'), node}
  }

  async shardKeyCount(shardId: number): Promise<ShardKeyCountResult> {
    const {node, answer} = await this.request({
      method: 'GET',
      path: `/key-value-store-shard/shard-id-key-count/${shardId}`,
      timeoutMs: timeouts.read,
    })
    if (answer.status === 404) throw new KvsError('NOT_FOUND', errorText(answer), {shardId, node})
    expectStatus(answer, node, 200)
    const keyCount = answer.body['shard-id-key-count']
    if (!Number.isSafeInteger(keyCount)) throw malformed(node, '"shard-id-key-count" is not an integer')
    return {shardId, keyCount: keyCount as number, node}
  }

  async addMember(shardId: number, address: string): Promise<AddMemberResult> {
    const {node, answer} = await this.request(
      {
        method: 'PUT',
        path: `/key-value-store-shard/add-member/${shardId}`,
        body: {'socket-address': address},
        timeoutMs: timeouts.configChange,
      },
      {retryDelivered: false},
    )
    if (answer.status === 404) throw new KvsError('NOT_FOUND', errorText(answer), {shardId, address, node})
    expectStatus(answer, node, 200)
    return {shardId, address, message: typeof answer.body.message === 'string' ? answer.body.message : 'Member added successfully', node}
  }

  /**
   * Reshards and resolves when the node says it is done. While it works, `onProgress` gets
   * what the coordinating node (the first one tried) reports in /admin/status for this
   * reshard (polled; a poll that fails is skipped).
   */
  async reshard(shardCount: number, onProgress?: (progress: ReshardProgress) => void): Promise<ReshardResult> {
    const coordinator = this.nodes[0]
    // Progress of an earlier reshard is told apart by its epoch: this one leads past the epoch in force.
    const before = onProgress ? await this.adminStatus(coordinator).catch(() => null) : null
    const done = this.request(
      {method: 'PUT', path: '/key-value-store-shard/reshard', body: {'shard-count': shardCount}, timeoutMs: timeouts.reshard},
      {retryDelivered: false},
    )
    const stopPolling = onProgress ? this.pollReshard(coordinator, before?.epoch ?? 0, onProgress) : () => {}
    let node: string
    let answer: NodeAnswer
    try {
      ;({node, answer} = await done)
      expectStatus(answer, node, 200)
    } finally {
      stopPolling()
    }
    const final = (await this.adminStatus(node).catch(() => null))?.reshard ?? null
    const progress = final?.phase === 'done' && (!before || final.epoch > before.epoch) ? final : null
    return {shardCount, message: messageOf(answer), node, progress}
  }

  /** Aborts the reshard under way (one that a node coordinates, or one whose coordinator died). */
  async abortReshard(): Promise<ReshardAbortResult> {
    const {node, answer} = await this.request({method: 'POST', path: '/admin/reshard/abort', timeoutMs: timeouts.configChange}, {retryDelivered: false})
    expectStatus(answer, node, 200)
    return {aborted: answer.body.aborted === true, message: messageOf(answer), node}
  }

  private pollReshard(node: string, epochBefore: number, onProgress: (progress: ReshardProgress) => void): () => void {
    let stopped = false
    const poll = async () => {
      while (!stopped) {
        try {
          const {reshard} = await this.adminStatus(node)
          if (!stopped && reshard && reshard.epoch > epochBefore) onProgress(reshard)
        } catch {
          // Progress is a courtesy: the reshard answer itself decides success.
        }
        await new Promise((resolve) => setTimeout(resolve, reshardPollMs).unref())
      }
    }
    void poll()
    return () => {
      stopped = true
    }
  }

  // ---- operator --------------------------------------------------------------------

  /** `node`'s own /admin/status; no failover. */
  adminStatus(node: string): Promise<AdminStatus> {
    return fetchAdminStatus(this.transport, node, this.timeoutMs)
  }

  /**
   * The whole cluster's health: the configuration comes from the first node that answers
   * (with failover), then every configured node is asked for its own status in parallel.
   * Never rejects for unreachable nodes: they are reported as down.
   */
  async status(): Promise<StatusResult> {
    let first: {node: string; answer: NodeAnswer}
    try {
      first = await this.request({method: 'GET', path: '/admin/status', timeoutMs: timeouts.probe})
    } catch (error) {
      if (!isKvsError(error) || error.code !== 'UNAVAILABLE') throw error
      const tried = this.nodes.map((address) => ({address, shardId: null}))
      return {...assessHealth(tried, null, new Map()), node: null}
    }
    expectStatus(first.answer, first.node, 200)
    const own = first.answer.body as unknown as AdminStatus
    const configured = own.nodes.length > 0 ? own.nodes : [{address: own.address, shardId: own.shardId}]
    const answers = new Map(
      await Promise.all(
        configured.map(async ({address}) => {
          if (address === first.node) return [address, own] as const
          return [address, await this.adminStatus(address).catch(() => null)] as const
        }),
      ),
    )
    return {...assessHealth(configured, own.shardCount, answers), node: first.node}
  }

  async close(): Promise<void> {
    await this.transport.close()
  }

  // ---- plumbing --------------------------------------------------------------------

  private async keyRequest(method: HttpMethod, key: string, body: Record<string, unknown>): Promise<{node: string; answer: NodeAnswer}> {
    const result = await this.request({
      method,
      path: `/key-value-store/${encodeURIComponent(key)}`,
      body: {...body, 'causal-metadata': this.metadataValue},
      timeoutMs: method === 'GET' ? timeouts.read : timeouts.write,
    })
    const metadata = result.answer.body['causal-metadata']
    if (metadata !== undefined && metadata !== null && metadata !== '') {
      this.metadataValue = metadata
      await this.onMetadata(metadata)
    }
    return result
  }

  private async request(req: NodeRequest, {retryDelivered = true} = {}): Promise<{node: string; answer: NodeAnswer}> {
    const attempts: Attempt[] = []
    let last503: NodeAnswer | null = null
    for (const [index, node] of this.nodes.entries()) {
      const next = this.nodes[index + 1]
      let answer: NodeAnswer
      try {
        answer = await this.transport.send(node, {...req, timeoutMs: this.timeoutMs ?? req.timeoutMs})
      } catch (error) {
        if (!isKvsError(error) || error.code !== 'PEER_UNAVAILABLE') throw error
        attempts.push({node, reason: String(error.data.reason ?? error.message)})
        if (error.data.delivered !== false && !retryDelivered) {
          throw new KvsError('UNAVAILABLE', `${error.message}; not retried elsewhere because it may have been applied`, {tried: attempts})
        }
        if (next) this.onNote(`${node} did not answer (${error.data.reason}); trying ${next}`)
        continue
      }
      if (answer.status !== 503) return {node, answer}
      last503 = answer
      attempts.push({node, reason: errorText(answer)})
      if (next) this.onNote(`${node} answered 503 (${errorText(answer)}); trying ${next}`)
    }
    const tried = attempts.map((a) => `${a.node} (${a.reason})`).join(', ')
    const message = last503 ? `Unable to satisfy request: ${tried}` : `No node answered: ${tried}`
    throw new KvsError('UNAVAILABLE', message, {tried: attempts})
  }
}

/** The view as `node` itself sees it; no failover (tells whether that node is up). */
export async function fetchView(transport: ClientTransport, node: string, timeoutMs: number = timeouts.probe): Promise<string[]> {
  const answer = await transport.send(node, {method: 'GET', path: '/key-value-store-view', timeoutMs})
  expectStatus(answer, node, 200)
  return addressList(answer.body.view, node, 'view')
}

/** `node`'s own /admin/status; no failover. */
export async function fetchAdminStatus(transport: ClientTransport, node: string, timeoutMs: number = timeouts.probe): Promise<AdminStatus> {
  const answer = await transport.send(node, {method: 'GET', path: '/admin/status', timeoutMs})
  expectStatus(answer, node, 200)
  return answer.body as unknown as AdminStatus
}

/** Maps an unsuccessful key answer to the error vocabulary (404 is NOT_FOUND, exit code 3). */
function keyFailure(answer: NodeAnswer, node: string, key: string): KvsError {
  const data = {key, node, status: answer.status}
  if (answer.status === 404) return new KvsError('NOT_FOUND', errorText(answer), data)
  return httpFailure(answer, node, data)
}

function expectStatus(answer: NodeAnswer, node: string, status: number): void {
  if (answer.status !== status) throw httpFailure(answer, node, {node, status: answer.status})
}

/** A 401 is not failed over: every node of a cluster requires the same token. */
function httpFailure(answer: NodeAnswer, node: string, data: Record<string, unknown>): KvsError {
  const text = errorText(answer)
  if (answer.status === 401) return new KvsError('UNAUTHORIZED', `${node} needs a valid client token (${text}): set KVS_TOKEN or pass --token`, data)
  const code = ({400: 'BAD_REQUEST', 404: 'NOT_FOUND', 409: 'CONFLICT', 503: 'UNAVAILABLE'} as Record<number, ErrorCode>)[answer.status]
  return code ? new KvsError(code, text, data) : new KvsError('INTERNAL', `${node} answered ${answer.status}: ${text}`, data)
}

/** API.md puts the detail in `error` ("Key does not exist") and, for reshard, in `message`. */
function errorText(answer: NodeAnswer): string {
  const {error, message} = answer.body
  if (typeof error === 'string') return error
  if (typeof message === 'string') return message
  return `HTTP ${answer.status}`
}

function messageOf(answer: NodeAnswer): string {
  return typeof answer.body.message === 'string' ? answer.body.message : ''
}

function shardIdOf(body: Record<string, unknown>): number | null {
  const id = body['shard-id']
  return Number.isSafeInteger(id) ? (id as number) : null
}

/** API.md allows a comma-separated string or a JSON array of addresses. */
function addressList(value: unknown, node: string, field: string): string[] {
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean)
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[]
  throw malformed(node, `"${field}" is neither a comma-separated string nor a list of addresses`)
}

function malformed(node: string, what: string): KvsError {
  return new KvsError('INTERNAL', `${node} answered with ${what}`, {node})
}

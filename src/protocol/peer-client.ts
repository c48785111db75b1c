/**
 * The typed peer client: one method per peer route (messages.ts), over the transport seam
 * (undici, or the in-memory twin in tests). Every answer is checked against its route's
 * schema, and against the node's clock where it carries timestamps, before the caller
 * sees it: a malformed or out-of-bounds answer is a PEER_UNAVAILABLE error, as if the peer
 * had not answered, and nothing of it is used.
 */
import type {TSchema} from '@sinclair/typebox'
import {TypeCompiler, type TypeCheck} from '@sinclair/typebox/compiler'
import {KvsError} from '../errors.js'
import type {PeerResponse, Transport} from '../transport/transport.js'
import {layoutFault, originsFault, summaryFault, timestampsFault} from './bounds.js'
import {
  peerBatchBodyLimit,
  peerPrefix,
  peerRoutes,
  type ForwardedRequest,
  type OpGroupMessage,
  type OpMessage,
  type PeerAnswer,
  type PeerBody,
  type PeerRouteName,
} from './messages.js'

/** A single write or a group of writes, as one replicate call carries them. */
export type ReplicatedUpdate = OpMessage | OpGroupMessage

/** Cuts a group too large for one body in two, or says it cannot (a single write). */
export type HalveGroup = (group: OpGroupMessage) => [OpGroupMessage, OpGroupMessage] | null

const checkers = new Map<TSchema, TypeCheck<TSchema>>()

/** The compiled validator of `schema` (compiled once per process). */
export function checkerOf<T extends TSchema>(schema: T): TypeCheck<T> {
  let checker = checkers.get(schema)
  if (!checker) {
    checker = TypeCompiler.Compile(schema)
    checkers.set(schema, checker)
  }
  return checker as TypeCheck<T>
}

/** Why `value` does not match `schema` (the first error), or null when it does. */
export function schemaFault(schema: TSchema, value: unknown): string | null {
  const checker = checkerOf(schema)
  if (checker.Check(value)) return null
  const first = checker.Errors(value).First()
  return first ? `${first.path || '/'}: ${first.message}` : 'does not match its schema'
}

export class PeerClient {
  constructor(
    private readonly transport: Transport,
    /** Wall-clock ms, to tell whether a peer's timestamps are near ours. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Sends our summary; resolves with the peer's, which must be about that peer and agree with itself. */
  async heartbeat(peer: string, summary: PeerBody<'heartbeat'>, timeoutMs: number): Promise<PeerAnswer<'heartbeat'>> {
    const answer = await this.expect200('heartbeat', peer, summary, timeoutMs)
    this.bounded(peer, 'heartbeat', answer.address === peer ? summaryFault(answer) : `the summary is about ${answer.address}`)
    return answer
  }

  /** The peer's configuration in force, checked to be a layout of its nodes. */
  async config(peer: string, timeoutMs: number): Promise<PeerAnswer<'config'>> {
    const config = await this.expect200('config', peer, undefined, timeoutMs)
    const fault = layoutFault(config)
    if (fault) throw invalid(peer, 'config', `the configuration is not a layout: ${fault}`)
    return config
  }

  /** Whether the peer accepted the proposal (a refusal is answered 409). */
  async propose(peer: string, config: PeerBody<'propose'>, timeoutMs: number): Promise<boolean> {
    const {status, answer} = await this.call('propose', peer, config, timeoutMs)
    if (status !== 200 && status !== 409) throw refused(peer, 'propose', status, answer)
    this.check('propose', peer, answer)
    return status === 200
  }

  async commit(peer: string, config: PeerBody<'commit'>, timeoutMs: number): Promise<void> {
    await this.expect200('commit', peer, config, timeoutMs)
  }

  /**
   * Sends single ops and groups of writes to a peer of the shard, each list in order,
   * split so that no body exceeds the peer's limit (a group too large alone is cut in two
   * by `halve`). True once the peer applied every one of them.
   */
  async replicate(peer: string, from: string, updates: readonly ReplicatedUpdate[], halve: HalveGroup, timeoutMs: number): Promise<boolean> {
    const serialize = (items: readonly ReplicatedUpdate[]) => {
      const ops: OpMessage[] = []
      const groups: OpGroupMessage[] = []
      for (const u of items) {
        if ('keys' in u) groups.push(u)
        else ops.push(u)
      }
      return JSON.stringify(groups.length > 0 ? {from, ops, groups} : {from, ops})
    }
    const cut = (u: ReplicatedUpdate) => ('keys' in u ? halve(u) : null)
    for (const part of splitBySize(updates, serialize, peerBatchBodyLimit, cut)) {
      const {status, answer} = await this.send('replicate', peer, part.body, timeoutMs)
      if (status !== 200) return false
      this.check('replicate', peer, answer)
    }
    return true
  }

  /**
   * Forwards key requests; one answer per request, in order, each the status and JSON
   * text the key route gave. Split so that no body exceeds the peer's limit.
   */
  async forward(peer: string, requests: readonly ForwardedRequest[], timeoutMs: number): Promise<PeerResponse[]> {
    const out: PeerResponse[] = []
    for (const part of splitBySize(requests, (items) => JSON.stringify({requests: items}))) {
      const {status, answer} = await this.send('forward', peer, part.body, timeoutMs)
      if (status !== 200) throw new KvsError('PEER_UNAVAILABLE', `${peer} refused forwarded requests (${status})`, {peer})
      const {answers} = this.check('forward', peer, answer)
      if (answers.length !== part.items.length) throw invalid(peer, 'forward', `${answers.length} answers to ${part.items.length} requests`)
      for (const a of answers) out.push({status: a.status, text: a.body})
    }
    return out
  }

  /** The ops past `body.clock`, or a state transfer to page through. */
  async sync(peer: string, body: PeerBody<'sync'>, timeoutMs: number): Promise<PeerAnswer<'sync'>> {
    const answer = await this.expect200('sync', peer, body, timeoutMs)
    if ('ops' in answer) {
      this.bounded(peer, 'sync', timestampsFault(answer.ops.map((op) => op.ts), this.now()) ?? originsFault(answer.ops.map((op) => op.origin)))
    }
    return answer
  }

  async transfer(peer: string, body: PeerBody<'transfer'>, timeoutMs: number): Promise<PeerAnswer<'transfer'>> {
    const answer = await this.expect200('transfer', peer, body, timeoutMs)
    const versions = answer.entries.map(([, v]) => v)
    this.bounded(peer, 'transfer', timestampsFault(versions.map((v) => v.ts), this.now()) ?? originsFault(versions.map((v) => v.origin)))
    return answer
  }

  joinPrepare(peer: string, body: PeerBody<'joinPrepare'>, timeoutMs: number): Promise<PeerAnswer<'joinPrepare'>> {
    return this.expect200('joinPrepare', peer, body, timeoutMs)
  }

  // The reshard coordinator's steps at a participant.
  reshardStart(peer: string, next: PeerBody<'reshardStart'>, timeoutMs: number): Promise<PeerAnswer<'reshardStart'>> {
    return this.expect200('reshardStart', peer, next, timeoutMs)
  }

  reshardProgress(peer: string, body: PeerBody<'reshardProgress'>, timeoutMs: number): Promise<PeerAnswer<'reshardProgress'>> {
    return this.expect200('reshardProgress', peer, body, timeoutMs)
  }

  reshardHold(peer: string, body: PeerBody<'reshardHold'>, timeoutMs: number): Promise<PeerAnswer<'reshardHold'>> {
    return this.expect200('reshardHold', peer, body, timeoutMs)
  }

  reshardFinish(peer: string, body: PeerBody<'reshardFinish'>, timeoutMs: number): Promise<PeerAnswer<'reshardFinish'>> {
    return this.expect200('reshardFinish', peer, body, timeoutMs)
  }

  reshardAbort(peer: string, body: PeerBody<'reshardAbort'>, timeoutMs: number): Promise<PeerAnswer<'reshardAbort'>> {
    return this.expect200('reshardAbort', peer, body, timeoutMs)
  }

  async reshardSnapshot(peer: string, body: PeerBody<'reshardSnapshot'>, timeoutMs: number): Promise<PeerAnswer<'reshardSnapshot'>> {
    const answer = await this.expect200('reshardSnapshot', peer, body, timeoutMs)
    this.bounded(peer, 'reshardSnapshot', timestampsFault(answer.page.ts, this.now()))
    return answer
  }

  async reshardChanges(peer: string, body: PeerBody<'reshardChanges'>, timeoutMs: number): Promise<PeerAnswer<'reshardChanges'>> {
    const answer = await this.expect200('reshardChanges', peer, body, timeoutMs)
    if ('page' in answer) this.bounded(peer, 'reshardChanges', timestampsFault(answer.page.ts, this.now()))
    return answer
  }

  /** A shard's part of a batch, carried out by `peer`: one result per op, in order. */
  async batch(peer: string, part: PeerBody<'batch'>, timeoutMs: number): Promise<PeerAnswer<'batch'>> {
    const answer = await this.expect200('batch', peer, part, timeoutMs)
    this.bounded(peer, 'batch', answer.results.length === part.ops.length ? null : `${answer.results.length} results for ${part.ops.length} ops`)
    return answer
  }

  /** A page of a shard's scan; NOT_FOUND when `peer` no longer holds the snapshot. */
  async scan(peer: string, call: PeerBody<'scan'>, timeoutMs: number): Promise<PeerAnswer<'scan'>> {
    const {status, answer} = await this.call('scan', peer, call, timeoutMs)
    if (status === 404) throw new KvsError('NOT_FOUND', 'Scan cursor expired (idle too long, or its node restarted): start the scan again')
    if (status !== 200) throw refused(peer, 'scan', status, answer)
    const page = this.check('scan', peer, answer)
    const fault =
      page.keys.length > call.limit
        ? `${page.keys.length} keys for a limit of ${call.limit}`
        : call.values && page.values?.length !== page.keys.length
          ? 'values do not match the keys'
          : page.next !== null && page.next <= call.offset
            ? 'the next page does not follow this one'
            : null
    this.bounded(peer, 'scan', fault)
    return page
  }

  // ---- the calls ---------------------------------------------------------------------

  private async expect200<N extends PeerRouteName>(name: N, peer: string, body: unknown, timeoutMs: number): Promise<PeerAnswer<N>> {
    const {status, answer} = await this.call<N>(name, peer, body, timeoutMs)
    if (status !== 200) throw refused(peer, name, status, answer)
    return this.check<N>(name, peer, answer)
  }

  private call<N extends PeerRouteName>(name: N, peer: string, body: unknown, timeoutMs: number): Promise<{status: number; answer: unknown}> {
    return this.send(name, peer, body === undefined ? undefined : JSON.stringify(body), timeoutMs)
  }

  private async send(name: PeerRouteName, peer: string, body: string | undefined, timeoutMs: number): Promise<{status: number; answer: unknown}> {
    const route = peerRoutes[name]
    const res = await this.transport.request(peer, {method: route.method, path: peerPrefix + route.path, body, timeoutMs})
    let answer: unknown
    try {
      answer = JSON.parse(res.text)
    } catch {
      throw invalid(peer, name, `answered ${res.status} with a body that is not JSON`)
    }
    return {status: res.status, answer}
  }

  private check<N extends PeerRouteName>(name: N, peer: string, answer: unknown): PeerAnswer<N> {
    const fault = schemaFault(peerRoutes[name].answer, answer)
    if (fault) throw invalid(peer, name, fault)
    return answer as PeerAnswer<N>
  }

  private bounded(peer: string, name: PeerRouteName, fault: string | null): void {
    if (fault) throw invalid(peer, name, fault)
  }
}

/**
 * `items` in consecutive parts whose serialized body (by `serialize`) is within
 * peerBatchBodyLimit bytes; an item too large alone is cut in two by `halve` when it can
 * be, else goes alone (the peer refuses it, and only it). The common case serializes once.
 */
export function splitBySize<T>(
  items: readonly T[],
  serialize: (items: readonly T[]) => string,
  limit = peerBatchBodyLimit,
  halve: (item: T) => [T, T] | null = () => null,
): Array<{items: readonly T[]; body: string}> {
  const body = serialize(items)
  // Three bytes per UTF-16 unit at most: below that the exact count is not needed.
  if (items.length === 0 || body.length * 3 <= limit || Buffer.byteLength(body) <= limit) return [{items, body}]
  const halves = items.length > 1 ? [items.slice(0, Math.ceil(items.length / 2)), items.slice(Math.ceil(items.length / 2))] : halve(items[0])?.map((h) => [h])
  if (!halves) return [{items, body}]
  return halves.flatMap((h) => splitBySize(h, serialize, limit, halve))
}

function invalid(peer: string, name: PeerRouteName, why: string): KvsError {
  return new KvsError('PEER_UNAVAILABLE', `${peer} gave an invalid ${name} answer: ${why}`.slice(0, 500), {peer})
}

/** A peer's refusal: CONFLICT when it answered 409 (with its reason), else PEER_UNAVAILABLE. */
function refused(peer: string, name: PeerRouteName, status: number, answer: unknown): KvsError {
  const body = (typeof answer === 'object' && answer !== null ? answer : {}) as {error?: unknown; message?: unknown}
  const why = String(body.error ?? body.message ?? '').slice(0, 200)
  return new KvsError(status === 409 ? 'CONFLICT' : 'PEER_UNAVAILABLE', `${peer} refused ${name} (${status})${why ? `: ${why}` : ''}`, {peer, status})
}

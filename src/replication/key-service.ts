/**
 * Key requests from any node: serve locally when this node replicates the key's shard,
 * otherwise forward to a live member (writes to the shard's primary) with failover, and
 * relay the member's answer unchanged. Produces the exact bodies of API.md section 4.
 */
import type {CausalMetadata} from '../clock/causal-metadata.js'
import {isKvsError, KvsError} from '../errors.js'
import type {ClusterConfig} from '../membership/cluster-config.js'
import type {ShardRoute} from '../membership/membership.js'
import {shardForKey} from '../placement/placement.js'
import {Batcher} from '../transport/batcher.js'
import type {PeerResponse} from '../transport/transport.js'
import type {PeerClient} from '../protocol/peer-client.js'
import type {ForwardedRequest} from '../protocol/messages.js'
import type {Replicator} from './replicator.js'
import {RequestIds} from './applied-requests.js'

export type {ForwardedRequest}

export type KeyMethod = 'GET' | 'PUT' | 'DELETE'

export interface KeyRequest {
  method: KeyMethod
  key: string
  /** For PUT: the new value. */
  value?: string
  meta: CausalMetadata | null
  /** How many nodes already forwarded this request (loops end after two hops). */
  hops: number
  /**
   * For a forwarded write: the time (ms since the epoch) from which the forwarding node
   * may have given up on this node and retried elsewhere. A write that reaches this
   * node later (it was paused, say) must not be applied: it would overwrite newer writes.
   */
  deadline?: number
  /** For a forwarded write: the client request's id, the same on every retry (applied-requests.ts). */
  rid?: string
  /** For a forwarded request: the layout epoch the forwarding node routed it by. */
  layout?: number
  /** How often a reshard's commit made this node route the request again (bounded). */
  reroutes?: number
}

export interface KeyAnswer {
  status: number
  /** An object to serialize, or a peer's JSON text relayed as is. */
  body: Record<string, unknown> | string
}

/** What the key service needs to know about the cluster (implemented by Membership). */
export interface RoutingView {
  readonly self: string
  readonly config: ClusterConfig | null
  route(shard: number): ShardRoute
  /** Asks peers for a newer configuration; resolves when one is installed or the wait ends. */
  awaitLayoutEpoch(epoch: number, timeoutMs: number): Promise<boolean>
}


export const hopHeader = 'x-kvs-hops'

/**
 * Forwarded requests to one peer share a call while an earlier one is on the wire: under
 * load this turns many small HTTP exchanges into a few larger ones. One call in flight
 * used 2-4 % less CPU per request than two, in two clusters loaded in turn.
 */
const forwardsInFlight = 1
/** Longest a request spends on forwards, over every peer tried. */
const forwardBudgetMs = 3500
/** Longest a request waits for a layout a client or a peer has already seen. */
const layoutWaitMs = 1000
/** Times one request is routed again because a reshard committed under it. */
const maxReroutes = 2

/**
 * The configuration in force once its layout is at least `seen` (what a client or a peer
 * has already seen), waiting up to layoutWaitMs for it to arrive; null without one.
 */
export async function layoutCovering(routing: RoutingView, seen: number): Promise<ClusterConfig | null> {
  const config = routing.config
  if (!config || seen <= config.layoutEpoch) return config
  await routing.awaitLayoutEpoch(seen, layoutWaitMs)
  const now = routing.config
  return now && seen <= now.layoutEpoch ? now : null
}

export class KeyService {
  private turn = 0
  private readonly requestIds = new RequestIds()
  private readonly forwarders = new Map<string, Batcher<ForwardedRequest, PeerResponse>>()

  constructor(
    private readonly routing: RoutingView,
    private readonly replicator: Replicator,
    private readonly peers: PeerClient,
    private readonly forwardTimeoutMs = 2000,
    /** Milliseconds since the epoch; forward deadlines are kept on it (a test's clock). */
    private readonly now: () => number = Date.now,
  ) {}

  async handle(req: KeyRequest): Promise<KeyAnswer> {
    // A reshard holds writes until its new layout is in force; route them under that layout.
    if (req.method !== 'GET') await this.replicator.awaitWritable()
    // The client's metadata, or the node that forwarded this, may have seen a newer layout: route by it.
    const config = await layoutCovering(this.routing, Math.max(req.meta?.epoch ?? 0, req.layout ?? 0))
    if (!config) return unavailable(req.method)
    const shard = shardForKey(req.key, config.shardCount)
    const member = this.replicator.shard === shard
    const local = member && this.replicator.ready
    if (req.method === 'GET') {
      if (local) return this.serve(req, shard, config.layoutEpoch)
      // Spread reads over the ready members; members still copying only as a last resort.
      const {peers, readyPeers} = this.routing.route(shard)
      const order = [...rotate(readyPeers, this.turn++), ...peers.filter((m) => !readyPeers.includes(m))]
      return (await this.forwardOrReroute(req, order, config)) ?? (member ? this.serve(req, shard, config.layoutEpoch) : unavailable(req.method))
    }
    const {primary, peers} = this.routing.route(shard)
    if (member && (req.hops > 0 || primary === this.routing.self || primary === null)) return this.serve(req, shard, config.layoutEpoch)
    // A write forwarded may be applied though its answer never comes, and then be retried
    // on another member (or here): one id lets whoever applied it first answer the retries.
    const write = req.rid === undefined ? {...req, rid: this.requestIds.next()} : req
    return (await this.forwardOrReroute(write, peers, config)) ?? (member ? this.serve(write, shard, config.layoutEpoch) : unavailable(req.method))
  }

  /**
   * forward(), and when no peer could serve it because a reshard committed meanwhile (here
   * or at the peers), the request routed again by the new layout.
   */
  private async forwardOrReroute(req: KeyRequest, peers: readonly string[], routedBy: ClusterConfig): Promise<KeyAnswer | null> {
    const answer = await this.forward(req, peers, routedBy.layoutEpoch)
    if (answer || !this.layoutMovedSince(routedBy, req)) return answer
    return this.handle({...req, reroutes: (req.reroutes ?? 0) + 1})
  }

  private layoutMovedSince(routedBy: ClusterConfig, req: KeyRequest): boolean {
    return (this.routing.config?.layoutEpoch ?? 0) > routedBy.layoutEpoch && (req.reroutes ?? 0) < maxReroutes
  }

  private async serve(req: KeyRequest, shard: number, layoutEpoch: number): Promise<KeyAnswer> {
    try {
      if (req.method === 'GET') {
        const {version, meta} = await this.replicator.read(shard, layoutEpoch, req.key, req.meta)
        if (!version || version.value === null) return missing('GET', meta, shard)
        return {
          status: 200,
          body: {message: 'Retrieved successfully', value: version.value, 'causal-metadata': meta, 'shard-id': shard, doesExist: true},
        }
      }
      const value = req.method === 'PUT' ? (req.value as string) : null
      const {existed, meta} = await this.replicator.write(shard, layoutEpoch, req.key, value, req.meta, req.deadline, req.rid)
      if (req.method === 'DELETE') {
        if (!existed) return missing('DELETE', meta, shard)
        return {status: 200, body: {message: 'Deleted successfully', 'causal-metadata': meta, 'shard-id': shard, doesExist: true}}
      }
      return {
        status: existed ? 200 : 201,
        body: {
          message: existed ? 'Updated successfully' : 'Added successfully',
          'causal-metadata': meta,
          'shard-id': shard,
          replaced: existed,
        },
      }
    } catch (error) {
      if (!isKvsError(error) || error.code !== 'UNAVAILABLE') throw error
      // The layout changed under this request (a reshard committed): route it again. It
      // was not applied here, and the new layout routes it to its new owners.
      if (error.data.moved && (req.reroutes ?? 0) < maxReroutes) return this.handle({...req, reroutes: (req.reroutes ?? 0) + 1})
      return unavailable(req.method)
    }
  }

  /** Tries each peer in turn; the first answer (any status) is relayed. Null if none answered. */
  private async forward(req: KeyRequest, peers: readonly string[], layout: number): Promise<KeyAnswer | null> {
    if (req.hops >= 2) return null
    // However many members are paused, the client gets an answer within about 5 s: the
    // forwards share this budget, and a local fallback may still wait 1 s for causality.
    const giveUpAt = Math.min(this.now() + forwardBudgetMs, req.deadline ?? Infinity)
    for (const peer of peers) {
      const deadline = Math.min(this.now() + this.forwardTimeoutMs, giveUpAt)
      if (deadline <= this.now()) return null
      const forwarded: ForwardedRequest = {method: req.method, key: req.key, meta: req.meta, hops: req.hops + 1, deadline, layout}
      if (req.method === 'PUT') forwarded.value = req.value
      if (req.rid !== undefined) forwarded.rid = req.rid
      try {
        const res = await this.forwarder(peer).send(forwarded)
        if (res.status === 503) continue
        return {status: res.status, body: res.text}
      } catch (error) {
        if (!(error instanceof KvsError)) throw error
      }
    }
    return null
  }

  private forwarder(peer: string): Batcher<ForwardedRequest, PeerResponse> {
    let batcher = this.forwarders.get(peer)
    if (!batcher) {
      batcher = new Batcher((requests) => this.sendForwards(peer, requests), forwardsInFlight)
      this.forwarders.set(peer, batcher)
    }
    return batcher
  }

  private async sendForwards(peer: string, requests: ForwardedRequest[]): Promise<PeerResponse[]> {
    let deadline = Infinity
    for (const r of requests) deadline = Math.min(deadline, r.deadline)
    const timeoutMs = deadline - this.now()
    if (timeoutMs <= 0) throw new KvsError('PEER_UNAVAILABLE', `gave up on ${peer} before sending`, {peer})
    // The whole batch is given up at its earliest deadline, and a write given up on may be
    // retried on another member at once: so that is the deadline every request carries. A
    // paused peer that resumed later would otherwise apply the rest as new writes, newer
    // than (and overwriting) writes that causally follow their retries.
    const sent = requests.map((r) => (r.deadline === deadline ? r : {...r, deadline}))
    return this.peers.forward(peer, sent, timeoutMs)
  }
}

function rotate<T>(items: readonly T[], n: number): readonly T[] {
  if (items.length < 2) return items
  const k = n % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

function missing(method: 'GET' | 'DELETE', meta: CausalMetadata, shard: number): KeyAnswer {
  return {
    status: 404,
    body: {doesExist: false, error: 'Key does not exist', message: `Error in ${method}`, 'causal-metadata': meta, 'shard-id': shard},
  }
}

function unavailable(method: KeyMethod): KeyAnswer {
  return {status: 503, body: {error: 'Unable to satisfy request', message: `Error in ${method}`, code: 'UNAVAILABLE'}}
}

/**
 * Batch requests from any node (the batch route): the batch is split by shard, each shard's
 * part goes in one call to a member (its primary first, as single writes do) or is carried
 * out here when this node is that member, and the answers are joined in batch order. A part
 * whose shard no member could serve is answered 503 op by op; the others stand.
 */
import {mergeMetadata, noHistory, parseMetadata, type CausalMetadata} from '../clock/causal-metadata.js'
import {isKvsError, KvsError} from '../errors.js'
import type {ClusterConfig} from '../membership/cluster-config.js'
import type {PeerClient} from '../protocol/peer-client.js'
import {hasWrites, joinResults, splitByShard, type BatchOp, type BatchOpResult, type BatchPart, type BatchPartOutcome} from './batch.js'
import {layoutCovering, type RoutingView} from './key-service.js'
import type {Replicator} from './replicator.js'
import {RequestIds} from './applied-requests.js'

/** One shard's part as one node sends it to a member of that shard (the protocol's batch route). */
export interface ForwardedBatchPart {
  shard: number
  /** The layout epoch the sender split the batch by. */
  layout: number
  meta: CausalMetadata | null
  /** ms since the epoch: the sender gives up then, and the member must not apply it later. */
  deadline: number
  /** The same for every member the part is sent to (see AppliedBatches). */
  rid?: string
  ops: BatchOp[]
}

export interface BatchAnswer {
  /** 200 when every part was served, else 503 (the results say which ops). */
  status: number
  results: BatchOpResult[]
  meta: CausalMetadata
}

/** Longest one member gets to carry out a part before the next is tried. */
export const partTimeoutMs = 5000
/**
 * Longest a part spends on members in all: a paused member not yet seen down costs one
 * part timeout, and the next member still gets a whole one.
 */
const partBudgetMs = 2 * partTimeoutMs

export class BatchService {
  private readonly requestIds = new RequestIds()

  constructor(
    private readonly routing: RoutingView,
    private readonly replicator: Replicator,
    private readonly peers: PeerClient,
    /** Milliseconds since the epoch; part deadlines are kept on it (a test's clock). */
    private readonly now: () => number = Date.now,
  ) {}

  async handle(ops: readonly BatchOp[], meta: CausalMetadata | null): Promise<BatchAnswer> {
    // A reshard holds writes until its new layout is in force; split them by that layout.
    if (hasWrites(ops)) await this.replicator.awaitWritable()
    const config = await layoutCovering(this.routing, meta?.epoch ?? 0)
    const base = meta ?? noHistory(config?.layoutEpoch ?? 0)
    if (!config) return {status: 503, results: ops.map(() => ({status: 503})), meta: base}
    const parts = splitByShard(ops, config.shardCount)
    const outcomes = await Promise.all(parts.map(async (part) => ({part, outcome: await this.runPart(part, meta, config)})))
    let merged = base
    let failed = false
    const answered = outcomes.map(({part, outcome}) => {
      if (!outcome) {
        failed = true
        return {part, results: part.ops.map(() => ({status: 503}))}
      }
      merged = mergeMetadata(merged, outcome.meta)
      return {part, results: outcome.results}
    })
    return {status: failed ? 503 : 200, results: joinResults(ops.length, answered), meta: merged}
  }

  /** A part another node forwarded here: carried out on this node's replica, or UNAVAILABLE. */
  serveForwarded(part: ForwardedBatchPart): Promise<BatchPartOutcome> {
    return this.replicator.writeBatch(part.shard, part.layout, part.ops, part.meta, part.deadline, part.rid)
  }

  /** The part carried out by a member of its shard, or null when none could. */
  private async runPart(part: BatchPart, meta: CausalMetadata | null, config: ClusterConfig): Promise<BatchPartOutcome | null> {
    const {shard} = part
    const route = this.routing.route(shard)
    const member = this.replicator.shard === shard && this.replicator.ready
    const writes = hasWrites(part.ops)
    // One id for every member tried: one that applied the part answers a retry from that.
    const rid = writes ? this.requestIds.next() : undefined
    // Writes go to the primary, as single writes do; reads to this node when it can serve them.
    const localFirst = member && (!writes || route.primary === this.routing.self || route.primary === null)
    if (localFirst) {
      const outcome = await this.serveLocally(part, meta, config, rid)
      if (outcome) return outcome
    }
    const giveUpAt = this.now() + partBudgetMs
    for (const peer of writes ? route.peers : route.readyPeers) {
      const deadline = Math.min(this.now() + partTimeoutMs, giveUpAt)
      if (deadline <= this.now()) break
      const forwarded: ForwardedBatchPart = {shard, layout: config.layoutEpoch, meta, deadline, ...(rid === undefined ? {} : {rid}), ops: part.ops}
      const outcome = await sendBatchPart(this.peers, peer, forwarded, deadline - this.now()).catch((error: unknown) => {
        if (isKvsError(error)) return null
        throw error
      })
      if (outcome) return outcome
    }
    return member && !localFirst ? this.serveLocally(part, meta, config, rid) : null
  }

  private async serveLocally(part: BatchPart, meta: CausalMetadata | null, config: ClusterConfig, rid: string | undefined): Promise<BatchPartOutcome | null> {
    try {
      return await this.replicator.writeBatch(part.shard, config.layoutEpoch, part.ops, meta, undefined, rid)
    } catch (error) {
      if (isKvsError(error) && error.code === 'UNAVAILABLE') return null
      throw error
    }
  }
}

/**
 * A batch part sent to `peer`, answered with its outcome. Rejects with PEER_UNAVAILABLE
 * when the peer did not answer in time or could not serve the part (it was not applied).
 */
async function sendBatchPart(peers: PeerClient, peer: string, part: ForwardedBatchPart, timeoutMs: number): Promise<BatchPartOutcome> {
  const answer = await peers.batch(peer, part, timeoutMs)
  const meta = parseMetadata(answer.meta)
  if (!meta) throw new KvsError('PEER_UNAVAILABLE', `${peer} answered a batch part with malformed metadata`, {peer})
  return {results: answer.results, meta}
}

/**
 * Scans from any node (the scan route): the live keys starting with a prefix, page by page,
 * shard after shard. Each shard is read from one snapshot a member takes at the shard's
 * first page (scan-snapshots.ts): its primary first, which holds every write it
 * acknowledged. The cursor (scan-cursor.ts) names that member and snapshot, so any node can
 * serve the next page.
 */
import {mergeMetadata, noHistory, parseMetadata, type CausalMetadata} from '../clock/causal-metadata.js'
import {isKvsError, KvsError} from '../errors.js'
import type {ClusterConfig} from '../membership/cluster-config.js'
import type {PeerClient} from '../protocol/peer-client.js'
import type {RoutingView} from './key-service.js'
import type {Replicator} from './replicator.js'
import {decodeCursor, encodeCursor, firstCursor, type ScanCursor} from './scan-cursor.js'
import {ScanSnapshots, type ScanSnapshotPage} from './scan-snapshots.js'

export interface ScanRequest {
  prefix: string
  limit: number
  /** The previous page's cursor; absent for the first page. */
  cursor?: string
  /** Whether the page carries values too (a dump). */
  values: boolean
  meta: CausalMetadata | null
}

export interface ScanAnswer {
  keys: string[]
  values?: string[]
  /** For the next page; null when the scan is complete. */
  cursor: string | null
  meta: CausalMetadata
}

/** A page of one shard as one node asks a member of it (the protocol's scan route). */
export interface ScanPageCall {
  shard: number
  layout: number
  meta: CausalMetadata | null
  prefix: string
  /** Absent on the shard's first page: the member takes a snapshot. */
  snapshot?: string
  offset: number
  limit: number
  maxBytes: number
  values: boolean
}

export type MemberScanPage = ScanSnapshotPage & {snapshot: string}

/** A page holds at most about this many bytes of keys and values (bounded below bodies' limits). */
export const scanPageBytes = 4 * 1024 * 1024
const scanCallTimeoutMs = 10_000

export class ScanService {
  private readonly snapshots = new ScanSnapshots()

  constructor(
    private readonly routing: RoutingView,
    private readonly replicator: Replicator,
    private readonly peers: PeerClient,
  ) {}

  async scan(req: ScanRequest): Promise<ScanAnswer> {
    const config = this.routing.config
    if (!config) throw new KvsError('UNAVAILABLE', 'This node has no configuration yet')
    let at: ScanCursor | null = req.cursor === undefined ? firstCursor(config.layoutEpoch) : decodeCursor(req.cursor)
    if (at.layout !== config.layoutEpoch || at.shard > config.shardCount) {
      throw new KvsError('CONFLICT', 'The shard layout changed since this scan began (a reshard): start the scan again')
    }
    const keys: string[] = []
    const values: string[] = []
    let bytes = 0
    let meta = req.meta ?? noHistory(config.layoutEpoch)
    while (at && keys.length < req.limit && bytes < scanPageBytes) {
      const call: ScanPageCall = {
        shard: at.shard,
        layout: at.layout,
        meta: req.meta,
        prefix: req.prefix,
        offset: at.offset,
        limit: req.limit - keys.length,
        maxBytes: scanPageBytes - bytes,
        values: req.values,
      }
      if (at.snapshot !== undefined) call.snapshot = at.snapshot
      const {member, page} = await this.pageFrom(at.member, call, config)
      for (let i = 0; i < page.keys.length; i++) {
        keys.push(page.keys[i])
        bytes += page.keys[i].length
        if (page.values) {
          values.push(page.values[i])
          bytes += page.values[i].length
        }
      }
      meta = mergeMetadata(meta, page.meta)
      if (page.next !== null) at = {layout: at.layout, shard: at.shard, member, snapshot: page.snapshot, offset: page.next}
      else at = at.shard < config.shardCount ? {layout: at.layout, shard: at.shard + 1, offset: 0} : null
    }
    const answer: ScanAnswer = {keys, cursor: at && encodeCursor(at), meta}
    if (req.values) answer.values = values
    return answer
  }

  /** A page asked of this node as a member of the call's shard. */
  async servePage(call: ScanPageCall): Promise<MemberScanPage> {
    let id = call.snapshot
    if (id === undefined) id = this.snapshots.hold(await this.replicator.scanSnapshot(call.shard, call.layout, call.meta, call.prefix))
    return {...this.snapshots.page(id, call), snapshot: id}
  }

  /** The page from `member` (the one holding the snapshot), else from the first member of the shard that serves it. */
  private async pageFrom(member: string | undefined, call: ScanPageCall, config: ClusterConfig): Promise<{member: string; page: MemberScanPage}> {
    const candidates = member !== undefined ? [member] : this.routing.route(call.shard).members
    for (const candidate of candidates) {
      try {
        const page = candidate === this.routing.self ? await this.servePage(call) : await requestScanPage(this.peers, candidate, call)
        return {member: candidate, page}
      } catch (error) {
        if (!isKvsError(error)) throw error
        // The snapshot's holder expired it, or the scan's layout is gone: no other member has it.
        if (error.code === 'NOT_FOUND' || error.code === 'BAD_REQUEST' || member !== undefined) throw error
      }
    }
    if (member !== undefined) throw new KvsError('UNAVAILABLE', `${member}, which holds this scan's snapshot, did not answer`)
    throw new KvsError('UNAVAILABLE', `No member of shard ${call.shard} could be scanned`, {shard: call.shard, layout: config.layoutEpoch})
  }
}

/** A page of `call.shard` from `peer`: NOT_FOUND when it no longer holds the snapshot, PEER_UNAVAILABLE when it did not serve. */
async function requestScanPage(peers: PeerClient, peer: string, call: ScanPageCall): Promise<MemberScanPage> {
  const page = await peers.scan(peer, call, scanCallTimeoutMs)
  const meta = parseMetadata(page.meta)
  if (!meta) throw new KvsError('PEER_UNAVAILABLE', `${peer} answered a scan page with malformed metadata`, {peer})
  return {...page, meta}
}

/**
 * Catch-up as a client: how a replica fetches what it lacks from the other members of its
 * shard. A pull asks a peer for the ops past this replica's clock, or, when the peer no
 * longer keeps them (or this replica lacks keys that came by reshard), pages through a
 * copy of the peer's whole state. Pulls come from requests waiting for their causal past,
 * from replicated ops whose dependencies are missing, from heartbeats that show a peer
 * ahead, and from start-up. A newcomer of add-member copies its shard the same way before
 * it joins (prepareJoin). The serving side is Replicator.syncFor and state-transfers.ts.
 */
import {covers, type VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import type {PeerClient} from '../protocol/peer-client.js'
import {drainDeliverable} from './delivery.js'
import type {Op} from './op.js'
import type {TransferOffer} from './state-transfers.js'
import {ShardState} from './shard-state.js'

/** Keys per page when a peer's whole state is copied. */
export const transferBatch = 5_000
/** A transfer page (up to 8 MiB) takes its peer longer than a short call: this many peer timeouts. */
const transferPageTimeouts = 5

/** What catch-up needs of the replica it fills (implemented by the Replicator). */
export interface CatchUpHost {
  readonly self: string
  /** The replica in force; null when this node holds no shard, or can log nothing more (fail-stop). */
  current(): ShardState | null
  /**
   * Delivers a peer's ops into the replica in force in causal order, at once: how many it
   * applied, and when those are logged.
   */
  deliverOps(ops: readonly Op[]): {applied: number; logged: Promise<unknown>}
  observeTimestamp(ts: number): void
  /** The replica in force lacks keys that came by reshard: a pull asks for a whole state. */
  readonly incomplete: boolean
  /** A peer's whole state was merged into `s`, still in force. */
  stateCopied(s: ShardState, peer: string): Promise<void>
}

export interface CatchUpOptions {
  host: CatchUpHost
  peers: PeerClient
  log: {info(o: object | string, msg?: string): void; warn(o: object | string, msg?: string): void}
  peerTimeoutMs: number
}

export class CatchUp {
  private readonly pulls = new Map<string, Promise<void>>()
  /** Each peer's shard clock as its last heartbeat showed it (see peerAhead). */
  private readonly peerClocks = new Map<string, {epoch: number; clock: VectorClock}>()
  /** A shard copied ahead of joining it (add-member), until takeJoined() takes it. */
  private joining: ShardState | null = null
  /** What catch-up fetched from peers since start: single ops, and whole-state transfers. */
  readonly fetched = {ops: 0, transfers: 0}

  constructor(private readonly opts: CatchUpOptions) {}

  get pullsRunning(): number {
    return this.pulls.size
  }

  /**
   * Fetches from `peer` every op the replica in force lacks (or a copy of the peer's whole
   * state) and applies it. One pull per peer at a time: without `strict`, a pull already
   * running is joined.
   */
  pullFrom(peer: string, strict = false): Promise<void> {
    const running = this.pulls.get(peer)
    if (running && !strict) return running
    const run: Promise<void> = this.doPull(peer).finally(() => {
      if (this.pulls.get(peer) === run) this.pulls.delete(peer)
    })
    this.pulls.set(peer, run)
    return run
  }

  /** Pulls from `peer` once more after the pull running now, which may have been answered too early. */
  pullAgain(peer: string): Promise<void> {
    const running = this.pulls.get(peer)
    return running ? running.catch(() => undefined).then(() => this.pullFrom(peer)) : this.pullFrom(peer)
  }

  /** Pulls from the first of `peers` that answers; false when none did. */
  async pullFromAny(peers: readonly string[]): Promise<boolean> {
    for (const peer of peers) {
      try {
        await this.pullFrom(peer, true)
        return true
      } catch (error) {
        this.opts.log.warn({peer, err: String(error)}, 'could not copy from this peer')
      }
    }
    return false
  }

  /**
   * A heartbeat showed `peer`'s clock in our shard. Under write load a peer is nearly always
   * a little ahead (its replication to us is on the wire), so we pull only what it already
   * had one heartbeat ago and still has not reached us: writes we really missed, not the
   * ones replication is about to deliver.
   */
  peerAhead(peer: {address: string; shard: number | null; layoutEpoch: number; clock: VectorClock}): void {
    const s = this.opts.host.current()
    const previous = this.peerClocks.get(peer.address)
    this.peerClocks.set(peer.address, {epoch: peer.layoutEpoch, clock: peer.clock})
    if (!s || peer.shard !== s.shard || peer.layoutEpoch !== s.epoch || covers(s.clock, peer.clock)) return
    if (previous && previous.epoch === s.epoch && !covers(s.clock, previous.clock)) void this.pullFrom(peer.address).catch(() => undefined)
  }

  private async doPull(peer: string): Promise<void> {
    const {host} = this.opts
    const s = host.current()
    if (!s) return
    // An empty replica asks for the whole state: data that arrived by reshard is in no op.
    const answer = await this.sync(peer, s.shard, s.epoch, s.clock, s.versions.size === 0 || host.incomplete)
    if (host.current() !== s) return
    if ('ops' in answer) {
      // Counted as they are applied, not once logged: whoever sees them applied sees them counted.
      const {applied, logged} = host.deliverOps(answer.ops)
      this.fetched.ops += applied
      await logged
      return
    }
    this.fetched.transfers++
    if (await this.fetchTransfer(peer, answer, s, () => host.current() === s)) await host.stateCopied(s, peer)
  }

  private sync(peer: string, shard: number, epoch: number, clock: VectorClock, full: boolean): Promise<{ops: Op[]} | TransferOffer> {
    return this.opts.peers.sync(peer, {shard, epoch, clock, full}, this.opts.peerTimeoutMs)
  }

  /**
   * Pages a peer's state transfer into `s`, then takes its clock. False (and stops) as soon
   * as `wanted()` says `s` is no longer the replica being filled.
   */
  private async fetchTransfer(peer: string, transfer: TransferOffer, s: ShardState, wanted: () => boolean): Promise<boolean> {
    // Pages are bounded in bytes too, so one may hold fewer than asked for: go on from where it ends.
    for (let offset = 0; ; ) {
      const {entries, done} = await this.opts.peers.transfer(peer, {id: transfer.transfer, offset, limit: transferBatch}, this.opts.peerTimeoutMs * transferPageTimeouts)
      if (entries.length === 0 && !done) throw new KvsError('PEER_UNAVAILABLE', `${peer} sent an empty page of a transfer it did not finish`, {peer})
      offset += entries.length
      if (!wanted()) return false
      s.mergeState(entries, {})
      for (const [, v] of entries) this.opts.host.observeTimestamp(v.ts)
      if (done) break
    }
    s.mergeState([], transfer.clock)
    return true
  }

  /**
   * Copies `shard` from one of `peers` before this node joins it (add-member): the shard
   * keeps serving meanwhile, and on joining only the writes made since are pulled. The copy
   * is not logged: the replica is snapshotted once it is in force.
   */
  async prepareJoin(shard: number, layoutEpoch: number, peers: readonly string[]): Promise<{keys: number}> {
    const target = new ShardState(shard, layoutEpoch)
    this.joining = target
    const wanted = () => this.joining === target
    for (const peer of peers.filter((p) => p !== this.opts.host.self)) {
      try {
        const answer = await this.sync(peer, shard, layoutEpoch, {}, true)
        if ('transfer' in answer) {
          if (!(await this.fetchTransfer(peer, answer, target, wanted))) break
        } else {
          const blocked = drainDeliverable(answer.ops, target.clock, (op) => {
            target.apply(op)
            this.opts.host.observeTimestamp(op.ts)
            return target.clock
          })
          if (blocked.length > 0) throw new KvsError('PEER_UNAVAILABLE', `${peer} sent ops that do not follow each other`)
        }
        this.opts.log.info({peer, shard, keys: target.liveKeys}, 'copied the shard before joining it')
        return {keys: target.liveKeys}
      } catch (error) {
        this.opts.log.warn({peer, err: String(error)}, 'could not copy the shard from this peer before joining')
      }
    }
    if (this.joining === target) this.joining = null
    throw new KvsError('UNAVAILABLE', 'Could not copy the shard from any of its members', {shard})
  }

  /** The copy prepareJoin() made of `shard` at `layoutEpoch`, if any; it is given once. */
  takeJoined(shard: number, layoutEpoch: number): ShardState | null {
    const copied = this.joining?.shard === shard && this.joining.epoch === layoutEpoch ? this.joining : null
    this.joining = null
    return copied
  }
}

/**
 * Writes this node coordinates for its shard (DESIGN.md section 3): wait for the client's
 * causal past, stamp the op with the next sequence number, log and apply it, send it to
 * every live peer, and answer once the peers not lagging applied it (or let it time out).
 * A forwarded request this replica already applied is answered from that op (dedupe).
 */
import {mergeMetadata, noHistory, type CausalMetadata} from '../clock/causal-metadata.js'
import {KvsError} from '../errors.js'
import type {PeerClient} from '../protocol/peer-client.js'
import {answerApplied, applyBatch, hasWrites, type BatchOp, type BatchPartOutcome} from './batch.js'
import type {Update} from './op-group.js'
import type {Op} from './op.js'
import {PeerChannel} from './peer-channel.js'
import type {Replica} from './replica.js'
import {ackPlan, afterAck, keepLive, type LaggingPeers} from './replication-policy.js'
import type {ShardState} from './shard-state.js'
import type {WriteGate} from './write-gate.js'

export interface WriteResult {
  /** Whether the key held a value (in the client's visible past) before this write. */
  existed: boolean
  meta: CausalMetadata
}

export interface WriteCoordinatorOptions {
  self: string
  replica: Replica
  /** Held closed by a reshard's cutover. */
  gate: WriteGate
  peers: PeerClient
  livePeers(shard: number): readonly string[]
  /** The replica of `shard` once it covers what `meta` saw of it (see Replicator.covered). */
  covered(shard: number, layoutEpoch: number, meta: CausalMetadata | null): Promise<ShardState>
  /** Longest a write waits for one peer's acknowledgement. */
  replicationTimeoutMs: number
}

export class WriteCoordinator {
  private readonly channels = new Map<string, PeerChannel>()
  private lagging: LaggingPeers = new Set()

  constructor(private readonly opts: WriteCoordinatorOptions) {}

  /** Peers that let an acknowledgement time out and have not acknowledged since. */
  get laggingPeers(): string[] {
    return [...this.lagging]
  }

  /**
   * Writes `value` (null deletes). A delete of a missing key writes nothing. A write past
   * its `deadline` (ms since the epoch) is refused unapplied: its sender has given up. A
   * forwarded request `rid` this replica already applied is answered from that op.
   */
  async write(
    shard: number,
    layoutEpoch: number,
    key: string,
    value: string | null,
    meta: CausalMetadata | null,
    deadline?: number,
    rid?: string,
  ): Promise<WriteResult> {
    const {gate, replica, self} = this.opts
    let s: ShardState
    // Re-check the gate after every wait: a cutover may have begun meanwhile, and from
    // the last check to enter() nothing else can run.
    do {
      await gate.passed()
      s = await this.opts.covered(shard, layoutEpoch, meta)
    } while (gate.isClosed)
    const done = rid === undefined ? undefined : s.appliedRequest(rid)
    if (done) {
      // Answered only once the op is in this replica's log too, as a write of its own would be.
      await replica.logged
      return {existed: done.existed, meta: mergeMetadata(meta ?? noHistory(s.epoch), {epoch: s.epoch, clocks: {[String(shard)]: {[done.origin]: done.seq}}})}
    }
    // At the deadline itself the sender may already have given up (its timeout fires then).
    if (deadline !== undefined && Date.now() >= deadline) {
      throw new KvsError('UNAVAILABLE', 'Unable to satisfy request', {reason: 'the forwarding node gave up on this write'})
    }
    const current = s.get(key)
    const existed = current !== undefined && current.value !== null
    const base = meta ?? noHistory(s.epoch)
    if (value === null && !existed) return {existed, meta: current ? mergeMetadata(base, s.metadataOf(current)) : base}
    replica.requireWorkingLog()
    gate.enter()
    try {
      const seq = (s.clock[self] ?? 0) + 1
      const clock = {...s.clock, [self]: seq}
      const deps = mergeMetadata(base, {epoch: s.epoch, clocks: {[String(shard)]: clock}})
      const written: Op = {shard, epoch: s.epoch, origin: self, seq, key, value, ts: replica.hlc.now(), deps}
      const op: Op = rid === undefined ? written : {...written, rid}
      await Promise.all([replica.applyOwn(s, op), this.replicate(shard, [op])])
      return {existed, meta: deps}
    } finally {
      gate.leave()
    }
  }

  /**
   * Carries out one shard's part of a batch (batch.ts): its writes become one group
   * (op-group.ts), one record in the op log and one item of a call to each live peer.
   * Refused unapplied past `deadline`, as write() is. Answered once logged here and applied
   * by every reachable peer not lagging. A part of gets only waits for the causal past. A
   * forwarded part `rid` this replica already applied is answered from it (AppliedBatches).
   */
  async writeBatch(shard: number, layoutEpoch: number, ops: readonly BatchOp[], meta: CausalMetadata | null, deadline?: number, rid?: string): Promise<BatchPartOutcome> {
    const {gate, replica, self} = this.opts
    const writes = hasWrites(ops)
    let s: ShardState
    do {
      if (writes) await gate.passed()
      s = await this.opts.covered(shard, layoutEpoch, meta)
    } while (writes && gate.isClosed)
    if (deadline !== undefined && Date.now() >= deadline) {
      throw new KvsError('UNAVAILABLE', 'Unable to satisfy request', {reason: 'the forwarding node gave up on this batch'})
    }
    const done = rid === undefined ? undefined : s.appliedBatch(rid)
    if (done && done.statuses.length === ops.length) {
      // Answered only once the group is in this replica's log too, as a part of its own would be.
      await replica.logged
      return answerApplied(s, ops, meta ?? noHistory(s.epoch), done)
    }
    const writer = {self, now: () => replica.hlc.now()}
    if (!writes) return applyBatch(s, ops, meta ?? noHistory(s.epoch), writer)
    replica.requireWorkingLog()
    gate.enter()
    try {
      const {written, ...outcome} = applyBatch(s, ops, meta ?? noHistory(s.epoch), writer, rid)
      if (!written) return outcome
      void replica.logOwn(written)
      replica.applied()
      await Promise.all([replica.logged, this.replicate(shard, [written])])
      return outcome
    } finally {
      gate.leave()
    }
  }

  /** Sends `updates` to every live peer in one call each; resolves once the ones not lagging acknowledged or timed out. */
  private async replicate(shard: number, updates: readonly Update[]): Promise<void> {
    const live = this.opts.livePeers(shard)
    this.lagging = keepLive(this.lagging, live)
    const {awaited, sentOnly} = ackPlan(live, this.lagging)
    for (const peer of sentOnly) void this.send(peer, updates)
    await Promise.all(awaited.map((peer) => this.send(peer, updates)))
  }

  private async send(peer: string, updates: readonly Update[]): Promise<void> {
    const acked = await this.channel(peer).sendAll(updates)
    this.lagging = afterAck(this.lagging, peer, acked)
  }

  private channel(peer: string): PeerChannel {
    let c = this.channels.get(peer)
    if (!c) {
      c = new PeerChannel(this.opts.self, peer, this.opts.peers, this.opts.replicationTimeoutMs)
      this.channels.set(peer, c)
    }
    return c
  }
}

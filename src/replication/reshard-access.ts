/**
 * The replica in force as a reshard sees it (ReplicaAccess, for reshard-participant.ts and
 * reshard-source.ts): its state at a layout once it is ready, a wait until it covers a
 * clock, and the write gate a cutover holds closed.
 */
import type {VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import type {Replica} from './replica.js'
import type {ReplicaAccess} from './reshard-participant.js'
import type {ShardState} from './shard-state.js'
import type {WriteGate} from './write-gate.js'

export interface ReshardAccessParts {
  readonly replica: Pick<Replica, 'current' | 'hlc' | 'awaitCovered'>
  readonly gate: Pick<WriteGate, 'close' | 'open'>
  /** Whether the replica counts as ready (Replicator.ready). */
  ready(): boolean
  /** Longest a wait for a clock lasts before UNAVAILABLE. */
  readonly causalWaitMs: number
  /** Asks the shard's live peers for what a wait lacks. */
  pullForWaiters(s: ShardState): void
}

export class ReshardAccess implements ReplicaAccess {
  constructor(private readonly parts: ReshardAccessParts) {}

  stateOf(shard: number, layoutEpoch: number): ShardState {
    const s = this.parts.replica.current
    if (!s || s.shard !== shard || s.epoch !== layoutEpoch || !this.parts.ready()) {
      throw new KvsError('CONFLICT', 'This node holds no ready replica of that shard and layout', {shard, layoutEpoch})
    }
    return s
  }

  async awaitClock(shard: number, layoutEpoch: number, need: VectorClock): Promise<void> {
    const s = this.stateOf(shard, layoutEpoch)
    await this.parts.replica.awaitCovered(s, need, this.parts.causalWaitMs, () => this.parts.pullForWaiters(s))
  }

  observeTimestamp(ts: number): void {
    this.parts.replica.hlc.observe(ts)
  }

  async holdWrites(): Promise<{shard: number | null; clock: VectorClock}> {
    await this.parts.gate.close()
    const s = this.parts.replica.current
    return {shard: s?.shard ?? null, clock: s?.clock ?? {}}
  }

  releaseWrites(): void {
    this.parts.gate.open()
  }
}

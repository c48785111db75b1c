/**
 * How the replica follows a newly committed configuration: a reshard's cutover swaps in
 * the replica the participant built for it; a node that left every shard drops its
 * replica; a new member, or a node that missed a reshard, copies its shard from its peers
 * first. What to do is the pure installStep(); ConfigInstall carries it out.
 */
import {membersOf, shardOfNode, type ClusterConfig} from '../membership/cluster-config.js'
import type {CatchUp} from './catch-up.js'
import type {Compaction} from './compaction.js'
import type {Replica} from './replica.js'
import type {ReshardParticipant} from './reshard-participant.js'
import {ShardState} from './shard-state.js'
import type {StartUp} from './start-up.js'
import type {WriteGate} from './write-gate.js'

/**
 * What an install does with the replica in force: 'swap-built' puts in the replica a
 * reshard built for the new layout (or none, when this node holds no shard in it); 'drop'
 * leaves this node without a replica; 'keep' changes nothing; 'copy' starts the shard of
 * the new configuration afresh (or from the copy made before joining) and pulls from peers.
 */
export type InstallStep = {kind: 'swap-built'} | {kind: 'drop'} | {kind: 'keep'} | {kind: 'copy'; shard: number}

/**
 * The step for a configuration that puts this node in `mine` (null: no shard) at layout
 * epoch `layoutEpoch`, given the replica it holds and whether a reshard built one for it.
 */
export function installStep(
  built: boolean,
  mine: number | null,
  layoutEpoch: number,
  held: {readonly shard: number; readonly epoch: number} | null,
): InstallStep {
  if (built) return {kind: 'swap-built'}
  if (mine === null) return {kind: 'drop'}
  if (held && held.shard === mine && held.epoch === layoutEpoch) return {kind: 'keep'}
  return {kind: 'copy', shard: mine}
}

export interface ConfigInstallParts {
  readonly self: string
  readonly replica: Pick<Replica, 'current' | 'swapIn'>
  readonly startUp: Pick<StartUp, 'recovered' | 'synced'>
  readonly catchUp: Pick<CatchUp, 'takeJoined' | 'pullFromAny' | 'prepareJoin'>
  readonly reshard: Pick<ReshardParticipant, 'take'>
  readonly compaction: Pick<Compaction, 'markDue' | 'snapshot' | 'persisted'>
  /** Held closed by a reshard's cutover; opened when a replica is put in force. */
  readonly gate: Pick<WriteGate, 'open'>
}

export class ConfigInstall {
  constructor(private readonly parts: ConfigInstallParts) {}

  /** Adapts the replica to `next`, committed after `previous` (see installStep). */
  async install(next: ClusterConfig, previous: ClusterConfig | null): Promise<void> {
    const {replica, startUp, catchUp, compaction, self} = this.parts
    await startUp.recovered
    // Only a layout change takes the reshard's copy: a pending reshard outlives other changes.
    const built = previous && next.layoutEpoch !== previous.layoutEpoch ? this.parts.reshard.take(next) : undefined
    const step = installStep(built !== undefined, shardOfNode(next, self), next.layoutEpoch, replica.current)
    switch (step.kind) {
      case 'swap-built':
        this.swapIn(built ?? null)
        // Written once the configuration is on disk (persisted()), in the background: the
        // cutover must not wait for it (it grows with the data), nor the configuration's
        // fsync behind it. A restart before it finds ops of the new layout after an older
        // snapshot, and copies a peer's whole state (see StartUp.incomplete).
        compaction.markDue()
        return
      case 'drop':
        this.swapIn(null)
        return
      case 'keep':
        return
      case 'copy': {
        const {shard} = step
        // A new member starts from the copy made before it joined (then only the writes
        // since are pulled), else empty; so does a node that missed a reshard. Either
        // copies from the shard's members before it counts as ready.
        this.swapIn(catchUp.takeJoined(shard, next.layoutEpoch) ?? new ShardState(shard, next.layoutEpoch))
        startUp.synced = false
        await catchUp.pullFromAny(membersOf(next, shard).filter((m) => m !== self))
        startUp.synced = true
        await compaction.snapshot()
      }
    }
  }

  /** The configuration installed last is on disk (see Compaction.persisted). */
  persisted(): void {
    this.parts.compaction.persisted()
  }

  /** Copies `shard` before this node joins it (add-member): see CatchUp.prepareJoin. */
  async prepareJoin(shard: number, layoutEpoch: number, peers: readonly string[]): Promise<{keys: number}> {
    await this.parts.startUp.recovered
    return this.parts.catchUp.prepareJoin(shard, layoutEpoch, peers)
  }

  /** Puts `state` in force and gives held writes back: they find the new layout (or 'moved'). */
  private swapIn(state: ShardState | null): void {
    this.parts.replica.swapIn(state)
    this.parts.startUp.synced = true
    this.parts.gate.open()
  }
}

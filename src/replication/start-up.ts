/**
 * The replica's start-up: rebuilt from the data directory (recovery.ts), then brought up to
 * date from a live peer of its shard before it counts as ready. Also what the rest of the
 * replicator asks of it later: whether the disk is loaded, and whether the replica in force
 * has caught up since it was put in force.
 */
import {membersOf, type ClusterConfig} from '../membership/cluster-config.js'
import type {CatchUp} from './catch-up.js'
import {rebuildReplica} from './recovery.js'
import type {Replica} from './replica.js'
import type {ReplicaStore} from './replica-store.js'

/** How long a start-up sync waits before it asks the shard's peers again. */
const syncRetryMs = 100

export interface StartUpOptions {
  readonly cluster: {readonly self: string; readonly config: ClusterConfig | null}
  readonly store: ReplicaStore
  readonly replica: Pick<Replica, 'hlc' | 'swapIn' | 'current'>
  readonly catchUp: Pick<CatchUp, 'pullFromAny'>
  readonly log: {info(o: object | string, msg?: string): void}
}

export class StartUp {
  /** False until recover() has loaded the disk. */
  private loaded = false
  private markRecovered!: () => void
  /** Resolves once recover() has loaded the disk: installs and join copies wait for it. */
  readonly recovered = new Promise<void>((resolve) => (this.markRecovered = resolve))
  /** The replica in force copied what it missed from its peers (or gave up): it may count as ready. */
  synced = false
  /**
   * The replica was rebuilt from a log that began a new layout after the last snapshot:
   * the keys that arrived by reshard are in no op, so it copies a peer's whole state.
   */
  incomplete = false

  constructor(private readonly opts: StartUpOptions) {}

  get isRecovered(): boolean {
    return this.loaded
  }

  /** Rebuilds the replica from the snapshot and log recovered from disk. */
  async recover(config: ClusterConfig | null): Promise<void> {
    const {replica} = this.opts
    // Built aside and installed at the end: requests meanwhile see no replica and go to peers.
    const {state, incomplete, replayed, highestTs} = await rebuildReplica(this.opts.store.recovered, config, this.opts.cluster.self)
    replica.hlc.observe(highestTs)
    this.incomplete = incomplete
    replica.swapIn(state)
    this.loaded = true
    this.markRecovered()
    this.opts.log.info({keys: state?.liveKeys ?? 0, replayed, shard: state?.shard ?? null}, 'replica recovered from disk')
  }

  /**
   * Copies what this replica lacks from a live peer of its shard before it counts as ready.
   * Gives up after `deadlineMs` when no peer answers (a whole cluster starting together).
   */
  async syncOnStart(deadlineMs: number): Promise<void> {
    const s = this.opts.replica.current
    if (!s) return
    const {self, config} = this.opts.cluster
    const peers = config ? membersOf(config, s.shard).filter((m) => m !== self) : []
    const until = Date.now() + deadlineMs
    while (Date.now() < until && !this.synced) {
      // Else try again until the deadline.
      if (await this.opts.catchUp.pullFromAny(peers)) this.synced = true
      else await new Promise((r) => setTimeout(r, syncRetryMs))
    }
    this.synced = true
  }
}

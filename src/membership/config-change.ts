/**
 * The two-phase protocol that changes the configuration: propose to every node of the old
 * and new configurations, commit once a majority of the old one accepted (quorum.ts), then
 * install here and tell the others. A node accepts one proposal per configuration epoch
 * until its commit comes or `promiseTtlMs` passes, and installs a commit only for the
 * proposal it accepted.
 */
import {KvsError} from '../errors.js'
import {sortAddresses} from '../placement/placement.js'
import type {PeerClient} from '../protocol/peer-client.js'
import {configFingerprint, type ClusterConfig} from './cluster-config.js'
import {tally} from './quorum.js'

/** How long an accepted proposal blocks others of its configuration epoch if its commit never comes. */
const promiseTtlMs = 10_000
/** A new member copies its shard before it acknowledges a commit. */
const commitTimeoutMs = 30_000
/** A proposal gets twice the usual peer timeout: a busy peer must not count as a no. */
const proposeTimeouts = 2

export interface ConfigChangeHost {
  readonly self: string
  readonly config: ClusterConfig | null
  /** Installs `next` here (serialized; a no-op unless newer than what is in force). */
  install(next: ClusterConfig): Promise<void>
}

export class ConfigChanges {
  private promised: {configEpoch: number; fingerprint: string; at: number} | null = null
  private changing: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly host: ConfigChangeHost,
    private readonly peers: PeerClient,
    private readonly peerTimeoutMs: number,
  ) {}

  /**
   * A peer proposes `config`: accept unless it is not the next configuration epoch (or,
   * with a layout change, the next layout) after the configuration in force, or another
   * proposal holds its configuration epoch. A node without a configuration (a newcomer)
   * accepts any.
   */
  receivePropose(config: ClusterConfig): {accepted: boolean; configEpoch: number} {
    const current = this.host.config
    const mine = current?.configEpoch ?? 0
    if (config.configEpoch <= mine) return {accepted: false, configEpoch: mine}
    if (current && (config.configEpoch !== mine + 1 || config.layoutEpoch - current.layoutEpoch > 1 || config.layoutEpoch < current.layoutEpoch)) {
      return {accepted: false, configEpoch: mine}
    }
    const fingerprint = configFingerprint(config)
    const held = this.promised
    if (held && held.configEpoch === config.configEpoch && held.fingerprint !== fingerprint && Date.now() - held.at < promiseTtlMs) {
      return {accepted: false, configEpoch: mine}
    }
    this.promised = {configEpoch: config.configEpoch, fingerprint, at: Date.now()}
    return {accepted: true, configEpoch: mine}
  }

  /**
   * A peer commits `config`: installed only when this node accepted that very proposal
   * (a commit repeated after its install changes nothing). CONFLICT otherwise, and nothing
   * changes: a node that missed the vote learns the configuration from heartbeats.
   */
  async receiveCommit(config: ClusterConfig): Promise<void> {
    const held = this.promised
    if (held && held.configEpoch === config.configEpoch && held.fingerprint === configFingerprint(config)) return this.host.install(config)
    const current = this.host.config
    if (current && configFingerprint(current) === configFingerprint(config)) return
    throw new KvsError('CONFLICT', 'This node did not accept that configuration', {configEpoch: config.configEpoch})
  }

  /**
   * Coordinates one change: `plan` computes the next configuration from the one in force
   * (throwing leaves everything unchanged), every node is asked to accept it, and it is
   * committed once a majority of the current configuration's nodes accepted. Changes made
   * through this node run one at a time. `beforeCommit` runs after acceptance (reshard uses
   * it to move data); if it throws, nothing is committed.
   */
  change(plan: (config: ClusterConfig) => ClusterConfig, beforeCommit?: (next: ClusterConfig) => Promise<void>): Promise<ClusterConfig> {
    const run = this.changing.then(async () => {
      const config = this.host.config
      if (!config) throw new KvsError('UNAVAILABLE', 'This node has not learned the cluster configuration yet')
      const next = plan(config)
      const {self} = this.host
      const others = sortAddresses([...config.nodes, ...next.nodes]).filter((n) => n !== self)
      if (!this.receivePropose(next).accepted) throw new KvsError('CONFLICT', 'Another configuration change is in progress', {configEpoch: config.configEpoch})
      const answers = await Promise.all(others.map(async (peer) => ((await this.propose(peer, next)) ? peer : null)))
      const votes = tally(config.nodes, self, answers.filter((p): p is string => p !== null))
      if (!votes.reached) {
        this.promised = null
        throw new KvsError('UNAVAILABLE', 'A majority of the cluster did not accept the change', {need: votes.need, accepted: votes.accepted})
      }
      if (beforeCommit) {
        try {
          await beforeCommit(next)
        } catch (error) {
          this.promised = null
          throw error
        }
      }
      // Decided: installing here and telling the others can go on together.
      await Promise.all([this.host.install(next), ...others.map((peer) => this.sendCommit(peer, next).catch(() => undefined))])
      return next
    })
    this.changing = run.catch(() => undefined)
    return run
  }

  /** Whether `peer` accepted the proposal (no answer is a no). */
  private async propose(peer: string, next: ClusterConfig): Promise<boolean> {
    try {
      return await this.peers.propose(peer, next, this.peerTimeoutMs * proposeTimeouts)
    } catch {
      return false
    }
  }

  sendCommit(peer: string, config: ClusterConfig): Promise<void> {
    return this.peers.commit(peer, config, commitTimeoutMs)
  }
}

/**
 * Membership: the configuration in force, who is alive (heartbeats), where each shard's
 * requests go, and how a node learns configurations (pulled from peers ahead, pushed to
 * peers behind, announced by a newcomer). Changes are made by the two-phase protocol of
 * config-change.ts; every decision comes from pure functions (cluster-config.ts,
 * failure-detector.ts, shard-route.ts, quorum.ts).
 */
import {KvsError} from '../errors.js'
import {sortAddresses} from '../placement/placement.js'
import type {PeerClient} from '../protocol/peer-client.js'
import type {Transport} from '../transport/transport.js'
import {shardOfNode, type ClusterConfig} from './cluster-config.js'
import {ConfigChanges} from './config-change.js'
import {FailureDetector, type NodeState, type PeerSummary} from './failure-detector.js'
import {noRoute, shardRoute, type ShardRoute} from './shard-route.js'

export type {ShardRoute} from './shard-route.js'

export interface MembershipOptions {
  self: string
  /** The peer protocol, for heartbeats and configuration changes. */
  peers: PeerClient
  /** Raw calls, for the announcement a newcomer makes to a public route. */
  transport: Transport
  /** The configuration recovered from disk or computed from VIEW + SHARD_COUNT; null for a newcomer. */
  initial: ClusterConfig | null
  /** Addresses to announce to and heartbeat while no configuration is known (VIEW). */
  seeds: readonly string[]
  /** What this node says about its replica in heartbeats. */
  localSummary(): Omit<PeerSummary, 'address' | 'configEpoch'>
  /**
   * Called with every newly installed configuration, before it becomes visible to requests
   * that follow. It may take time (copying a shard); the commit is acknowledged after it.
   */
  onInstall(next: ClusterConfig, previous: ClusterConfig | null): Promise<void>
  /**
   * Called once `next` is in force, before the install resolves (and the commit is
   * acknowledged): writes it to disk. Requests see the new configuration from the moment
   * the replica adapted to it, not only once it is on disk, so that the two never disagree.
   */
  persist?(next: ClusterConfig): Promise<void>
  /** Called when a heartbeat shows a peer of the same shard ahead of us. */
  onPeerAhead(peer: PeerSummary): void
  log: {info(o: object | string, msg?: string): void; warn(o: object | string, msg?: string): void}
  heartbeatMs?: number
  downAfterMs?: number
  peerTimeoutMs?: number
}

/**
 * Routes are computed once per shard and reused by every request for this long, or until a
 * heartbeat or a configuration changes what they depend on (liveness moves in seconds).
 */
const routeTtlMs = 100

export class Membership {
  private current: ClusterConfig | null
  private readonly detector: FailureDetector
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private readonly changes: ConfigChanges
  private installing: Promise<void> = Promise.resolve()
  private pulling = false
  private readonly pushing = new Set<string>()
  private readonly heartbeatMs: number
  private readonly peerTimeoutMs: number
  private readonly routes = new Map<number, ShardRoute>()
  private routesAt = 0

  constructor(private readonly opts: MembershipOptions) {
    this.current = opts.initial
    this.detector = new FailureDetector(Date.now(), opts.downAfterMs ?? 3000)
    this.heartbeatMs = opts.heartbeatMs ?? 500
    this.peerTimeoutMs = opts.peerTimeoutMs ?? 1000
    this.changes = new ConfigChanges(this, opts.peers, this.peerTimeoutMs)
  }

  get config(): ClusterConfig | null {
    return this.current
  }

  get self(): string {
    return this.opts.self
  }

  start(): void {
    this.timer = setInterval(() => void this.heartbeatRound(), this.heartbeatMs)
    this.timer.unref()
    void this.heartbeatRound()
  }

  /** Stops heartbeats and a newcomer's announcements. */
  stop(): void {
    this.stopped = true
    clearInterval(this.timer)
  }

  state(address: string): NodeState {
    return address === this.opts.self ? 'up' : this.detector.state(address, Date.now())
  }

  isUp(address: string): boolean {
    return this.state(address) === 'up'
  }

  /** The nodes of the configuration this node believes up (API.md section 3). */
  view(): string[] {
    const nodes = this.current?.nodes ?? [this.opts.self]
    return nodes.filter((n) => this.isUp(n))
  }

  peerSummary(address: string): PeerSummary | undefined {
    return this.detector.summary(address)
  }

  /** Live peers of `shard`: the primary first, then the ready ones, then those copying. */
  livePeers(shard: number): readonly string[] {
    return this.route(shard).peers
  }

  /** The live member with the most applied writes, ready members before copying ones. */
  primaryOf(shard: number): string | null {
    return this.route(shard).primary
  }

  route(shard: number): ShardRoute {
    const now = Date.now()
    if (now - this.routesAt >= routeTtlMs) this.forgetRoutes(now)
    let route = this.routes.get(shard)
    if (!route) {
      route = this.computeRoute(shard)
      this.routes.set(shard, route)
    }
    return route
  }

  private forgetRoutes(now = Date.now()): void {
    this.routes.clear()
    this.routesAt = now
  }

  private computeRoute(shard: number): ShardRoute {
    if (!this.current) return noRoute
    return shardRoute(this.current, shard, this.opts.self, (address) => ({
      up: this.isUp(address),
      ready: this.isReady(address),
      applied: this.appliedOf(address),
    }))
  }

  /** False while `address` is still copying its shard (as its last heartbeat said). */
  isReady(address: string): boolean {
    if (address === this.opts.self) return this.opts.localSummary().ready
    return this.detector.summary(address)?.ready ?? true
  }

  private appliedOf(address: string): number {
    if (address === this.opts.self) return this.opts.localSummary().applied
    return this.detector.summary(address)?.applied ?? 0
  }

  summary(): PeerSummary {
    return {address: this.opts.self, configEpoch: this.current?.configEpoch ?? 0, ...this.opts.localSummary()}
  }

  // ---- heartbeats -------------------------------------------------------------------

  /**
   * A peer's heartbeat arrived: record it, and answer with our own summary. Only nodes of
   * the configuration (or, before one is known, of VIEW) are heard: a heartbeat makes this
   * node pull configurations and ops from its sender. CONFLICT for any other sender.
   */
  receiveHeartbeat(peer: PeerSummary): PeerSummary {
    const known = this.current ? this.current.nodes : this.opts.seeds
    if (peer.address === this.opts.self || !known.includes(peer.address)) {
      throw new KvsError('CONFLICT', `${peer.address} is not a node of this cluster`, {address: peer.address})
    }
    this.observe(peer)
    return this.summary()
  }

  private async heartbeatRound(): Promise<void> {
    const targets = sortAddresses([...(this.current?.nodes ?? []), ...(this.current ? [] : this.opts.seeds)]).filter(
      (n) => n !== this.opts.self,
    )
    const summary = this.summary()
    await Promise.all(
      targets.map(async (peer) => {
        try {
          this.observe(await this.opts.peers.heartbeat(peer, summary, this.peerTimeoutMs))
        } catch {
          // Silence is what the failure detector measures; nothing else to do.
        }
      }),
    )
  }

  private observe(peer: PeerSummary): void {
    const wasUp = this.isUp(peer.address)
    this.detector.heardFrom(peer, Date.now())
    this.forgetRoutes()
    if (!wasUp) this.opts.log.info({peer: peer.address}, 'peer is up')
    const mine = this.current?.configEpoch ?? 0
    if (peer.configEpoch > mine) void this.pullConfig(peer.address)
    else if (peer.configEpoch < mine && this.current?.nodes.includes(peer.address)) void this.pushConfig(peer.address)
    else if (this.current && peer.shard !== null && peer.shard === shardOfNode(this.current, this.opts.self)) {
      this.opts.onPeerAhead(peer)
    }
  }

  private async pullConfig(peer: string): Promise<void> {
    if (this.pulling) return
    this.pulling = true
    try {
      await this.install(await this.opts.peers.config(peer, this.peerTimeoutMs))
    } catch (error) {
      this.opts.log.warn({peer, err: String(error)}, 'could not pull the configuration')
    } finally {
      this.pulling = false
    }
  }

  private async pushConfig(peer: string): Promise<void> {
    if (this.pushing.has(peer)) return
    this.pushing.add(peer)
    try {
      await this.changes.sendCommit(peer, this.current as ClusterConfig)
    } catch {
      // It will ask again: every heartbeat it sends carries its configuration epoch.
    } finally {
      this.pushing.delete(peer)
    }
  }

  // ---- configuration changes -------------------------------------------------------

  /**
   * Installs `next` if it is newer than what is in force. Installs are serialized, so a
   * slow install (copying a shard) finishes before the next one starts.
   */
  install(next: ClusterConfig): Promise<void> {
    const run = this.installing.then(async () => {
      const previous = this.current
      if (previous && next.configEpoch <= previous.configEpoch) return
      await this.opts.onInstall(next, previous)
      this.current = next
      this.forgetRoutes()
      this.opts.log.info({configEpoch: next.configEpoch, layoutEpoch: next.layoutEpoch, shards: next.shards}, 'configuration installed')
      await this.opts.persist?.(next)
    })
    this.installing = run.catch(() => undefined)
    return run
  }

  /** A peer proposes `config`: see ConfigChanges.receivePropose. */
  receivePropose(config: ClusterConfig): {accepted: boolean; configEpoch: number} {
    return this.changes.receivePropose(config)
  }

  /** A peer commits `config`: see ConfigChanges.receiveCommit. */
  receiveCommit(config: ClusterConfig): Promise<void> {
    return this.changes.receiveCommit(config)
  }

  /** Makes one configuration change through this node: see ConfigChanges.change. */
  change(plan: (config: ClusterConfig) => ClusterConfig, beforeCommit?: (next: ClusterConfig) => Promise<void>): Promise<ClusterConfig> {
    return this.changes.change(plan, beforeCommit)
  }

  /** Asks live peers for a configuration of layout epoch >= `epoch`; true once one is installed. */
  async awaitLayoutEpoch(epoch: number, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs
    for (const peer of this.view().filter((n) => n !== this.opts.self)) void this.pullConfig(peer)
    while ((this.current?.layoutEpoch ?? 0) < epoch) {
      if (Date.now() >= until) return false
      await new Promise((r) => setTimeout(r, 50))
    }
    return true
  }

  // ---- joining ---------------------------------------------------------------------

  /**
   * A fresh node announces itself to every other address of its VIEW until each answered
   * 201 (added) or 404 (already there). Runs in the background; stops with `stop()`.
   */
  announce(): void {
    const pending = new Set(this.opts.seeds.filter((s) => s !== this.opts.self))
    const attempt = async (): Promise<void> => {
      for (const peer of [...pending]) {
        try {
          const res = await this.opts.transport.request(peer, {
            method: 'PUT',
            path: '/key-value-store-view',
            body: JSON.stringify({'socket-address': this.opts.self}),
            timeoutMs: this.peerTimeoutMs * 3,
          })
          if (res.status === 201 || res.status === 404) pending.delete(peer)
        } catch {
          // Not up yet: peers may start in any order.
        }
      }
      if (pending.size > 0 && !this.stopped) setTimeout(() => void attempt(), this.heartbeatMs).unref()
    }
    void attempt()
  }
}

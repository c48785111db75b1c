/**
 * Membership: the configuration in force, who is alive, who is primary, and the protocol
 * that changes the configuration (propose to every node, commit once a majority of the old
 * configuration accepted). Owns the heartbeat timer; everything it decides comes from the
 * pure functions in cluster-config.ts and failure-detector.ts.
 */
import {KvsError} from '../errors.js'
import {compareAddresses, sortAddresses} from '../placement/placement.js'
import type {PeerClient} from '../protocol/peer-client.js'
import type {Transport} from '../transport/transport.js'
import {configFingerprint, membersOf, shardOfNode, type ClusterConfig} from './cluster-config.js'
import {choosePrimary, FailureDetector, type NodeState, type PeerSummary} from './failure-detector.js'

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
  localSummary(): Omit<PeerSummary, 'address' | 'epoch'>
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

/** Where requests for one shard go, as this node sees it now. */
export interface ShardRoute {
  /** Live members: the primary first, then the other ready ones, then those still copying. */
  readonly members: readonly string[]
  /** The members other than this node, in the same order. */
  readonly peers: readonly string[]
  /** The peers not still copying their data. */
  readonly readyPeers: readonly string[]
  readonly primary: string | null
}

/**
 * Routes are computed once per shard and reused by every request for this long, or until a
 * heartbeat or a configuration changes what they depend on (liveness moves in seconds).
 */
const routeTtlMs = 100

/** How long an accepted proposal blocks others for the same epoch if its commit never comes. */
const promiseTtlMs = 10_000

export class Membership {
  private current: ClusterConfig | null
  private readonly detector: FailureDetector
  private timer: NodeJS.Timeout | undefined
  private promised: {epoch: number; fingerprint: string; at: number} | null = null
  private changing: Promise<unknown> = Promise.resolve()
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

  stop(): void {
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
    if (!this.current) return {members: [], peers: [], readyPeers: [], primary: null}
    const live = membersOf(this.current, shard).filter((m) => this.isUp(m))
    const ready = live.filter((m) => this.isReady(m))
    const primary = choosePrimary((ready.length > 0 ? ready : live).map((address) => ({address, applied: this.appliedOf(address)})))
    const rank = (m: string) => (m === primary ? 0 : ready.includes(m) ? 1 : 2)
    const members = live.sort((a, b) => rank(a) - rank(b) || compareAddresses(a, b))
    const peers = members.filter((m) => m !== this.opts.self)
    return {members, peers, readyPeers: peers.filter((m) => ready.includes(m)), primary}
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
    return {address: this.opts.self, epoch: this.current?.epoch ?? 0, ...this.opts.localSummary()}
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
    const mine = this.current?.epoch ?? 0
    if (peer.epoch > mine) void this.pullConfig(peer.address)
    else if (peer.epoch < mine && this.current?.nodes.includes(peer.address)) void this.pushConfig(peer.address)
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
      await this.sendCommit(peer, this.current as ClusterConfig)
    } catch {
      // It will ask again: every heartbeat it sends carries its epoch.
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
      if (previous && next.epoch <= previous.epoch) return
      await this.opts.onInstall(next, previous)
      this.current = next
      this.forgetRoutes()
      this.opts.log.info({epoch: next.epoch, layoutEpoch: next.layoutEpoch, shards: next.shards}, 'configuration installed')
      await this.opts.persist?.(next)
    })
    this.installing = run.catch(() => undefined)
    return run
  }

  /**
   * A peer proposes `config`: accept unless it is not the next epoch (or, with a layout
   * change, the next layout) after the configuration in force, or another proposal holds
   * its epoch. A node without a configuration (a newcomer) accepts any.
   */
  receivePropose(config: ClusterConfig): {accepted: boolean; epoch: number} {
    const mine = this.current?.epoch ?? 0
    if (config.epoch <= mine) return {accepted: false, epoch: mine}
    if (this.current && (config.epoch !== mine + 1 || config.layoutEpoch - this.current.layoutEpoch > 1 || config.layoutEpoch < this.current.layoutEpoch)) {
      return {accepted: false, epoch: mine}
    }
    const fingerprint = configFingerprint(config)
    const held = this.promised
    if (held && held.epoch === config.epoch && held.fingerprint !== fingerprint && Date.now() - held.at < promiseTtlMs) {
      return {accepted: false, epoch: mine}
    }
    this.promised = {epoch: config.epoch, fingerprint, at: Date.now()}
    return {accepted: true, epoch: mine}
  }

  /**
   * A peer commits `config`: installed only when this node accepted that very proposal
   * (a commit repeated after its install changes nothing). CONFLICT otherwise, and nothing
   * changes: a node that missed the vote learns the configuration from heartbeats.
   */
  async receiveCommit(config: ClusterConfig): Promise<void> {
    const held = this.promised
    if (held && held.epoch === config.epoch && held.fingerprint === configFingerprint(config)) return this.install(config)
    if (this.current && configFingerprint(this.current) === configFingerprint(config)) return
    throw new KvsError('CONFLICT', 'This node did not accept that configuration', {epoch: config.epoch})
  }

  /**
   * Coordinates one change: `plan` computes the next configuration from the one in force
   * (throwing leaves everything unchanged), every node is asked to accept it, and it is
   * committed once a majority of the current configuration's nodes accepted. Changes made
   * through this node run one at a time. `beforeCommit` runs after acceptance (reshard uses
   * it to move data); if it throws, nothing is committed.
   */
  change(
    plan: (config: ClusterConfig) => ClusterConfig,
    beforeCommit?: (next: ClusterConfig) => Promise<void>,
  ): Promise<ClusterConfig> {
    const run = this.changing.then(async () => {
      const config = this.current
      if (!config) throw new KvsError('UNAVAILABLE', 'This node has not learned the cluster configuration yet')
      const next = plan(config)
      const everyone = sortAddresses([...config.nodes, ...next.nodes])
      const voters = config.nodes
      const local = this.receivePropose(next)
      if (!local.accepted) throw new KvsError('CONFLICT', 'Another configuration change is in progress', {epoch: config.epoch})
      const votes = await Promise.all(
        everyone
          .filter((n) => n !== this.opts.self)
          .map(async (peer) => {
            try {
              return {peer, accepted: await this.opts.peers.propose(peer, next, this.peerTimeoutMs * 2)}
            } catch {
              return {peer, accepted: false}
            }
          }),
      )
      const yes = 1 + votes.filter((v) => v.accepted && voters.includes(v.peer)).length
      const needed = Math.floor(voters.length / 2) + 1
      if (yes < needed) {
        this.promised = null
        throw new KvsError('UNAVAILABLE', 'A majority of the cluster did not accept the change', {need: needed, accepted: yes})
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
      await Promise.all([
        this.install(next),
        ...everyone.filter((n) => n !== this.opts.self).map((peer) => this.sendCommit(peer, next).catch(() => undefined)),
      ])
      return next
    })
    this.changing = run.catch(() => undefined)
    return run
  }

  private async sendCommit(peer: string, config: ClusterConfig): Promise<void> {
    // A new member copies its shard before it acknowledges.
    await this.opts.peers.commit(peer, config, 30_000)
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
      if (pending.size > 0 && this.timer) setTimeout(() => void attempt(), this.heartbeatMs).unref()
    }
    void attempt()
  }
}

/**
 * A node's part in a reshard (DESIGN.md section 6), while its replica keeps serving the
 * old layout:
 * - as a receiver, it builds its replica of the new layout aside: for each old shard, a
 *   snapshot of the keys that will be its own, then rounds of the changes made since
 *   (from its own replica when it is a member of that shard, else from a member over the
 *   network), until the coordinator holds writes and asks for the final changes;
 * - as a source (reshard-source.ts), it pages out snapshots and changes of its replica;
 * - at the cutover it holds writes until the new layout is installed or the reshard aborts.
 *
 * The new replica is taken by the replicator when the new layout is installed (take()),
 * so the commit swaps it in at once, whatever the number of keys. Nothing of the old
 * replica is dropped before that. A pending reshard whose coordinator goes silent is
 * resolved here: installed if a peer has the new layout, else aborted.
 */
import {covers, mergeClocks, type VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import {shardOfNode, type ClusterConfig} from '../membership/cluster-config.js'
import {
  feedsOf,
  isNextLayout,
  pendingDecision,
  type CopyReport,
  type Feed,
  type ParticipantPhase,
  type ReshardPlan,
} from '../membership/reshard-plan.js'
import type {PeerClient} from '../protocol/peer-client.js'
import type {CopyPage} from './copy-page.js'
import type {ChangesCursor} from './recent-ops.js'
import {copyPageKeys, ReshardSource, type ChangesAnswer, type ChangesRequest, type SnapshotPage, type SnapshotRequest} from './reshard-source.js'
import {ShardState} from './shard-state.js'

/** What the participant needs of the node's replica (implemented by the Replicator). */
export interface ReplicaAccess {
  /** The replica of `shard` at `layoutEpoch`, or a CONFLICT when this node holds another. */
  stateOf(shard: number, layoutEpoch: number): ShardState
  /** Resolves once the replica of `shard` covers `need` (it pulls from its peers), else UNAVAILABLE. */
  awaitClock(shard: number, layoutEpoch: number, need: VectorClock): Promise<void>
  observeTimestamp(ts: number): void
  /** Holds new writes; resolves once the writes in flight are done, with the replica's shard and clock. */
  holdWrites(): Promise<{shard: number | null; clock: VectorClock}>
  releaseWrites(): void
}

/** What the participant needs of the cluster (implemented by Membership). */
export interface ReshardClusterView {
  readonly self: string
  readonly config: ClusterConfig | null
  /** Live members of `shard`, primary first. */
  route(shard: number): {readonly members: readonly string[]}
  /** Asks peers for a configuration of layout epoch >= `epoch`; true once one is installed. */
  awaitLayoutEpoch(epoch: number, timeoutMs: number): Promise<boolean>
}

export interface ParticipantOptions {
  cluster: ReshardClusterView
  replica: ReplicaAccess
  peers: PeerClient
  log: {info(o: object | string, msg?: string): void; warn(o: object | string, msg?: string): void}
  peerTimeoutMs?: number
}

/** Pause between rounds of changes once a feed keeps up. */
const roundIdleMs = 50
/** Silence of the coordinator after which a copy, or held writes, are resolved alone (README). */
const silenceLimits = {copySilenceMs: 15_000, holdSilenceMs: 3_000}

interface FeedState {
  readonly feed: Feed
  covered: VectorClock | null
  /** Where the last round of changes stopped at the source, valid with `covered`. */
  cursor: ChangesCursor | undefined
  copied: number
  total: number
  lastDelta: number
  rounds: number
  failures: number
}

interface Pending {
  readonly plan: ReshardPlan
  readonly target: number | null
  readonly state: ShardState | null
  readonly feeds: FeedState[]
  phase: ParticipantPhase
  lastContact: number
  stopped: boolean
  error: string | null
}

export class ReshardParticipant {
  private pending: Pending | null = null
  private timer: NodeJS.Timeout | undefined
  /** The page this node is copying now (see callSource). */
  private pageTurn: Promise<void> = Promise.resolve()
  private readonly peerTimeoutMs: number
  /** This node as a source of the copies: what receivers page through. */
  readonly source: ReshardSource

  constructor(private readonly opts: ParticipantOptions) {
    this.peerTimeoutMs = opts.peerTimeoutMs ?? 5000
    this.source = new ReshardSource(opts.replica)
  }

  private get self(): string {
    return this.opts.cluster.self
  }

  // ---- receiver ------------------------------------------------------------------------

  /**
   * Starts copying toward `next`, the layout after the configuration in force. Answers at
   * once; the copy runs in the background and report() tells how far it got. A second start
   * of the same plan is a no-op; one for another plan replaces a pending one.
   */
  start(next: ClusterConfig): void {
    const base = this.opts.cluster.config
    if (!base || !isNextLayout(base, next)) {
      throw new KvsError('CONFLICT', 'That reshard does not follow the configuration in force here', {configEpoch: base?.configEpoch ?? 0})
    }
    if (this.pending?.plan.next.configEpoch === next.configEpoch && this.pending.plan.next.shardCount === next.shardCount) {
      this.pending.lastContact = Date.now()
      return
    }
    this.abort()
    const plan: ReshardPlan = {base, next}
    const target = shardOfNode(next, this.self)
    const feeds = feedsOf(plan, this.self, (shard) => this.opts.cluster.route(shard).members).map(
      (feed): FeedState => ({feed, covered: null, cursor: undefined, copied: 0, total: 0, lastDelta: 0, rounds: 0, failures: 0}),
    )
    const pending: Pending = {
      plan,
      target,
      state: target === null ? null : new ShardState(target, next.layoutEpoch),
      feeds,
      phase: 'copying',
      lastContact: Date.now(),
      stopped: false,
      error: null,
    }
    this.pending = pending
    // Each feed's loop ends by itself once the reshard is held, taken or aborted.
    for (const f of feeds) void this.runFeed(pending, f)
    this.armTimer()
    this.opts.log.info({configEpoch: next.configEpoch, shardCount: next.shardCount, target}, 'reshard: copying toward the new layout')
  }

  /** How far the copy got (the coordinator polls this; it also proves the coordinator alive). */
  report(configEpoch: number): CopyReport {
    const p = this.requirePending(configEpoch)
    p.lastContact = Date.now()
    return this.reportOf(p)
  }

  /** The pending copy for the operator status, without counting as the coordinator's contact. */
  get status(): (CopyReport & {epoch: number}) | null {
    const p = this.pending
    // `epoch` is the configuration epoch the reshard leads to, as /admin/status names it.
    return p ? {...this.reportOf(p), epoch: p.plan.next.configEpoch} : null
  }

  private reportOf(p: Pending): CopyReport {
    let copied = 0
    let total = 0
    let lastDelta = 0
    for (const f of p.feeds) {
      copied += f.copied
      total += Math.max(f.total, f.copied)
      lastDelta += f.lastDelta
    }
    const streaming = p.feeds.every((f) => f.covered !== null && f.rounds > 0)
    return {node: this.self, phase: p.phase, copied, total, lastDelta, streaming, error: p.error}
  }

  /** Holds writes for the cutover; answers with the old replica's shard and clock once writes in flight are done. */
  async hold(configEpoch: number): Promise<{shard: number | null; clock: VectorClock}> {
    const p = this.requirePending(configEpoch)
    p.lastContact = Date.now()
    p.phase = 'holding'
    return this.opts.replica.holdWrites()
  }

  /**
   * Brings the new replica up to `need` (old shard -> clock): the final changes of every
   * feed, from sources that first cover `need` themselves. After this the pending replica
   * holds every write acknowledged in the old layout for its keys.
   */
  async finish(configEpoch: number, need: Readonly<Record<string, VectorClock>>): Promise<void> {
    const p = this.requirePending(configEpoch)
    p.lastContact = Date.now()
    if (p.phase === 'finished') return
    if (p.phase !== 'holding') throw new KvsError('CONFLICT', 'Writes are not held for this reshard here')
    await Promise.all(
      p.feeds.map(async (f) => {
        const wanted = need[String(f.feed.source)] ?? {}
        if (!f.covered) await this.copySnapshot(p, f)
        let first = true
        for (;;) {
          const got = await this.pullChanges(p, f, first ? wanted : undefined)
          first = false
          if (!got.more) break
        }
      }),
    )
    if (this.pending !== p) throw new KvsError('CONFLICT', 'The reshard was aborted here')
    p.phase = 'finished'
  }

  /**
   * The new replica for `next`, when this node finished copying toward it; then the pending
   * reshard is over. Null when this node holds no shard in `next`; undefined when it has no
   * finished copy for `next` (it copies from its new shard's peers instead).
   */
  take(next: ClusterConfig): ShardState | null | undefined {
    const p = this.pending
    if (!p) return undefined
    this.pending = null
    p.stopped = true
    this.disarmTimer()
    if (p.plan.next.configEpoch !== next.configEpoch || p.phase !== 'finished') {
      this.opts.log.warn({configEpoch: p.plan.next.configEpoch, installing: next.configEpoch, phase: p.phase}, 'reshard: pending copy dropped')
      return undefined
    }
    return p.state
  }

  /** Drops a pending reshard (of `configEpoch`, or any) and gives writes back to the old layout. */
  abort(configEpoch?: number): boolean {
    const p = this.pending
    if (!p || (configEpoch !== undefined && p.plan.next.configEpoch !== configEpoch)) return false
    this.pending = null
    p.stopped = true
    this.disarmTimer()
    if (p.phase !== 'copying') this.opts.replica.releaseWrites()
    this.opts.log.warn({configEpoch: p.plan.next.configEpoch}, 'reshard aborted here; the old layout stays in force')
    return true
  }

  private requirePending(configEpoch: number): Pending {
    const p = this.pending
    if (!p || p.plan.next.configEpoch !== configEpoch) throw new KvsError('CONFLICT', 'No such reshard is pending here', {configEpoch})
    return p
  }

  private async runFeed(p: Pending, f: FeedState): Promise<void> {
    while (!p.stopped && p.phase === 'copying') {
      try {
        if (!f.covered) await this.copySnapshot(p, f)
        const got = await this.pullChanges(p, f)
        f.failures = 0
        if (!got.more) await sleep(roundIdleMs)
      } catch (error) {
        if (p.stopped) return
        f.failures++
        this.opts.log.warn({source: f.feed.source, err: String(error)}, 'reshard: copy round failed; retrying')
        if (f.failures >= 20) p.error = `copy of shard ${f.feed.source} failed: ${String(error)}`
        await sleep(Math.min(1000, 100 * f.failures))
      }
    }
  }

  private async copySnapshot(p: Pending, f: FeedState): Promise<void> {
    const from = this.sourceOf(f)
    let id: string | undefined
    let offset = 0
    f.copied = 0
    for (;;) {
      const page = await this.snapshotFrom(from, {
        shard: f.feed.source,
        layoutEpoch: p.plan.base.layoutEpoch,
        shardCount: p.plan.next.shardCount,
        target: p.target as number,
        id,
        offset,
        limit: copyPageKeys,
      })
      if (p.stopped) return
      id = page.id
      f.total = page.total
      this.install(p, page.page)
      f.copied += page.page.keys.length
      offset += page.page.keys.length
      if (page.done) {
        f.covered = f.covered ? mergeClocks(f.covered, page.clock) : page.clock
        f.cursor = undefined
        return
      }
    }
  }

  private async pullChanges(p: Pending, f: FeedState, need?: VectorClock): Promise<{more: boolean}> {
    const since = f.covered as VectorClock
    const answer = await this.changesFrom(this.sourceOf(f), {
      shard: f.feed.source,
      layoutEpoch: p.plan.base.layoutEpoch,
      shardCount: p.plan.next.shardCount,
      target: p.target as number,
      since,
      ...(need ? {need} : {}),
      ...(f.cursor ? {cursor: f.cursor} : {}),
      limit: copyPageKeys,
    })
    if (p.stopped) return {more: false}
    if ('restart' in answer) {
      // The source no longer keeps the ops since our clock: copy its snapshot again
      // (merging is idempotent), then go on from its clock.
      f.covered = null
      f.cursor = undefined
      await this.copySnapshot(p, f)
      return {more: true}
    }
    this.install(p, answer.page)
    const n = answer.page.keys.length
    f.copied += n
    f.total += n
    f.lastDelta = n
    f.rounds++
    // The cursor stands for the answer's clock exactly; a merge with anything newer voids it.
    const merged = mergeClocks(f.covered ?? {}, answer.clock)
    f.cursor = covers(answer.clock, merged) ? answer.cursor : undefined
    f.covered = merged
    return {more: answer.more}
  }

  /** Installs copied keys as moved versions (see ShardState.mergeMoved). */
  private install(p: Pending, page: CopyPage): void {
    if (!p.state || page.keys.length === 0) return
    // New writes must order after every copied one (last-writer-wins on the timestamp).
    this.opts.replica.observeTimestamp(p.state.mergeMoved(page))
  }

  /** This node when it replicates the feed's shard; else a member, another one after each failure. */
  private sourceOf(f: FeedState): string {
    const from = f.feed.from
    if (from.length === 0) throw new KvsError('UNAVAILABLE', `no live member of shard ${f.feed.source} to copy from`)
    return from[f.failures % from.length]
  }

  /**
   * One page at a time per node, whatever the number of feeds: the copy shares the CPU with
   * the requests the old layout serves (with feeds in parallel, requests waited up to 850 ms
   * during a 200,000-key reshard on 2 cores; one page at a time of 2,000 keys: 247 ms).
   */
  private inTurn<T>(page: () => Promise<T>): Promise<T> {
    const call = this.pageTurn.then(page)
    this.pageTurn = call.then(nothing, nothing)
    return call
  }

  /**
   * A page of this node's own replica needs no I/O: without a yield, the local copy ran
   * page after page in microtasks and held every request (up to 2 s at 1,000,000 keys).
   */
  private snapshotFrom(peer: string, req: SnapshotRequest): Promise<SnapshotPage> {
    return this.inTurn(async () => {
      if (peer !== this.self) return this.opts.peers.reshardSnapshot(peer, req, this.peerTimeoutMs)
      await yieldTurn()
      return this.source.snapshotPage(req)
    })
  }

  private changesFrom(peer: string, req: ChangesRequest): Promise<ChangesAnswer> {
    return this.inTurn(async () => {
      if (peer !== this.self) return this.opts.peers.reshardChanges(peer, req, this.peerTimeoutMs)
      await yieldTurn()
      return this.source.changes(req)
    })
  }

  // ---- a silent coordinator ------------------------------------------------------------

  private armTimer(): void {
    this.disarmTimer()
    this.timer = setInterval(() => void this.checkSilence(), 1000).unref()
  }

  private disarmTimer(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private async checkSilence(): Promise<void> {
    const p = this.pending
    if (!p) return this.disarmTimer()
    if (pendingDecision(p, Date.now(), silenceLimits) === 'keep') return
    p.lastContact = Date.now()
    // The coordinator may have committed and died before telling us: a peer then has the
    // new layout, and installing it takes the pending copy. Else the old layout stays.
    const installed = await this.opts.cluster.awaitLayoutEpoch(p.plan.next.layoutEpoch, 2000)
    if (!installed && this.pending === p) {
      this.opts.log.warn({configEpoch: p.plan.next.configEpoch}, 'reshard coordinator went silent; aborting the reshard here')
      this.abort(p.plan.next.configEpoch)
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const nothing = (): void => {}
const yieldTurn = () => new Promise((resolve) => setImmediate(resolve))

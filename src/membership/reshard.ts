/**
 * The reshard coordinator (DESIGN.md section 6), run by the node that received the
 * request. Every live node copies toward the new layout while the old one serves
 * (reshard-participant.ts); once every copy keeps up with the writes, the cutover holds
 * writes everywhere, brings every copy up to what the old shards applied, and commits the
 * new configuration on a majority. Any failure, an operator's abort or the time limit
 * aborts on every node: the old layout stays in force and nothing is dropped.
 */
import type {VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import type {PeerClient} from '../protocol/peer-client.js'
import type {ClusterConfig} from './cluster-config.js'
import type {Membership} from './membership.js'
import {
  assertBaseInForce,
  copyVerdict,
  coverageNeeded,
  planReshard,
  progressFigures,
  type CopyReport,
  type ReshardPhase,
  type ReshardPlan,
  type ReshardProgress,
} from './reshard-plan.js'

/**
 * A participant's part, as this node's own (ReshardParticipant) or a peer's over the
 * protocol: so each may answer at once or later, and `finish` may be given a deadline.
 */
export interface LocalParticipant {
  start(next: ClusterConfig): void | Promise<void>
  report(configEpoch: number): CopyReport | Promise<CopyReport>
  hold(configEpoch: number): Promise<{shard: number | null; clock: VectorClock}>
  finish(configEpoch: number, need: Readonly<Record<string, VectorClock>>, timeoutMs?: number): Promise<void>
  /** Aborts the pending reshard of `configEpoch`, and no other. */
  abort(configEpoch: number): boolean | Promise<boolean>
}

export interface ReshardLimits {
  /** The whole copy must be caught up by then (the time limit of an operator's reshard). */
  copyTimeoutMs: number
  /** Longest the cutover (hold, final changes) may take before it aborts. */
  cutoverTimeoutMs: number
  pollMs: number
  peerTimeoutMs: number
}

const defaultLimits: ReshardLimits = {copyTimeoutMs: 600_000, cutoverTimeoutMs: 5_000, pollMs: 100, peerTimeoutMs: 5_000}

export class ReshardCoordinator {
  private running: {plan: ReshardPlan; aborted: string | null} | null = null
  private last: ReshardProgress | null = null
  private readonly limits: ReshardLimits

  constructor(
    private readonly membership: Membership,
    private readonly peers: PeerClient,
    private readonly local: LocalParticipant,
    private readonly log: {info(o: object, msg?: string): void},
    limits: Partial<ReshardLimits> = {},
  ) {
    this.limits = {...defaultLimits, ...limits}
  }

  /** The reshard this node runs or ran last, as operators see it. */
  get progress(): ReshardProgress | null {
    return this.last
  }

  /**
   * Reshards to `shardCount` shards and resolves with the committed configuration. Throws
   * BAD_REQUEST when the live nodes cannot hold it, CONFLICT when another change or
   * reshard is under way, and aborts everywhere on any failure.
   */
  async run(shardCount: number): Promise<ClusterConfig> {
    const base = this.membership.config
    if (!base) throw new KvsError('UNAVAILABLE', 'This node has not learned the cluster configuration yet')
    if (this.running) throw new KvsError('CONFLICT', 'A reshard is already under way', {configEpoch: this.running.plan.next.configEpoch})
    const plan = planReshard(base, this.membership.view(), shardCount)
    const run = {plan, aborted: null as string | null}
    this.running = run
    const nodes = plan.next.nodes.filter((n) => this.membership.isUp(n))
    const startedAt = Date.now()
    this.publish(plan, 'copying', 0, 0, startedAt)
    try {
      await Promise.all(nodes.map(async (n) => this.at(n).start(plan.next)))
      await this.awaitCopies(run, nodes, startedAt)
      const pause = await this.cutover(run, nodes)
      const moved = this.last?.moved ?? 0
      this.publish(plan, 'done', moved, moved, startedAt, pause)
      this.log.info({configEpoch: plan.next.configEpoch, keys: moved, ms: Date.now() - startedAt, pauseMs: pause}, 'reshard committed')
      return plan.next
    } catch (error) {
      await Promise.all(nodes.map(async (n) => this.at(n).abort(plan.next.configEpoch)).map((p) => p.catch(() => false)))
      this.publish(plan, 'aborted', this.last?.moved ?? 0, this.last?.total ?? 0, startedAt, null, String((error as Error).message))
      throw error
    } finally {
      this.running = null
    }
  }

  /**
   * Aborts the reshard this node runs, or else a pending one on every node (one whose
   * coordinator died). True when there was something to abort.
   */
  async abort(): Promise<boolean> {
    if (this.running) {
      this.running.aborted = 'aborted by the operator'
      return true
    }
    // A pending reshard follows the configuration in force: it is of the next configuration epoch.
    const configEpoch = (this.membership.config?.configEpoch ?? 0) + 1
    const answers = await Promise.all(this.membership.view().map(async (n) => this.at(n).abort(configEpoch)).map((p) => p.catch(() => false)))
    return answers.some(Boolean)
  }

  private async awaitCopies(run: {plan: ReshardPlan; aborted: string | null}, nodes: readonly string[], startedAt: number): Promise<void> {
    const configEpoch = run.plan.next.configEpoch
    for (;;) {
      if (run.aborted) throw new KvsError('CONFLICT', `Reshard ${run.aborted}`)
      if (Date.now() - startedAt > this.limits.copyTimeoutMs) throw new KvsError('UNAVAILABLE', 'The reshard did not finish copying in time; it was aborted')
      assertBaseInForce(run.plan, this.membership.config)
      const reports = await Promise.all(nodes.map(async (n) => this.at(n).report(configEpoch)))
      const moved = reports.reduce((sum, r) => sum + r.copied, 0)
      const total = reports.reduce((sum, r) => sum + r.total, 0)
      this.publish(run.plan, 'copying', moved, total, startedAt)
      const {verdict, why} = copyVerdict(reports)
      if (verdict === 'fail') throw new KvsError('UNAVAILABLE', `The reshard's copy failed (${why}); it was aborted`)
      if (verdict === 'cutover') return
      await new Promise((resolve) => setTimeout(resolve, this.limits.pollMs))
    }
  }

  /** Holds writes, ships the last changes, commits; resolves with how long writes were held (ms). */
  private async cutover(run: {plan: ReshardPlan; aborted: string | null}, nodes: readonly string[]): Promise<number> {
    const {plan} = run
    const configEpoch = plan.next.configEpoch
    this.publish(plan, 'cutover', this.last?.moved ?? 0, this.last?.total ?? 0, this.last?.startedAt ?? Date.now())
    const steps = {holdMs: 0, finishMs: 0, commitMs: 0}
    let heldAt = 0
    await this.membership.change(
      (config) => {
        assertBaseInForce(plan, config)
        return plan.next
      },
      async () => {
        heldAt = Date.now()
        const deadline = heldAt + this.limits.cutoverTimeoutMs
        const holds = await Promise.all(nodes.map((n) => this.at(n).hold(configEpoch)))
        steps.holdMs = Date.now() - heldAt
        const need = coverageNeeded(holds)
        await Promise.all(nodes.map((n) => this.at(n).finish(configEpoch, need, Math.max(1, deadline - Date.now()))))
        steps.finishMs = Date.now() - heldAt - steps.holdMs
        if (run.aborted) throw new KvsError('CONFLICT', `Reshard ${run.aborted}`)
        if (Date.now() > deadline) throw new KvsError('UNAVAILABLE', 'The reshard cutover took too long; it was aborted')
      },
    )
    const pause = Date.now() - heldAt
    steps.commitMs = pause - steps.holdMs - steps.finishMs
    this.log.info({configEpoch, ...steps}, 'reshard cutover: writes held until every node installed the new layout')
    return pause
  }

  private publish(plan: ReshardPlan, phase: ReshardPhase, moved: number, total: number, startedAt: number, pauseMs: number | null = null, error?: string): void {
    const figures = progressFigures(moved, total, startedAt, Date.now())
    this.last = {epoch: plan.next.configEpoch, phase, moved, total, ...figures, pauseMs, startedAt, ...(error ? {error} : {})}
  }

  /** One participant: this node's own part directly, the others over the peer protocol. */
  private at(node: string): LocalParticipant {
    if (node === this.membership.self) return this.local
    const {peers} = this
    const timeoutMs = this.limits.peerTimeoutMs
    return {
      start: (next) => peers.reshardStart(node, next, timeoutMs).then(nothing),
      report: (configEpoch) => peers.reshardProgress(node, {configEpoch}, timeoutMs),
      hold: (configEpoch) => peers.reshardHold(node, {configEpoch}, timeoutMs),
      finish: (configEpoch, need, finishMs = timeoutMs) => peers.reshardFinish(node, {configEpoch, need}, finishMs).then(nothing),
      abort: (configEpoch) => peers.reshardAbort(node, {configEpoch}, timeoutMs).then((a) => a.aborted),
    }
  }
}

const nothing = (): void => {}

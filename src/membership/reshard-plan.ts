/**
 * The reshard's decisions, as pure functions (DESIGN.md section 6): the plan (the next
 * layout, and which old shard feeds which new one), who a node copies from, the coverage
 * the cutover must reach, when the copy is close enough to cut over, the progress figures,
 * and what a node does with a pending reshard whose coordinator went silent.
 */
import {mergeClocks, type VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import type {ShardId} from '../placement/placement.js'
import type {PeerAnswer} from '../protocol/messages.js'
import {membersOf, resharded, shardIds, shardOfNode, type ClusterConfig} from './cluster-config.js'

/** A reshard from the configuration in force (`base`) to `next` (configuration and layout epochs + 1). */
export interface ReshardPlan {
  readonly base: ClusterConfig
  readonly next: ClusterConfig
}

/** The plan for `shardCount` shards over the live nodes; BAD_REQUEST when they cannot hold it. */
export function planReshard(base: ClusterConfig, live: readonly string[], shardCount: number): ReshardPlan {
  return {base, next: resharded(base, live, shardCount)}
}

/** Whether `next` is the reshard of `base` a node may accept: the very next configuration and layout. */
export function isNextLayout(base: ClusterConfig, next: ClusterConfig): boolean {
  return next.configEpoch === base.configEpoch + 1 && next.layoutEpoch === base.layoutEpoch + 1
}

/**
 * Where a node that will hold `target` in the new layout gets the keys of old shard
 * `source`: from its own replica when it is a member of that shard (no copy over the
 * network), else from the other members, in the order given (the caller puts the primary
 * first). Empty when the node holds no shard in the new layout.
 */
export interface Feed {
  readonly source: ShardId
  /** Candidate sources, tried in turn: `self` alone when the node replicates `source`. */
  readonly from: readonly string[]
}

export function feedsOf(plan: ReshardPlan, self: string, membersByRoute: (shard: ShardId) => readonly string[]): Feed[] {
  if (shardOfNode(plan.next, self) === null) return []
  return shardIds(plan.base).map((source) => {
    const members = membersOf(plan.base, source)
    return {source, from: members.includes(self) ? [self] : membersByRoute(source).filter((m) => m !== self)}
  })
}

/**
 * What every new owner must have applied of each old shard before the cutover commits:
 * the pointwise maximum of the clocks its members reported while holding writes. Every
 * write acknowledged in the old layout was applied by its coordinator, a member of its
 * shard, so it is covered.
 */
export function coverageNeeded(holds: ReadonlyArray<{shard: ShardId | null; clock: VectorClock}>): Record<string, VectorClock> {
  const need: Record<string, VectorClock> = {}
  for (const h of holds) {
    if (h.shard === null) continue
    const id = String(h.shard)
    need[id] = need[id] ? mergeClocks(need[id], h.clock) : h.clock
  }
  return need
}

/** A node's copy, as it reports it to the coordinator. */
/**
 * A participant's copy as it reports it: keys installed in the new layout's replica so far
 * (`copied`) and the total known so far; `lastDelta` the keys the last round of changes
 * brought (small once the copy keeps up with writes); `streaming` once every feed has its
 * snapshot and has had at least one round of changes. The schema is the protocol's.
 */
export type CopyReport = PeerAnswer<'reshardProgress'>

export type ParticipantPhase = CopyReport['phase']

/** Changes per round below which a copy counts as caught up (the cutover ships the rest). */
export const smallDeltaKeys = 2_000

/** 'cutover' once every node streams small deltas; 'fail' on any error; else 'wait'. */
export function copyVerdict(reports: readonly CopyReport[]): {verdict: 'wait' | 'cutover' | 'fail'; why?: string} {
  const failed = reports.find((r) => r.error !== null)
  if (failed) return {verdict: 'fail', why: `${failed.node}: ${failed.error}`}
  const ready = reports.every((r) => r.phase === 'copying' && r.streaming && r.lastDelta < smallDeltaKeys)
  return {verdict: ready ? 'cutover' : 'wait'}
}

/** Progress as operators see it (kvs reshard, /admin/status). */
export interface ReshardProgress {
  /** The configuration epoch the reshard leads to (named `epoch` in /admin/status). */
  readonly epoch: number
  readonly phase: ReshardPhase
  readonly moved: number
  readonly total: number
  readonly keysPerSecond: number
  /** Seconds left at the current rate; null while unknown. */
  readonly etaSeconds: number | null
  /** How long writes were held at the cutover (ms), once it happened. */
  readonly pauseMs: number | null
  readonly startedAt: number
  readonly error?: string
}

export type ReshardPhase = 'copying' | 'cutover' | 'done' | 'aborted'

/** The figures of a copy that started at `startedAt` and has moved `moved` of `total` keys by `now`. */
export function progressFigures(moved: number, total: number, startedAt: number, now: number): {keysPerSecond: number; etaSeconds: number | null} {
  const seconds = (now - startedAt) / 1000
  const keysPerSecond = seconds > 0 ? Math.round(moved / seconds) : 0
  const left = Math.max(0, total - moved)
  if (total === 0) return {keysPerSecond, etaSeconds: null}
  return {keysPerSecond, etaSeconds: keysPerSecond > 0 ? Math.ceil(left / keysPerSecond) : null}
}

/**
 * What a node does with its pending reshard at `now`: nothing while the coordinator keeps
 * in touch; once it has been silent too long (it died, or was cut off), 'resolve': ask the
 * peers whether the new layout was committed, install it if so, else abort and give the old
 * layout its writes back. Writes held for a cutover wait a shorter time than a copy.
 */
export function pendingDecision(
  pending: {phase: ParticipantPhase; lastContact: number},
  now: number,
  limits: {copySilenceMs: number; holdSilenceMs: number},
): 'keep' | 'resolve' {
  const silence = now - pending.lastContact
  const limit = pending.phase === 'copying' ? limits.copySilenceMs : limits.holdSilenceMs
  return silence >= limit ? 'resolve' : 'keep'
}

/** Throws CONFLICT unless `config` is still the plan's base (no other change committed meanwhile). */
export function assertBaseInForce(plan: ReshardPlan, config: ClusterConfig | null): void {
  if (!config || config.configEpoch !== plan.base.configEpoch) {
    throw new KvsError('CONFLICT', 'The configuration changed during the reshard; it was aborted', {
      planned: plan.base.configEpoch,
      current: config?.configEpoch ?? 0,
    })
  }
}

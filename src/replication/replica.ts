/**
 * The replica in force on this node, and the one place that changes it: writes this node
 * coordinates and ops from peers are applied here, in causal order, and appended to the op
 * log in the order applied; requests waiting for their causal past are woken after every
 * apply. The replicator swaps whole replicas in (recovery, installs, a reshard's cutover).
 */
import {requiredClock, type CausalMetadata} from '../clock/causal-metadata.js'
import {HybridClock} from '../clock/hybrid-clock.js'
import {covers, type VectorClock} from '../clock/vector-clock.js'
import {KvsError} from '../errors.js'
import {drainDeliverable} from './delivery.js'
import {bytesOf, isGroup, newestTs, type OpGroup, type Update} from './op-group.js'
import type {Op} from './op.js'
import type {ShardState} from './shard-state.js'

/**
 * Bytes of keys and values held in ops waiting for their causal past. Past it they are
 * dropped: none was applied or acknowledged, and the missing past and the dropped ops
 * both come back by catch-up (a pull asks for everything past this replica's clock).
 */
export const maxPendingBytes = 64 * 1024 * 1024

export interface ReplicaLog {
  /** Resolves once `update` is durable; appends resolve in the order they were made. */
  append(update: Update): Promise<number>
  /** Set once the log could not be written (ENOSPC, EIO): every later append fails. */
  readonly failure: Error | null
}

export class Replica {
  private state: ShardState | null = null
  /** Stamps this node's writes; observes every timestamp applied, so it never goes back. */
  readonly hlc = new HybridClock()
  /** Peers' ops and groups not deliverable yet (their causal past has not arrived). */
  private pending: Update[] = []
  /** Bytes of keys and values in `pending` (see maxPendingBytes). */
  private pendingBytes = 0
  /** The newest op log append: appends resolve in order, so it covers every earlier one. */
  private lastAppend: Promise<unknown> = Promise.resolve()
  /** Requests waiting for their causal past, woken by every applied op (and by their timer). */
  private readonly waiters = new Set<() => void>()

  /** `onApplied` runs after every apply (the replicator checks whether compaction is due). */
  constructor(
    private readonly log: ReplicaLog,
    private readonly onApplied: () => void,
    private readonly maxPending = maxPendingBytes,
  ) {}

  get current(): ShardState | null {
    return this.state
  }

  get pendingOps(): number {
    return this.pending.length
  }

  get waiting(): number {
    return this.waiters.size
  }

  /** Resolves once every op applied so far is logged. */
  get logged(): Promise<unknown> {
    return this.lastAppend
  }

  get logFailure(): Error | null {
    return this.log.failure
  }

  /** Fail-stop: once the op log failed, nothing more is applied (it could not be logged). */
  requireWorkingLog(): void {
    const failure = this.log.failure
    if (failure) throw failure
  }

  /** Puts `state` in force; ops pending for the previous one are dropped, waiters re-check. */
  swapIn(state: ShardState | null): void {
    this.state = state
    this.pending = []
    this.pendingBytes = 0
    this.wakeAll()
  }

  /**
   * The replica of `shard` in layout `layoutEpoch`, the layout the request was routed by;
   * else 'moved': a reshard swapped in another layout (shard numbers mean other keys there).
   */
  require(shard: number, layoutEpoch: number): ShardState {
    const s = this.state
    if (!s || s.shard !== shard || s.epoch !== layoutEpoch) {
      throw new KvsError('UNAVAILABLE', 'This node does not hold the shard of that key', {shard, moved: true})
    }
    return s
  }

  /**
   * The replica of `shard` in layout `layoutEpoch` once it covers what `meta` says the client
   * saw of that shard (see awaitCovered); else 'moved' or 503.
   */
  async covered(
    shard: number,
    layoutEpoch: number,
    meta: CausalMetadata | null,
    waitMs: number,
    pull: (s: ShardState) => void,
  ): Promise<ShardState> {
    const s = this.require(shard, layoutEpoch)
    // The client saw a layout this replica has not installed: its shard numbers mean
    // something else here, and a write would lose its own clock to the newer epoch.
    if (meta && meta.epoch > s.epoch) {
      throw new KvsError('UNAVAILABLE', 'This replica has not installed the layout the client has seen', {shard, moved: true})
    }
    await this.awaitCovered(s, requiredClock(meta, shard, s.epoch), waitMs, () => pull(s))
    return this.require(shard, layoutEpoch)
  }

  /** Applies a write this node coordinates to `s` (in force) and logs it; resolves once logged. */
  applyOwn(s: ShardState, op: Op): Promise<unknown> {
    const durable = (this.lastAppend = this.log.append(op))
    s.apply(op)
    this.applied()
    return durable
  }

  /**
   * Logs writes this node coordinates that the caller applied itself (a batch's part, see
   * batch.ts); resolves once logged. Appends settle in order, so `logged` covers it too.
   */
  logOwn(group: OpGroup): Promise<unknown> {
    const durable = (this.lastAppend = this.log.append(group))
    // Awaited through `logged`; a failure fails every later append as well.
    durable.catch(() => undefined)
    return durable
  }

  /**
   * Queues peers' ops and groups and applies every one that became deliverable: how many
   * writes, and when those are logged.
   */
  deliver(updates: readonly Update[]): {applied: number; logged: Promise<unknown>} {
    const s = this.state
    if (!s) return {applied: 0, logged: Promise.resolve()}
    const appends: Promise<number>[] = []
    let applied = 0
    for (const u of updates) {
      this.pending.push(u)
      this.pendingBytes += bytesOf(u)
    }
    this.pending = drainDeliverable(this.pending, s.clock, (u) => {
      if (isGroup(u)) applied += s.applyGroup(u)
      else {
        s.apply(u)
        applied++
      }
      appends.push((this.lastAppend = this.log.append(u)))
      this.hlc.observe(newestTs(u))
      this.applied()
      return s.clock
    })
    if (this.pending.length === 0) this.pendingBytes = 0
    else if (appends.length > 0 || this.pendingBytes > this.maxPending) this.pendingBytes = totalBytes(this.pending)
    if (this.pendingBytes > this.maxPending) {
      this.pending = []
      this.pendingBytes = 0
    }
    return {applied, logged: Promise.all(appends)}
  }

  /** True while any of `updates` still waits for its causal past. */
  isPending(updates: readonly Update[]): boolean {
    return this.pending.some((p) => updates.includes(p))
  }

  /**
   * Waits until `s`, while in force, covers `need`; else 503 after `waitMs`. `pull` is
   * called once when it does not yet, to fetch the missing ops from peers.
   */
  async awaitCovered(s: ShardState, need: VectorClock, waitMs: number, pull: () => void): Promise<void> {
    if (covers(s.clock, need)) return
    const {shard} = s
    const until = Date.now() + waitMs
    pull()
    while (!covers(s.clock, need)) {
      const left = until - Date.now()
      if (left <= 0) throw new KvsError('UNAVAILABLE', 'Unable to satisfy request', {shard, need})
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t)
          this.waiters.delete(wake)
          resolve()
        }
        // Woken by the timer, it leaves too: a replica that applies nothing for long (cut
        // off) would otherwise keep one closure per 100 ms of every request that waited.
        const t = setTimeout(wake, Math.min(left, 100))
        this.waiters.add(wake)
      })
      this.require(shard, s.epoch)
    }
  }

  /** Something was applied outside deliver()/applyOwn() (a peer's whole state was merged). */
  applied(): void {
    this.onApplied()
    this.wakeAll()
  }

  private wakeAll(): void {
    if (this.waiters.size > 0) for (const w of [...this.waiters]) w()
  }
}

function totalBytes(updates: readonly Update[]): number {
  let n = 0
  for (const u of updates) n += bytesOf(u)
  return n
}

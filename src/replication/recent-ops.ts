/**
 * A replica's most recently applied ops, for peers that catch up: at most `capacity` of
 * them and about `maxBytes` of their keys and values (the newest op is kept whatever its
 * size), oldest first, in a ring, one column per field (a ring of objects would put objects
 * in the old generation for as long as they are kept; numbers in plain arrays are unboxed).
 * Bounded by bytes too: 3,000 writes of 1 MiB would otherwise keep 3 GB on every replica.
 *
 * Also keeps `from`, the clock just before the oldest op kept: a peer that has seen less
 * than that needs a state transfer instead. The replica's clock only moves by the ops it
 * applies (or by a state merge, which resets this), so the replica's clock just after it
 * applied the i-th op kept is `from` merged with the (origin, seq) of ops 0..i. That clock
 * is what an op is sent with to a catching-up peer: it covers the op's own clock (the
 * replica applied the op in causal order) and names only ops the peer has or is sent
 * before it, so the peer can apply the ops in the order given, none before its causal past.
 */
import type {CausalMetadata} from '../clock/causal-metadata.js'
import {covers, type VectorClock} from '../clock/vector-clock.js'
import type {ChangesCursorMessage} from '../protocol/messages.js'
import {makeVersion, type Version} from './op.js'

export class RecentOps {
  private keys: string[] = []
  private values: Array<string | null> = []
  private ts: number[] = []
  private origins: string[] = []
  private seqs: number[] = []
  private others: Array<CausalMetadata | null> = []
  private rids: Array<string | undefined> = []
  /** Slot of the oldest op, and how many ops are kept from there on (slots wrap at `capacity`). */
  private start = 0
  private count = 0
  /** Characters of the keys and values kept (see entryBytes). */
  private bytes = 0
  private fromEntries: Record<string, number> = {}
  /** Ops pushed since the last reset, and a name for this run of them (see ChangesCursor). */
  private pushed = 0
  private run = newRunName()
  /** `from` with every op kept folded in: this replica's clock. */
  private latest: Record<string, number> = {}
  /**
   * Every `checkpointEvery` pushes, the clock just after that push. A peer's clock that
   * covers a checkpoint lacks none of the ops before it, so a scan for what it lacks starts
   * at the last such checkpoint instead of at the oldest op kept (a pull answered from a
   * full ring of 100,000 ops scanned them all, measured at several ms per pull).
   */
  private checkpoints: Array<{at: number; clock: Record<string, number>}> = []

  constructor(
    readonly capacity: number,
    private readonly checkpointEvery = 1024,
    readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`)
    if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be positive, not ${maxBytes}`)
  }

  get size(): number {
    return this.count
  }

  /** About how many bytes of keys and values the ops kept hold. */
  get heldBytes(): number {
    return this.bytes
  }

  /** Everything applied before the oldest op kept (see the class comment). */
  get from(): VectorClock {
    return this.fromEntries
  }

  /** Adds the newest applied op (its key, version and request id); when full, the oldest goes and `from` takes it in. */
  push(key: string, version: Version, rid?: string): void {
    this.pushed++
    if (version.seq > (this.latest[version.origin] ?? 0)) this.latest[version.origin] = version.seq
    if (this.pushed % this.checkpointEvery === 0) this.checkpoints.push({at: this.pushed, clock: {...this.latest}})
    const size = entryBytes(key, version.value)
    while (this.count > 0 && (this.count === this.capacity || this.bytes + size > this.maxBytes)) this.dropOldest()
    // Slots fill in order until the ring first wraps, so `i` is at most the columns' length.
    const i = (this.start + this.count) % this.capacity
    this.keys[i] = key
    this.values[i] = version.value
    this.ts[i] = version.ts
    this.origins[i] = version.origin
    this.seqs[i] = version.seq
    this.others[i] = version.other
    this.rids[i] = rid
    this.count++
    this.bytes += size
    const oldest = this.pushed - this.count
    while (this.checkpoints.length > 0 && this.checkpoints[0].at < oldest) this.checkpoints.shift()
  }

  /** Drops the oldest op kept: `from` takes it in, and its value is let go. */
  private dropOldest(): void {
    const i = this.start
    const origin = this.origins[i]
    if (this.seqs[i] > (this.fromEntries[origin] ?? 0)) this.fromEntries[origin] = this.seqs[i]
    this.bytes -= entryBytes(this.keys[i], this.values[i])
    this.values[i] = null
    this.others[i] = null
    this.rids[i] = undefined
    this.start = (i + 1) % this.capacity
    this.count--
  }

  /** Forgets every op: the replica's state now holds more than ops tell (`from` is its clock). */
  reset(from: VectorClock): void {
    this.keys = []
    this.values = []
    this.ts = []
    this.origins = []
    this.seqs = []
    this.others = []
    this.rids = []
    this.start = 0
    this.count = 0
    this.bytes = 0
    this.fromEntries = {...from}
    this.pushed = 0
    this.run = newRunName()
    this.latest = {...from}
    this.checkpoints = []
  }

  /** Where a scan for what a replica at `theirs` lacks may start: the ring offset, and the clock there. */
  private scanStart(theirs: VectorClock): {k: number; clock: Record<string, number>} {
    const oldest = this.pushed - this.count
    // Checkpoint clocks only grow along the ring: find the last one `theirs` covers.
    let lo = 0
    let hi = this.checkpoints.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (covers(theirs, this.checkpoints[mid].clock)) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    const c = found >= 0 ? this.checkpoints[found] : null
    return c && c.at >= oldest ? {k: c.at - oldest, clock: {...c.clock}} : {k: 0, clock: {...this.fromEntries}}
  }

  /**
   * For every op kept that a replica at `theirs` lacks, oldest first: `build(key, version,
   * clock, rid)` with the clock of this replica just after it applied the op (see the class
   * comment).
   */
  missing<T>(theirs: VectorClock, build: (key: string, version: Version, clock: VectorClock, rid: string | undefined) => T): T[] {
    const out: T[] = []
    const n = this.count
    let {k, clock} = this.scanStart(theirs)
    for (; k < n; k++) {
      const i = (this.start + k) % this.capacity
      const origin = this.origins[i]
      const seq = this.seqs[i]
      if (seq > (clock[origin] ?? 0)) clock[origin] = seq
      if (seq <= (theirs[origin] ?? 0)) continue
      out.push(build(this.keys[i], makeVersion(this.values[i], this.ts[i], origin, seq, this.others[i]), {...clock}, this.rids[i]))
    }
    return out
  }

  /**
   * The (key, version) of every op kept that a replica at `theirs` lacks and whose key
   * passes `keep`, oldest first, at most `limit` of them, with the clock they bring a
   * replica at `theirs` to: `theirs` merged with this replica's clock just after the last
   * op looked at. Ops before that point are either in the answer or filtered out, so the
   * clock never claims an op that was left for a later call. At most `limit` entries and
   * about `maxBytes` of keys and values. Null when `theirs` predates the oldest op kept.
   *
   * The answer's cursor marks where it stopped: given back with the clock it came with, the
   * next call starts there instead of scanning every op kept (which a reshard's rounds of
   * changes would otherwise do many times a second). A cursor of another run of this ring
   * (it was reset) or of another replica, or one whose ops were dropped, is ignored.
   */
  changesAfter(
    theirs: VectorClock,
    keep: (key: string) => boolean,
    limit: number,
    maxBytes: number,
    cursor?: ChangesCursor,
  ): {entries: Array<[string, Version]>; clock: VectorClock; more: boolean; cursor: ChangesCursor} | null {
    const n = this.count
    const oldest = this.pushed - n
    // Every op before a valid cursor is covered by the clock the cursor came with.
    let k = cursor && cursor.run === this.run && cursor.at >= oldest && cursor.at <= this.pushed ? cursor.at - oldest : -1
    if (k < 0) {
      for (const m in this.fromEntries) if ((theirs[m] ?? 0) < this.fromEntries[m]) return null
      k = this.scanStart(theirs).k
    }
    const entries: Array<[string, Version]> = []
    let bytes = 0
    const clock: Record<string, number> = {...theirs}
    const at = () => ({run: this.run, at: oldest + k})
    for (; k < n; k++) {
      const i = (this.start + k) % this.capacity
      const origin = this.origins[i]
      const seq = this.seqs[i]
      if (seq <= (clock[origin] ?? 0)) continue
      if (entries.length === limit || bytes >= maxBytes) return {entries, clock, more: true, cursor: at()}
      clock[origin] = seq
      const key = this.keys[i]
      if (!keep(key)) continue
      const value = this.values[i]
      bytes += key.length + (value?.length ?? 0) + 64
      entries.push([key, makeVersion(value, this.ts[i], origin, seq, this.others[i])])
    }
    return {entries, clock, more: false, cursor: at()}
  }
}

/** Where a changesAfter() answer stopped in one run of one replica's ring: ops pushed in run `run` before it (`at`). */
export type ChangesCursor = ChangesCursorMessage

/** What one op kept counts toward `maxBytes`: its key and value in characters (UTF-16 units), and a little for the rest. */
const entryBytes = (key: string, value: string | null): number => key.length + (value?.length ?? 0) + 64

const newRunName = (): string => Math.random().toString(36).slice(2, 10)

/**
 * A replica's most recently applied ops, for peers that catch up: at most `capacity` of
 * them, oldest first, in a ring. Each is kept as (key, version, own clock): the version is
 * the one the replica stores for the key (shared, not copied) and the own clock is the one
 * the op was delivered with, so opOf() gives back the op that was applied.
 * Also keeps `from`, the clock just before the oldest op kept: a peer that has seen less
 * than that needs a state transfer instead.
 */
import type {VectorClock} from '../clock/vector-clock.js'
import type {Version} from './op.js'

export class RecentOps {
  private keys: string[] = []
  private versions: Version[] = []
  private clocks: VectorClock[] = []
  /** Index of the oldest op; 0 until the ring is full. */
  private start = 0
  private fromEntries: Record<string, number> = {}

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`)
  }

  get size(): number {
    return this.keys.length
  }

  /** Everything applied before the oldest op kept (see the class comment). */
  get from(): VectorClock {
    return this.fromEntries
  }

  /** Adds the newest op; when full, the oldest one goes and `from` takes it in. */
  push(key: string, version: Version, clock: VectorClock): void {
    if (this.keys.length < this.capacity) {
      this.keys.push(key)
      this.versions.push(version)
      this.clocks.push(clock)
      return
    }
    const i = this.start
    const dropped = this.versions[i]
    if (dropped.seq > (this.fromEntries[dropped.origin] ?? 0)) this.fromEntries[dropped.origin] = dropped.seq
    this.keys[i] = key
    this.versions[i] = version
    this.clocks[i] = clock
    this.start = i + 1 === this.capacity ? 0 : i + 1
  }

  /** Forgets every op: the replica's state now holds more than ops tell (`from` is its clock). */
  reset(from: VectorClock): void {
    this.keys = []
    this.versions = []
    this.clocks = []
    this.start = 0
    this.fromEntries = {...from}
  }

  /** Calls `visit` for every op kept, oldest first. */
  forEach(visit: (key: string, version: Version, clock: VectorClock) => void): void {
    const n = this.keys.length
    for (let k = 0; k < n; k++) {
      const i = (this.start + k) % n
      visit(this.keys[i], this.versions[i], this.clocks[i])
    }
  }
}

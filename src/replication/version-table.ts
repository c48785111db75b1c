/**
 * The winning version of every key of a replica, stored by column: a Map from key to slot,
 * and per slot the value, timestamp, seq, origin (an index into the table's origins, each
 * address kept once) and, for the few versions that have them, other-shard dependencies.
 * That is about 26 bytes per key besides the Map entry and the key and value strings, where
 * a Version object per key costs 80 (the object and its boxed timestamp). Columns grow by
 * fixed-size pages, so growing copies nothing and leaves no garbage behind.
 *
 * Reads build Version objects on the fly: versions are values here, never identities.
 * Synchronous and free of I/O.
 */
import {mergeMetadata, type CausalMetadata} from '../clock/causal-metadata.js'
import {isLater} from './delivery.js'
import type {CopyPageBuilder} from './copy-page.js'
import {makeVersion, type Version} from './op.js'
import type {VersionChunk} from './replica-store.js'

const pageBits = 12
const pageSlots = 1 << pageBits
const pageMask = pageSlots - 1
const maxOrigins = 0xffff

export class VersionTable implements ReadonlyMap<string, Version> {
  private readonly slots = new Map<string, number>()
  // Page p holds slots p * pageSlots to (p + 1) * pageSlots - 1.
  private readonly valuePages: Array<Array<string | null>> = []
  private readonly tsPages: Float64Array[] = []
  private readonly seqPages: Float64Array[] = []
  private readonly originPages: Uint16Array[] = []
  /** Slots handed out so far. */
  private slotCount = 0
  private readonly otherColumn = new Map<number, CausalMetadata>()
  private readonly originNames: string[] = []
  private readonly originIndex = new Map<string, number>()
  private live = 0

  get size(): number {
    return this.slots.size
  }

  /** Keys whose version is not a tombstone. */
  get liveKeys(): number {
    return this.live
  }

  get [Symbol.toStringTag](): string {
    return 'VersionTable'
  }

  has(key: string): boolean {
    return this.slots.has(key)
  }

  get(key: string): Version | undefined {
    const slot = this.slots.get(key)
    return slot === undefined ? undefined : this.versionAt(slot)
  }

  /** The table's one copy of `origin` (addresses repeat in every version; they are kept once). */
  intern(origin: string): string {
    return this.originNames[this.originNumber(origin)]
  }

  /**
   * Stores `version` for `key` unless the stored version supersedes it or is the same
   * (see supersedes() in delivery.ts). Says whether it was stored.
   */
  install(key: string, version: Version): boolean {
    let slot = this.slots.get(key)
    if (slot !== undefined) {
      const p = slot >>> pageBits
      const i = slot & pageMask
      if (!isLater(version.ts, version.origin, this.tsPages[p][i], this.originNames[this.originPages[p][i]])) return false
      if (this.valuePages[p][i] !== null) this.live--
    } else {
      slot = this.newSlot()
      this.slots.set(key, slot)
    }
    const p = slot >>> pageBits
    const i = slot & pageMask
    this.valuePages[p][i] = version.value
    this.tsPages[p][i] = version.ts
    this.seqPages[p][i] = version.seq
    this.originPages[p][i] = this.originNumber(version.origin)
    if (version.other) this.otherColumn.set(slot, version.other)
    else this.otherColumn.delete(slot)
    if (version.value !== null) this.live++
    return true
  }

  *entries(): MapIterator<[string, Version]> {
    for (const [key, slot] of this.slots) yield [key, this.versionAt(slot)]
  }

  keys(): MapIterator<string> {
    return this.slots.keys()
  }

  /** Adds the current version of `key` (if any) to a copy page, without building a Version. */
  addTo(builder: CopyPageBuilder, key: string): void {
    const slot = this.slots.get(key)
    if (slot === undefined) return
    const p = slot >>> pageBits
    const i = slot & pageMask
    builder.add(key, this.valuePages[p][i], this.tsPages[p][i], this.originNames[this.originPages[p][i]])
  }

  *values(): MapIterator<Version> {
    for (const slot of this.slots.values()) yield this.versionAt(slot)
  }

  [Symbol.iterator](): MapIterator<[string, Version]> {
    return this.entries()
  }

  forEach(visit: (value: Version, key: string, map: ReadonlyMap<string, Version>) => void, thisArg?: unknown): void {
    for (const [key, slot] of this.slots) visit.call(thisArg, this.versionAt(slot), key, this)
  }

  /**
   * A copy of every (key, version) as of now, in a few flat arrays (about 34 bytes per key,
   * no object per key), unaffected by later installs: for snapshots and state transfers.
   */
  frozen(): FrozenVersions {
    const n = this.slots.size
    const keys: string[] = new Array(n)
    const values: Array<string | null> = new Array(n)
    const ts = new Float64Array(n)
    const seq = new Float64Array(n)
    const origin = new Uint16Array(n)
    const other = new Map<number, CausalMetadata>()
    let i = 0
    for (const [key, slot] of this.slots) {
      const p = slot >>> pageBits
      const j = slot & pageMask
      keys[i] = key
      values[i] = this.valuePages[p][j]
      ts[i] = this.tsPages[p][j]
      seq[i] = this.seqPages[p][j]
      origin[i] = this.originPages[p][j]
      const o = this.otherColumn.get(slot)
      if (o) other.set(i, o)
      i++
    }
    return new FrozenVersions(keys, values, ts, seq, origin, other, [...this.originNames])
  }

  /**
   * The live keys starting with `prefix` and their values, as of now (a scan's snapshot:
   * two arrays that share the table's strings), and the merge of their other-shard
   * dependencies (null when none has any), which a reader of them must be given.
   */
  liveEntries(prefix: string): {keys: string[]; values: string[]; other: CausalMetadata | null} {
    const keys: string[] = []
    const values: string[] = []
    let other: CausalMetadata | null = null
    for (const [key, slot] of this.slots) {
      const value = this.valuePages[slot >>> pageBits][slot & pageMask]
      if (value === null || !key.startsWith(prefix)) continue
      keys.push(key)
      values.push(value)
      if (this.otherColumn.size === 0) continue
      const o = this.otherColumn.get(slot)
      if (o && o !== other) other = other ? mergeMetadata(other, o) : o
    }
    return {keys, values, other}
  }

  private versionAt(slot: number): Version {
    const p = slot >>> pageBits
    const i = slot & pageMask
    const other = this.otherColumn.size > 0 ? (this.otherColumn.get(slot) ?? null) : null
    return makeVersion(this.valuePages[p][i], this.tsPages[p][i], this.originNames[this.originPages[p][i]], this.seqPages[p][i], other)
  }

  private originNumber(origin: string): number {
    let n = this.originIndex.get(origin)
    if (n === undefined) {
      n = this.originNames.length
      if (n > maxOrigins) throw new RangeError(`a replica cannot tell apart more than ${maxOrigins + 1} origins`)
      this.originNames.push(origin)
      this.originIndex.set(origin, n)
    }
    return n
  }

  private newSlot(): number {
    const slot = this.slotCount++
    if ((slot & pageMask) === 0) {
      this.valuePages.push(new Array<string | null>(pageSlots).fill(null))
      this.tsPages.push(new Float64Array(pageSlots))
      this.seqPages.push(new Float64Array(pageSlots))
      this.originPages.push(new Uint16Array(pageSlots))
    }
    return slot
  }
}

/** A point-in-time copy of a VersionTable (see frozen()): iterable, and sliceable into pages. */
export class FrozenVersions implements Iterable<[string, Version]> {
  constructor(
    private readonly keys: readonly string[],
    private readonly values: ReadonlyArray<string | null>,
    private readonly ts: Float64Array,
    private readonly seq: Float64Array,
    private readonly origin: Uint16Array,
    private readonly other: ReadonlyMap<number, CausalMetadata>,
    private readonly originNames: readonly string[],
  ) {}

  get length(): number {
    return this.keys.length
  }

  *[Symbol.iterator](): Iterator<[string, Version]> {
    for (let i = 0; i < this.keys.length; i++) yield this.entry(i)
  }

  /** Every version in chunks of `size` keys, column-wise: how snapshots store them (replica-store.ts). */
  *chunks(size: number): Generator<VersionChunk> {
    for (let start = 0; start < this.keys.length; start += size) {
      const end = Math.min(start + size, this.keys.length)
      const other: Array<[number, CausalMetadata]> = []
      if (this.other.size > 0) for (let i = start; i < end; i++) if (this.other.has(i)) other.push([i - start, this.other.get(i) as CausalMetadata])
      yield {
        keys: this.keys.slice(start, end),
        values: this.values.slice(start, end),
        ts: Array.from(this.ts.subarray(start, end)),
        seq: Array.from(this.seq.subarray(start, end)),
        origins: [...this.originNames],
        origin: Array.from(this.origin.subarray(start, end)),
        other,
      }
    }
  }

  /** Entries `start` to `end` (exclusive), as Array.prototype.slice takes them. */
  slice(start: number, end: number = this.keys.length): Array<[string, Version]> {
    const out: Array<[string, Version]> = []
    for (let i = Math.max(0, start); i < Math.min(end, this.keys.length); i++) out.push(this.entry(i))
    return out
  }

  private entry(i: number): [string, Version] {
    return [this.keys[i], makeVersion(this.values[i], this.ts[i], this.originNames[this.origin[i]], this.seq[i], this.other.get(i) ?? null)]
  }
}

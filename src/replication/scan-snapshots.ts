/**
 * The member side of a scan: snapshots of a shard's live keys (and values) that clients
 * page through by offset. A snapshot is taken at a shard's first page, so a scan holds
 * every key written before it reached the shard (and not deleted since), each once.
 * Snapshots share the replica's strings (two arrays, 16 bytes a key); one not paged for
 * `idleMs` is dropped, and past `maxHeld` snapshots or `maxKeys` keys in all the least
 * recently used go (the newest is always kept).
 */
import type {CausalMetadata} from '../clock/causal-metadata.js'
import {KvsError} from '../errors.js'

export interface ScanSnapshot {
  readonly keys: readonly string[]
  readonly values: readonly string[]
  /** Covers every key of the snapshot (see Replicator.scanSnapshot). */
  readonly meta: CausalMetadata
}

export interface ScanPageRequest {
  offset: number
  /** Most keys in the page. */
  limit: number
  /** The page stops after the entry that reaches this many bytes of keys (and values). */
  maxBytes: number
  values: boolean
}

export interface ScanSnapshotPage {
  keys: string[]
  /** With `values` only: the value of each key, in the same order. */
  values?: string[]
  /** Offset of the next page; null when this page ends the snapshot. */
  next: number | null
  meta: CausalMetadata
}

export class ScanSnapshots {
  private readonly held = new Map<string, {snapshot: ScanSnapshot; at: number}>()
  private count = 0

  constructor(
    private readonly maxHeld = 16,
    private readonly idleMs = 60_000,
    private readonly maxKeys = 4_000_000,
  ) {}

  get size(): number {
    return this.held.size
  }

  /** Keeps `snapshot` for paging; returns its id. */
  hold(snapshot: ScanSnapshot): string {
    const now = Date.now()
    for (const [id, h] of this.held) if (now - h.at > this.idleMs) this.held.delete(id)
    const id = `${now.toString(36)}.${(this.count++).toString(36)}`
    this.held.set(id, {snapshot, at: now})
    // Map order is insertion order and page() re-inserts: the first is the least recently used.
    let keys = 0
    for (const h of this.held.values()) keys += h.snapshot.keys.length
    while (this.held.size > 1 && (this.held.size > this.maxHeld || keys > this.maxKeys)) {
      const [oldest, h] = this.held.entries().next().value as [string, {snapshot: ScanSnapshot}]
      keys -= h.snapshot.keys.length
      this.held.delete(oldest)
    }
    return id
  }

  /** One page of snapshot `id`; the last page drops it. NOT_FOUND when it expired or never was. */
  page(id: string, req: ScanPageRequest): ScanSnapshotPage {
    const h = this.held.get(id)
    if (!h) throw new KvsError('NOT_FOUND', 'Scan cursor expired (idle too long, or its node restarted): start the scan again')
    this.held.delete(id)
    const page = pageOf(h.snapshot, req)
    if (page.next !== null) this.held.set(id, {snapshot: h.snapshot, at: Date.now()})
    return page
  }
}

/** Entries of `snapshot` from `req.offset` within the page's count and byte bounds (at least one). Pure. */
export function pageOf(snapshot: ScanSnapshot, req: ScanPageRequest): ScanSnapshotPage {
  const {keys, values} = snapshot
  const end = Math.min(keys.length, req.offset + req.limit)
  let i = req.offset
  let bytes = 0
  while (i < end && (i === req.offset || bytes < req.maxBytes)) {
    bytes += keys[i].length + (req.values ? values[i].length : 0)
    i++
  }
  const page: ScanSnapshotPage = {keys: keys.slice(req.offset, i), next: i < keys.length ? i : null, meta: snapshot.meta}
  if (req.values) page.values = values.slice(req.offset, i)
  return page
}

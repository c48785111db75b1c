/**
 * Where a scan stands, as the opaque cursor string a client sends back for the next page.
 * Pure. A scan walks the shards in order (1..N); within a shard it pages through a snapshot
 * one member took of it at the shard's first page (scan-snapshots.ts).
 */
import {KvsError} from '../errors.js'

export interface ScanCursor {
  /** The layout epoch the scan began under: shard numbers mean other keys in another. */
  readonly layout: number
  readonly shard: number
  /** The member holding this shard's snapshot and the snapshot's id there; absent before its first page. */
  readonly member?: string
  readonly snapshot?: string
  /** Position in that snapshot. */
  readonly offset: number
}

export const firstCursor = (layout: number): ScanCursor => ({layout, shard: 1, offset: 0})

export function encodeCursor(c: ScanCursor): string {
  return Buffer.from(JSON.stringify([c.layout, c.shard, c.member ?? '', c.snapshot ?? '', c.offset])).toString('base64url')
}

/** The cursor `text` stands for; BAD_REQUEST when it is not one this module wrote. */
export function decodeCursor(text: string): ScanCursor {
  let parts: unknown
  try {
    parts = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw malformed()
  }
  if (!Array.isArray(parts) || parts.length !== 5) throw malformed()
  const [layout, shard, member, snapshot, offset] = parts as unknown[]
  const count = (n: unknown, min: number) => Number.isSafeInteger(n) && (n as number) >= min
  if (!count(layout, 0) || !count(shard, 1) || !count(offset, 0) || typeof member !== 'string' || typeof snapshot !== 'string') throw malformed()
  if ((member === '') !== (snapshot === '')) throw malformed()
  const base = {layout: layout as number, shard: shard as number, offset: offset as number}
  return member === '' ? base : {...base, member, snapshot}
}

function malformed(): KvsError {
  return new KvsError('BAD_REQUEST', 'Scan cursor is malformed: send back the cursor of the previous page, or none to start')
}

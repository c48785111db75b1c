/**
 * The in-memory twin of the storage seam, for single-process tests: same contracts as the
 * files on disk (test/support/storage-contract.ts runs the same suite on both), and
 * `reopen()` yields what a restarted process would recover. Entries and records are kept
 * as their JSON text, as the files keep them, so what comes back is what a file would give
 * and logBytes counts the bytes the files would hold.
 */
import {KvsError} from '../errors.js'
import {FRAME_HEADER_BYTES} from './record-frame.js'
import type {MetaStore, OpLog, Recovered, Snapshots} from './types.js'

interface StoredEntry {
  index: number
  json: string
  /** The entry's frame in a segment file: header and UTF-8 JSON. */
  bytes: number
}

export class MemoryStorage<Header, Rec, Entry, Meta> {
  private entries: StoredEntry[] = []
  private entryBytes = 0
  private snapshot: {header: string; records: string[]} | null = null
  private metaValue: string | null = null
  private next = 1
  private closed = false
  readonly log: OpLog<Entry>
  readonly snapshots: Snapshots<Header, Rec>
  readonly meta: MetaStore<Meta>
  recovered: Recovered<Header, Rec, Entry>

  constructor() {
    const store = this
    this.log = {
      async append(entry: Entry) {
        store.refuseClosed('the op log')
        const json = toJson(entry)
        const index = store.next++
        const bytes = FRAME_HEADER_BYTES + Buffer.byteLength(json)
        store.entries.push({index, json, bytes})
        store.entryBytes += bytes
        return index
      },
      get lastIndex() {
        return store.next - 1
      },
      failure: null,
      get logBytes() {
        return store.entryBytes
      },
    }
    this.snapshots = {
      async write(header, records, coversIndex) {
        store.refuseClosed('snapshots')
        const copy: string[] = []
        for await (const r of records as AsyncIterable<Rec>) copy.push(toJson(r))
        store.snapshot = {header: toJson(header), records: copy}
        store.entries = store.entries.filter((e) => e.index > coversIndex)
        store.entryBytes = store.entries.reduce((sum, e) => sum + e.bytes, 0)
      },
    }
    this.meta = {
      read: async () => (store.metaValue === null ? null : (JSON.parse(store.metaValue) as Meta)),
      write: async (meta) => {
        store.metaValue = toJson(meta)
      },
    }
    this.recovered = this.recover()
  }

  /** What a process restarted on this storage would read back; open again after close(). */
  reopen(): this {
    this.closed = false
    this.recovered = this.recover()
    return this
  }

  async close(): Promise<void> {
    this.closed = true
  }

  private refuseClosed(what: string): void {
    if (this.closed) throw new KvsError('INTERNAL', `${what} of this memory storage is closed`)
  }

  private recover(): Recovered<Header, Rec, Entry> {
    const snap = this.snapshot
    const entries = [...this.entries]
    return {
      snapshot: snap ? {header: JSON.parse(snap.header) as Header, records: iterate(() => snap.records.map((r) => JSON.parse(r) as Rec))} : null,
      entries: iterate(() => entries.map(({index, json}) => ({index, entry: JSON.parse(json) as Entry}))),
    }
  }
}

function toJson(value: unknown): string {
  const json: string | undefined = JSON.stringify(value)
  if (json === undefined) throw new TypeError(`a ${typeof value} cannot be stored as a record`)
  return json
}

/** Iterable again and again, each time with fresh copies, as the files are read again. */
function iterate<T>(items: () => T[]): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* items()
    },
  }
}

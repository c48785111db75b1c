/**
 * The in-memory twin of the storage seam, for single-process tests: same contracts as the
 * files on disk, and `reopen()` yields what a restarted process would recover.
 */
import type {MetaStore, OpLog, Recovered, Snapshots} from './types.js'

export class MemoryStorage<Header, Rec, Entry, Meta> {
  private entries: Array<{index: number; entry: Entry}> = []
  private snapshot: {header: Header; records: Rec[]} | null = null
  private metaValue: Meta | null = null
  private next = 1
  readonly log: OpLog<Entry>
  readonly snapshots: Snapshots<Header, Rec>
  readonly meta: MetaStore<Meta>
  recovered: Recovered<Header, Rec, Entry>

  constructor() {
    const store = this
    this.log = {
      async append(entry: Entry) {
        const index = store.next++
        store.entries.push({index, entry: structuredClone(entry)})
        return index
      },
      get lastIndex() {
        return store.next - 1
      },
      failure: null,
      get logBytes() {
        return store.entries.length
      },
    }
    this.snapshots = {
      async write(header, records, coversIndex) {
        const copy: Rec[] = []
        for await (const r of records as AsyncIterable<Rec>) copy.push(structuredClone(r))
        store.snapshot = {header: structuredClone(header), records: copy}
        store.entries = store.entries.filter((e) => e.index > coversIndex)
      },
    }
    this.meta = {
      read: async () => (store.metaValue === null ? null : structuredClone(store.metaValue)),
      write: async (meta) => {
        store.metaValue = structuredClone(meta)
      },
    }
    this.recovered = this.recover()
  }

  /** What a process restarted on this storage would read back. */
  reopen(): this {
    this.recovered = this.recover()
    return this
  }

  async close(): Promise<void> {}

  private recover(): Recovered<Header, Rec, Entry> {
    const snap = this.snapshot
    return {
      snapshot: snap ? {header: snap.header, records: iterate(snap.records)} : null,
      entries: iterate([...this.entries]),
    }
  }
}

async function* iterate<T>(items: T[]): AsyncIterable<T> {
  yield* items
}

/**
 * What the rest of kvs needs from a node's disk. Records are opaque JSON values to storage:
 * replication decides what an op or a snapshot record contains.
 */

export type FsyncPolicy = 'always' | 'interval' | 'never'

export interface StorageOptions {
  /** The node's data directory; created if missing. Locked for the life of the Storage. */
  dir: string
  fsync: FsyncPolicy
  /** Where warnings (torn tail cut off, stale lock taken over) go. */
  log?: {warn(msg: string): void; info(msg: string): void}
  /** Segment files roll over at this size (bytes). */
  segmentBytes?: number
}

/** The result of opening a data directory: what was on disk, in order. */
export interface Recovered<Header, Rec, Entry> {
  /** The newest complete snapshot, if any. */
  snapshot: {header: Header; records: AsyncIterable<Rec>} | null
  /** Log entries appended after that snapshot, in append order, each with its index. */
  entries: AsyncIterable<{index: number; entry: Entry}>
}

/**
 * The op log: append-only segment files, each record framed as
 * [u32 length][u32 crc32][payload JSON], numbered by a node-local index starting at 1.
 *
 * Invariants: an entry whose append() promise resolved is on disk when the process is
 * SIGKILLed (written to the file), and also survives an OS crash under fsync 'always'
 * (group commit: one fsync covers every append waiting at that moment) or at most 100 ms
 * of appends are lost under 'interval'. Appends resolve in the order they were made.
 */
export interface OpLog<Entry> {
  append(entry: Entry): Promise<number>
  /** Index of the last appended entry (0 when empty). */
  readonly lastIndex: number
  /** Bytes of log segments currently on disk (for compaction decisions). */
  readonly logBytes: number
}

export interface Snapshots<Header, Rec> {
  /**
   * Writes a snapshot covering every log entry up to and including `coversIndex`: to a temp
   * file, fsynced, then renamed into place; afterwards the segments it covers are deleted.
   * If it throws, the previous snapshot and the log are intact.
   */
  write(header: Header, records: Iterable<Rec> | AsyncIterable<Rec>, coversIndex: number): Promise<void>
}

/** Small metadata kept with lowdb (never the data set). */
export interface MetaStore<Meta> {
  read(): Promise<Meta | null>
  write(meta: Meta): Promise<void>
}

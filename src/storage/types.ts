import type {LogFiles} from './durable-fs.js'

/**
 * What the rest of kvs needs from a node's disk. Records are opaque JSON values to storage:
 * replication decides what an op or a snapshot record contains.
 */

export type FsyncPolicy = 'always' | 'interval' | 'never'

/** Where storage reports what it repaired (torn tail cut off, stale lock taken over). */
export interface StorageLog {
  warn(msg: string): void
  info(msg: string): void
}

export interface StorageOptions {
  /** The node's data directory; created if missing. Locked for the life of the Storage. */
  dir: string
  fsync: FsyncPolicy
  /** Where warnings (torn tail cut off, stale lock taken over) go; default console. */
  log?: StorageLog
  /** A segment file is not grown past this size (bytes), unless one batch of appends is larger; default 64 MiB. */
  segmentBytes?: number
  /** Told how long appends and fsyncs take (metrics); called on the writer's path, so it must be cheap and must not throw. */
  observer?: OpLogObserver
  /** Test seam: the op log writer's file operations, to make the disk fail (default: the real ones). */
  files?: LogFiles
}

/** Durations the op log reports as it works, in seconds. */
export interface OpLogObserver {
  /** One append, from append() to its promise resolving (group commit wait, write, and fsync under 'always'). */
  appended(seconds: number): void
  /** One fsync of a segment file. */
  synced(seconds: number): void
}

/**
 * The result of opening a data directory: what was on disk, in order. Both iterables read
 * from disk lazily and can be iterated again; consume them before the first
 * Snapshots.write(), which deletes the files they read. A record found damaged while
 * iterating throws KvsError 'CORRUPT_LOG'.
 */
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
  /**
   * Resolves with the entry's index once it is durable as above. After a write or fsync
   * error every pending and later append rejects (the file may end in a torn record, which
   * the next open cuts off); after close() appends reject with KvsError 'INTERNAL'.
   */
  append(entry: Entry): Promise<number>
  /**
   * Null while the log works. After a write or fsync error (ENOSPC, EIO) the KvsError
   * 'STORAGE_FAILED' every append rejects with from then on (fail-stop: the node must take
   * no write it cannot log; its message names files, for the node's log only).
   */
  readonly failure: Error | null
  /** Index of the last appended entry, including appends not yet resolved (0 when empty). */
  readonly lastIndex: number
  /**
   * Bytes of the log segments holding entries after the newest snapshot: about what a
   * snapshot written now would let storage delete (for compaction decisions).
   */
  readonly logBytes: number
}

export interface Snapshots<Header, Rec> {
  /**
   * Writes a snapshot covering every log entry up to and including `coversIndex`: to a temp
   * file, fsynced, then renamed into place; afterwards the segments it covers are deleted
   * (the log starts a new segment at coversIndex + 1 so that they can be).
   * If it throws, the previous snapshot and the log are intact. Requires
   * newest snapshot's coversIndex <= `coversIndex` <= log.lastIndex; writes run one at a time.
   */
  write(header: Header, records: Iterable<Rec> | AsyncIterable<Rec>, coversIndex: number): Promise<void>
}

/** Small metadata kept with lowdb (never the data set). */
export interface MetaStore<Meta> {
  read(): Promise<Meta | null>
  write(meta: Meta): Promise<void>
}

/** An open data directory. close() flushes pending appends, fsyncs, and releases the directory; it is idempotent. */
export interface Storage<Header, Rec, Entry, Meta> {
  log: OpLog<Entry>
  snapshots: Snapshots<Header, Rec>
  meta: MetaStore<Meta>
  recovered: Recovered<Header, Rec, Entry>
  close(): Promise<void>
}

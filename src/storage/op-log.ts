/**
 * The op log on disk: segment files in one directory, each named after the index of its
 * first entry (20 digits: 00000000000000000001.seg) and holding framed entries in index
 * order. Only the last segment is ever written; it is fsynced and closed before the next
 * one is created, so every segment but the last is complete and durable.
 *
 * Writes are group commits: the appends made while a batch is being written (and fsynced,
 * under 'always') wait in memory and go to disk together, as one buffer in one write.
 */
import {open, readdir, rm, type FileHandle} from 'node:fs/promises'
import {join} from 'node:path'
import {KvsError} from '../errors.js'
import {makePrivateDir, nodeLogFiles, syncDir, type LogFiles} from './durable-fs.js'
import {FrameBuffer, type FrameStop} from './record-frame.js'
import {describe, findFrameAfter, readEntries, scanSegment, SEGMENT_NAME, segmentName, type RecoveredSegment, type Segment} from './segment-files.js'
import type {FsyncPolicy, OpLog, OpLogObserver, StorageLog} from './types.js'

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
const INTERVAL_SYNC_MS = 100

export {segmentName}

export interface FileOpLogOptions {
  /** The directory holding the segments (created if missing); one FileOpLog per directory. */
  dir: string
  fsync: FsyncPolicy
  segmentBytes?: number
  log?: StorageLog
  /** coversIndex of the snapshot recovery starts from (0 for none): entries up to it are not replayed. */
  after?: number
  observer?: OpLogObserver
  /** Test seam: the writer's file operations (default: the real ones). */
  files?: LogFiles
}

/** Counters for tests and benchmarks: every write and fsync of a segment file. */
export interface OpLogStats {
  writes: number
  fsyncs: number
}

interface Waiter {
  index: number
  /** Where this entry's frame ends in its batch buffer. */
  end: number
  /** performance.now() at append(), when an observer is told durations. */
  at: number
  resolve(index: number): void
  reject(error: Error): void
}

export class FileOpLog<Entry> implements OpLog<Entry> {
  readonly #dir: string
  readonly #policy: FsyncPolicy
  readonly #segmentBytes: number
  readonly #logger: StorageLog
  /** Segments on disk in index order; the last is the one appended to (open as #active). */
  readonly #segments: Segment[]
  #active: FileHandle | null
  #lastIndex: number
  /** The newest durable snapshot covers entries up to here; segments wholly below are deleted. */
  #covered: number
  /** Set by startSegmentAt(): the index the next segment must start at. */
  #rollAt: number | null = null
  /** Appends not yet handed to a write: their frames, in index order, and their promises. */
  readonly #batch = new FrameBuffer()
  #waiters: Waiter[] = []
  #draining = false
  #drained: Promise<void> = Promise.resolve()
  /** Written since the last fsync of #active. */
  #dirty = false
  #syncDue = false
  #failure: KvsError | null = null
  readonly #files: LogFiles
  #closing: Promise<void> | null = null
  readonly #timer: NodeJS.Timeout | null
  readonly #stats: OpLogStats = {writes: 0, fsyncs: 0}
  readonly #observer: OpLogObserver | null

  private constructor(opts: FileOpLogOptions, segments: Segment[], active: FileHandle | null, lastIndex: number, covered: number) {
    this.#dir = opts.dir
    this.#policy = opts.fsync
    this.#segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES
    this.#logger = opts.log ?? console
    this.#segments = segments
    this.#active = active
    this.#lastIndex = lastIndex
    this.#covered = covered
    this.#observer = opts.observer ?? null
    this.#files = opts.files ?? nodeLogFiles
    this.#timer = opts.fsync === 'interval' ? setInterval(() => this.#syncSoon(), INTERVAL_SYNC_MS).unref() : null
  }

  /**
   * Opens the log in `opts.dir` and checks every segment that holds entries after
   * `opts.after`. Segments wholly covered by that snapshot are deleted. A torn or corrupt
   * tail is cut off (with a warning) when it is the tail: the bad frame is in the last
   * segment and no valid frame starts at any byte after it. Anything else throws KvsError
   * 'CORRUPT_LOG' naming the segment file and byte offset, and leaves every file untouched:
   * a bad frame in an earlier segment, a bad frame followed by a valid one, a gap between
   * segments, or a log that starts after `after + 1`.
   *
   * Limitation of the rule: after an OS crash (not a process crash) the pages of one
   * unfinished write can persist out of order, leaving a hole followed by valid frames;
   * that is reported as corruption rather than guessed at.
   *
   * `entries` yields every entry after `opts.after`, up to the last one found at open.
   */
  static async open<Entry>(
    opts: FileOpLogOptions,
  ): Promise<{log: FileOpLog<Entry>; entries: AsyncIterable<{index: number; entry: Entry}>}> {
    const {dir} = opts
    const after = opts.after ?? 0
    const logger = opts.log ?? console
    await makePrivateDir(dir)
    const names = (await readdir(dir)).filter((name) => SEGMENT_NAME.test(name)).sort()
    const firsts = names.map((name) => Number(name.slice(0, 20)))

    // Segments wholly covered by the snapshot are leftovers of an interrupted compaction.
    let keep = 0
    while (keep < names.length - 1 && firsts[keep + 1] - 1 <= after) keep++
    if (keep < names.length && firsts[keep] > after + 1) {
      throw new KvsError(
        'CORRUPT_LOG',
        `op log in ${dir} starts at index ${firsts[keep]} (${names[keep]}) but the snapshot covers only up to ` +
          `index ${after}: entries ${after + 1} to ${firsts[keep] - 1} are missing`,
        {dir, segment: names[keep]},
      )
    }

    const segments: RecoveredSegment[] = []
    let tail: {validEnd: number; stop: FrameStop} | null = null
    for (let i = keep; i < names.length; i++) {
      const name = names[i]
      const path = join(dir, name)
      const previous = segments.at(-1)
      const expected = previous ? previous.first + previous.count : firsts[i]
      if (firsts[i] !== expected) {
        const message = `op log segment ${path} starts at index ${firsts[i]} but the segment before it ends at index ${expected - 1}`
        throw new KvsError('CORRUPT_LOG', message, {segment: path})
      }
      const scan = await scanSegment(path)
      if (scan.stop !== 'end') {
        const at = `op log segment ${path} at byte ${scan.validEnd}: ${describe(scan.stop)}`
        const data = {segment: path, offset: scan.validEnd}
        if (i < names.length - 1) throw new KvsError('CORRUPT_LOG', `${at}, and later segments follow`, data)
        const follows = await findFrameAfter(path, scan.validEnd)
        if (follows >= 0) {
          throw new KvsError('CORRUPT_LOG', `${at}, but a valid record follows at byte ${follows}`, data)
        }
        tail = scan
      }
      segments.push({first: firsts[i], name, count: scan.count, bytes: scan.validEnd})
    }

    // Everything is known good: now repair.
    for (const name of names.slice(0, keep)) await rm(join(dir, name), {force: true})
    if (keep > 0) logger.info(`op log: deleted ${keep} segment(s) in ${dir} already covered by the snapshot at index ${after}`)
    const last = segments.at(-1)
    if (last && last.first + last.count - 1 < after) {
      // The snapshot covers more than the log kept (appends it included were not yet written).
      await rm(join(dir, last.name), {force: true})
      logger.info(`op log: deleted segment ${join(dir, last.name)}, already covered by the snapshot at index ${after}`)
      segments.pop()
      tail = null
    }
    let active: FileHandle | null = null
    const tailSegment = segments.at(-1)
    if (tailSegment) {
      active = await open(join(dir, tailSegment.name), 'r+')
      try {
        if (tail) {
          const {size} = await active.stat()
          await active.truncate(tail.validEnd)
          await active.sync()
          const at = `op log segment ${join(dir, tailSegment.name)} at byte ${tail.validEnd}: ${describe(tail.stop)}`
          logger.warn(`${at}; cut off the torn tail (${size - tail.validEnd} bytes)`)
        }
      } catch (error) {
        await active.close()
        throw error
      }
    }

    const lastIndex = tailSegment ? tailSegment.first + tailSegment.count - 1 : after
    const entries = {[Symbol.asyncIterator]: () => readEntries<Entry>(dir, segments, after + 1)}
    const live = segments.map(({first, name, bytes}) => ({first, name, bytes}))
    return {log: new FileOpLog<Entry>(opts, live, active, lastIndex, after), entries}
  }

  get lastIndex(): number {
    return this.#lastIndex
  }

  /** Bytes of the segments holding entries after the newest snapshot (see OpLog.logBytes). */
  get logBytes(): number {
    const total = this.#segments.reduce((sum, s) => sum + s.bytes, 0)
    // The last segment is kept even when a snapshot covers it all (so the log always shows its last index).
    const last = this.#segments.at(-1)
    return last && this.#lastIndex <= this.#covered ? total - last.bytes : total
  }

  /** See OpLog.failure. */
  get failure(): KvsError | null {
    return this.#failure
  }

  get stats(): Readonly<OpLogStats> {
    return {...this.#stats}
  }

  append(entry: Entry): Promise<number> {
    if (this.#closing) return Promise.reject(new KvsError('INTERNAL', `the op log in ${this.#dir} is closed`))
    if (this.#failure) return Promise.reject(this.#failure)
    try {
      this.#batch.push(entry)
    } catch (error) {
      return Promise.reject(error)
    }
    const index = ++this.#lastIndex
    const end = this.#batch.length
    const at = this.#observer ? performance.now() : 0
    return new Promise((resolve, reject) => {
      this.#waiters.push({index, end, at, resolve, reject})
      this.#kick()
    })
  }

  /**
   * Makes entry `index` the first of a new segment, or if it is already written, the next
   * entry written; a snapshot covering `index - 1` can then delete every segment before it.
   */
  startSegmentAt(index: number): void {
    this.#rollAt = index
  }

  /**
   * Records that a durable snapshot covers every entry up to `index`, and deletes the
   * segments wholly covered. The last segment is kept even when covered, until the next
   * append starts a new one (which then deletes it).
   */
  async dropThrough(index: number): Promise<void> {
    this.#covered = Math.max(this.#covered, index)
    await this.#dropCovered()
  }

  async #dropCovered(): Promise<void> {
    let n = 0
    while (n < this.#segments.length - 1 && this.#segments[n + 1].first - 1 <= this.#covered) n++
    for (const segment of this.#segments.splice(0, n)) await rm(join(this.#dir, segment.name), {force: true})
  }

  /** Writes every pending append, fsyncs and closes the segment. Idempotent; later appends reject. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  async #shutdown(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    await this.#drained
    const fh = this.#active
    this.#active = null
    if (!fh) return
    try {
      if (this.#dirty && !this.#failure) await this.#sync(fh)
    } finally {
      await fh.close()
    }
  }

  #syncSoon(): void {
    this.#syncDue = true
    this.#kick()
  }

  /**
   * Starts the drain loop unless it runs. It starts after the current turn of the event loop
   * (setImmediate), not on a microtask: requests arriving on different sockets run in
   * separate callbacks of one turn, so their appends share one write (a write per PUT cost
   * a single node about half its PUT throughput under autocannon).
   */
  #kick(): void {
    if (this.#draining) return
    this.#draining = true
    this.#drained = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#drain())
  }

  /** The only writer: batches pending appends (and interval fsyncs) one at a time until nothing is left. */
  async #drain(): Promise<void> {
    let writing: Waiter[] = []
    try {
      for (;;) {
        if (this.#waiters.length > 0) {
          writing = this.#waiters
          this.#waiters = []
          await this.#writeBatch(this.#batch.take(), writing)
          for (const w of writing) w.resolve(w.index)
          if (this.#observer) this.#observeAppends(writing)
          writing = []
        } else if (this.#syncDue && this.#dirty && this.#active) {
          this.#syncDue = false
          await this.#sync(this.#active)
        } else {
          this.#syncDue = false
          return
        }
      }
    } catch (error) {
      this.#fail(error, writing)
    } finally {
      // Runs in the same turn as the last emptiness check, so no append can be stranded.
      this.#draining = false
    }
  }

  /** Writes a batch in one write, or in two when a new segment must start inside it (see startSegmentAt). */
  async #writeBatch(frames: Buffer, writing: Waiter[]): Promise<void> {
    const first = writing[0].index
    const rollAt = this.#rollAt
    if (rollAt === null || rollAt > writing[writing.length - 1].index) return this.#write(frames, first, false)
    this.#rollAt = null
    const before = Math.max(0, rollAt - first)
    const cut = before === 0 ? 0 : writing[before - 1].end
    if (cut > 0) await this.#write(frames.subarray(0, cut), first, false)
    await this.#write(frames.subarray(cut), first + before, true)
  }

  /** Writes the frames of consecutive entries, the first being `first`; `fresh` starts a new segment unless the current one is empty. */
  async #write(frames: Buffer, first: number, fresh: boolean): Promise<void> {
    const current = this.#segments.at(-1)
    const full = current !== undefined && current.bytes > 0 && (fresh || current.bytes + frames.length > this.#segmentBytes)
    if (!this.#active || !current || full) await this.#roll(first)
    const segment = this.#segments.at(-1) as Segment
    this.#files.write(this.#active as FileHandle, frames, segment.bytes)
    segment.bytes += frames.length
    this.#stats.writes++
    this.#dirty = true
    if (this.#policy === 'always') await this.#sync(this.#active as FileHandle)
  }

  /** Makes the current segment durable and complete, then starts the segment for `first`. */
  async #roll(first: number): Promise<void> {
    if (this.#active) {
      const fh = this.#active
      this.#active = null
      try {
        await this.#sync(fh)
      } finally {
        await fh.close()
      }
    }
    const name = segmentName(first)
    this.#active = await this.#files.create(join(this.#dir, name))
    this.#segments.push({first, name, bytes: 0})
    await syncDir(this.#dir)
    // Deleting covered segments is housekeeping: a failure must not fail the appends.
    await this.#dropCovered().catch((error: unknown) => this.#logger.warn(`op log: could not delete covered segments: ${String(error)}`))
  }

  async #sync(fh: FileHandle): Promise<void> {
    this.#dirty = false
    const started = this.#observer ? performance.now() : 0
    await this.#files.sync(fh)
    this.#stats.fsyncs++
    this.#observer?.synced((performance.now() - started) / 1000)
  }

  /** One clock read per batch: the appends of a batch all resolve at the same moment. */
  #observeAppends(written: Waiter[]): void {
    const now = performance.now()
    for (const w of written) (this.#observer as OpLogObserver).appended((now - w.at) / 1000)
  }

  #fail(error: unknown, writing: Waiter[]): void {
    const message = error instanceof Error ? error.message : String(error)
    const errno = (error as NodeJS.ErrnoException).code
    this.#failure = new KvsError('STORAGE_FAILED', `op log write in ${this.#dir} failed: ${message}`, {errno: errno ?? null})
    this.#logger.warn(`${this.#failure.message}: the log takes no more appends (fail-stop)`)
    if (this.#timer) clearInterval(this.#timer)
    for (const w of [...writing, ...this.#waiters]) w.reject(this.#failure)
    this.#waiters = []
    this.#batch.take()
  }
}

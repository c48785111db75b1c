/**
 * Snapshots on disk: <dir>/<coversIndex, 20 digits>.snap, framed like the op log. The
 * first frame is the header {kvsSnapshot: 1, coversIndex, header}, then one frame per
 * record, then a trailer frame of fixed size {kvsSnapshotEnd: 1, coversIndex, records}
 * padded with spaces. A file without a valid header and trailer is incomplete and never read.
 */
import {open, readdir, rename, rm, type FileHandle} from 'node:fs/promises'
import {join} from 'node:path'
import {KvsError} from '../errors.js'
import {makePrivateDir, openPrivate, readAll, syncDir, writeAll} from './durable-fs.js'
import {FrameReader} from './frame-reader.js'
import {FRAME_HEADER_BYTES, FrameBuffer, parseRecord, readFrame} from './record-frame.js'
import type {Snapshots, StorageLog} from './types.js'

const SNAPSHOT_NAME = /^(\d{20})\.snap$/
const TEMP_SUFFIX = '.tmp'
const TRAILER_PAYLOAD_BYTES = 128
const TRAILER_BYTES = FRAME_HEADER_BYTES + TRAILER_PAYLOAD_BYTES
const FLUSH_BYTES = 1 << 20

const snapshotName = (coversIndex: number): string => `${String(coversIndex).padStart(20, '0')}.snap`

/** What a snapshot's writer needs from the op log. */
export interface CompactableLog {
  readonly lastIndex: number
  /** Starts a new segment at entry `index` (or the next one written), so the segments before it can go whole. */
  startSegmentAt(index: number): void
  /** Deletes log segments wholly covered by a durable snapshot at `index`. */
  dropThrough(index: number): Promise<void>
}

export interface RecoveredSnapshot<Header, Rec> {
  coversIndex: number
  header: Header
  /** Re-readable; throws KvsError 'CORRUPT_LOG' if a record or the record count is wrong. */
  records: AsyncIterable<Rec>
}

interface HeaderFrame {
  kvsSnapshot: 1
  coversIndex: number
  header: unknown
}

interface TrailerFrame {
  kvsSnapshotEnd: 1
  coversIndex: number
  records: number
}

export class FileSnapshots<Header, Rec> implements Snapshots<Header, Rec> {
  readonly #dir: string
  readonly #oplog: CompactableLog
  readonly #log: StorageLog
  #newest: number
  #queue: Promise<void> = Promise.resolve()
  #closed = false

  /** `newest` is the coversIndex of the snapshot readNewest() found (0 for none). */
  constructor(dir: string, oplog: CompactableLog, newest: number, log: StorageLog = console) {
    this.#dir = dir
    this.#oplog = oplog
    this.#newest = newest
    this.#log = log
  }

  /**
   * Finds the newest complete snapshot in `dir` (created if missing). Leftover temp files
   * of crashed writes are deleted; .snap files without a valid header and trailer are
   * skipped with a warning (an older complete one is used instead) and deleted by the
   * next write().
   */
  static async readNewest<Header, Rec>(dir: string, log: StorageLog = console): Promise<RecoveredSnapshot<Header, Rec> | null> {
    await makePrivateDir(dir)
    const names = await readdir(dir)
    for (const name of names.filter((n) => n.endsWith(TEMP_SUFFIX))) {
      await rm(join(dir, name), {force: true})
      log.info(`snapshots: deleted ${join(dir, name)}, left by an interrupted snapshot write`)
    }
    const snapshots = names.filter((n) => SNAPSHOT_NAME.test(n)).sort().reverse()
    for (const name of snapshots) {
      const path = join(dir, name)
      const coversIndex = Number(name.slice(0, 20))
      const found = await readEnds(path, coversIndex)
      if (typeof found === 'string') {
        log.warn(`snapshots: ignoring ${path}: ${found}`)
        continue
      }
      const {header, trailer, dataEnd} = found
      return {
        coversIndex,
        header: header.header as Header,
        records: {[Symbol.asyncIterator]: () => readRecords<Rec>(path, dataEnd, trailer.records)},
      }
    }
    return null
  }

  /**
   * See Snapshots.write. After the rename, older snapshots and the log segments wholly
   * covered are deleted; a failure there is only warned about, since the new snapshot is
   * durable and the leftovers are ignored on the next open.
   */
  write(header: Header, records: Iterable<Rec> | AsyncIterable<Rec>, coversIndex: number): Promise<void> {
    // Now, not when the queued write starts: entries appended meanwhile must already go to the new segment.
    if (Number.isSafeInteger(coversIndex) && coversIndex <= this.#oplog.lastIndex) this.#oplog.startSegmentAt(coversIndex + 1)
    const run = this.#queue.then(() => this.#write(header, records, coversIndex))
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** Waits for the snapshot being written; writes not yet started reject with KvsError 'INTERNAL'. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#queue
  }

  async #write(header: Header, records: Iterable<Rec> | AsyncIterable<Rec>, coversIndex: number): Promise<void> {
    if (this.#closed) throw new KvsError('INTERNAL', `snapshots in ${this.#dir} are closed`)
    if (!Number.isSafeInteger(coversIndex) || coversIndex < this.#newest || coversIndex > this.#oplog.lastIndex) {
      throw new KvsError(
        'INTERNAL',
        `a snapshot must cover an index from ${this.#newest} (the newest snapshot) ` +
          `to ${this.#oplog.lastIndex} (the log's last), not ${coversIndex}`,
        {coversIndex},
      )
    }
    const name = snapshotName(coversIndex)
    const temp = join(this.#dir, name + TEMP_SUFFIX)
    const fh = await openPrivate(temp, 'w')
    try {
      await writeSnapshot(fh, {kvsSnapshot: 1, coversIndex, header}, records)
      await fh.close()
    } catch (error) {
      await fh.close().catch(() => undefined)
      await rm(temp, {force: true})
      throw error
    }
    await rename(temp, join(this.#dir, name))
    await syncDir(this.#dir)
    this.#newest = coversIndex

    try {
      for (const other of await readdir(this.#dir)) {
        if (SNAPSHOT_NAME.test(other) && other !== name) await rm(join(this.#dir, other), {force: true})
      }
      await this.#oplog.dropThrough(coversIndex)
    } catch (error) {
      this.#log.warn(`snapshots: snapshot ${name} is written, but deleting what it covers failed: ${String(error)}`)
    }
  }
}

/** Streams the frames out in ~1 MiB writes and fsyncs; the file is complete once this resolves. */
async function writeSnapshot(fh: FileHandle, head: HeaderFrame, records: Iterable<unknown> | AsyncIterable<unknown>): Promise<void> {
  const frames = new FrameBuffer(FLUSH_BYTES + 64 * 1024)
  let position = 0
  const flush = async (): Promise<void> => {
    const chunk = frames.take()
    await writeAll(fh, chunk, position)
    position += chunk.length
  }
  frames.push(head)
  let count = 0
  // A sync iterable is walked without an await per record; either way memory holds one chunk.
  if (Symbol.iterator in records) {
    for (const record of records) {
      frames.push(record)
      count++
      if (frames.length >= FLUSH_BYTES) await flush()
    }
  } else {
    for await (const record of records) {
      frames.push(record)
      count++
      if (frames.length >= FLUSH_BYTES) await flush()
    }
  }
  const trailer: TrailerFrame = {kvsSnapshotEnd: 1, coversIndex: head.coversIndex, records: count}
  // Fixed size, so a reader finds it at (file size - TRAILER_BYTES) without reading the rest.
  frames.push(trailer, TRAILER_PAYLOAD_BYTES)
  await flush()
  await fh.sync()
}

/** Reads and checks the header and trailer of a snapshot file; a string says why it is unusable. */
async function readEnds(
  path: string,
  coversIndex: number,
): Promise<{header: HeaderFrame; trailer: TrailerFrame; dataEnd: number} | string> {
  const fh = await open(path, 'r')
  let dataEnd: number
  let trailer: TrailerFrame
  try {
    const {size} = await fh.stat()
    if (size < FRAME_HEADER_BYTES + 1 + TRAILER_BYTES) return 'it is too short to hold a header and a trailer (the write did not finish)'
    const tail = Buffer.alloc(TRAILER_BYTES)
    await readAll(fh, tail, 0, TRAILER_BYTES, size - TRAILER_BYTES)
    const frame = readFrame(tail, 0)
    const parsed = typeof frame === 'string' || frame.next !== TRAILER_BYTES ? undefined : tryParse(frame.payload)
    if (!isTrailer(parsed, coversIndex)) return 'it has no valid trailer (the write did not finish)'
    trailer = parsed
    dataEnd = size - TRAILER_BYTES
  } finally {
    await fh.close()
  }
  const reader = await FrameReader.open(path, 0, dataEnd)
  try {
    const first = await reader.next()
    const header = first ? tryParse(first[0]) : undefined
    if (!isHeader(header, coversIndex)) return 'it has no valid header'
    return {header, trailer, dataEnd}
  } finally {
    await reader.close()
  }
}

/** The records between the header and the trailer; the header frame is skipped. */
async function* readRecords<Rec>(path: string, dataEnd: number, count: number): AsyncGenerator<Rec> {
  const reader = await FrameReader.open(path, 0, dataEnd)
  try {
    let seen = -1
    for (let batch = await reader.next(); batch; batch = await reader.next()) {
      for (const payload of batch) {
        if (seen >= 0) yield parseRecord(payload, () => `snapshot ${path}, record ${seen}`) as Rec
        seen++
      }
    }
    const {validEnd, stop} = reader.result
    if (stop !== 'end') {
      throw new KvsError('CORRUPT_LOG', `snapshot ${path} at byte ${validEnd}: a record is damaged`, {snapshot: path, offset: validEnd})
    }
    if (seen !== count) {
      throw new KvsError('CORRUPT_LOG', `snapshot ${path} holds ${seen} records but its trailer says ${count}`, {snapshot: path})
    }
  } finally {
    await reader.close()
  }
}

function tryParse(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'))
  } catch {
    return undefined
  }
}

function isHeader(value: unknown, coversIndex: number): value is HeaderFrame {
  const v = value as HeaderFrame | undefined
  return typeof v === 'object' && v !== null && v.kvsSnapshot === 1 && v.coversIndex === coversIndex
}

function isTrailer(value: unknown, coversIndex: number): value is TrailerFrame {
  const v = value as TrailerFrame | undefined
  return typeof v === 'object' && v !== null && v.kvsSnapshotEnd === 1 && v.coversIndex === coversIndex && Number.isSafeInteger(v.records)
}

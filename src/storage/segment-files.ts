/**
 * Reading the op log's segment files when the log is opened (op-log.ts): their names, a
 * scan that counts valid frames and says where and why it stopped, the search for a valid
 * frame after a bad one (corruption in the middle, not a torn tail), and the replay of
 * entries. Reads only; the log decides what to repair.
 */
import {open} from 'node:fs/promises'
import {join} from 'node:path'
import {KvsError} from '../errors.js'
import {readAll} from './durable-fs.js'
import {FrameReader} from './frame-reader.js'
import {findFrame, parseRecord, type FrameStop} from './record-frame.js'

export const SEGMENT_NAME = /^(\d{20})\.seg$/

export const segmentName = (first: number): string => `${String(first).padStart(20, '0')}.seg`

export interface Segment {
  first: number
  name: string
  /** Bytes of valid frames in the file. */
  bytes: number
}

export interface RecoveredSegment extends Segment {
  count: number
}

export function describe(stop: FrameStop): string {
  return stop === 'torn' ? 'a record runs past the end of the file' : 'a record fails its CRC check'
}

export async function scanSegment(path: string): Promise<{count: number; validEnd: number; stop: FrameStop}> {
  const reader = await FrameReader.open(path)
  try {
    let count = 0
    for (let batch = await reader.next(); batch; batch = await reader.next()) count += batch.length
    return {count, ...reader.result}
  } finally {
    await reader.close()
  }
}

/** Where the first valid frame after the bad one at `badAt` starts, or -1. Reads the rest of the file at once. */
export async function findFrameAfter(path: string, badAt: number): Promise<number> {
  const fh = await open(path, 'r')
  try {
    const {size} = await fh.stat()
    const from = badAt + 1
    if (size <= from) return -1
    const rest = Buffer.allocUnsafe(size - from)
    const read = await readAll(fh, rest, 0, rest.length, from)
    const found = findFrame(rest.subarray(0, read), 0)
    return found < 0 ? -1 : from + found
  } finally {
    await fh.close()
  }
}

/** Entries from index `from` to the end of `segments` (the state found at open). */
export async function* readEntries<Entry>(dir: string, segments: RecoveredSegment[], from: number): AsyncGenerator<{index: number; entry: Entry}> {
  for (const segment of segments) {
    if (segment.first + segment.count <= from) continue
    const path = join(dir, segment.name)
    const reader = await FrameReader.open(path, 0, segment.bytes)
    try {
      let index = segment.first
      for (let batch = await reader.next(); batch; batch = await reader.next()) {
        for (const payload of batch) {
          if (index >= from) yield {index, entry: parseRecord(payload, () => `op log segment ${path}, index ${index}`) as Entry}
          index++
        }
      }
      const {validEnd} = reader.result
      if (index !== segment.first + segment.count) {
        const message = `op log segment ${path} at byte ${validEnd}: a record became unreadable after the log was opened`
        throw new KvsError('CORRUPT_LOG', message, {segment: path, offset: validEnd})
      }
    } finally {
      await reader.close()
    }
  }
}

/**
 * How records sit in op-log segments and snapshot files: [u32 LE length][u32 LE crc32 of
 * payload][payload], the payload being the record's JSON in UTF-8. Pure functions, and
 * FrameBuffer, which frames a batch of records into one buffer.
 *
 * A frame is valid when its header is complete, its length is at least 1 (no JSON text is
 * empty, so zero-filled space never reads as records), its payload lies inside the buffer
 * and the payload's CRC-32 matches.
 */
import {KvsError} from '../errors.js'
import {crc32} from './crc32.js'

export const FRAME_HEADER_BYTES = 8

/**
 * Why reading stopped: 'end' = the buffer ends exactly after a valid frame (or is empty);
 * 'torn' = the buffer ends inside a frame (its header or payload is incomplete);
 * 'crc-mismatch' = a complete frame is not valid (CRC differs, or its length is zero).
 */
export type FrameStop = 'end' | 'torn' | 'crc-mismatch'

export interface DecodedFrames {
  /** Payloads of the valid frames, in order; views into the decoded buffer, not copies. */
  payloads: Buffer[]
  /** Length of the valid prefix: the offset where the first invalid frame (or the end) starts. */
  validBytes: number
  stop: FrameStop
}

/**
 * Frames records back to back in one growing buffer, so that a batch of records costs one
 * allocation (amortized) and one write, with no per-record Buffer.
 */
export class FrameBuffer {
  readonly #capacity: number
  #buf = Buffer.alloc(0)
  #length = 0

  /** `capacity`: bytes allocated at the first push after construction or take(). */
  constructor(capacity = 1024) {
    this.#capacity = capacity
  }

  /** Bytes of the frames pushed since the last take(). */
  get length(): number {
    return this.#length
  }

  /**
   * Appends the frame of `value`, its JSON padded with trailing spaces to at least `padTo`
   * bytes (for fixed-size frames). Throws TypeError, appending nothing, if `value` has no
   * JSON form (undefined, a function) or cannot be serialized (a cycle, a BigInt).
   */
  push(value: unknown, padTo = 0): void {
    const text: string | undefined = JSON.stringify(value)
    if (text === undefined) throw new TypeError(`a ${typeof value} cannot be stored as a record`)
    const json = text.padEnd(padTo)
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    this.#reserve(FRAME_HEADER_BYTES + 3 * json.length)
    const at = this.#length
    const start = at + FRAME_HEADER_BYTES
    const length = this.#buf.write(json, start, 'utf8')
    this.#buf.writeUInt32LE(length, at)
    this.#buf.writeUInt32LE(crc32(this.#buf, start, start + length), at + 4)
    this.#length = start + length
  }

  /** The frames pushed so far; the buffer starts empty again and never touches the returned bytes. */
  take(): Buffer {
    const frames = this.#buf.subarray(0, this.#length)
    this.#buf = Buffer.alloc(0)
    this.#length = 0
    return frames
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.#capacity, 2 * this.#buf.length, this.#length + bytes))
    this.#buf.copy(grown, 0, 0, this.#length)
    this.#buf = grown
  }
}

/** Reads the frame starting at `offset`: its payload and where the next frame starts, or why there is none. */
export function readFrame(buf: Buffer, offset: number): {payload: Buffer; next: number} | FrameStop {
  if (offset === buf.length) return 'end'
  if (buf.length - offset < FRAME_HEADER_BYTES) return 'torn'
  const length = buf.readUInt32LE(offset)
  if (length === 0) return 'crc-mismatch'
  const start = offset + FRAME_HEADER_BYTES
  if (buf.length - start < length) return 'torn'
  if (crc32(buf, start, start + length) !== buf.readUInt32LE(offset + 4)) return 'crc-mismatch'
  return {payload: buf.subarray(start, start + length), next: start + length}
}

/** Walks `buf` from its start and returns every valid frame up to the first invalid one. */
export function decodeFrames(buf: Buffer): DecodedFrames {
  const payloads: Buffer[] = []
  let offset = 0
  for (;;) {
    const frame = readFrame(buf, offset)
    if (typeof frame === 'string') return {payloads, validBytes: offset, stop: frame}
    payloads.push(frame.payload)
    offset = frame.next
  }
}

/**
 * The first offset at or after `from` where a valid frame starts, or -1. Used to tell a torn
 * tail (nothing valid after the bad frame) from damage in the middle of a file.
 */
export function findFrame(buf: Buffer, from: number): number {
  for (let offset = from; offset + FRAME_HEADER_BYTES < buf.length; offset++) {
    if (typeof readFrame(buf, offset) !== 'string') return offset
  }
  return -1
}

/**
 * Parses a valid frame's payload. A payload whose CRC matched but is not JSON was never
 * written by kvs, so it is reported as corruption; `where` names the record.
 */
export function parseRecord(payload: Buffer, where: () => string): unknown {
  try {
    return JSON.parse(payload.toString('utf8'))
  } catch {
    throw new KvsError('CORRUPT_LOG', `${where()}: a record is not valid JSON`)
  }
}

/**
 * Streams the frames of one region of a file, a chunk at a time, so that segments and
 * snapshots of any size are read in bounded memory (a chunk, or one frame if larger).
 */
import {open, type FileHandle} from 'node:fs/promises'
import {readAll} from './durable-fs.js'
import {decodeFrames, FRAME_HEADER_BYTES, type FrameStop} from './record-frame.js'

const CHUNK_BYTES = 1 << 20

export class FrameReader {
  readonly #fh: FileHandle
  #end: number
  /** File offset of #buf[0]; everything before it has been returned. */
  #pos: number
  #buf: Buffer = Buffer.alloc(0)
  #stop: FrameStop | null = null

  private constructor(fh: FileHandle, start: number, end: number) {
    this.#fh = fh
    this.#pos = start
    this.#end = end
  }

  /** Opens `path` to read the frames in [start, end); `end` defaults to (and is capped at) the file size. */
  static async open(path: string, start = 0, end = Infinity): Promise<FrameReader> {
    const fh = await open(path, 'r')
    try {
      const {size} = await fh.stat()
      return new FrameReader(fh, start, Math.min(end, size))
    } catch (error) {
      await fh.close()
      throw error
    }
  }

  /** The payloads of the next valid frames, in order; null once the region ends or a bad frame is reached. */
  async next(): Promise<Buffer[] | null> {
    while (this.#stop === null) {
      const decoded = decodeFrames(this.#buf)
      const exhausted = this.#pos + this.#buf.length >= this.#end
      this.#pos += decoded.validBytes
      this.#buf = this.#buf.subarray(decoded.validBytes)
      if (decoded.stop === 'crc-mismatch' || exhausted) this.#stop = decoded.stop
      if (decoded.payloads.length > 0) return decoded.payloads
      if (this.#stop === null) await this.#readMore()
    }
    return null
  }

  /** Once next() returned null: the offset where the valid frames end, and why reading stopped there. */
  get result(): {validEnd: number; stop: FrameStop} {
    if (this.#stop === null) throw new Error('FrameReader.result read before the reader finished')
    return {validEnd: this.#pos, stop: this.#stop}
  }

  close(): Promise<void> {
    return this.#fh.close()
  }

  async #readMore(): Promise<void> {
    const have = this.#buf.length
    // Read at least the rest of the frame that is cut off, so a large frame costs one read.
    const missing = have >= FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES + this.#buf.readUInt32LE(0) - have : FRAME_HEADER_BYTES - have
    const from = this.#pos + have
    const length = Math.min(Math.max(CHUNK_BYTES, missing), this.#end - from)
    const next = Buffer.allocUnsafe(have + length)
    this.#buf.copy(next, 0)
    const read = await readAll(this.#fh, next, have, length, from)
    this.#buf = next.subarray(0, have + read)
    // The file is shorter than when it was opened: its end is now the region's end.
    if (read < length) this.#end = from + read
  }
}

/**
 * The I/O of the bulk commands: reading a whole NDJSON input (ndjson.ts parses it), the
 * progress bar of `kvs load`, and writing `kvs dump`'s lines to stdout at the pace it drains.
 */
import {createReadStream} from 'node:fs'
import {isKvsError, KvsError} from '../errors.js'
import {LineSplitter, LoadRecords, parseLine} from './ndjson.js'

export interface LoadInput {
  /** Keys, each once, and their values; a key given twice holds its last value. */
  records: {keys: string[]; values: string[]}
  lines: number
}

/**
 * Reads and checks all of `file` (`-`: stdin) before anything is written, so a malformed
 * line (USAGE, naming it) leaves the store untouched.
 */
export async function readLoadInput(file: string): Promise<LoadInput> {
  const stream = file === '-' ? process.stdin : createReadStream(file)
  stream.setEncoding('utf8')
  const records = new LoadRecords()
  const splitter = new LineSplitter()
  const add = (text: string, line: number) => {
    const record = parseLine(text, line)
    if (record) records.add(record.key, record.value)
  }
  try {
    for await (const chunk of stream) splitter.push(chunk as string, add)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (isKvsError(error) || code === undefined) throw error
    throw new KvsError('USAGE', `Cannot read ${file}: ${code}`, {file})
  }
  splitter.end(add)
  return {records: records.finish(), lines: splitter.lines}
}

/** `[######------] 50% 1,000/2,000 keys`: `width` cells, filled in proportion to `done`. */
export function progressBar(done: number, total: number, width = 24): string {
  const share = total === 0 ? 1 : Math.min(1, done / total)
  const filled = Math.round(share * width)
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(share * 100)}% ${grouped(done)}/${grouped(total)} keys`
}

/** 200000 as 200,000; toLocaleString would load ICU's data first (about 20 ms of a command's start). */
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')

/** Writes `text` to stdout, resolving once stdout can take more (a slow pipe holds the dump back). */
export function writeOut(text: string): Promise<void> {
  if (process.stdout.write(text)) return Promise.resolve()
  return new Promise((resolve) => process.stdout.once('drain', resolve))
}

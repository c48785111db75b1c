/**
 * The NDJSON of `kvs load` and `kvs dump`: one `{"key":"…","value":"…"}` object per line.
 * Pure: lines are split from text chunks and parsed here; a malformed line is a usage error
 * (exit 2) that names its number (1-based, blank lines counted) and what is wrong with it.
 */
import {KvsError} from '../errors.js'

export interface KeyValue {
  key: string
  value: string
}

/** API.md: a key has 1 to 50 characters. */
export const maxKeyLength = 50
/** A longer line could not be written anyway: a node takes bodies of at most 1 MiB per value. */
export const maxLineChars = 1024 * 1024

const canonicalHead = '{"key":"'
const canonicalMiddle = '","value":"'
/** formatLine()'s form with no quote, backslash or control character inside the key or value. */
const canonicalLine = new RegExp(`^\\{"key":"[^"\\\\\\u0000-\\u001f]{1,${maxKeyLength}}","value":"[^"\\\\\\u0000-\\u001f]*"\\}$`)

/**
 * The record of a line in the form formatLine() writes, `{"key":"K","value":"V"}`, with no
 * escape in K or V: cut out of the line, as JSON.parse would read it, at a fraction of the
 * cost (a load reads every line before it writes). Null for any other line.
 */
function canonicalRecord(text: string): KeyValue | null {
  if (!canonicalLine.test(text)) return null
  const middle = text.indexOf(canonicalMiddle, canonicalHead.length)
  return {key: text.slice(canonicalHead.length, middle), value: text.slice(middle + canonicalMiddle.length, text.length - 2)}
}

/** The record on line `line`; null for a blank line. Throws USAGE naming the line when malformed. */
export function parseLine(text: string, line: number): KeyValue | null {
  if (text.length > maxLineChars) throw malformedLine(line, `it is longer than ${maxLineChars} characters`)
  const canonical = canonicalRecord(text)
  if (canonical) return canonical
  if (text.trim() === '') return null
  let record: unknown
  try {
    record = JSON.parse(text)
  } catch {
    throw malformedLine(line, 'it is not JSON')
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw malformedLine(line, 'it is not a JSON object')
  const {key, value} = record as Record<string, unknown>
  if (typeof key !== 'string') throw malformedLine(line, '"key" must be a string')
  if (key.length === 0 || key.length > maxKeyLength) throw malformedLine(line, `"key" must have 1 to ${maxKeyLength} characters (it has ${key.length})`)
  if (typeof value !== 'string') throw malformedLine(line, '"value" must be a string')
  const extra = Object.keys(record).find((k) => k !== 'key' && k !== 'value')
  if (extra !== undefined) throw malformedLine(line, `unknown field "${extra}"`)
  return {key, value}
}

/**
 * The records of a load in input order, in the two columns its batches are cut from (no
 * object per record); a key given twice holds its last value, at the place of its last
 * line. Inputs rarely repeat a key: a Set tells repeats apart, and only repeated keys are
 * looked up again at the end.
 */
export class LoadRecords {
  readonly keys: string[] = []
  readonly values: string[] = []
  private readonly seen = new Set<string>()
  /** Key -> the index of its last record, for keys given more than once. */
  private repeated: Map<string, number> | null = null

  add(key: string, value: string): void {
    const before = this.seen.size
    this.seen.add(key)
    if (this.seen.size === before) (this.repeated ??= new Map()).set(key, this.keys.length)
    this.keys.push(key)
    this.values.push(value)
  }

  /** Drops every record of a repeated key but its last. Call once, after the last add(). */
  finish(): {keys: string[]; values: string[]} {
    const repeated = this.repeated
    if (!repeated) return {keys: this.keys, values: this.values}
    const keys: string[] = []
    const values: string[] = []
    for (let i = 0; i < this.keys.length; i++) {
      const last = repeated.get(this.keys[i])
      if (last !== undefined && last !== i) continue
      keys.push(this.keys[i])
      values.push(this.values[i])
    }
    return {keys, values}
  }
}

/** What JSON.stringify escapes in a string, surrogates counted whether paired or not (a dump writes every key). */
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/

/** One line of NDJSON for `record` (keys and values escaped as JSON strings). */
export const formatLine = (key: string, value: string): string =>
  needsEscape.test(key) || needsEscape.test(value) ? `{"key":${JSON.stringify(key)},"value":${JSON.stringify(value)}}\n` : `{"key":"${key}","value":"${value}"}\n`

/**
 * Splits text arriving in chunks into lines (LF or CRLF), numbered from 1. A line still
 * incomplete that grows past maxLineChars is refused at once, not buffered without bound.
 */
export class LineSplitter {
  private rest = ''
  private count = 0

  /** Lines read so far, blank ones included. */
  get lines(): number {
    return this.count
  }

  push(chunk: string, emit: (text: string, line: number) => void): void {
    let text = this.rest + chunk
    let start = 0
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
      emit(text.slice(start, end), ++this.count)
      start = nl + 1
    }
    text = text.slice(start)
    if (text.length > maxLineChars + 1) throw malformedLine(this.count + 1, `it is longer than ${maxLineChars} characters`)
    this.rest = text
  }

  /** The last line, when the text does not end with a newline. */
  end(emit: (text: string, line: number) => void): void {
    if (this.rest !== '') emit(this.rest, ++this.count)
    this.rest = ''
  }
}

function malformedLine(line: number, why: string): KvsError {
  return new KvsError('USAGE', `Line ${line} is malformed: ${why}`, {line})
}

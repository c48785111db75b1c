/**
 * What `kvs load` and `kvs dump` do once their command line is parsed, shared by the oclif
 * commands and their fast path (fast-path.ts), so both run the same code.
 */
import type {BulkClient, DumpResult, LoadResult} from '../client/bulk-client.js'
import {progressBar, readLoadInput, writeOut} from './bulk-io.js'
import {formatLine} from './ndjson.js'
import {lines, type HumanOutput} from './printer.js'
import type {Spinner} from './spinner.js'

export type LoadCommandResult = LoadResult & {source: string; lines: number}

/**
 * Reads and checks all of `file` (`-`: stdin), then connects and writes it, with progress
 * on the spinner `spin` shows (redrawn as batches land when `animated`).
 */
export async function loadFile(
  file: string,
  connect: () => Promise<BulkClient>,
  spin: (text: string) => Promise<Spinner>,
  animated: boolean,
): Promise<LoadCommandResult> {
  const {records, lines: read} = await readLoadInput(file)
  const client = await connect()
  const total = records.keys.length
  const spinner = await spin(`Loading ${progressBar(0, total)}`)
  try {
    const result = await client.load(records, (written) => animated && spinner.update(`Loading ${progressBar(written, total)}`))
    spinner.succeed(`Loaded ${progressBar(result.keys, total)}`)
    return {...result, source: file, lines: read}
  } finally {
    await client.saveSession()
  }
}

export function presentLoad(result: LoadCommandResult): HumanOutput {
  const from = result.source === '-' ? 'stdin' : result.source
  return lines(`Loaded ${result.keys} keys from ${from} (${result.lines} lines) in ${result.seconds.toFixed(2)} s: ${result.keysPerSecond} keys/s`)
}

/** Writes every key starting with `prefix` to stdout as NDJSON, at the pace stdout drains; the count goes to stderr. */
export async function dumpKeys(prefix: string, client: BulkClient): Promise<DumpResult> {
  const started = performance.now()
  let keys = 0
  let bytes = 0
  try {
    await client.scan({prefix, values: true}, async (page, values) => {
      let text = ''
      for (let i = 0; i < page.length; i++) text += formatLine(page[i], (values as string[])[i])
      keys += page.length
      bytes += Buffer.byteLength(text)
      await writeOut(text)
    })
  } finally {
    await client.saveSession()
  }
  const seconds = (performance.now() - started) / 1000
  const result = {keys, bytes, seconds, keysPerSecond: Math.round(keys / Math.max(seconds, 1e-3))}
  process.stderr.write(`Dumped ${keys} keys (${bytes} bytes) in ${seconds.toFixed(2)} s: ${result.keysPerSecond} keys/s\n`)
  return result
}

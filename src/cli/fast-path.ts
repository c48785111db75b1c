/**
 * `kvs get`, `kvs load` and `kvs dump` without oclif. Scripts call `kvs get` in loops, and
 * loading oclif and its plugins costs about 100 ms, three times what a read does and a
 * tenth of a 200,000-key load or dump; so bin/run.js hands these command lines here first.
 * Only lines this parser understands entirely are run here, and they run the way the oclif
 * commands run them (same client, same code, same output, failures and exit codes);
 * anything else (help, a mistake, an unknown flag, a load that would draw a progress bar)
 * is left to oclif, so every message about the command line still comes from one place.
 */
import type {GetResult} from '../client/api-types.js'
import {BulkClient} from '../client/bulk-client.js'
import type {KvsClient} from '../client/kvs-client.js'
import {dumpKeys, loadFile, presentLoad} from './bulk-commands.js'
import {clientOptions, connectClient, maxTimeoutMs, type ConnectOptions} from './connect.js'
import {printFailure} from './failure.js'
import {lines, renderHuman, renderJson, type HumanOutput} from './printer.js'
import {spinnerEnabled, startSpinner} from './spinner.js'

/** The flags every fast command takes, as oclif would parse them. */
interface CommonFlags {
  json: boolean
  node?: string
  timeout?: number
  token?: string
  session: boolean
}

export interface GetLine extends CommonFlags {
  key: string
  /** `-o value`: the value only, raw. */
  raw: boolean
}

export type FastLine =
  | ({command: 'get'} & GetLine)
  | ({command: 'load'; file: string} & CommonFlags)
  | ({command: 'dump'; prefix: string} & CommonFlags)

/** What each command takes besides --node, --timeout, --token and --session/--no-session. */
const shapes = {
  get: {argument: 'required', json: true, output: true, prefix: false},
  // `-` (stdin) is the default file, and may be given.
  load: {argument: 'optional', json: true, output: false, prefix: false},
  dump: {argument: 'none', json: false, output: false, prefix: true},
} as const

/** How `kvs get` shows a result to a human (the oclif command uses it too). */
export function presentGet(result: GetResult, raw: boolean): HumanOutput {
  if (raw) return {kind: 'raw', text: result.value}
  return lines(`${result.key} = ${result.value}`)
}

/**
 * The command line after `kvs` when the fast path can run it, else null. Accepted: the
 * command's argument (a key for get; a file or `-` for load; none for dump), and at most once
 * each `--node V`/`--node=V`, `--timeout MS`/`--timeout=MS`, `--token T`/`--token=T`,
 * `--session`/`--no-session`; `--json` (get, load); `-o value`/`--output value`/`--output=value`
 * (get); `--prefix P`/`--prefix=P` (dump).
 */
export function parseFastLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  /** Whether a spinner would be drawn, given --json (spinner.ts: on terminals only). */
  animates: (json: boolean) => boolean = spinnerEnabled,
): FastLine | null {
  const command = argv[0]
  if (command !== 'get' && command !== 'load' && command !== 'dump') return null
  // oclif turns --json on from this variable as well; leave that case to it.
  if (env.KVS_CONTENT_TYPE !== undefined) return null
  const shape = shapes[command]
  const flags: CommonFlags & {raw: boolean} = {session: true, json: false, raw: false}
  let argument: string | undefined
  let prefix = ''
  const seen = new Set<string>()
  const once = (name: string) => !seen.has(name) && Boolean(seen.add(name))
  for (let i = 1; i < argv.length; i++) {
    const token = argv[i]
    if (!token.startsWith('-') || (token === '-' && command === 'load')) {
      if (argument !== undefined || shape.argument === 'none') return null
      argument = token
      continue
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1
    const name = eq === -1 ? token : token.slice(0, eq)
    const valueOf = (): string | null => {
      const value = eq === -1 ? argv[++i] : token.slice(eq + 1)
      return value === undefined || value === '' || value.startsWith('-') ? null : value
    }
    switch (name) {
      case '--json':
        if (!shape.json || eq !== -1 || !once('json')) return null
        flags.json = true
        break
      case '--session':
      case '--no-session':
        if (eq !== -1 || !once('session')) return null
        flags.session = name === '--session'
        break
      case '--node': {
        const value = valueOf()
        if (value === null || !once('node')) return null
        flags.node = value
        break
      }
      case '--timeout': {
        const value = valueOf()
        if (value === null || !/^[1-9]\d{0,9}$/.test(value) || Number(value) > maxTimeoutMs || !once('timeout')) return null
        flags.timeout = Number(value)
        break
      }
      case '--token': {
        const value = valueOf()
        if (value === null || !once('token')) return null
        flags.token = value
        break
      }
      case '--prefix': {
        const value = valueOf()
        if (!shape.prefix || value === null || !once('prefix')) return null
        prefix = value
        break
      }
      case '-o':
      case '--output':
        if (!shape.output || valueOf() !== 'value' || !once('output')) return null
        flags.raw = true
        break
      default:
        return null
    }
  }
  const {raw, ...common} = flags
  if (command === 'get') {
    // oclif refuses -o together with --json.
    if (argument === undefined || (raw && flags.json)) return null
    return {command, key: argument, raw, ...common}
  }
  // A load on a terminal draws a progress bar (ora); oclif's command does that.
  if (command === 'load') return animates(flags.json) ? null : {command, file: argument ?? '-', ...common}
  return {command, prefix, ...common}
}

/** The argument and flags of a `kvs get` line the fast path runs (see parseFastLine), else null. */
export function parseGetLine(argv: readonly string[], env: NodeJS.ProcessEnv): GetLine | null {
  const line = parseFastLine(['get', ...argv], env)
  if (line?.command !== 'get') return null
  const {command: _, ...get} = line
  return get
}

/** Runs a parsed line as the oclif command would; sets process.exitCode on failure. */
export async function runFast(line: FastLine): Promise<void> {
  const connection: ConnectOptions = {
    node: line.node,
    session: line.session,
    timeout: line.timeout,
    token: line.token,
    onNote: (text) => process.stderr.write(`note: ${text}\n`),
  }
  let client: KvsClient | BulkClient | null = null
  try {
    if (line.command === 'get') {
      const keys = (client = await connectClient(connection))
      const result = await keys.get(line.key)
      process.stdout.write(line.json ? renderJson(result) : renderHuman(presentGet(result, line.raw)))
    } else if (line.command === 'load') {
      const connect = async () => (client = new BulkClient(await clientOptions(connection)))
      const result = await loadFile(line.file, connect, (text) => startSpinner(text, false), false)
      process.stdout.write(line.json ? renderJson(result) : renderHuman(presentLoad(result)))
    } else {
      await dumpKeys(line.prefix, (client = new BulkClient(await clientOptions(connection))))
    }
  } catch (error) {
    printFailure(error, line.json)
  } finally {
    await client?.close()
  }
}

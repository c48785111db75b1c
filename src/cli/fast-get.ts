/**
 * `kvs get KEY` without oclif. Scripts call `kvs get` in loops, and loading oclif and every
 * plugin costs about three times what the request itself does, so bin/run.js hands a `get`
 * command line here first. Only lines this parser understands entirely are run here, and
 * they run the way the oclif command runs them (same client, same output, same failures and
 * exit codes); anything else (help, a mistake, an unknown flag) is left to oclif, so every
 * message about the command line still comes from one place.
 */
import type {GetResult} from '../client/api-types.js'
import type {KvsClient} from '../client/kvs-client.js'
import {connectClient, maxTimeoutMs} from './connect.js'
import {printFailure} from './failure.js'
import {lines, renderHuman, renderJson, type HumanOutput} from './printer.js'

export interface GetLine {
  key: string
  json: boolean
  node?: string
  timeout?: number
  token?: string
  session: boolean
  /** `-o value`: the value only, raw. */
  raw: boolean
}

/** How `kvs get` shows a result to a human (the oclif command uses it too). */
export function presentGet(result: GetResult, raw: boolean): HumanOutput {
  if (raw) return {kind: 'raw', text: result.value}
  return lines(`${result.key} = ${result.value}`)
}

/**
 * The arguments after `get` when the fast path can run them, else null. Accepted: one key
 * not starting with '-', and at most once each `--json`, `--node V`/`--node=V`, `--timeout
 * MS`/`--timeout=MS`, `--token T`/`--token=T`, `--session`/`--no-session`, `-o value`/`--output value`/`--output=value`.
 */
export function parseGetLine(argv: readonly string[], env: NodeJS.ProcessEnv): GetLine | null {
  // oclif turns --json on from this variable as well; leave that case to it.
  if (env.KVS_CONTENT_TYPE !== undefined) return null
  const line: Partial<GetLine> & {session: boolean; json: boolean; raw: boolean} = {session: true, json: false, raw: false}
  const seen = new Set<string>()
  const once = (name: string) => !seen.has(name) && Boolean(seen.add(name))
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    if (!token.startsWith('-')) {
      if (line.key !== undefined) return null
      line.key = token
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
        if (eq !== -1 || !once('json')) return null
        line.json = true
        break
      case '--session':
      case '--no-session':
        if (eq !== -1 || !once('session')) return null
        line.session = name === '--session'
        break
      case '--node': {
        const value = valueOf()
        if (value === null || !once('node')) return null
        line.node = value
        break
      }
      case '--timeout': {
        const value = valueOf()
        if (value === null || !/^[1-9]\d{0,9}$/.test(value) || Number(value) > maxTimeoutMs || !once('timeout')) return null
        line.timeout = Number(value)
        break
      }
      case '--token': {
        const value = valueOf()
        if (value === null || !once('token')) return null
        line.token = value
        break
      }
      case '-o':
      case '--output':
        if (valueOf() !== 'value' || !once('output')) return null
        line.raw = true
        break
      default:
        return null
    }
  }
  // oclif refuses -o together with --json.
  if (line.key === undefined || (line.raw && line.json)) return null
  return {...line, key: line.key}
}

/** Runs a parsed `kvs get` as the oclif command would; sets process.exitCode on failure. */
export async function runGet(line: GetLine): Promise<void> {
  let client: KvsClient | null = null
  try {
    client = await connectClient({
      node: line.node,
      session: line.session,
      timeout: line.timeout,
      token: line.token,
      onNote: (text) => process.stderr.write(`note: ${text}\n`),
    })
    const result = await client.get(line.key)
    process.stdout.write(line.json ? renderJson(result) : renderHuman(presentGet(result, line.raw)))
  } catch (error) {
    printFailure(error, line.json)
  } finally {
    await client?.close()
  }
}

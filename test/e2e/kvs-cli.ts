/**
 * Runs the built `kvs` binary (bin/run.js) as a child process, the way an operator or a
 * script would, with KVS_HOME (and the oclif cache) in a temp directory so tests never
 * touch the user's cluster or session. A CLI process that outlives its deadline is
 * SIGKILLed by the pid this helper spawned.
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const runScript = join(repoRoot, 'bin', 'run.js')

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  /** Written to the CLI's stdin, which is then closed. */
  input?: string
  env?: Record<string, string | undefined>
  /** The CLI is killed after this long (a reshard or cluster up may take a while). */
  timeoutMs?: number
}

export function assertBuilt(): void {
  if (!existsSync(join(repoRoot, 'dist', 'commands', 'put.js')) || !existsSync(join(repoRoot, '.oclif.manifest.json'))) {
    throw new Error('the CLI is not built: run `npm run build` before the e2e tests')
  }
}

export class KvsCli {
  constructor(private readonly home: string) {}

  run(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
    const env: NodeJS.ProcessEnv = {...process.env, KVS_HOME: this.home, XDG_CACHE_HOME: join(this.home, 'cache'), ...options.env}
    // Node selection must come from the local cluster unless a test says otherwise.
    if (!options.env || !('KVS_NODE' in options.env)) delete env.KVS_NODE
    for (const name of ['SOCKET_ADDRESS', 'VIEW', 'SHARD_COUNT', 'KVS_DATA_DIR']) delete env[name]
    const child = spawn(process.execPath, [runScript, ...args], {cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdin.end(options.input ?? '')
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    return new Promise((resolvePromise, reject) => {
      child.once('error', reject)
      child.once('close', (code) => {
        clearTimeout(timer)
        resolvePromise({code, stdout, stderr})
      })
    })
  }

  /** Runs with --json and parses stdout, which must be exactly one JSON document. */
  async json<T = Record<string, unknown>>(args: readonly string[], options: CliOptions = {}): Promise<{code: number | null; doc: T; stderr: string}> {
    const result = await this.run([...args, '--json'], options)
    let doc: T
    try {
      doc = JSON.parse(result.stdout) as T
    } catch {
      throw new Error(`kvs ${args.join(' ')} --json did not print one JSON document.\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
    }
    return {code: result.code, doc, stderr: result.stderr}
  }
}

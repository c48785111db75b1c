/**
 * Node processes on this machine, addressed only by the pid the registry recorded:
 * starting one in the background, asking whether it still runs, stopping it.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {waitFor} from '../wait-for.js'

/** Harness convention (API.md section 1): SIGTERM, then SIGKILL after 10 s. */
export const stopGraceMs = 10_000

const exitPollMs = 100

/**
 * Environment a node reads (API.md section 1, and the tokens); detached nodes get all of it
 * as flags instead, and their tokens in `env` (never as arguments, which any user can list).
 */
const nodeEnvironment = ['SOCKET_ADDRESS', 'VIEW', 'SHARD_COUNT', 'KVS_LISTEN', 'KVS_DATA_DIR', 'KVS_FSYNC', 'KVS_TOKEN', 'KVS_CLUSTER_TOKEN', 'KVS_TOKEN_FILE', 'KVS_CLUSTER_TOKEN_FILE']

/**
 * Starts `node <runScript> node start <args>` in its own process group, detached from this
 * one, with stdout and stderr appended to `logFile`. The caller must record the pid.
 * `execArgv` goes to Node itself (the benchmark's --cpu-prof); `env` replaces this
 * process's environment as the base the node's own settings are taken out of, and
 * `settings` (its tokens) are added after.
 */
export function spawnDetachedNode(
  runScript: string,
  args: readonly string[],
  options: {cwd: string; logFile: string; execArgv?: readonly string[]; env?: NodeJS.ProcessEnv; settings?: Readonly<Record<string, string>>},
): ChildProcess {
  const env = {...(options.env ?? process.env)}
  for (const name of nodeEnvironment) delete env[name]
  Object.assign(env, options.settings)
  return spawnDetached([...(options.execArgv ?? []), runScript, 'node', 'start', ...args], {cwd: options.cwd, logFile: options.logFile, env})
}

/**
 * Starts `node <args>` in its own process group, detached from this one, with stdout and
 * stderr appended to `logFile`; the caller must keep the pid to stop it.
 */
export function spawnDetached(args: readonly string[], options: {cwd: string; logFile: string; env: NodeJS.ProcessEnv}): ChildProcess {
  const log = openSync(options.logFile, 'a')
  try {
    const child = spawn(process.execPath, args, {cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', log, log]})
    child.unref()
    return child
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(log)
  }
}

/** True while `pid` is a live process (a zombie counts as exited). */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const stat = await readProc(pid, 'stat')
  // Field 3 of /proc/<pid>/stat is the state; the command name before it may hold spaces.
  return stat === null || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
}

/**
 * Guards against pid reuse: true when `pid` still runs `bin/run.js node start`. Where
 * /proc is unavailable the recorded pid is trusted.
 */
export async function isKvsNode(pid: number): Promise<boolean> {
  const cmdline = await readProc(pid, 'cmdline')
  if (cmdline === null) return true
  const args = cmdline.split('\0')
  const start = args.findIndex((a) => a === 'node')
  return args.some((a) => a.endsWith('run.js')) && start >= 0 && args[start + 1] === 'start'
}

/**
 * Sends SIGTERM and waits for the exit; sends SIGKILL after `graceMs`. Resolves with the
 * last signal sent, or null when the process was already gone.
 */
export async function stopProcess(pid: number, graceMs: number = stopGraceMs): Promise<'SIGTERM' | 'SIGKILL' | null> {
  if (!(await signal(pid, 'SIGTERM'))) return null
  if (await waitForExit(pid, graceMs)) return 'SIGTERM'
  await signal(pid, 'SIGKILL')
  await waitForExit(pid, graceMs)
  return 'SIGKILL'
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  return waitFor(async () => !(await isRunning(pid)), {timeoutMs, intervalMs: exitPollMs, what: `process ${pid} to exit`}).then(
    () => true,
    () => false,
  )
}

function signal(pid: number, name: NodeJS.Signals): Promise<boolean> {
  try {
    process.kill(pid, name)
    return Promise.resolve(true)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return Promise.resolve(false)
    return Promise.reject(error)
  }
}

async function readProc(pid: number, file: string): Promise<string | null> {
  try {
    return await readFile(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return null
  }
}

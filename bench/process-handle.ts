/**
 * One child process started by the bench, addressed only by its own pid: stop, pause,
 * resume, RSS. Its stdout and stderr go to a log file, so a failure can quote the tail.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'
import {parseVmRssBytes} from './scaling-math.js'

/** Harness convention (API.md section 1): SIGTERM, then SIGKILL after 10 s. */
export const stopGraceMs = 10_000

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export class ProcessHandle {
  readonly startedAt: number
  /** Settles when the process exits, however that happens. */
  readonly exited: Promise<Exit>
  private exit: Exit | null = null

  private constructor(
    private readonly logPath: string,
    private readonly child: ChildProcess,
  ) {
    this.startedAt = performance.now()
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = {code, signal}
        resolve(this.exit)
      })
    })
  }

  /** Spawns `command args` (no shell) with output appended to `logPath`. */
  static start(
    command: string,
    args: readonly string[],
    options: {env: NodeJS.ProcessEnv; cwd: string; logPath: string},
  ): ProcessHandle {
    const log = openSync(options.logPath, 'a')
    try {
      const child = spawn(command, args, {env: options.env, cwd: options.cwd, stdio: ['ignore', log, log]})
      if (child.pid === undefined) throw new Error(`could not start ${command} ${args.join(' ')}`)
      return new ProcessHandle(options.logPath, child)
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(log)
    }
  }

  get pid(): number {
    return this.child.pid as number
  }

  /** The exit, or null while the process runs. */
  get exitStatus(): Exit | null {
    return this.exit
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves once it exited. */
  async stop(graceMs = stopGraceMs): Promise<Exit> {
    if (this.exit) return this.exit
    this.signal('SIGTERM')
    const timer = sleep(graceMs, 'timeout' as const, {ref: false})
    if ((await Promise.race([this.exited, timer])) === 'timeout') this.signal('SIGKILL')
    return this.exited
  }

  /** Sends `signal` to this pid, unless it already exited (the pid may be reused by then). */
  signal(signal: NodeJS.Signals): void {
    if (!this.exit) this.child.kill(signal)
  }

  async rssBytes(): Promise<number> {
    return parseVmRssBytes(await readFile(`/proc/${this.pid}/status`, 'utf8'))
  }

  /** The last `lines` lines of the log, for error messages. */
  async logTail(lines = 20): Promise<string> {
    const text = await readFile(this.logPath, 'utf8').catch(() => '')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  }
}

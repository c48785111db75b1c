/**
 * One process per data directory: <dir>/LOCK names its owner as `<pid> <token> <start>`:
 * the pid, a token random per process, and the process's start time (field 22 of
 * /proc/<pid>/stat, '-' where there is no /proc). The file is written under a temporary
 * name and linked into place, so LOCK never exists without its owner.
 *
 * Pids are reused: a container restarted after SIGKILL runs the node as pid 1 again, and
 * finds a LOCK naming pid 1. So a LOCK counts as held only by a live process that is its
 * owner: this very process when the token is ours, another one when its pid runs and (where
 * /proc tells) started at the recorded time.
 */
import {randomUUID} from 'node:crypto'
import {link, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {KvsError} from '../errors.js'
import {fileMode} from './durable-fs.js'
import type {StorageLog} from './types.js'

/** Tells this process's locks from those of an earlier process that had the same pid. */
const processToken = randomUUID()

interface Owner {
  pid: number
  /** Null in a LOCK written before owners carried a token (a pid alone). */
  token: string | null
  start: string | null
}

export class DirLock {
  readonly #path: string
  #released: Promise<void> | null = null

  private constructor(path: string) {
    this.#path = path
  }

  /**
   * Takes the lock on `dir` (which must exist). Throws KvsError 'DATA_DIR_LOCKED' when the
   * owner in LOCK is a running process, this one included. A LOCK whose owner is gone (its
   * pid no longer runs, or now belongs to another process, or it holds no owner) is taken
   * over with a warning.
   */
  static async acquire(dir: string, log: StorageLog = console): Promise<DirLock> {
    const path = join(dir, 'LOCK')
    const temp = join(dir, `LOCK.${process.pid}.${randomUUID()}.tmp`)
    await writeFile(temp, `${process.pid} ${processToken} ${(await startTimeOf(process.pid)) ?? '-'}\n`, {mode: fileMode})
    try {
      for (;;) {
        try {
          await link(temp, path)
          return new DirLock(path)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        }
        const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return null
          throw error
        })
        if (text === null) continue
        const owner = parseOwner(text)
        if (owner !== null && (await holds(owner))) {
          throw new KvsError('DATA_DIR_LOCKED', `data directory ${dir} is in use by process ${owner.pid}`, {dir, pid: owner.pid})
        }
        log.warn(`data directory ${dir}: taking over the lock of process ${owner?.pid ?? '(unknown)'}, which is no longer running`)
        await rm(path, {force: true})
      }
    } finally {
      await rm(temp, {force: true})
    }
  }

  /** Deletes LOCK. Idempotent. */
  release(): Promise<void> {
    this.#released ??= rm(this.#path, {force: true})
    return this.#released
  }
}

export function parseOwner(text: string): Owner | null {
  const match = /^(\d+)(?: (\S+) (\S+))?\n?$/.exec(text)
  if (!match || Number(match[1]) <= 0) return null
  return {pid: Number(match[1]), token: match[2] ?? null, start: match[3] === undefined || match[3] === '-' ? null : match[3]}
}

/** Whether the process `owner` describes still runs. */
async function holds(owner: Owner): Promise<boolean> {
  // Our own pid: this process, or an earlier one that had the same pid (a restarted container).
  if (owner.pid === process.pid) return owner.token === processToken
  if (!isRunning(owner.pid)) return false
  if (owner.start === null) return true
  const start = await startTimeOf(owner.pid)
  return start === null || start === owner.start
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null without /proc. */
export async function startTimeOf(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[19] ?? null
  } catch {
    return null
  }
}

/**
 * One process per data directory: <dir>/LOCK holds the owner's pid. The file is written
 * under a temporary name and linked into place, so LOCK never exists without its pid.
 */
import {randomUUID} from 'node:crypto'
import {link, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {KvsError} from '../errors.js'
import type {StorageLog} from './types.js'

export class DirLock {
  readonly #path: string
  #released: Promise<void> | null = null

  private constructor(path: string) {
    this.#path = path
  }

  /**
   * Takes the lock on `dir` (which must exist). Throws KvsError 'DATA_DIR_LOCKED' when the
   * pid in LOCK is a running process, this one included. A LOCK whose process is gone (or
   * that holds no pid) is taken over with a warning.
   */
  static async acquire(dir: string, log: StorageLog = console): Promise<DirLock> {
    const path = join(dir, 'LOCK')
    const temp = join(dir, `LOCK.${process.pid}.${randomUUID()}.tmp`)
    await writeFile(temp, `${process.pid}\n`)
    try {
      for (;;) {
        try {
          await link(temp, path)
          return new DirLock(path)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        }
        const owner = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return null
          throw error
        })
        if (owner === null) continue
        const pid = /^\d+\n?$/.test(owner) ? Number(owner) : null
        if (pid !== null && pid > 0 && isRunning(pid)) {
          throw new KvsError('DATA_DIR_LOCKED', `data directory ${dir} is in use by process ${pid}`, {dir, pid})
        }
        log.warn(`data directory ${dir}: taking over the lock of process ${pid ?? '(unknown)'}, which is no longer running`)
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

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

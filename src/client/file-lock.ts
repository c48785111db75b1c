/**
 * A lock file shared by processes of one user: created with O_EXCL, removed when done.
 * A lock older than `staleMs` belongs to a process that died holding it and is broken.
 */
import {open, stat, unlink} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'
import {KvsError} from '../errors.js'

export interface LockOptions {
  /** Give up (INTERNAL) after waiting this long for another holder. */
  waitMs: number
  /** A lock file untouched this long is considered abandoned. */
  staleMs: number
}

// Holders keep the lock for milliseconds; waiters outlast a stale lock so they can break it.
const defaults: LockOptions = {waitMs: 8_000, staleMs: 5_000}

/** Runs `fn` while holding `lockPath`; the lock is released however `fn` ends. */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: Partial<LockOptions> = {}): Promise<T> {
  const {waitMs, staleMs} = {...defaults, ...options}
  const deadline = Date.now() + waitMs
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (await isStale(lockPath, staleMs)) {
      await unlink(lockPath).catch(ignoreMissing)
      continue
    }
    if (Date.now() > deadline) {
      throw new KvsError('INTERNAL', `${lockPath} is held by another kvs process; remove it if none is running`, {lockPath})
    }
    // Holders keep the lock for a few milliseconds; jitter spreads out the waiters.
    await sleep(5 + Math.random() * 20)
  }
  try {
    return await fn()
  } finally {
    await unlink(lockPath).catch(ignoreMissing)
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs > staleMs
  } catch (error) {
    ignoreMissing(error)
    return false
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
}

/** Helpers shared by the storage tests: a temp directory per test, a recording logger. */
import {mkdtemp, readdir, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {StorageLog} from '../../../src/storage/types.js'

/** A fresh directory for one test; call `remove` in afterEach. */
export async function tempDir(): Promise<{path: string; remove(): Promise<void>}> {
  const path = await mkdtemp(join(tmpdir(), 'kvs-storage-'))
  return {path, remove: () => rm(path, {recursive: true, force: true})}
}

/**
 * Gives every test of the calling describe a fresh temp directory (`dir.path`) and closes
 * the storages it pushed on `opened`, then removes the directory, after each test.
 */
export function eachTestInTempDir<S extends {close(): Promise<void>}>(): {readonly dir: {path: string}; readonly opened: S[]} {
  const state = {dir: {path: ''}, opened: [] as S[]}
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    tmp = await tempDir()
    state.dir.path = tmp.path
  })
  afterEach(async () => {
    for (const s of state.opened.splice(0)) await s.close()
    await tmp.remove()
  })
  return state
}

export function recordingLog(): StorageLog & {warnings: string[]; infos: string[]} {
  const warnings: string[] = []
  const infos: string[] = []
  return {warnings, infos, warn: (msg) => void warnings.push(msg), info: (msg) => void infos.push(msg)}
}

export async function collect<T>(items: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

/** Total bytes of the files under `dir`, recursively. */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    total += entry.isDirectory() ? await dirBytes(path) : (await stat(path)).size
  }
  return total
}

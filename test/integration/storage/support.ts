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

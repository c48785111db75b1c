/**
 * The causal session: the latest causal metadata the client received, per cluster, kept
 * in one JSON file (lowdb) so consecutive invocations are causally consistent.
 *
 * Concurrency: readers read without locking (writes are a temp file plus rename, so a
 * reader sees the old or the new file, never half of one). Writers hold a lock file while
 * they read, merge and write, so two invocations that finish together both leave their
 * history in the file. An unreadable file is treated as empty and replaced.
 */
import {existsSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {dirname} from 'node:path'
import {isDeepStrictEqual} from 'node:util'
import {Low} from 'lowdb'
import {JSONFile} from 'lowdb/node'
import {mergeMetadata, parseMetadata} from '../clock/causal-metadata.js'
import {withFileLock} from './file-lock.js'

export interface SessionEntry {
  metadata: unknown
  updatedAt: string
}

export interface SessionData {
  version: 1
  clusters: Record<string, SessionEntry>
}

/** What a first request sends: no history (API.md section 4). */
export const noSessionMetadata = ''

const emptyData = (): SessionData => ({version: 1, clusters: {}})

export class SessionStore {
  readonly file: string

  constructor(file: string) {
    this.file = file
  }

  /** The metadata to send to `cluster` ("" when there is none). */
  async load(cluster: string): Promise<unknown> {
    const data = await this.read()
    return data.clusters[cluster]?.metadata ?? noSessionMetadata
  }

  /**
   * Merges `metadata` into what the file holds for `cluster` (see mergeSessionMetadata).
   * Metadata the file already covers (what a read that reveals nothing new returns) is not
   * written: stored history only grows, so what covers it now covers it under any later
   * writer too, and most `kvs get`s take no lock and write nothing.
   */
  async record(cluster: string, metadata: unknown): Promise<void> {
    const stored = (await this.read()).clusters[cluster]?.metadata ?? noSessionMetadata
    if (isDeepStrictEqual(mergeSessionMetadata(stored, metadata), stored)) return
    await this.update((data) => {
      const merged = mergeSessionMetadata(data.clusters[cluster]?.metadata ?? noSessionMetadata, metadata)
      data.clusters[cluster] = {metadata: merged, updatedAt: new Date().toISOString()}
    })
  }

  /** Forgets one cluster's history, or every cluster's; returns how many were forgotten. */
  async reset(cluster?: string): Promise<number> {
    if (!existsSync(this.file)) return 0
    let forgotten = 0
    await this.update((data) => {
      const keys = cluster === undefined ? Object.keys(data.clusters) : Object.keys(data.clusters).filter((k) => k === cluster)
      for (const key of keys) delete data.clusters[key]
      forgotten = keys.length
    })
    return forgotten
  }

  private async update(change: (data: SessionData) => void): Promise<void> {
    await mkdir(dirname(this.file), {recursive: true})
    await withFileLock(`${this.file}.lock`, async () => {
      const db = new Low<SessionData>(new JSONFile<SessionData>(this.file), emptyData())
      db.data = await this.read()
      change(db.data)
      await db.write()
    })
  }

  private async read(): Promise<SessionData> {
    const db = new Low<SessionData>(new JSONFile<SessionData>(this.file), emptyData())
    try {
      await db.read()
    } catch {
      return emptyData()
    }
    return isSessionData(db.data) ? db.data : emptyData()
  }
}

/**
 * Combines stored history with a newer answer. kvs metadata (`{epoch, clocks}`) merges as
 * the nodes merge it: pointwise within an epoch, the newer epoch winning across a reshard.
 * Anything else is opaque and the answer replaces what was stored.
 */
export function mergeSessionMetadata(stored: unknown, answer: unknown): unknown {
  const a = parseOrNull(stored)
  const b = parseOrNull(answer)
  if (a && b) return mergeMetadata(a, b)
  return answer === noSessionMetadata || answer === null || answer === undefined ? stored : answer
}

function parseOrNull(value: unknown): ReturnType<typeof parseMetadata> {
  try {
    return parseMetadata(value)
  } catch {
    return null
  }
}

function isSessionData(value: unknown): value is SessionData {
  if (typeof value !== 'object' || value === null) return false
  const {version, clusters} = value as {version?: unknown; clusters?: unknown}
  return version === 1 && typeof clusters === 'object' && clusters !== null && !Array.isArray(clusters)
}

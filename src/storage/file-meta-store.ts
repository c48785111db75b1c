/**
 * Small metadata (node identity, cluster configuration) in one JSON file, through lowdb,
 * which writes a temporary file and renames it: a reader sees the old or the new
 * document, never half of one.
 */
import {Low} from 'lowdb'
import {JSONFile} from 'lowdb/node'
import type {MetaStore} from './types.js'

export class FileMetaStore<Meta> implements MetaStore<Meta> {
  readonly #db: Low<Meta | null>

  constructor(path: string) {
    this.#db = new Low<Meta | null>(new JSONFile<Meta | null>(path), null)
  }

  /** The last document written, read from disk; null if none was ever written. */
  async read(): Promise<Meta | null> {
    await this.#db.read()
    return this.#db.data
  }

  async write(meta: Meta): Promise<void> {
    this.#db.data = meta
    await this.#db.write()
  }
}

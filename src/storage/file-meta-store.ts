/**
 * Small metadata (node identity, cluster configuration) in one JSON file, through lowdb.
 * The adapter writes a temporary file, fsyncs it, renames it over the document and fsyncs
 * the directory: a reader sees the old or the new document, never half of one, and an
 * installed configuration survives an OS crash, not only a process crash.
 */
import {readFile, rename} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import {Low, type Adapter} from 'lowdb'
import {openPrivate, syncDir} from './durable-fs.js'
import type {MetaStore} from './types.js'

class DurableJsonFile<Data> implements Adapter<Data> {
  #writing: Promise<void> = Promise.resolve()

  constructor(readonly path: string) {}

  async read(): Promise<Data | null> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as Data
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }

  /** Writes run one at a time, so an older document never lands after a newer one. */
  write(data: Data): Promise<void> {
    const run = this.#writing.then(() => this.#replace(JSON.stringify(data, null, 2)))
    this.#writing = run.catch(() => undefined)
    return run
  }

  async #replace(text: string): Promise<void> {
    const dir = dirname(this.path)
    const temp = join(dir, `.${basename(this.path)}.tmp`)
    const fh = await openPrivate(temp, 'w')
    try {
      await fh.writeFile(text, 'utf8')
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(temp, this.path)
    await syncDir(dir)
  }
}

export class FileMetaStore<Meta> implements MetaStore<Meta> {
  readonly #db: Low<Meta | null>

  constructor(path: string) {
    this.#db = new Low<Meta | null>(new DurableJsonFile<Meta | null>(path), null)
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

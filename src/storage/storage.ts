/**
 * Opens a node's data directory: <dir>/LOCK, <dir>/log/*.seg, <dir>/snapshots/*.snap and
 * <dir>/meta.json. The one entry point of this module.
 */
import {join} from 'node:path'
import {DirLock} from './dir-lock.js'
import {makePrivateDir} from './durable-fs.js'
import {FileMetaStore} from './file-meta-store.js'
import {FileSnapshots} from './file-snapshots.js'
import {FileOpLog} from './op-log.js'
import type {Storage, StorageOptions} from './types.js'

/**
 * Locks `opts.dir`, reads the newest complete snapshot, checks the log after it (cutting
 * off a torn tail) and returns what was found with the stores to continue from.
 * Throws KvsError 'DATA_DIR_LOCKED' if another live process (or this one) holds the
 * directory, 'CORRUPT_LOG' if the log is damaged other than at its tail; on any error
 * the lock is released and nothing is open.
 */
export async function openStorage<Header, Rec, Entry, Meta>(opts: StorageOptions): Promise<Storage<Header, Rec, Entry, Meta>> {
  const log = opts.log ?? console
  await makePrivateDir(opts.dir)
  const lock = await DirLock.acquire(opts.dir, log)
  try {
    const snapshotDir = join(opts.dir, 'snapshots')
    const snapshot = await FileSnapshots.readNewest<Header, Rec>(snapshotDir, log)
    const after = snapshot?.coversIndex ?? 0
    const opened = await FileOpLog.open<Entry>({dir: join(opts.dir, 'log'), fsync: opts.fsync, segmentBytes: opts.segmentBytes, log, after, observer: opts.observer, files: opts.files})
    const snapshots = new FileSnapshots<Header, Rec>(snapshotDir, opened.log, after, log)
    let closing: Promise<void> | null = null
    const close = async (): Promise<void> => {
      try {
        await snapshots.close()
        await opened.log.close()
      } finally {
        await lock.release()
      }
    }
    return {
      log: opened.log,
      snapshots,
      meta: new FileMetaStore<Meta>(join(opts.dir, 'meta.json')),
      recovered: {snapshot: snapshot && {header: snapshot.header, records: snapshot.records}, entries: opened.entries},
      close: () => (closing ??= close()),
    }
  } catch (error) {
    await lock.release()
    throw error
  }
}

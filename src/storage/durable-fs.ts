/**
 * The few file operations storage needs beyond fs/promises: whole-buffer positional
 * reads and writes, and a directory fsync so that a created, renamed or deleted name
 * survives an OS crash. Also the modes every file and directory of a data directory gets,
 * and the seam through which the op log writes (so tests can make the disk fail).
 */
import {writeSync} from 'node:fs'
import {chmod, mkdir, open, type FileHandle} from 'node:fs/promises'

/** Only the node's user may read its data: files 0600, directories 0700. */
export const fileMode = 0o600
export const dirMode = 0o700

/**
 * Creates `dir` (and missing parents) and sets its mode to 0700 whatever the umask, so an
 * existing directory made by an older version is closed too.
 */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, {recursive: true, mode: dirMode})
  await chmod(dir, dirMode)
}

/**
 * Opens (creating with `flags` such as 'w' or 'wx') a file of the data directory; a file it
 * creates gets mode 0600 whatever the umask.
 */
export async function openPrivate(path: string, flags: string): Promise<FileHandle> {
  const fh = await open(path, flags, fileMode)
  try {
    await fh.chmod(fileMode)
  } catch (error) {
    await fh.close()
    throw error
  }
  return fh
}

/**
 * The file operations the op log's writer goes through. The real ones are `nodeLogFiles`;
 * a test passes its own to make a write or an fsync fail as a full or failing disk does.
 */
export interface LogFiles {
  /** Creates a new segment file (flags 'wx'), mode 0600. */
  create(path: string): Promise<FileHandle>
  /** writeAllSync() below. */
  write(fh: FileHandle, buf: Buffer, position: number): void
  sync(fh: FileHandle): Promise<void>
}

export const nodeLogFiles: LogFiles = {
  create: (path) => openPrivate(path, 'wx'),
  write: (fh, buf, position) => writeAllSync(fh, buf, position),
  sync: (fh) => fh.sync(),
}

/** Writes all of `buf` at `position`; a short write continues where it stopped. */
export async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < buf.length) {
    const {bytesWritten} = await fh.write(buf, done, buf.length - done, position + done)
    done += bytesWritten
  }
}

/**
 * writeAll() without the thread pool, for small appends: a write that lands in the page
 * cache takes about 2 µs, while handing it to the pool costs the event loop about 12 µs
 * and showed as the largest item of a PUT profile. (Redis writes its AOF the same way.)
 */
export function writeAllSync(fh: FileHandle, buf: Buffer, position: number): void {
  let done = 0
  while (done < buf.length) done += writeSync(fh.fd, buf, done, buf.length - done, position + done)
}

/** Reads up to `length` bytes at `position` into `buf` at `offset`; fewer only at end of file. */
export async function readAll(fh: FileHandle, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  let done = 0
  while (done < length) {
    const {bytesRead} = await fh.read(buf, offset + done, length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return done
}

/** Fsyncs a directory, making the names created, renamed or removed in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

import {expect} from 'chai'
import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {access, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {KvsError} from '../../../src/errors.js'
import {parseOwner, startTimeOf} from '../../../src/storage/dir-lock.js'
import {nodeLogFiles} from '../../../src/storage/durable-fs.js'
import {openStorage} from '../../../src/storage/storage.js'
import type {Storage} from '../../../src/storage/types.js'
import {collect, eachTestInTempDir, recordingLog} from './support.js'

type Meta = {address: string; config: {epoch: number} | null}
type Opened = Storage<unknown, unknown, {n: number}, Meta>

describe('openStorage', () => {
  const {dir: tmp, opened: open} = eachTestInTempDir<Opened>()

  async function openDir() {
    const log = recordingLog()
    const storage: Opened = await openStorage({dir: tmp.path, fsync: 'always', log})
    open.push(storage)
    return {storage, log}
  }

  const lockFile = () => join(tmp.path, 'LOCK')
  const lockOwner = async () => parseOwner(await readFile(lockFile(), 'utf8'))?.pid
  const exists = (path: string) => access(path).then(() => true, () => false)

  describe('the directory lock', () => {
    it('refuses a second open in the same process until the first is closed', async () => {
      const {storage} = await openDir()
      expect(await lockOwner()).to.equal(process.pid)
      const error = await openDir().catch((e: KvsError) => e)
      expect(error).to.include({code: 'DATA_DIR_LOCKED'})
      expect((error as Error).message).to.equal(`data directory ${tmp.path} is in use by process ${process.pid}`)

      await storage.close()
      await storage.close()
      expect(await exists(lockFile())).to.equal(false)
      await openDir()
    })

    it('refuses a directory locked by another running process', async () => {
      const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'})
      try {
        await writeFile(lockFile(), `${other.pid}\n`)
        const error = await openDir().catch((e: KvsError) => e)
        expect(error).to.include({code: 'DATA_DIR_LOCKED'})
        expect((error as KvsError).data).to.deep.equal({dir: tmp.path, pid: other.pid})
        expect(await readFile(lockFile(), 'utf8'), 'the lock is left to its owner').to.equal(`${other.pid}\n`)
      } finally {
        await stop(other)
      }
    })

    it('takes over the lock of a process that is gone, with a warning', async () => {
      const gone = spawn(process.execPath, ['-e', ''], {stdio: 'ignore'})
      await once(gone, 'exit')
      await writeFile(lockFile(), `${gone.pid}\n`)
      const {log} = await openDir()
      expect(log.warnings).to.have.length(1)
      expect(log.warnings[0]).to.contain(`process ${gone.pid}`)
      expect(await lockOwner()).to.equal(process.pid)
    })

    it('takes over a lock naming its own pid when another process wrote it (a container restarted as pid 1)', async () => {
      // What a node killed by SIGKILL leaves, when the restarted node gets the same pid.
      for (const left of [`${process.pid}\n`, `${process.pid} token-of-the-earlier-process ${await startTimeOf(process.pid)}\n`]) {
        await writeFile(lockFile(), left)
        const {storage, log} = await openDir()
        expect(log.warnings, left).to.have.length(1)
        expect(log.warnings[0]).to.contain(`process ${process.pid}`)
        expect(await lockOwner()).to.equal(process.pid)
        await storage.close()
      }
    })

    it('takes over the lock of a pid that now belongs to another process (started at another time)', async () => {
      const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {stdio: 'ignore'})
      try {
        const start = await startTimeOf(other.pid as number)
        expect(start, 'the start time from /proc').to.be.a('string')
        await writeFile(lockFile(), `${other.pid} some-token ${Number(start) - 1}\n`)
        const {log} = await openDir()
        expect(log.warnings).to.have.length(1)
        expect(await lockOwner()).to.equal(process.pid)

        await writeFile(lockFile(), `${other.pid} some-token ${start}\n`)
        const error = await openDir().catch((e: KvsError) => e)
        expect(error, 'the same pid, started at the recorded time: its owner').to.include({code: 'DATA_DIR_LOCKED'})
      } finally {
        await stop(other)
      }
    })

    it('releases the lock when the log is corrupt', async () => {
      const {storage} = await openDir()
      for (let n = 1; n <= 3; n++) await storage.log.append({n})
      await storage.close()
      const segment = join(tmp.path, 'log', '00000000000000000001.seg')
      const bytes = await readFile(segment)
      bytes[10] ^= 0xff
      await writeFile(segment, bytes)

      const error = await openDir().catch((e: KvsError) => e)
      expect(error).to.include({code: 'CORRUPT_LOG'})
      expect(await exists(lockFile())).to.equal(false)
    })
  })

  it('makes files 0600 and directories 0700 whatever the umask', async () => {
    const umask = process.umask(0)
    try {
      const {storage} = await openDir()
      await storage.log.append({n: 1})
      await storage.meta.write({address: '127.0.0.2:8080', config: null})
      await storage.snapshots.write('header', ['record'], 1)
      await storage.log.append({n: 2})
      const modes = new Map<string, number>()
      const walk = async (dir: string): Promise<void> => {
        modes.set(dir, (await stat(dir)).mode & 0o777)
        for (const entry of await readdir(dir, {withFileTypes: true})) {
          const path = join(dir, entry.name)
          if (entry.isDirectory()) await walk(path)
          else modes.set(path, (await stat(path)).mode & 0o777)
        }
      }
      await walk(tmp.path)
      const files = [...modes].filter(([path]) => !(path === tmp.path || path.endsWith('/log') || path.endsWith('/snapshots')))
      expect(files.map(([path]) => path.slice(tmp.path.length + 1)).sort()).to.include.members(['LOCK', 'meta.json', 'log/00000000000000000002.seg'])
      expect(files.some(([path]) => path.includes('/snapshots/')), 'a snapshot file').to.equal(true)
      for (const [path, mode] of modes) expect(mode.toString(8), path).to.equal(files.some(([f]) => f === path) ? '600' : '700')
    } finally {
      process.umask(umask)
    }
  })

  describe('a disk that fails (ENOSPC, EIO)', () => {
    /** The real file operations, except that writes fail with `code` once `failing` is set. */
    const failingDisk = (code: string) => {
      const disk = {
        failing: false,
        files: {
          ...nodeLogFiles,
          write(fh: Parameters<typeof nodeLogFiles.write>[0], buf: Buffer, position: number) {
            if (disk.failing) throw Object.assign(new Error(`${code}: no space left on device, write`), {code})
            nodeLogFiles.write(fh, buf, position)
          },
        },
      }
      return disk
    }

    for (const code of ['ENOSPC', 'EIO']) {
      it(`stops the log for good on ${code}: every pending and later append rejects with STORAGE_FAILED`, async () => {
        const disk = failingDisk(code)
        const log = recordingLog()
        const storage: Opened = await openStorage({dir: tmp.path, fsync: 'always', log, files: disk.files})
        open.push(storage)
        expect(await storage.log.append({n: 1})).to.equal(1)
        expect(storage.log.failure).to.equal(null)
        disk.failing = true
        const pending = await storage.log.append({n: 2}).catch((e: KvsError) => e)
        expect(pending).to.include({code: 'STORAGE_FAILED'})
        expect((pending as KvsError).data).to.deep.equal({errno: code})
        expect(storage.log.failure).to.equal(pending)
        disk.failing = false
        // The disk works again, but the log does not pretend it wrote what it lost.
        expect(await storage.log.append({n: 3}).catch((e: KvsError) => e)).to.equal(pending)
        expect(log.warnings.join('\n')).to.contain('fail-stop')
      })
    }
  })

  it('flushes appends still pending when closed', async () => {
    const {storage} = await openDir()
    const pending = Array.from({length: 100}, (_, i) => storage.log.append({n: i + 1}))
    await storage.close()
    expect(await Promise.all(pending)).to.have.length(100)
    const {storage: again} = await openDir()
    expect((await collect(again.recovered.entries)).map((e) => e.entry.n)).to.have.length(100)
  })

  it('keeps metadata in meta.json across restarts', async () => {
    const {storage} = await openDir()
    expect(await storage.meta.read()).to.equal(null)
    await storage.meta.write({address: '127.0.0.2:8080', config: null})
    await storage.meta.write({address: '127.0.0.2:8080', config: {epoch: 2}})
    await storage.close()

    const {storage: again} = await openDir()
    expect(await again.meta.read()).to.deep.equal({address: '127.0.0.2:8080', config: {epoch: 2}})
    expect(JSON.parse(await readFile(join(tmp.path, 'meta.json'), 'utf8'))).to.deep.equal({address: '127.0.0.2:8080', config: {epoch: 2}})
  })

  it('lands overlapping metadata writes in call order and leaves no temporary file', async () => {
    const {storage} = await openDir()
    await Promise.all([1, 2, 3, 4, 5].map((epoch) => storage.meta.write({address: '127.0.0.2:8080', config: {epoch}})))
    expect(JSON.parse(await readFile(join(tmp.path, 'meta.json'), 'utf8'))).to.deep.equal({address: '127.0.0.2:8080', config: {epoch: 5}})
    expect((await readdir(tmp.path)).filter((name) => name.includes('tmp'))).to.deep.equal([])
  })

  it('ignores the temporary file of a metadata write that was interrupted', async () => {
    const {storage} = await openDir()
    await storage.meta.write({address: '127.0.0.2:8080', config: {epoch: 3}})
    await storage.close()
    await writeFile(join(tmp.path, '.meta.json.tmp'), '{"address":"127.0.0.2:80')
    const {storage: again} = await openDir()
    expect(await again.meta.read()).to.deep.equal({address: '127.0.0.2:8080', config: {epoch: 3}})
  })
})

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
}

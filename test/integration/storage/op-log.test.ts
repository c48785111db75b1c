import {expect} from 'chai'
import {open, readdir, readFile, rm, stat, truncate, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {isKvsError, type KvsError} from '../../../src/errors.js'
import {FileOpLog, segmentName} from '../../../src/storage/op-log.js'
import {FRAME_HEADER_BYTES} from '../../../src/storage/record-frame.js'
import type {FsyncPolicy} from '../../../src/storage/types.js'
import {collect, recordingLog, tempDir} from './support.js'
import {waitFor} from '../../../src/wait-for.js'

type Entry = {n: number}

describe('FileOpLog', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dir: string
  const opened: Array<FileOpLog<Entry>> = []
  beforeEach(async () => {
    tmp = await tempDir()
    dir = join(tmp.path, 'log')
  })
  afterEach(async () => {
    for (const log of opened.splice(0)) await log.close()
    await tmp.remove()
  })

  async function openLog(fsync: FsyncPolicy = 'never', more: {segmentBytes?: number; after?: number} = {}) {
    const log = recordingLog()
    const result = await FileOpLog.open<Entry>({dir, fsync, log, ...more})
    opened.push(result.log)
    return {...result, warnings: log.warnings}
  }

  /** Appends {n: 1} to {n: count} one at a time (one write each, so segments roll) and closes the log. */
  async function writeEntries(count: number, segmentBytes?: number): Promise<void> {
    const {log} = await openLog('never', {segmentBytes})
    for (let n = 1; n <= count; n++) await log.append({n})
    await log.close()
  }

  const expectEntries = (entries: Array<{index: number; entry: Entry}>, from: number, to: number) => {
    expect(entries.map((e) => e.index)).to.deep.equal(range(from, to))
    expect(entries.every((e) => e.entry.n === e.index)).to.equal(true)
  }

  async function lastSegment(): Promise<string> {
    return join(dir, (await readdir(dir)).sort().at(-1) as string)
  }

  async function expectCorrupt(fragments: string[]): Promise<KvsError> {
    const error = await openLog().then(
      () => expect.fail('open should have thrown'),
      (e: unknown) => e,
    )
    if (!isKvsError(error)) throw error
    expect(error.code).to.equal('CORRUPT_LOG')
    for (const fragment of fragments) expect(error.message).to.contain(fragment)
    return error
  }

  describe('append and recovery', () => {
    it('replays every entry in order with its index after reopening, across segments named by first index', async () => {
      const {log} = await openLog('always', {segmentBytes: 200})
      const indexes: number[] = []
      for (let i = 1; i <= 50; i++) indexes.push(await log.append({n: i}))
      expect(indexes).to.deep.equal(range(1, 50))
      expect(log.lastIndex).to.equal(50)
      await log.close()

      const names = (await readdir(dir)).sort()
      expect(names.length).to.be.greaterThan(3)
      expect(names[0]).to.equal('00000000000000000001.seg')
      for (const name of names) expect((await stat(join(dir, name))).size).to.be.at.most(200)

      const again = await openLog('always', {segmentBytes: 200})
      expect(again.log.lastIndex).to.equal(50)
      expect(again.log.logBytes).to.equal(await totalBytes(names))
      expectEntries(await collect(again.entries), 1, 50)
      expect(await again.log.append({n: 51})).to.equal(51)
    })

    it('replays only the entries after the snapshot index, and can be iterated again', async () => {
      await writeEntries(30, 100)
      const {entries} = await openLog('never', {after: 12, segmentBytes: 100})
      expectEntries(await collect(entries), 13, 30)
      expectEntries(await collect(entries), 13, 30)
    })

    it('deletes segments the snapshot wholly covers, keeping the one that holds the next index', async () => {
      await writeEntries(30, 100)
      const before = (await readdir(dir)).sort()
      const {log, entries} = await openLog('never', {after: 20, segmentBytes: 100})
      const kept = (await readdir(dir)).sort()
      expect(kept.length).to.be.lessThan(before.length)
      expect(Number(kept[0].slice(0, 20))).to.be.at.most(21)
      expectEntries(await collect(entries), 21, 30)
      expect(log.lastIndex).to.equal(30)
    })

    it('starts after the snapshot when the snapshot covers more than the log holds', async () => {
      await writeEntries(5)
      const {log, entries} = await openLog('never', {after: 9})
      expect(await collect(entries)).to.deep.equal([])
      expect(await log.append({n: 10})).to.equal(10)
      await log.close()
      expect(await readdir(dir)).to.deep.equal([segmentName(10)])
    })

    it('writes the appends still pending when closed, and refuses appends after close', async () => {
      const {log} = await openLog('interval')
      const pending = [log.append({n: 1}), log.append({n: 2})]
      await log.close()
      await log.close()
      expect(await Promise.all(pending)).to.deep.equal([1, 2])
      const error = await log.append({n: 3}).catch((e: KvsError) => e)
      expect(error).to.include({code: 'INTERNAL'})
      expectEntries(await collect((await openLog()).entries), 1, 2)
    })

    it('rejects a value without a JSON form without using an index', async () => {
      const {log} = await openLog()
      await log.append(undefined as unknown as Entry).then(
        () => expect.fail('should reject'),
        (e: unknown) => expect(e).to.be.instanceOf(TypeError),
      )
      expect(await log.append({n: 1})).to.equal(1)
    })
  })

  describe('compaction', () => {
    it('starts a new segment at the requested index, splitting the batch that holds it', async () => {
      const {log} = await openLog('always')
      for (let n = 1; n <= 5; n++) await log.append({n})
      log.startSegmentAt(8)
      const writes = log.stats.writes
      expect(await Promise.all(range(6, 10).map((n) => log.append({n})))).to.deep.equal(range(6, 10))
      expect(log.stats.writes - writes).to.equal(2)
      expect((await readdir(dir)).sort()).to.deep.equal([segmentName(1), segmentName(8)])
      await log.close()
      expectEntries(await collect((await openLog()).entries), 1, 10)
    })

    it('deletes covered segments but keeps the last until the next append, counting only uncovered bytes', async () => {
      const {log} = await openLog('never')
      for (let n = 1; n <= 10; n++) await log.append({n})
      log.startSegmentAt(11)
      await log.dropThrough(10)
      expect(log.logBytes).to.equal(0)
      expect(await readdir(dir), 'the last entry stays on disk').to.deep.equal([segmentName(1)])
      await log.append({n: 11})
      expect(await readdir(dir)).to.deep.equal([segmentName(11)])
      expect(log.logBytes).to.equal((await stat(join(dir, segmentName(11)))).size)
    })
  })

  describe('group commit and fsync policies', () => {
    it("writes concurrent appends as one batch with one fsync under 'always', resolving them in order", async () => {
      const {log} = await openLog('always')
      const resolved: number[] = []
      const indexes = await Promise.all(range(1, 1000).map((n) => log.append({n}).then((i) => (resolved.push(i), i))))
      expect(indexes).to.deep.equal(range(1, 1000))
      expect(resolved).to.deep.equal(range(1, 1000))
      expect(log.stats.writes).to.be.lessThan(1000)
      expect(log.stats.fsyncs).to.equal(log.stats.writes)
    })

    it('batches the appends made while a write is in flight into the next write', async () => {
      const {log} = await openLog('always')
      const first = log.append({n: 1})
      await new Promise((resolve) => setImmediate(resolve))
      const rest = range(2, 101).map((n) => log.append({n}))
      expect(await Promise.all([first, ...rest])).to.deep.equal(range(1, 101))
      expect(log.stats).to.deep.equal({writes: 2, fsyncs: 2})
    })

    it('writes appends made in separate callbacks of one event-loop turn (requests on different sockets) in one write', async () => {
      const {log} = await openLog('interval')
      const appends = await new Promise<Promise<number>[]>((resolve) => {
        const made: Promise<number>[] = []
        for (let n = 1; n <= 5; n++) {
          setImmediate(() => {
            made.push(log.append({n}))
            if (made.length === 5) resolve(made)
          })
        }
      })
      expect(await Promise.all(appends)).to.deep.equal(range(1, 5))
      expect(log.stats.writes).to.equal(1)
    })

    it("resolves after the write under 'interval' and fsyncs on a timer", async () => {
      const {log} = await openLog('interval')
      await Promise.all(range(1, 10).map((n) => log.append({n})))
      await waitFor(() => log.stats.fsyncs >= 1, {timeoutMs: 20_000, intervalMs: 10, what: 'the interval fsync'})
    })

    it("never fsyncs under 'never' until closed", async () => {
      const {log} = await openLog('never')
      await Promise.all(range(1, 10).map((n) => log.append({n})))
      await log.append({n: 11})
      expect(log.stats.fsyncs).to.equal(0)
      await log.close()
      expect(log.stats.fsyncs).to.equal(1)
    })
  })

  describe('torn tails', () => {
    async function expectTailCut(log: FileOpLog<Entry>, kept: number, warnings: string[], segment: string, offset: number) {
      expect(warnings).to.have.length(1)
      expect(warnings[0]).to.contain(segment).and.contain(`at byte ${offset}`)
      expect((await stat(segment)).size).to.equal(offset)
      // The node goes on: appends continue at the next index, and the next open is clean.
      expect(log.lastIndex).to.equal(kept)
      expect(await log.append({n: kept + 1})).to.equal(kept + 1)
      await log.close()
      const again = await openLog()
      expect(again.warnings).to.deep.equal([])
      expectEntries(await collect(again.entries), 1, kept + 1)
    }

    it('cuts off a record cut short by a crash and goes on', async () => {
      await writeEntries(20, 100)
      const segment = await lastSegment()
      const size = (await stat(segment)).size
      await truncate(segment, size - 3)
      const lastFrame = Buffer.byteLength(JSON.stringify({n: 20})) + FRAME_HEADER_BYTES
      const {log, entries, warnings} = await openLog('never', {segmentBytes: 100})
      expectEntries(await collect(entries), 1, 19)
      await expectTailCut(log, 19, warnings, segment, size - lastFrame)
    })

    it('cuts off a last record whose bytes were changed', async () => {
      await writeEntries(20)
      const segment = await lastSegment()
      const size = (await stat(segment)).size
      await flipByte(segment, size - 2)
      const lastFrame = Buffer.byteLength(JSON.stringify({n: 20})) + FRAME_HEADER_BYTES
      const {log, entries, warnings} = await openLog()
      expectEntries(await collect(entries), 1, 19)
      await expectTailCut(log, 19, warnings, segment, size - lastFrame)
    })

    it('cuts off zero-filled space after the last record', async () => {
      await writeEntries(20)
      const segment = await lastSegment()
      const size = (await stat(segment)).size
      await writeFile(segment, Buffer.alloc(4096), {flag: 'a'})
      const {log, entries, warnings} = await openLog()
      expectEntries(await collect(entries), 1, 20)
      await expectTailCut(log, 20, warnings, segment, size)
    })
  })

  describe('corruption', () => {
    it('refuses a damaged record followed by valid ones, naming the segment and offset, and changes nothing', async () => {
      await writeEntries(20)
      const segment = await lastSegment()
      const before = await readFile(segment)
      const third = 2 * (FRAME_HEADER_BYTES + Buffer.byteLength(JSON.stringify({n: 1})))
      await flipByte(segment, third + FRAME_HEADER_BYTES + 1)
      const damaged = await readFile(segment)
      const error = await expectCorrupt([segment, `at byte ${third}`, 'a valid record follows'])
      expect(error.data).to.deep.include({segment, offset: third})
      expect((await readFile(segment)).equals(damaged)).to.equal(true)
      expect(damaged.length).to.equal(before.length)
    })

    it('refuses a damaged length that runs past the end of the file when valid records follow it', async () => {
      await writeEntries(20)
      const segment = await lastSegment()
      const fh = await open(segment, 'r+')
      await fh.write(Buffer.from([0xff, 0xff, 0xff, 0x7f]), 0, 4, 0)
      await fh.close()
      await expectCorrupt([segment, 'at byte 0', 'a valid record follows'])
    })

    it('refuses damage at the end of a segment that is not the last', async () => {
      await writeEntries(30, 100)
      const first = join(dir, (await readdir(dir)).sort()[0])
      const size = (await stat(first)).size
      await flipByte(first, size - 2)
      await expectCorrupt([first, 'later segments follow'])
    })

    it('refuses a missing segment', async () => {
      await writeEntries(30, 100)
      const names = (await readdir(dir)).sort()
      await rm(join(dir, names[1]))
      await expectCorrupt([join(dir, names[2]), 'the segment before it ends at index'])
    })

    it('refuses a log that starts after the snapshot', async () => {
      await writeEntries(30, 100)
      const names = (await readdir(dir)).sort()
      await rm(join(dir, names[0]))
      const error = await FileOpLog.open({dir, fsync: 'never', after: 0}).catch((e: KvsError) => e)
      expect(error).to.include({code: 'CORRUPT_LOG'})
      expect((error as Error).message).to.contain('entries 1 to')
    })
  })

  async function totalBytes(names: string[]): Promise<number> {
    let sum = 0
    for (const name of names) sum += (await stat(join(dir, name))).size
    return sum
  }
})

function range(from: number, to: number): number[] {
  return Array.from({length: to - from + 1}, (_, i) => from + i)
}

async function flipByte(path: string, offset: number): Promise<void> {
  const fh = await open(path, 'r+')
  try {
    const byte = Buffer.alloc(1)
    await fh.read(byte, 0, 1, offset)
    byte[0] ^= 0x20
    await fh.write(byte, 0, 1, offset)
  } finally {
    await fh.close()
  }
}

import {expect} from 'chai'
import {copyFile, readdir, readFile, stat, truncate, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {KvsError} from '../../../src/errors.js'
import {openStorage} from '../../../src/storage/storage.js'
import type {Storage, StorageOptions} from '../../../src/storage/types.js'
import {collect, dirBytes, eachTestInTempDir, recordingLog} from './support.js'

type Header = {label: string}
type Rec = [string, string]
type Entry = {k: string; v: string}

describe('FileSnapshots', () => {
  const {dir: tmp, opened: open} = eachTestInTempDir<Storage<Header, Rec, Entry, never>>()

  async function openDir(more: Partial<StorageOptions> = {}) {
    const log = recordingLog()
    const storage = await openStorage<Header, Rec, Entry, never>({dir: tmp.path, fsync: 'never', log, ...more})
    open.push(storage)
    return {storage, log}
  }

  /** What a replica rebuilds from disk: the snapshot's records, then the log entries after it. */
  async function recoveredState(storage: Storage<Header, Rec, Entry, never>): Promise<{header: Header | null; state: Map<string, string>}> {
    const state = new Map<string, string>()
    const {snapshot, entries} = storage.recovered
    if (snapshot) for await (const [k, v] of snapshot.records) state.set(k, v)
    for await (const {entry} of entries) state.set(entry.k, entry.v)
    return {header: snapshot?.header ?? null, state}
  }

  const snapFiles = async () => (await readdir(join(tmp.path, 'snapshots'))).sort()

  it('reads back the header, the records in order, and only the log entries after the snapshot', async () => {
    const {storage} = await openDir()
    for (let i = 1; i <= 10; i++) await storage.log.append({k: `k${i}`, v: `v${i}`})
    await storage.snapshots.write({label: 'at 10'}, [['a', '1'], ['b', '2']], 10)
    await storage.log.append({k: 'c', v: '3'})
    await storage.close()

    const {storage: again} = await openDir()
    expect(await snapFiles()).to.deep.equal(['00000000000000000010.snap'])
    const {snapshot, entries} = again.recovered
    expect(snapshot?.header).to.deep.equal({label: 'at 10'})
    expect(await collect(snapshot?.records ?? [])).to.deep.equal([['a', '1'], ['b', '2']])
    expect(await collect(snapshot?.records ?? []), 'iterated again').to.have.length(2)
    expect(await collect(entries)).to.deep.equal([{index: 11, entry: {k: 'c', v: '3'}}])
  })

  it('streams 1,000,000 records from an async iterable and reads them back', async () => {
    const {storage} = await openDir()
    async function* records(): AsyncGenerator<Rec> {
      for (let i = 0; i < 1_000_000; i++) yield [`key${i}`, 'v']
    }
    await storage.snapshots.write({label: 'big'}, records(), 0)
    await storage.close()

    const {storage: again} = await openDir()
    let count = 0
    for await (const [k] of again.recovered.snapshot?.records ?? []) {
      if (k !== `key${count}`) expect.fail(`record ${count} is ${k}`)
      count++
    }
    expect(count).to.equal(1_000_000)
  })

  it('keeps the directory small under 100,000 overwrites of 10 keys, and recovers the final state', async () => {
    const {storage} = await openDir({segmentBytes: 64 * 1024})
    const state = new Map<string, string>()
    const pad = 'x'.repeat(100)
    let largest = 0
    const appendBatch = async (from: number, to: number) => {
      const done: Array<Promise<number>> = []
      for (let i = from; i <= to; i++) {
        const entry = {k: `key${i % 10}`, v: `${i}:${pad}`}
        state.set(entry.k, entry.v)
        done.push(storage.log.append(entry))
      }
      await Promise.all(done)
    }
    for (let i = 1; i <= 100_000; i += 1000) {
      await appendBatch(i, i + 999)
      if ((i + 999) % 5000 === 0) await storage.snapshots.write({label: `at ${i + 999}`}, state, storage.log.lastIndex)
      largest = Math.max(largest, await dirBytes(tmp.path))
    }
    await appendBatch(100_001, 100_007)
    expect(largest).to.be.below(2 * 1024 * 1024)
    expect(storage.log.logBytes).to.be.below(1024 * 1024)
    expect(await snapFiles()).to.deep.equal(['00000000000000100000.snap'])
    await storage.close()

    const {storage: again} = await openDir({segmentBytes: 64 * 1024})
    const recovered = await recoveredState(again)
    expect(recovered.header).to.deep.equal({label: 'at 100000'})
    expect([...recovered.state].sort()).to.deep.equal([...state].sort())
    expect(again.log.lastIndex).to.equal(100_007)
  })

  it('deletes the log a snapshot covers while appends go on, keeping the entries after it', async () => {
    const {storage} = await openDir()
    for (let i = 1; i <= 90; i++) await storage.log.append({k: 'k', v: `${i}`})
    // As a replica does: snapshot its state at lastIndex, with appends still being written and more coming.
    const appending = Array.from({length: 10}, (_, i) => storage.log.append({k: 'k', v: `${i + 91}`}))
    const snapshot = storage.snapshots.write({label: 'at 100'}, [['k', '100']], storage.log.lastIndex)
    appending.push(...Array.from({length: 50}, (_, i) => storage.log.append({k: 'k', v: `${i + 101}`})))
    await Promise.all([snapshot, ...appending])
    expect(await readdir(join(tmp.path, 'log'))).to.deep.equal(['00000000000000000101.seg'])
    expect(storage.log.logBytes).to.equal((await stat(join(tmp.path, 'log', '00000000000000000101.seg'))).size)
    await storage.close()

    const {storage: again} = await openDir()
    expect((await collect(again.recovered.entries)).map((e) => e.index)).to.deep.equal(Array.from({length: 50}, (_, i) => i + 101))
    expect((await recoveredState(again)).state.get('k')).to.equal('150')
  })

  it('ignores and deletes a temp file left by a crashed snapshot write', async () => {
    const {storage} = await openDir()
    await storage.log.append({k: 'a', v: '1'})
    await storage.close()
    await writeFile(join(tmp.path, 'snapshots', '00000000000000000001.snap.tmp'), 'half a snapsh')

    const {storage: again, log} = await openDir()
    expect(again.recovered.snapshot).to.equal(null)
    expect(await collect(again.recovered.entries)).to.have.length(1)
    expect(await snapFiles()).to.deep.equal([])
    expect(log.infos.join('\n')).to.contain('00000000000000000001.snap.tmp')
  })

  it('ignores a snapshot without its trailer and uses the older complete one', async () => {
    const {storage} = await openDir()
    const snapshots = join(tmp.path, 'snapshots')
    for (let i = 1; i <= 20; i++) {
      await storage.log.append({k: `k${i % 3}`, v: `${i}`})
      if (i === 10) await storage.snapshots.write({label: 'at 10'}, [['k0', 'old']], 10)
    }
    await copyFile(join(snapshots, '00000000000000000010.snap'), join(tmp.path, 'older.snap'))
    await storage.snapshots.write({label: 'at 20'}, [['k0', 'new']], 20)
    await storage.close()
    const newer = join(snapshots, '00000000000000000020.snap')
    await truncate(newer, (await stat(newer)).size - 40)
    await copyFile(join(tmp.path, 'older.snap'), join(snapshots, '00000000000000000010.snap'))

    const {storage: again, log} = await openDir()
    expect(log.warnings).to.have.length(1)
    expect(log.warnings[0]).to.contain(newer).and.contain('trailer')
    const recovered = await recoveredState(again)
    expect(recovered.header).to.deep.equal({label: 'at 10'})
    expect(Object.fromEntries(recovered.state)).to.deep.equal({k0: '18', k1: '19', k2: '20'})
  })

  it('leaves the previous snapshot and the log intact when a write fails', async () => {
    const {storage} = await openDir({segmentBytes: 100})
    for (let i = 1; i <= 10; i++) await storage.log.append({k: 'k', v: `${i}`})
    await storage.snapshots.write({label: 'at 5'}, [['k', '5']], 5)
    const before = await readdir(join(tmp.path, 'log'))
    function* failing(): Generator<Rec> {
      yield ['k', '10']
      throw new Error('the replica went away')
    }
    const error = await storage.snapshots.write({label: 'at 10'}, failing(), 10).catch((e: Error) => e)
    expect(error).to.have.property('message', 'the replica went away')
    expect(await snapFiles()).to.deep.equal(['00000000000000000005.snap'])
    expect(await readdir(join(tmp.path, 'log'))).to.deep.equal(before)
    await storage.close()

    const {storage: again} = await openDir({segmentBytes: 100})
    const recovered = await recoveredState(again)
    expect(recovered.header).to.deep.equal({label: 'at 5'})
    expect(recovered.state.get('k')).to.equal('10')
    expect((await collect(again.recovered.entries)).map((e) => e.index)).to.deep.equal([6, 7, 8, 9, 10])
  })

  it('refuses to cover an index the log has not reached or older than the newest snapshot', async () => {
    const {storage} = await openDir()
    await storage.log.append({k: 'a', v: '1'})
    await storage.log.append({k: 'a', v: '2'})
    await storage.snapshots.write({label: 'at 2'}, [], 2)
    for (const coversIndex of [3, 1]) {
      const error = await storage.snapshots.write({label: 'bad'}, [], coversIndex).catch((e: KvsError) => e)
      expect(error).to.include({code: 'INTERNAL'})
    }
    expect(await snapFiles()).to.deep.equal(['00000000000000000002.snap'])
  })

  it('reports a damaged record inside a complete snapshot while iterating', async () => {
    const {storage} = await openDir()
    await storage.snapshots.write({label: 'x'}, [['a', '1'], ['b', '2'], ['c', '3']], 0)
    await storage.close()
    const path = join(tmp.path, 'snapshots', '00000000000000000000.snap')
    const bytes = await readFile(path)
    const at = bytes.indexOf('"b"')
    bytes[at + 1] = 'z'.charCodeAt(0)
    await writeFile(path, bytes)

    const {storage: again} = await openDir()
    const error = await collect(again.recovered.snapshot?.records ?? []).catch((e: KvsError) => e)
    expect(error).to.include({code: 'CORRUPT_LOG'})
    expect((error as Error).message).to.contain(path)
  })
})

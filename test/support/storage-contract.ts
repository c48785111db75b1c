/**
 * The contract of the storage seam (src/storage/types.ts), as one suite run against both the
 * files on disk and the in-memory twin: what an append, a snapshot and the metadata leave
 * for the next open, and what logBytes counts.
 */
import {expect} from 'chai'
import {isKvsError} from '../../src/errors.js'
import {FRAME_HEADER_BYTES} from '../../src/storage/record-frame.js'
import type {Storage} from '../../src/storage/types.js'

type Entry = {n: number; text?: string}
type Rec = {key: string; value: string}
type Header = {shard: number}
type Meta = {address: string}
export type ContractStorage = Storage<Header, Rec, Entry, Meta>

export interface StorageFixture {
  /** Opens the storage: empty the first time, afterwards what the last one closed left. */
  open(): Promise<ContractStorage>
  /** Removes whatever the fixture made. */
  remove(): Promise<void>
}

export function describeStorageContract(name: string, make: () => Promise<StorageFixture>): void {
  describe(`${name} obeys the storage contract`, function () {
    let fixture: StorageFixture
    let current: ContractStorage | null = null
    beforeEach(async () => {
      fixture = await make()
    })
    afterEach(async () => {
      await current?.close()
      current = null
      await fixture.remove()
    })

    /** Closes the open storage, if any, and opens it again, as a restarted node does. */
    const reopen = async (): Promise<ContractStorage> => {
      await current?.close()
      current = await fixture.open()
      return current
    }
    const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
      const out: T[] = []
      for await (const item of items) out.push(item)
      return out
    }
    const frameBytes = (entries: Entry[]) => entries.reduce((sum, e) => sum + FRAME_HEADER_BYTES + Buffer.byteLength(JSON.stringify(e)), 0)

    it('starts empty', async () => {
      const s = await reopen()
      expect([s.log.lastIndex, s.log.logBytes, s.recovered.snapshot]).to.deep.equal([0, 0, null])
      expect(await collect(s.recovered.entries)).to.deep.equal([])
      expect(await s.meta.read()).to.equal(null)
    })

    it('numbers appends from 1 in order and gives them back, as appended, after a reopen', async () => {
      const s = await reopen()
      const entry: Entry = {n: 1, text: 'é'}
      const indexes = await Promise.all([s.log.append(entry), s.log.append({n: 2}), s.log.append({n: 3})])
      entry.n = 99
      expect(indexes).to.deep.equal([1, 2, 3])
      expect(s.log.lastIndex).to.equal(3)
      const again = await reopen()
      const entries = [
        {index: 1, entry: {n: 1, text: 'é'}},
        {index: 2, entry: {n: 2}},
        {index: 3, entry: {n: 3}},
      ]
      expect(await collect(again.recovered.entries)).to.deep.equal(entries)
      expect(await collect(again.recovered.entries), 'read a second time').to.deep.equal(entries)
      expect(again.log.lastIndex).to.equal(3)
      expect(await again.log.append({n: 4})).to.equal(4)
    })

    it('counts in logBytes the frames of the entries no snapshot covers', async () => {
      const s = await reopen()
      const entries: Entry[] = [{n: 1}, {n: 2, text: 'ünïcödé'}, {n: 3, text: 'x'.repeat(300)}]
      for (const e of entries) await s.log.append(e)
      expect(s.log.logBytes).to.equal(frameBytes(entries))
      expect((await reopen()).log.logBytes, 'after a reopen').to.equal(frameBytes(entries))
      await current!.snapshots.write({shard: 1}, [], 3)
      expect(current!.log.logBytes, 'all covered').to.equal(0)
      await current!.log.append({n: 4})
      expect(current!.log.logBytes).to.equal(frameBytes([{n: 4}]))
    })

    it('recovers the newest snapshot and only the entries after it', async () => {
      const s = await reopen()
      for (let n = 1; n <= 3; n++) await s.log.append({n})
      await s.snapshots.write({shard: 1}, [{key: 'a', value: '1'}], 3)
      await s.log.append({n: 4})
      const again = await reopen()
      expect(again.recovered.snapshot?.header).to.deep.equal({shard: 1})
      expect(await collect(again.recovered.snapshot!.records)).to.deep.equal([{key: 'a', value: '1'}])
      expect(await collect(again.recovered.entries)).to.deep.equal([{index: 4, entry: {n: 4}}])
      expect(again.log.lastIndex).to.equal(4)
    })

    it('keeps the metadata last written across a reopen', async () => {
      const s = await reopen()
      await s.meta.write({address: 'a'})
      await s.meta.write({address: 'b'})
      expect(await s.meta.read()).to.deep.equal({address: 'b'})
      expect(await (await reopen()).meta.read()).to.deep.equal({address: 'b'})
    })

    it('refuses appends after close with INTERNAL, and close may be called twice', async () => {
      const s = await reopen()
      await s.log.append({n: 1})
      await s.close()
      await s.close()
      const error = await s.log.append({n: 2}).catch((e: unknown) => e)
      expect(isKvsError(error) && error.code).to.equal('INTERNAL')
      current = null
      expect(await collect((await reopen()).recovered.entries)).to.deep.equal([{index: 1, entry: {n: 1}}])
    })
  })
}

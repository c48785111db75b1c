import {expect} from 'chai'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {mergeSessionMetadata, noSessionMetadata, SessionStore} from '../../../src/client/session.js'

const meta = (epoch: number, clocks: Record<string, Record<string, number>>) => ({epoch, clocks})

describe('causal session', () => {
  describe('mergeSessionMetadata', () => {
    const cases: Array<{name: string; stored: unknown; answer: unknown; merged: unknown}> = [
      {name: 'no history takes the answer', stored: noSessionMetadata, answer: meta(1, {1: {a: 1}}), merged: meta(1, {1: {a: 1}})},
      {name: 'an empty answer keeps what was stored', stored: meta(1, {1: {a: 1}}), answer: noSessionMetadata, merged: meta(1, {1: {a: 1}})},
      {
        name: 'same epoch merges pointwise (two concurrent invocations both count)',
        stored: meta(1, {1: {a: 3, b: 1}}),
        answer: meta(1, {1: {a: 2, c: 4}, 2: {d: 1}}),
        merged: meta(1, {1: {a: 3, b: 1, c: 4}, 2: {d: 1}}),
      },
      {
        name: 'a newer epoch (after a reshard) supersedes older clocks',
        stored: meta(1, {1: {a: 9}}),
        answer: meta(2, {2: {b: 1}}),
        merged: meta(2, {2: {b: 1}}),
      },
      {
        name: 'an older epoch arriving late does not roll the session back',
        stored: meta(2, {2: {b: 1}}),
        answer: meta(1, {1: {a: 9}}),
        merged: meta(2, {2: {b: 1}}),
      },
      {name: 'opaque metadata from another server replaces', stored: 'v1', answer: 'v2', merged: 'v2'},
    ]
    for (const c of cases) {
      it(c.name, () => {
        expect(mergeSessionMetadata(c.stored, c.answer)).to.deep.equal(c.merged)
      })
    }
  })

  describe('SessionStore', () => {
    let dir: string
    let store: SessionStore

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kvs-session-'))
      store = new SessionStore(join(dir, 'config', 'session.json'))
    })

    afterEach(async () => {
      await rm(dir, {recursive: true, force: true})
    })

    it('starts with no history', async () => {
      expect(await store.load('local:x')).to.equal(noSessionMetadata)
    })

    it('keeps one history per cluster', async () => {
      await store.record('local:x', meta(1, {1: {a: 1}}))
      await store.record('nodes:10.0.0.1:1', meta(4, {}))
      expect(await store.load('local:x')).to.deep.equal(meta(1, {1: {a: 1}}))
      expect(await store.load('nodes:10.0.0.1:1')).to.deep.equal(meta(4, {}))
    })

    it('concurrent records all end up in the file, which stays valid JSON', async () => {
      await Promise.all(Array.from({length: 20}, (_, i) => store.record('local:x', meta(1, {1: {[`n${i}`]: i + 1}}))))
      const file = JSON.parse(await readFile(store.file, 'utf8'))
      expect(Object.keys(file.clusters['local:x'].metadata.clocks['1'])).to.have.length(20)
    })

    it('metadata the file already covers leaves the file untouched (nothing written, no lock)', async () => {
      await store.record('local:x', meta(1, {1: {a: 2, b: 1}}))
      const before = await readFile(store.file, 'utf8')
      await writeFile(`${store.file}.lock`, 'held by a test')
      await store.record('local:x', meta(1, {1: {a: 1}}))
      expect(await readFile(store.file, 'utf8')).to.equal(before)
    })

    it('an unreadable file counts as empty and is replaced on the next record', async () => {
      await store.record('local:x', meta(1, {}))
      await writeFile(store.file, '{"version": 1, "clus')
      expect(await store.load('local:x')).to.equal(noSessionMetadata)
      await store.record('local:x', meta(2, {}))
      expect(await store.load('local:x')).to.deep.equal(meta(2, {}))
    })

    it('reset forgets one cluster or all of them', async () => {
      await store.record('a', meta(1, {}))
      await store.record('b', meta(1, {}))
      await store.record('c', meta(1, {}))
      expect(await store.reset('a')).to.equal(1)
      expect(await store.load('a')).to.equal(noSessionMetadata)
      expect(await store.reset()).to.equal(2)
      expect(await store.load('b')).to.equal(noSessionMetadata)
    })
  })
})

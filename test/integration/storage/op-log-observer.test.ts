import {expect} from 'chai'
import {join} from 'node:path'
import {FileOpLog} from '../../../src/storage/op-log.js'
import type {FsyncPolicy} from '../../../src/storage/types.js'
import {tempDir} from './support.js'

/** The op log tells its observer (metrics) one duration per append and one per fsync. */
describe('FileOpLog observer', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    tmp = await tempDir()
  })
  afterEach(async () => tmp.remove())

  async function run(fsync: FsyncPolicy) {
    const appended: number[] = []
    const synced: number[] = []
    const {log} = await FileOpLog.open<{n: number}>({
      dir: join(tmp.path, 'log'),
      fsync,
      log: {warn: () => {}, info: () => {}},
      observer: {appended: (s) => appended.push(s), synced: (s) => synced.push(s)},
    })
    // Three appends in one turn share a write (group commit); each is still one observation.
    await Promise.all([log.append({n: 1}), log.append({n: 2}), log.append({n: 3})])
    await log.append({n: 4})
    const syncsBeforeClose = synced.length
    await log.close()
    return {appended, synced, syncsBeforeClose, stats: log.stats}
  }

  it("fsync 'always': four appends, and one fsync per write", async () => {
    const {appended, syncsBeforeClose, stats} = await run('always')
    expect(appended).to.have.length(4)
    for (const s of appended) expect(s).to.be.a('number').at.least(0).and.below(60)
    expect(syncsBeforeClose).to.equal(stats.writes)
  })

  it("fsync 'never': appends observed, the only fsync is the one of close()", async () => {
    const {appended, synced, syncsBeforeClose} = await run('never')
    expect(appended).to.have.length(4)
    expect(syncsBeforeClose).to.equal(0)
    expect(synced).to.have.length(1)
  })
})

import {expect} from 'chai'

import {Compaction} from '../../src/replication/compaction.js'
import {rebuildReplica} from '../../src/replication/recovery.js'
import type {Update} from '../../src/replication/op-group.js'
import type {Op} from '../../src/replication/op.js'
import type {SnapshotHeader, SnapshotRecord} from '../../src/replication/replica-store.js'
import {ShardState} from '../../src/replication/shard-state.js'
import {MemoryStorage} from '../../src/storage/memory-storage.js'

const A = '127.0.0.2:8085'

describe('Compaction at a graceful stop', () => {
  /** A replica of shard 1 holding `n` writes of `valueBytes`, each also in the op log. */
  async function replicaWith(n: number, valueBytes: number) {
    const storage = new MemoryStorage<SnapshotHeader, SnapshotRecord, Update, object>()
    const state = new ShardState(1, 1)
    for (let seq = 1; seq <= n; seq++) {
      const op: Op = {shard: 1, epoch: 1, origin: A, seq, key: `k${seq}`, value: 'v'.repeat(valueBytes), ts: seq, deps: {epoch: 1, clocks: {'1': {[A]: seq}}}}
      await storage.log.append(op)
      state.apply(op)
    }
    const warnings: string[] = []
    const compaction = new Compaction(storage, () => state, {warn: (_o, msg) => warnings.push(msg)})
    return {storage, compaction, warnings}
  }

  it('snapshots a log of more than 1 MiB, so a restart reads the snapshot and replays nothing', async () => {
    const {storage, compaction, warnings} = await replicaWith(2_000, 1_000)
    expect(storage.log.logBytes).to.be.above(1024 * 1024)
    await compaction.beforeClose()
    expect(warnings).to.deep.equal([])
    expect(storage.log.logBytes, 'the snapshot covers the whole log').to.equal(0)
  })

  it('leaves a small log as it is: replaying it costs less than writing every key again', async () => {
    const {storage, compaction} = await replicaWith(100, 100)
    const before = storage.log.logBytes
    await compaction.beforeClose()
    expect(storage.log.logBytes).to.equal(before)
  })
})

describe('Recovery reads every snapshot and log format', () => {
  const contents = (s: ShardState | null) => ({clock: s?.clock, versions: [...(s?.versions ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))})

  /** A replica of shard 1 written as singles and as groups, each also in the op log. */
  async function written() {
    const storage = new MemoryStorage<SnapshotHeader, SnapshotRecord, Update, object>()
    const state = new ShardState(1, 1)
    const log = async (u: Update) => {
      await storage.log.append(u)
      if ('keys' in u) state.applyGroup(u)
      else state.apply(u)
    }
    await log({shard: 1, epoch: 1, origin: A, seq: 1, key: 'single', value: 's', ts: 1, deps: {epoch: 1, clocks: {'1': {[A]: 1}}}})
    const keys = Array.from({length: 5000}, (_, i) => `g${i}`)
    await log({shard: 1, epoch: 1, origin: A, seq: 2, deps: {epoch: 1, clocks: {'1': {[A]: 2}, '2': {'127.0.0.9:8085': 4}}}, keys, values: keys.map((k, i) => (i % 7 === 0 ? null : `v-${k}`)), ts: keys.map((_, i) => 10 + i)})
    return {storage, state}
  }

  it('a log of single ops and groups replays to the replica that wrote it', async () => {
    const {storage, state} = await written()
    const rebuilt = await rebuildReplica(storage.reopen().recovered, null, A)
    expect(rebuilt.replayed).to.equal(5001)
    expect(rebuilt.highestTs).to.equal(10 + 4999)
    expect(contents(rebuilt.state)).to.deep.equal(contents(state))
  })

  it('a snapshot of chunks of columns, and one of a record per key (written before chunks), read back alike', async () => {
    const {storage, state} = await written()
    await new Compaction(storage, () => state, {warn: () => undefined}).snapshot()
    const records: SnapshotRecord[] = []
    for await (const r of storage.reopen().recovered.snapshot?.records ?? []) records.push(r)
    expect(records.map((r) => (Array.isArray(r) ? 'per key' : r.keys.length))).to.deep.equal([4096, 905])
    const fromChunks = await rebuildReplica(storage.reopen().recovered, null, A)
    expect(fromChunks.replayed).to.equal(0)
    expect(contents(fromChunks.state)).to.deep.equal(contents(state))

    await storage.snapshots.write({shard: 1, epoch: 1, clock: state.clock}, [...state.frozen()], storage.log.lastIndex)
    const fromRecords = await rebuildReplica(storage.reopen().recovered, null, A)
    expect(contents(fromRecords.state)).to.deep.equal(contents(state))
  })
})

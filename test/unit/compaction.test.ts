import {expect} from 'chai'

import {Compaction} from '../../src/replication/compaction.js'
import type {Op} from '../../src/replication/op.js'
import type {SnapshotHeader, SnapshotRecord} from '../../src/replication/replica-store.js'
import {ShardState} from '../../src/replication/shard-state.js'
import {MemoryStorage} from '../../src/storage/memory-storage.js'

const A = '127.0.0.2:8085'

describe('Compaction at a graceful stop', () => {
  /** A replica of shard 1 holding `n` writes of `valueBytes`, each also in the op log. */
  async function replicaWith(n: number, valueBytes: number) {
    const storage = new MemoryStorage<SnapshotHeader, SnapshotRecord, Op, object>()
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

/**
 * Disk use follows the data, not the write history: a node on its real file storage takes
 * 100,000 overwrites of 10 keys, and its data directory stays a few MB; a restart still
 * recovers the last value of every key. A node on the in-memory twin compacts the same way.
 */
import {expect} from 'chai'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pino} from 'pino'
import {buildNode, type NodeMeta} from '../../src/node/build-node.js'
import type {Update} from '../../src/replication/op-group.js'
import type {SnapshotHeader, SnapshotRecord} from '../../src/replication/replica-store.js'
import {MemoryStorage} from '../../src/storage/memory-storage.js'
import {openStorage} from '../../src/storage/storage.js'
import {InMemoryNetwork} from '../../src/transport/in-memory-transport.js'
import {dirBytes} from '../integration/storage/support.js'

describe('compaction of a node', function () {
  const address = '127.0.0.2:8085'
  let dir: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kvs-compaction-'))
  })
  after(async () => rm(dir, {recursive: true, force: true}))

  const open = async () => {
    const storage = await openStorage<SnapshotHeader, SnapshotRecord, Update, NodeMeta>({dir, fsync: 'never', log: pino({level: 'silent'})})
    const node = await buildNode({address, view: [address], shardCount: 1}, storage, new InMemoryNetwork().transport(), pino({level: 'silent'}))
    await node.start()
    return node
  }

  it('keeps the data directory small after 100,000 overwrites of 10 keys, and recovers', async () => {
    const node = await open()
    const writes: Promise<unknown>[] = []
    for (let i = 0; i < 100_000; i++) {
      writes.push(node.replicator.write(1, 1, `key${i % 10}`, `value-${i}-${'x'.repeat(80)}`, null))
      if (writes.length === 1000) {
        await Promise.all(writes.splice(0))
        // Appends complete without the thread pool, so give the snapshot's file I/O its turn,
        // as a node does between requests that arrive on sockets.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    await Promise.all(writes)
    await node.close()
    const bytes = await dirBytes(dir)
    expect(bytes, `${bytes} bytes on disk`).to.be.below(8 * 1024 * 1024)

    const again = await open()
    for (let k = 0; k < 10; k++) {
      const {version} = await again.replicator.read(1, 1, `key${k}`, null)
      expect(version?.value).to.equal(`value-${99_990 + k}-${'x'.repeat(80)}`)
    }
    await again.close()
  })

  it('compacts a node on the in-memory twin too: its log counts bytes as the files do', async () => {
    const storage = new MemoryStorage<SnapshotHeader, SnapshotRecord, Update, NodeMeta>()
    const node = await buildNode({address, view: [address], shardCount: 1}, storage, new InMemoryNetwork().transport(), pino({level: 'silent'}))
    await node.start()
    const writes: Promise<unknown>[] = []
    for (let i = 0; i < 40_000; i++) {
      writes.push(node.replicator.write(1, 1, `key${i % 10}`, `value-${i}-${'x'.repeat(80)}`, null))
      if (writes.length === 1000) await Promise.all(writes.splice(0))
    }
    await Promise.all(writes)
    await node.close()
    // 40,000 ops of 100+ bytes each go well past the 4 MiB compaction floor; compaction keeps the log under it.
    expect(storage.log.logBytes).to.be.below(4 * 1024 * 1024)
    expect(storage.reopen().recovered.snapshot, 'a snapshot was written').to.not.equal(null)
  })
})

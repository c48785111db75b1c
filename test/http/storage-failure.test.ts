import {expect} from 'chai'
import {pino} from 'pino'
import {buildNode, type NodeMeta, type NodeParts} from '../../src/node/build-node.js'
import type {Update} from '../../src/replication/op-group.js'
import type {SnapshotHeader, SnapshotRecord} from '../../src/replication/replica-store.js'
import {nodeLogFiles, type LogFiles} from '../../src/storage/durable-fs.js'
import {MemoryStorage} from '../../src/storage/memory-storage.js'
import {openStorage} from '../../src/storage/storage.js'
import {InMemoryNetwork} from '../../src/transport/in-memory-transport.js'
import {waitFor} from '../../src/wait-for.js'
import {tempDir} from '../integration/storage/support.js'
import {injectJson} from './inject-json.js'

/**
 * Fail-stop storage (DESIGN.md section 7): a node whose op log hits ENOSPC takes no more
 * writes, applies nothing more, and says it is not ready; its shard peer goes on serving.
 */
describe('a node whose disk fills up (ENOSPC)', function () {
  this.timeout(20_000)
  const [a, b] = ['127.0.0.2:8085', '127.0.0.3:8085']
  const view = [a, b]
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let nodes: NodeParts[] = []
  const disk = {full: false}
  const files: LogFiles = {
    ...nodeLogFiles,
    write(fh, buf, position) {
      if (disk.full) throw Object.assign(new Error(`ENOSPC: no space left on device, write`), {code: 'ENOSPC'})
      nodeLogFiles.write(fh, buf, position)
    },
  }

  beforeEach(async () => {
    tmp = await tempDir()
    disk.full = false
    const network = new InMemoryNetwork()
    const fileStore = await openStorage<SnapshotHeader, SnapshotRecord, Update, NodeMeta>({dir: tmp.path, fsync: 'always', files, log: {warn() {}, info() {}}})
    const start = async (address: string, store: Parameters<typeof buildNode>[1]) => {
      const node = await buildNode({address, view, shardCount: 1}, store, network.transport(address), pino({level: 'silent'}))
      await node.app.ready()
      network.register(address, node.app)
      await node.start()
      return node
    }
    nodes = [await start(a, fileStore), await start(b, new MemoryStorage())]
  })
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()))
    await tmp.remove()
  })

  const put = (key: string, value: string) => injectJson(nodes[0].app, 'PUT', `/key-value-store/${key}`, {value, 'causal-metadata': ''})

  it('answers the write it could not log 503 with a code and no path, turns not ready, and applies nothing more', async () => {
    await waitFor(async () => (await Promise.all(nodes.map((n) => injectJson(n.app, 'GET', '/readyz')))).every((r) => r.status === 200), {timeoutMs: 10_000, what: 'both nodes ready'})
    expect((await put('before', '1')).status).to.equal(201)

    disk.full = true
    const refused = await put('lost', '2')
    expect(refused.status).to.equal(503)
    expect(refused.body).to.deep.equal({
      message: 'Error in PUT',
      error: 'This node cannot write to its disk: it takes no writes until its disk is fixed and it is restarted',
      code: 'STORAGE_FAILED',
    })
    expect(JSON.stringify(refused.body)).not.to.contain(tmp.path)

    const ready = await injectJson(nodes[0].app, 'GET', '/readyz')
    expect(ready.status).to.equal(503)
    expect(ready.body).to.include({status: 'not ready', reason: 'storage failed'})
    const status = await injectJson(nodes[0].app, 'GET', '/admin/status')
    expect(status.body.storageFailed).to.equal(true)
    expect(status.body.ready).to.equal(false)

    // Even once the disk has room again the node stays stopped: it lost an append.
    disk.full = false
    // Once its routes are recomputed it is no longer the primary (it is not ready): a write
    // sent to it goes to its peer, which takes it; the failed node does not apply it.
    await waitFor(() => nodes[0].membership.primaryOf(1) === b, {timeoutMs: 10_000, what: 'the peer to be primary'})
    const after = await put('after', '3')
    expect(after.status, JSON.stringify(after.body)).to.equal(201)
    expect(nodes[1].replicator.current()?.get('after')?.value).to.equal('3')
    expect(nodes[0].replicator.current()?.get('after')).to.equal(undefined)
    // A well-formed op of b's, the next it writes: refused for the log, not for its shape.
    const bState = nodes[1].replicator.current()!
    const seq = (bState.clock[b] ?? 0) + 1
    const deps = {epoch: bState.epoch, clocks: {'1': {...bState.clock, [b]: seq}}}
    const op = {shard: 1, epoch: bState.epoch, origin: b, seq, key: 'late', value: 'v', ts: Date.now() * 1000, deps}
    const replicated = await injectJson(nodes[0].app, 'POST', '/internal/replicate', {from: b, ops: [op]})
    expect(replicated.status, 'replication to it is refused').to.equal(503)
    expect(replicated.body.code).to.equal('STORAGE_FAILED')
  })

  it('answers 503 to a write when no other member can take it', async () => {
    await waitFor(async () => (await Promise.all(nodes.map((n) => injectJson(n.app, 'GET', '/readyz')))).every((r) => r.status === 200), {timeoutMs: 10_000, what: 'both nodes ready'})
    await nodes[1].close()
    disk.full = true
    for (const key of ['first', 'second']) {
      const refused = await put(key, 'v')
      expect(refused.status, key).to.equal(503)
      expect(refused.body.code, key).to.equal('STORAGE_FAILED')
    }
    expect(nodes[0].replicator.current()?.get('second'), 'nothing applied once the log failed').to.equal(undefined)
  })
})

import {expect} from 'chai'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {pino} from 'pino'
import {buildNode, type NodeMeta, type NodeParts, type NodeStorage} from '../../../src/node/build-node.js'
import type {Op} from '../../../src/replication/op.js'
import type {SnapshotHeader, SnapshotRecord} from '../../../src/replication/replica-store.js'
import {MemoryStorage} from '../../../src/storage/memory-storage.js'
import {openStorage} from '../../../src/storage/storage.js'
import {InMemoryNetwork} from '../../../src/transport/in-memory-transport.js'
import {waitFor} from '../../../src/wait-for.js'
import {injectJson} from '../../http/inject-json.js'
import {tempDir} from './support.js'

/**
 * A data directory written before the configuration epoch was named `configEpoch` (its
 * meta.json says `epoch`) still starts: the node recovers its data, runs under the stored
 * configuration, and writes the new name when it next persists one.
 */
describe('a data directory whose stored configuration names its epoch `epoch` (earlier versions)', function () {
  this.timeout(30_000)
  const [a, b] = ['127.0.0.2:8085', '127.0.0.3:8085']
  const view = [a, b]
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let network: InMemoryNetwork
  const running: NodeParts[] = []

  beforeEach(async () => {
    tmp = await tempDir()
    network = new InMemoryNetwork()
  })
  afterEach(async () => {
    await Promise.all(running.splice(0).map((n) => n.close()))
    await tmp.remove()
  })

  const openDir = () => openStorage<SnapshotHeader, SnapshotRecord, Op, NodeMeta>({dir: tmp.path, fsync: 'always', log: {warn() {}, info() {}}})
  const start = async (address: string, storage: NodeStorage): Promise<NodeParts> => {
    const node = await buildNode({address, view, shardCount: 1}, storage, network.transport(address), pino({level: 'silent'}))
    await node.app.ready()
    network.register(address, node.app)
    await node.start()
    running.push(node)
    return node
  }
  const stop = async (node: NodeParts) => {
    running.splice(running.indexOf(node), 1)
    await node.close()
  }
  const metaPath = () => join(tmp.path, 'meta.json')
  const ready = (node: NodeParts) => waitFor(async () => (await injectJson(node.app, 'GET', '/readyz')).status === 200, {timeoutMs: 10_000, what: 'ready'})

  it('recovers its keys under the stored configuration and persists it as configEpoch', async () => {
    const first = await start(a, await openDir())
    const peer = await start(b, new MemoryStorage())
    await ready(first)
    const put = await injectJson(first.app, 'PUT', '/key-value-store/kept', {value: 'v', 'causal-metadata': ''})
    expect(put.status).to.equal(201)
    await stop(first)

    // Rewritten as an earlier version left it, at configuration epoch 3, layout epoch 1.
    const current = JSON.parse(await readFile(metaPath(), 'utf8')) as {address: string; config: Record<string, unknown>}
    const {configEpoch, ...rest} = current.config
    expect(configEpoch).to.equal(1)
    await writeFile(metaPath(), JSON.stringify({address: current.address, config: {epoch: 3, ...rest}}))

    const again = await start(a, await openDir())
    expect(again.membership.config).to.include({configEpoch: 3, layoutEpoch: 1})
    await ready(again)
    expect((await injectJson(again.app, 'GET', '/readyz')).body).to.include({epoch: 3})
    const read = await injectJson(again.app, 'GET', '/key-value-store/kept', {'causal-metadata': ''})
    expect(read.body).to.include({value: 'v'})
    // The peer, at configuration epoch 1, learns the stored configuration from a heartbeat.
    await waitFor(() => peer.membership.config?.configEpoch === 3, {timeoutMs: 10_000, what: 'the peer to pull configuration epoch 3'})

    await again.membership.change((config) => ({...config, configEpoch: config.configEpoch + 1}))
    const stored = JSON.parse(await readFile(metaPath(), 'utf8')) as {config: Record<string, unknown>}
    expect(stored.config).to.include({configEpoch: 4, layoutEpoch: 1})
    expect(stored.config).not.to.have.property('epoch')
  })
})

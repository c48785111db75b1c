/**
 * Durability on real processes: whole shards killed at once, catch-up of exactly what was
 * missed, a replaced machine (empty data directory) and a torn log tail.
 */
import {expect} from 'chai'
import {appendFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {http, initialShards, shardOfKey, startCluster, type Cluster} from '../support/cluster.js'
import {waitFor} from '../../src/wait-for.js'

const status = async (node: string) => (await http(node, 'GET', '/admin/status')).body as Record<string, any>

/** Keys of shard `shard` among 2: key<i> for the first `count` such i at or after `from`. */
function keysOfShard(shard: number, count: number, from = 0): string[] {
  const keys: string[] = []
  for (let i = from; keys.length < count; i++) if (shardOfKey(`key${i}`, 2) === shard) keys.push(`key${i}`)
  return keys
}

describe('durability on 4 real nodes in 2 shards (fsync always)', function () {
  let cluster: Cluster
  let shard1: string[]
  let shard2: string[]

  before(async () => {
    cluster = await startCluster({nodes: 4, shards: 2, fsync: 'always'})
    const layout = initialShards(cluster.addresses, 2)
    shard1 = layout.get(1) as string[]
    shard2 = layout.get(2) as string[]
  })
  after(async () => cluster?.stopAll())
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(cluster.logTails(30))
  })

  it('loses no acknowledged write when every member of a shard is killed at once', async () => {
    const keys = keysOfShard(1, 150)
    const acked = new Map<string, string>()
    // Writes keep coming while the kill happens; only the acknowledged ones must survive.
    const writer = (async () => {
      for (const [i, key] of keys.entries()) {
        try {
          const res = await http(shard2[i % 2], 'PUT', `/key-value-store/${key}`, {value: `v${i}`, 'causal-metadata': ''}, {timeoutMs: 3000})
          if (res.status === 200 || res.status === 201) acked.set(key, `v${i}`)
        } catch {
          // No answer: not acknowledged.
        }
      }
    })()
    await waitFor(() => acked.size >= 60, {timeoutMs: 30_000, what: '60 acknowledged writes'})
    await Promise.all(shard1.map((m) => cluster.kill(m, 'SIGKILL')))
    await writer
    // Only SOCKET_ADDRESS and KVS_DATA_DIR: everything else comes from the data directory.
    await Promise.all(shard1.map((m) => cluster.startNode(m)))
    for (const member of shard1) {
      for (const [key, value] of acked) {
        const res = await waitFor(
          async () => {
            const r = await http(member, 'GET', `/key-value-store/${key}`, {'causal-metadata': ''})
            return r.status === 200 ? r : undefined
          },
          {timeoutMs: 10_000, what: `${key} on ${member}`},
        )
        expect(res.body.value, `${key} on ${member}`).to.equal(value)
      }
    }
    expect(acked.size).to.be.at.least(60)
  })

  it('a member down during 300 writes fetches exactly the ops it missed', async () => {
    const [stays, leaves] = shard2
    await cluster.kill(leaves, 'SIGKILL')
    const keys = keysOfShard(2, 300, 1000)
    for (const [i, key] of keys.entries()) {
      const res = await http(stays, 'PUT', `/key-value-store/${key}`, {value: `w${i}`, 'causal-metadata': ''})
      expect(res.status).to.be.oneOf([200, 201])
    }
    const target = (await status(stays)).appliedWrites
    await cluster.startNode(leaves)
    await waitFor(async () => (await status(leaves)).appliedWrites === target, {timeoutMs: 15_000, what: `${leaves} to apply ${target} writes`})
    const caught = (await status(leaves)).catchUp
    expect(caught).to.deep.equal({ops: 300, transfers: 0})
    for (const [i, key] of keys.entries()) {
      const res = await http(leaves, 'GET', `/key-value-store/${key}`, {'causal-metadata': ''})
      expect(res.body.value, key).to.equal(`w${i}`)
    }
  })

  it('a member restarted on an empty data directory copies its shard before serving', async () => {
    const [stays, replaced] = shard2
    const expected = (await http(stays, 'GET', '/key-value-store-shard/shard-id-key-count/2')).body['shard-id-key-count']
    await cluster.kill(replaced, 'SIGKILL')
    await cluster.startNode(replaced, {dataDir: 'fresh', view: cluster.addresses, shardCount: 2})
    await waitFor(async () => (await status(replaced)).ready, {timeoutMs: 15_000, what: `${replaced} to be ready`})
    const count = await http(replaced, 'GET', '/key-value-store-shard/shard-id-key-count/2')
    expect(count.body['shard-id-key-count']).to.equal(expected)
  })

  it('a torn log tail is cut off with a warning; the node starts and catches up', async () => {
    const [, victim] = shard1
    await cluster.kill(victim, 'SIGKILL')
    const logDir = join(cluster.node(victim).dataDir, 'log')
    const last = readdirSync(logDir).filter((f) => f.endsWith('.seg')).sort().at(-1) as string
    // Half a record: a length and CRC promising more bytes than follow.
    appendFileSync(join(logDir, last), Buffer.from([0xff, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x7b]))
    await cluster.startNode(victim)
    expect(cluster.logTail(victim, 200)).to.match(/torn|truncat/i)
    const [peer] = shard1
    const [key] = keysOfShard(1, 1, 5000)
    const res = await http(peer, 'PUT', `/key-value-store/${key}`, {value: 'ok', 'causal-metadata': ''})
    expect(res.status).to.be.oneOf([200, 201])
    await waitFor(async () => (await http(victim, 'GET', `/key-value-store/${key}`, {'causal-metadata': res.body['causal-metadata']})).body.value === 'ok', {
      timeoutMs: 10_000,
      what: 'the torn node to serve a new write',
    })
  })
})

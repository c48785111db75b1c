import {expect} from 'chai'
import {InProcessCluster} from './in-process-cluster.js'
import {waitFor} from '../../src/wait-for.js'

describe('an in-process cluster of 6 nodes in 2 shards', function () {
  let cluster: InProcessCluster

  before(async () => {
    cluster = await InProcessCluster.start(6, 2)
  })
  after(async () => cluster.stop())

  it('answers the view and shard queries identically on every node', async () => {
    for (const address of cluster.addresses) {
      const view = await cluster.request(address, 'GET', '/key-value-store-view')
      expect(view.status).to.equal(200)
      expect(view.body.view.split(',').sort()).to.deep.equal([...cluster.addresses].sort())
      const ids = await cluster.request(address, 'GET', '/key-value-store-shard/shard-ids')
      expect(ids.body['shard-ids']).to.deep.equal([1, 2])
    }
    const members1 = await cluster.request('127.0.0.2:8085', 'GET', '/key-value-store-shard/shard-id-members/1')
    expect(members1.body['shard-id-members']).to.deep.equal(['127.0.0.2:8085', '127.0.0.4:8085', '127.0.0.6:8085'])
  })

  it('stores keys through any node and reads them back from every node with threaded metadata', async () => {
    let meta: unknown = ''
    const addresses = cluster.addresses
    for (let i = 0; i < 60; i++) {
      const res = await cluster.request(addresses[i % 6], 'PUT', `/key-value-store/key${i}`, {value: `v${i}`, 'causal-metadata': meta})
      expect(res.status, JSON.stringify(res.body)).to.equal(201)
      expect(res.body.message).to.equal('Added successfully')
      meta = res.body['causal-metadata']
    }
    for (let i = 0; i < 60; i++) {
      const res = await cluster.request(addresses[(i + 3) % 6], 'GET', `/key-value-store/key${i}`, {'causal-metadata': meta})
      expect(res.status).to.equal(200)
      expect(res.body.value).to.equal(`v${i}`)
      // Nothing new revealed: the metadata comes back as sent.
      expect(res.body['causal-metadata']).to.deep.equal(meta)
    }
    const counts = await Promise.all(
      [1, 2].map(async (id) => (await cluster.request('127.0.0.3:8085', 'GET', `/key-value-store-shard/shard-id-key-count/${id}`)).body['shard-id-key-count']),
    )
    expect(counts[0] + counts[1]).to.equal(60)
  })

  it('adds a newcomer to the view and then to a shard with a full copy', async () => {
    const newcomer = '127.0.0.8:8085'
    await cluster.startNode(newcomer, [...cluster.addresses, newcomer], null)
    await waitFor(async () => {
      for (const a of cluster.addresses) {
        const v = await cluster.request(a, 'GET', '/key-value-store-view')
        if (!v.body.view.split(',').includes(newcomer)) return false
      }
      return true
    }, {timeoutMs: 10_000, what: 'newcomer in every view'})
    const before = await cluster.request(newcomer, 'GET', '/key-value-store-shard/node-shard-id')
    expect(before.body['shard-id']).to.equal(null)
    const add = await cluster.request('127.0.0.3:8085', 'PUT', '/key-value-store-shard/add-member/2', {'socket-address': newcomer})
    expect(add.status, JSON.stringify(add.body)).to.equal(200)
    const after = await cluster.request(newcomer, 'GET', '/key-value-store-shard/node-shard-id')
    expect(after.body['shard-id']).to.equal(2)
    const theirs = await cluster.request('127.0.0.3:8085', 'GET', '/key-value-store-shard/shard-id-key-count/2')
    const mine = await cluster.request(newcomer, 'GET', '/key-value-store-shard/shard-id-key-count/2')
    expect(mine.body['shard-id-key-count']).to.equal(theirs.body['shard-id-key-count'])
  })

  it('refuses an impossible reshard and performs a possible one, keeping every key', async () => {
    const bad = await cluster.request('127.0.0.2:8085', 'PUT', '/key-value-store-shard/reshard', {'shard-count': 4})
    expect(bad.status).to.equal(400)
    expect(bad.body.message).to.equal('Not enough nodes to provide fault-tolerance with the given shard count!')
    const ok = await cluster.request('127.0.0.2:8085', 'PUT', '/key-value-store-shard/reshard', {'shard-count': 3})
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200)
    let total = 0
    for (const id of [1, 2, 3]) {
      const res = await cluster.request('127.0.0.5:8085', 'GET', `/key-value-store-shard/shard-id-key-count/${id}`)
      total += res.body['shard-id-key-count']
    }
    expect(total).to.equal(60)
    for (let i = 0; i < 60; i++) {
      const res = await cluster.request(cluster.addresses[i % 7], 'GET', `/key-value-store/key${i}`, {'causal-metadata': ''})
      expect(res.status, `key${i}`).to.equal(200)
      expect(res.body.value).to.equal(`v${i}`)
    }
  })

  it('gives a member added after a reshard a full copy of its shard', async () => {
    const late = '127.0.0.9:8085'
    await cluster.startNode(late, [...cluster.addresses, late], null)
    await waitFor(async () => (await cluster.request(late, 'GET', '/key-value-store-shard/shard-ids')).body['shard-ids']?.length === 3, {timeoutMs: 10_000, what: 'the late node to learn the layout'})
    const add = await cluster.request('127.0.0.2:8085', 'PUT', '/key-value-store-shard/add-member/2', {'socket-address': late})
    expect(add.status, JSON.stringify(add.body)).to.equal(200)
    const theirs = await cluster.request('127.0.0.3:8085', 'GET', '/key-value-store-shard/shard-id-key-count/2')
    const mine = await cluster.request(late, 'GET', '/key-value-store-shard/shard-id-key-count/2')
    expect(theirs.body['shard-id-key-count']).to.be.above(0)
    expect(mine.body['shard-id-key-count']).to.equal(theirs.body['shard-id-key-count'])
  })
})

describe('a replica behind the layout its client has seen', function () {
  let cluster: InProcessCluster
  const node = '127.0.0.2:8085'
  const future = {epoch: 99, clocks: {}}

  before(async () => {
    cluster = await InProcessCluster.start(2, 1)
  })
  after(async () => cluster.stop())

  it('refuses a write, unapplied, rather than log it without its own clock', async () => {
    const replicator = cluster.nodes.get(node)!.replicator
    let refused: unknown
    try {
      await replicator.write(1, 1, 'later', 'v', future)
    } catch (error) {
      refused = error
    }
    expect(refused).to.include({code: 'UNAVAILABLE'})
    expect((await replicator.read(1, 1, 'later', null)).version).to.equal(undefined)
  })

  it('answers such a PUT with 503 and writes nothing', async () => {
    const res = await cluster.request(node, 'PUT', '/key-value-store/later', {value: 'v', 'causal-metadata': future})
    expect(res.status).to.equal(503)
    expect(res.body).to.deep.equal({error: 'Unable to satisfy request', message: 'Error in PUT', code: 'UNAVAILABLE'})
    const count = await cluster.request(node, 'GET', '/key-value-store-shard/shard-id-key-count/1')
    expect(count.body['shard-id-key-count']).to.equal(0)
  })
})

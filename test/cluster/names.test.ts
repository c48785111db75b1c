/**
 * Nodes named by DNS names (API.md section 10.3) on real processes: four nodes called
 * localhost:<port> run the whole contract (view, keys with causal metadata, shard
 * operations, add-member, reshards), and KVS_LISTEN makes a node bind something other than
 * its name while peers and clients still address it by its name.
 */
import {expect} from 'chai'
import {http, initialShards, shardOfKey, startCluster, type Cluster} from '../support/cluster.js'
import {findFreePort} from '../../src/cli/free-port.js'
import {waitFor} from '../../src/wait-for.js'

const byPort = (names: readonly string[]) => [...names].sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1]))

describe('four nodes named localhost:<port> (DNS names) in 2 shards', function () {
  let cluster: Cluster
  let nodes: readonly string[]
  let newcomer: string
  let meta: unknown = ''
  const keys = Array.from({length: 120}, (_, i) => `key${i}`)

  before(async function () {
    cluster = await startCluster({nodes: 4, shards: 2, spares: 1, naming: 'localhost'})
    nodes = cluster.addresses
    newcomer = cluster.spares[0]
  })

  after(async function () {
    await cluster?.stopAll()
  })

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(cluster.logTails(30))
  })

  it('lists the names in one order on every node (one host: by port) and places them by it', async () => {
    const expected = byPort(nodes).join(',')
    await waitFor(
      async () => {
        for (const node of nodes) if ((await http(node, 'GET', '/key-value-store-view')).body.view !== expected) return false
        return true
      },
      {timeoutMs: 10_000, what: `every view to be ${expected}`},
    )
    const layout = initialShards(nodes, 2)
    for (const node of nodes) {
      expect((await http(node, 'GET', '/key-value-store-shard/shard-ids')).body['shard-ids']).to.deep.equal([1, 2])
      const mine = await http(node, 'GET', '/key-value-store-shard/node-shard-id')
      expect(layout.get(mine.body['shard-id'] as number), node).to.include(node)
      for (const id of [1, 2]) {
        const members = await http(node, 'GET', `/key-value-store-shard/shard-id-members/${id}`)
        expect(members.body['shard-id-members']).to.deep.equal(layout.get(id))
      }
    }
  })

  it('writes through every node, forwards to the owning shard by name, and reads back causally elsewhere', async () => {
    for (const [i, key] of keys.entries()) {
      const put = await http(nodes[i % 4], 'PUT', `/key-value-store/${key}`, {value: `value-${i}`, 'causal-metadata': meta})
      expect(put.status, JSON.stringify(put.body)).to.equal(201)
      expect(put.body['shard-id']).to.equal(shardOfKey(key, 2))
      meta = put.body['causal-metadata']
    }
    for (const [i, key] of keys.entries()) {
      const get = await http(nodes[(i + 1) % 4], 'GET', `/key-value-store/${key}`, {'causal-metadata': meta})
      expect(get.status, key).to.equal(200)
      expect(get.body.value).to.equal(`value-${i}`)
    }
    const upd = await http(nodes[2], 'PUT', '/key-value-store/key7', {value: 'changed', 'causal-metadata': meta})
    expect(upd.body.message).to.equal('Updated successfully')
    const del = await http(nodes[3], 'DELETE', '/key-value-store/key8', {'causal-metadata': upd.body['causal-metadata']})
    expect(del.body.message).to.equal('Deleted successfully')
    meta = del.body['causal-metadata']
    const read = await http(nodes[0], 'GET', '/key-value-store/key7', {'causal-metadata': meta})
    expect(read.body.value).to.equal('changed')
    const gone = await http(nodes[1], 'GET', '/key-value-store/key8', {'causal-metadata': meta})
    expect(gone.status).to.equal(404)
  })

  it('replicates to every member of a shard, which then agree on key counts', async () => {
    const layout = initialShards(nodes, 2)
    const counts = (await waitFor(
      async (): Promise<number[] | false> => {
        const perShard: number[] = []
        for (const id of [1, 2]) {
          const seen = await Promise.all((layout.get(id) as string[]).map(async (m) => (await http(m, 'GET', `/key-value-store-shard/shard-id-key-count/${id}`)).body['shard-id-key-count']))
          if (new Set(seen).size !== 1) return false
          perShard.push(seen[0] as number)
        }
        return perShard
      },
      {timeoutMs: 10_000, what: 'the members of each shard to agree on their key count'},
    )) as number[]
    expect(counts[0] + counts[1]).to.equal(keys.length - 1)
  })

  it('lets a fifth node join by its name, and adds it to shard 1 under another spelling of that name', async () => {
    await cluster.startNode(newcomer, {view: [...nodes, newcomer], shardCount: null})
    const everyone = byPort([...nodes, newcomer]).join(',')
    await waitFor(
      async () => {
        for (const node of [...nodes, newcomer]) if ((await http(node, 'GET', '/key-value-store-view')).body.view !== everyone) return false
        return true
      },
      {timeoutMs: 10_000, what: 'the newcomer in every view'},
    )
    const add = await http(nodes[1], 'PUT', '/key-value-store-shard/add-member/1', {'socket-address': newcomer.toUpperCase()}, {timeoutMs: 30_000})
    expect(add.status, JSON.stringify(add.body)).to.equal(200)
    for (const node of [...nodes, newcomer]) {
      const members = (await http(node, 'GET', '/key-value-store-shard/shard-id-members/1')).body['shard-id-members']
      expect(members, node).to.include(newcomer)
    }
    const again = await http(nodes[0], 'PUT', '/key-value-store-view', {'socket-address': newcomer.replace('localhost', 'LocalHost')})
    expect(again.status).to.equal(404)
    expect(again.body.error).to.equal('Socket address already exists in the view')
    const theirs = await http(nodes[0], 'GET', '/key-value-store-shard/shard-id-key-count/1')
    const mine = await http(newcomer, 'GET', '/key-value-store-shard/shard-id-key-count/1')
    expect(mine.body['shard-id-key-count']).to.equal(theirs.body['shard-id-key-count'])
  })

  it('refuses a reshard to 3 shards of 5 nodes, then reshards to 1: every node holds every key', async () => {
    const bad = await http(nodes[2], 'PUT', '/key-value-store-shard/reshard', {'shard-count': 3})
    expect(bad.status).to.equal(400)
    const res = await http(nodes[3], 'PUT', '/key-value-store-shard/reshard', {'shard-count': 1}, {timeoutMs: 60_000})
    expect(res.status, JSON.stringify(res.body)).to.equal(200)
    const everyone = [...nodes, newcomer]
    await waitFor(
      async () => {
        for (const node of everyone) {
          if (JSON.stringify((await http(node, 'GET', '/key-value-store-shard/shard-ids')).body['shard-ids']) !== '[1]') return false
          if ((await http(node, 'GET', '/key-value-store-shard/shard-id-key-count/1')).body['shard-id-key-count'] !== keys.length - 1) return false
        }
        return true
      },
      {timeoutMs: 20_000, what: `every node in shard 1 holding ${keys.length - 1} keys`},
    )
    expect((await http(nodes[0], 'GET', '/key-value-store-shard/shard-id-members/1')).body['shard-id-members']).to.have.members(everyone)
    for (const [i, key] of keys.entries()) {
      const get = await http(everyone[i % 5], 'GET', `/key-value-store/${key}`, {'causal-metadata': meta})
      expect(get.status, key).to.equal(key === 'key8' ? 404 : 200)
      if (key !== 'key8') expect(get.body.value).to.equal(key === 'key7' ? 'changed' : `value-${i}`)
    }
  })
})

describe('KVS_LISTEN: a node binds what it is told, and is known by its name', function () {
  let cluster: Cluster

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(cluster?.logTails(30))
    await cluster?.stopAll()
  })

  it('binds KVS_LISTEN instead of its name: answers there, not at its name, and calls itself by its name', async () => {
    // A loopback address the name localhost does not resolve to, so the two can be told apart.
    const port = await findFreePort(['127.0.0.1'], {span: 2})
    const absentPeerPort = port + 1
    const listen = `127.0.0.${2 + Math.floor(Math.random() * 250)}:${port}`
    cluster = await startCluster({nodes: 0, shards: 1})
    const name = `localhost:${port}`
    // A shard needs two members; the second is never started.
    const view = [name, `localhost:${absentPeerPort}`]
    await cluster.startNode(name, {view, shardCount: 1, env: {KVS_LISTEN: listen}, waitReady: false})
    const seen = await waitFor(async () => (await http(listen, 'GET', '/key-value-store-view', undefined, {timeoutMs: 1000})).body.view, {
      timeoutMs: 30_000,
      what: `the node named ${name} to answer at ${listen}`,
    })
    expect(String(seen).split(',')).to.include(name)
    expect(String(seen).split(',')).to.not.include(listen)
    const atName = await http(name, 'GET', '/livez', undefined, {timeoutMs: 1000}).catch((error: Error) => error)
    expect(atName, 'nothing listens at the name').to.be.instanceOf(Error)
    expect((await http(listen, 'GET', '/readyz')).body.address).to.equal(name)
  })

  it('is reached by its name by peers and clients when KVS_LISTEN is where the name resolves', async () => {
    cluster = await startCluster({nodes: 0, shards: 1, spares: 2, naming: 'localhost'})
    const [a, b] = cluster.spares
    const port = (name: string) => name.split(':')[1]
    // b binds 127.0.0.1, one of the addresses of its name, and nothing else; a binds its name.
    await Promise.all([
      cluster.startNode(a, {view: [a, b], shardCount: 1}),
      cluster.startNode(b, {view: [a, b], shardCount: 1, env: {KVS_LISTEN: `127.0.0.1:${port(b)}`}}),
    ])
    const put = await http(a, 'PUT', '/key-value-store/k', {value: 'v', 'causal-metadata': ''})
    expect(put.status).to.equal(201)
    // a replicates to b by b's name; b answers from its own replica once it has the write.
    const got = await waitFor(
      async () => {
        const res = await http(b, 'GET', '/key-value-store/k', {'causal-metadata': put.body['causal-metadata']})
        return res.status === 200 && res.body.value
      },
      {timeoutMs: 10_000, what: 'b to serve the write made through a'},
    )
    expect(got).to.equal('v')
    await waitFor(async () => (await http(b, 'GET', '/key-value-store-shard/shard-id-key-count/1')).body['shard-id-key-count'] === 1, {
      timeoutMs: 10_000,
      what: "b's own replica to hold the key",
    })
    expect((await http(a, 'GET', '/key-value-store-view')).body.view).to.equal(byPort([a, b]).join(','))
  })
})

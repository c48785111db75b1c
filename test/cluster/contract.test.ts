/**
 * The whole HTTP contract (API.md) on real node processes, run twice: on IPv4 loopback
 * names (127.0.0.x:port, as the conformance harness names nodes) and on DNS names
 * (localhost:port, API.md section 10.3). 6 nodes in 2 shards, then a 7th that joins and
 * is added to a shard under another spelling of its name, then an impossible and a
 * possible reshard, and a reshard to one shard. Each step reads everything back through
 * other nodes. What only names have (KVS_LISTEN) is in names.test.ts.
 */
import {expect} from 'chai'
import {http, initialShards, shardOfKey, sortedNames, startCluster, type Cluster, type ClusterOptions} from '../support/cluster.js'
import {waitFor} from '../../src/wait-for.js'

interface Naming {
  readonly label: string
  readonly naming: ClusterOptions['naming']
  /** Another spelling of the same name, which every node must take as that name (IPv4 has one spelling). */
  readonly respell: (name: string) => string
}

const namings: readonly Naming[] = [
  {label: 'IPv4 loopback addresses (127.0.0.x:port)', naming: 'ip', respell: (name) => name},
  {label: 'DNS names (localhost:port)', naming: 'localhost', respell: (name) => name.toUpperCase()},
]

for (const {label, naming, respell} of namings) {
  describe(`the HTTP contract on 6 real nodes in 2 shards named by ${label}`, function () {
    let cluster: Cluster
    let nodes: readonly string[]
    let newcomer: string
    let meta: unknown = ''
    const keys = Array.from({length: 300}, (_, i) => `key${i}`)

    before(async function () {
      cluster = await startCluster({nodes: 6, shards: 2, spares: 1, naming})
      nodes = cluster.addresses
      newcomer = cluster.spares[0]
    })

    after(async function () {
      await cluster?.stopAll()
    })

    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.error(cluster.logTails(30))
    })

    /** Waits until every one of `members` answers the view `expected`, in that order. */
    const viewsAre = (members: readonly string[], expected: string, what: string) =>
      waitFor(
        async () => {
          for (const node of members) if ((await http(node, 'GET', '/key-value-store-view')).body.view !== expected) return false
          return true
        },
        {timeoutMs: 10_000, what},
      )

    it('answers the view, in the order of names, and the shard layout identically on every node', async () => {
      const expected = sortedNames(nodes).join(',')
      await viewsAre(nodes, expected, `every view to be ${expected}`)
      const layout = initialShards(nodes, 2)
      for (const node of nodes) {
        const view = await http(node, 'GET', '/key-value-store-view')
        expect(view.body.message).to.equal('View retrieved successfully')
        const ids = await http(node, 'GET', '/key-value-store-shard/shard-ids')
        expect(ids.body).to.deep.equal({message: 'Shard IDs retrieved successfully', 'shard-ids': [1, 2]})
        const mine = await http(node, 'GET', '/key-value-store-shard/node-shard-id')
        expect(mine.body.message).to.equal('Shard ID of the node retrieved successfully')
        expect(layout.get(mine.body['shard-id'] as number), node).to.include(node)
        for (const id of [1, 2]) {
          const members = await http(node, 'GET', `/key-value-store-shard/shard-id-members/${id}`)
          expect(members.body.message).to.equal('Members of shard ID retrieved successfully')
          expect(members.body['shard-id-members']).to.deep.equal(layout.get(id))
        }
      }
    })

    it('stores 300 keys through every node, forwarded to the owning shard, and reads each back from another node', async () => {
      for (const [i, key] of keys.entries()) {
        const put = await http(nodes[i % 6], 'PUT', `/key-value-store/${key}`, {value: `value-${i}`, 'causal-metadata': meta})
        expect(put.status, JSON.stringify(put.body)).to.equal(201)
        expect(put.body.message).to.equal('Added successfully')
        expect(put.body['shard-id']).to.equal(shardOfKey(key, 2))
        meta = put.body['causal-metadata']
      }
      for (const [i, key] of keys.entries()) {
        const get = await http(nodes[(i + 1) % 6], 'GET', `/key-value-store/${key}`, {'causal-metadata': meta})
        expect(get.status, key).to.equal(200)
        expect(get.body.message).to.equal('Retrieved successfully')
        expect(get.body.value).to.equal(`value-${i}`)
        // The client has seen this write already: its metadata comes back unchanged.
        expect(get.body['causal-metadata']).to.deep.equal(meta)
      }
    })

    it('reports key counts that add up, agree across members and are balanced', async () => {
      const counts = (await waitFor(
        async (): Promise<number[] | false> => {
          const perShard: number[] = []
          for (const id of [1, 2]) {
            const members = (await http(nodes[0], 'GET', `/key-value-store-shard/shard-id-members/${id}`)).body['shard-id-members'] as string[]
            const seen = await Promise.all(members.map(async (m) => (await http(m, 'GET', `/key-value-store-shard/shard-id-key-count/${id}`)).body['shard-id-key-count']))
            if (new Set(seen).size !== 1) return false
            perShard.push(seen[0] as number)
          }
          return perShard
        },
        {timeoutMs: 10_000, what: 'every member of a shard to report the same key count'},
      )) as number[]
      expect(counts[0] + counts[1]).to.equal(300)
      for (const c of counts) expect(c).to.be.within(113, 187)
    })

    it('updates and deletes with the contract answers', async () => {
      const upd = await http(nodes[2], 'PUT', '/key-value-store/key7', {value: 'changed', 'causal-metadata': meta})
      expect(upd.status).to.equal(200)
      expect(upd.body.message).to.equal('Updated successfully')
      meta = upd.body['causal-metadata']
      const read = await http(nodes[5], 'GET', '/key-value-store/key7', {'causal-metadata': meta})
      expect(read.body.value).to.equal('changed')
      const del = await http(nodes[4], 'DELETE', '/key-value-store/key8', {'causal-metadata': meta})
      expect(del.status).to.equal(200)
      expect(del.body.message).to.equal('Deleted successfully')
      meta = del.body['causal-metadata']
      const gone = await http(nodes[1], 'GET', '/key-value-store/key8', {'causal-metadata': meta})
      expect(gone.status).to.equal(404)
      expect(gone.body).to.include({doesExist: false, error: 'Key does not exist', message: 'Error in GET'})
      const back = await http(nodes[3], 'PUT', '/key-value-store/key8', {value: 'value-8', 'causal-metadata': meta})
      expect(back.status).to.equal(201)
      meta = back.body['causal-metadata']
    })

    it('lets a 7th node join the view, then adds it to shard 2 under another spelling of its name, with a full copy', async () => {
      await cluster.startNode(newcomer, {view: [...nodes, newcomer], shardCount: null})
      const everyone = sortedNames([...nodes, newcomer]).join(',')
      await viewsAre([...nodes, newcomer], everyone, 'the newcomer in every view, in the order of names')
      const before = await http(newcomer, 'GET', '/key-value-store-shard/node-shard-id')
      expect(before.body['shard-id']).to.equal(null)
      const ids = await http(newcomer, 'GET', '/key-value-store-shard/shard-ids')
      expect(ids.body['shard-ids']).to.deep.equal([1, 2])

      const add = await http(nodes[0], 'PUT', '/key-value-store-shard/add-member/2', {'socket-address': respell(newcomer)}, {timeoutMs: 30_000})
      expect(add.status, JSON.stringify(add.body)).to.equal(200)
      const after = await http(newcomer, 'GET', '/key-value-store-shard/node-shard-id')
      expect(after.body['shard-id']).to.equal(2)
      for (const node of [...nodes, newcomer]) {
        const members = await http(node, 'GET', '/key-value-store-shard/shard-id-members/2')
        expect(members.body['shard-id-members'], node).to.include(newcomer)
      }
      const again = await http(nodes[0], 'PUT', '/key-value-store-view', {'socket-address': respell(newcomer)})
      expect(again.status).to.equal(404)
      expect(again.body.error).to.equal('Socket address already exists in the view')
      const theirs = await http(nodes[1], 'GET', '/key-value-store-shard/shard-id-key-count/2')
      const mine = await http(newcomer, 'GET', '/key-value-store-shard/shard-id-key-count/2')
      expect(mine.body['shard-id-key-count']).to.equal(theirs.body['shard-id-key-count'])
    })

    it('refuses a reshard that would leave a shard with one node, and changes nothing', async () => {
      const bad = await http(nodes[3], 'PUT', '/key-value-store-shard/reshard', {'shard-count': 4})
      expect(bad.status).to.equal(400)
      expect(bad.body).to.deep.equal({message: 'Not enough nodes to provide fault-tolerance with the given shard count!'})
      const ids = await http(nodes[0], 'GET', '/key-value-store-shard/shard-ids')
      expect(ids.body['shard-ids']).to.deep.equal([1, 2])
    })

    it('reshards to 3 shards: ids, members and counts agree, every key stays readable', async () => {
      const res = await http(nodes[1], 'PUT', '/key-value-store-shard/reshard', {'shard-count': 3}, {timeoutMs: 60_000})
      expect(res.status, JSON.stringify(res.body)).to.equal(200)
      expect(res.body.message).to.equal('Resharding done successfully')
      const everyone = [...nodes, newcomer]
      await waitFor(
        async () => {
          for (const node of everyone) {
            const ids = await http(node, 'GET', '/key-value-store-shard/shard-ids')
            if (JSON.stringify(ids.body['shard-ids']) !== '[1,2,3]') return false
          }
          return true
        },
        {timeoutMs: 20_000, what: 'every node to report shards 1, 2, 3'},
      )
      const members: string[] = []
      let total = 0
      for (const id of [1, 2, 3]) {
        const list = (await http(nodes[0], 'GET', `/key-value-store-shard/shard-id-members/${id}`)).body['shard-id-members'] as string[]
        expect(list.length).to.be.at.least(2)
        members.push(...list)
        total += (await http(list[0], 'GET', `/key-value-store-shard/shard-id-key-count/${id}`)).body['shard-id-key-count'] as number
      }
      expect(members).to.have.members(everyone)
      expect(total).to.equal(300)
      for (const [i, key] of keys.entries()) {
        // Metadata issued before the reshard must still be accepted.
        const get = await http(everyone[i % everyone.length], 'GET', `/key-value-store/${key}`, {'causal-metadata': meta})
        expect(get.status, key).to.equal(200)
        expect(get.body.value).to.equal(key === 'key7' ? 'changed' : `value-${i}`)
      }
    })

    it('reshards to 1 shard: every node holds every key, and a key deleted before stays deleted', async () => {
      const del = await http(nodes[2], 'DELETE', '/key-value-store/key9', {'causal-metadata': meta})
      expect(del.status).to.equal(200)
      meta = del.body['causal-metadata']
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
        const get = await http(everyone[i % everyone.length], 'GET', `/key-value-store/${key}`, {'causal-metadata': meta})
        expect(get.status, key).to.equal(key === 'key9' ? 404 : 200)
        if (key !== 'key9') expect(get.body.value).to.equal(key === 'key7' ? 'changed' : `value-${i}`)
      }
    })
  })
}

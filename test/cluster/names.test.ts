/**
 * What only DNS names (API.md section 10.3) have, on real processes: KVS_LISTEN makes a
 * node bind something other than its name while peers and clients still address it by
 * its name. The whole contract on nodes named localhost:<port> runs in contract.test.ts.
 */
import {expect} from 'chai'
import {http, sortedNames, startCluster, type Cluster} from '../support/cluster.js'
import {findFreePort} from '../../src/cli/free-port.js'
import {waitFor} from '../../src/wait-for.js'

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
    expect((await http(a, 'GET', '/key-value-store-view')).body.view).to.equal(sortedNames([a, b]).join(','))
  })
})

import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {assertBuilt, KvsCli} from '../e2e/kvs-cli.js'
import {http, shardOfKey, startCluster, type Cluster} from '../support/cluster.js'
import {waitFor} from '../../src/wait-for.js'

/**
 * API.md section 10.1 on real processes: a 4-node cluster started with both tokens serves
 * the whole contract to a client that sends its token (so its nodes, which talk to each
 * other with the cluster token, forward, replicate and reshard), and nothing without it.
 */
describe('a cluster started with both tokens (real processes)', function () {
  this.timeout(180_000)
  const clientToken = 'e2e-client-token-0123456789'
  const clusterToken = 'e2e-cluster-token-0123456789'
  const asClient = {authorization: `Bearer ${clientToken}`}
  let cluster: Cluster
  let home: string
  let cli: KvsCli

  before(async function () {
    this.timeout(120_000)
    assertBuilt()
    home = await mkdtemp(join(tmpdir(), 'kvs-tokens-'))
    cli = new KvsCli(home)
    cluster = await startCluster({nodes: 4, shards: 2, env: {KVS_TOKEN: clientToken, KVS_CLUSTER_TOKEN: clusterToken}})
  })
  after(async function () {
    this.timeout(60_000)
    await cluster?.stopAll()
    await rm(home, {recursive: true, force: true})
  })
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(cluster.logTails(30))
  })

  const keyOfShard = (shard: number, shards: number) => ['a', 'b', 'c', 'd'].find((k) => shardOfKey(k, shards) === shard) as string

  it('serves put, get and a reshard there and back to a client with the token, the nodes forwarding and copying among themselves', async () => {
    const [a, b] = cluster.addresses
    let meta: unknown = ''
    // Keys of both shards, written through one node and read through another: forwards and replication.
    for (const shard of [1, 2]) {
      const key = keyOfShard(shard, 2)
      const put = await http(a, 'PUT', `/key-value-store/${key}`, {value: `v${shard}`, 'causal-metadata': meta}, {headers: asClient})
      expect(put.status, JSON.stringify(put.body)).to.equal(201)
      meta = put.body['causal-metadata']
      const get = await http(b, 'GET', `/key-value-store/${key}`, {'causal-metadata': meta}, {headers: asClient})
      expect([get.status, get.body.value]).to.deep.equal([200, `v${shard}`])
    }
    for (const count of [1, 2]) {
      const reshard = await http(a, 'PUT', '/key-value-store-shard/reshard', {'shard-count': count}, {headers: asClient, timeoutMs: 60_000})
      expect(reshard.status, JSON.stringify(reshard.body)).to.equal(200)
      const ids = await http(b, 'GET', '/key-value-store-shard/shard-ids', undefined, {headers: asClient})
      expect(ids.body['shard-ids']).to.have.length(count)
    }
    for (const shard of [1, 2]) {
      const key = keyOfShard(shard, 2)
      const get = await http(cluster.addresses[3], 'GET', `/key-value-store/${key}`, {'causal-metadata': meta}, {headers: asClient})
      expect([get.status, get.body.value], key).to.deep.equal([200, `v${shard}`])
    }
  })

  it('answers nothing without the tokens: client routes without the client token, peer routes with it', async () => {
    const [a] = cluster.addresses
    const key = keyOfShard(1, 2)
    const refusedOnClientRoutes: Array<Record<string, string>> = [{}, {authorization: 'Bearer wrong-token-0123456789'}, {authorization: `Bearer ${clusterToken}`}]
    for (const headers of refusedOnClientRoutes) {
      const put = await http(a, 'PUT', `/key-value-store/${key}`, {value: 'no', 'causal-metadata': ''}, {headers})
      expect([put.status, put.body.message]).to.deep.equal([401, 'Unauthorized'])
      expect((await http(a, 'GET', '/admin/status', undefined, {headers})).status).to.equal(401)
    }
    const refusedOnPeerRoutes: Array<Record<string, string>> = [{}, asClient, {'x-kvs-cluster-token': clientToken}]
    for (const headers of refusedOnPeerRoutes) {
      const commit = await http(a, 'POST', '/internal/config/commit', {configEpoch: 1e6, layoutEpoch: 1e6, shardCount: 1, nodes: [a], shards: {'1': [a]}}, {headers})
      expect(commit.status).to.equal(401)
    }
    const get = await http(a, 'GET', `/key-value-store/${key}`, {'causal-metadata': ''}, {headers: asClient})
    expect(get.body.value, 'the refused write changed nothing').to.equal('v1')
    const view = await http(a, 'GET', '/key-value-store-view', undefined, {headers: asClient})
    expect(view.body.view).to.equal([...cluster.addresses].join(','))
    expect((await http(a, 'GET', '/livez')).status).to.equal(200)
    expect((await http(a, 'GET', '/readyz')).status).to.equal(200)
  })

  it('the CLI works with KVS_TOKEN or --token, and without one exits 6 saying that a token is needed', async () => {
    const node = cluster.addresses[1]
    const ok = await cli.run(['put', 'cli-key', 'cli-value', '--node', node], {env: {KVS_TOKEN: clientToken}})
    expect(ok.code, ok.stderr).to.equal(0)
    const read = await cli.run(['get', 'cli-key', '--node', node, '--token', clientToken])
    expect([read.code, read.stdout]).to.deep.equal([0, 'cli-key = cli-value\n'])

    const expected = `Error: ${node} needs a valid client token (This node requires a client token: send Authorization: Bearer <token>): set KVS_TOKEN or pass --token\n`
    // get without oclif (its fast path), put and status through oclif.
    for (const args of [['get', 'cli-key'], ['put', 'cli-key', 'other'], ['status']]) {
      const refused = await cli.run([...args, '--node', node], {env: {KVS_TOKEN: undefined}})
      expect([refused.code, refused.stderr], args.join(' ')).to.deep.equal([6, expected])
    }
    const wrong = await cli.json<{error: {code: string; exitCode: number; message: string}}>(['get', 'cli-key', '--node', node], {env: {KVS_TOKEN: 'wrong-token-0123456789'}})
    expect(wrong.code).to.equal(6)
    expect(wrong.doc.error).to.deep.include({code: 'UNAUTHORIZED', exitCode: 6})
    expect(wrong.doc.error.message).to.contain('The client token is not valid')

    const status = await cli.json<{verdict: string; notes: string[]}>(['status', '--node', node], {env: {KVS_TOKEN: clientToken}})
    expect([status.code, status.doc.verdict, status.doc.notes]).to.deep.equal([0, 'healthy', []])
  })
})

describe('an unhandled promise rejection in a node (real process)', function () {
  this.timeout(120_000)
  let cluster: Cluster | undefined
  let dir: string
  after(async () => {
    await cluster?.stopAll()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('is logged and stops the process with exit code 70', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kvs-rejection-'))
    // Loaded into the node process: rejects a promise nobody awaits when told to.
    const preload = join(dir, 'reject-on-signal.mjs')
    await writeFile(preload, "process.on('SIGUSR2', () => { Promise.reject(new Error('a rejection nobody handles')) })\n")
    cluster = await startCluster({nodes: 2, shards: 1, env: {NODE_OPTIONS: `--import=${preload}`}})
    const [a] = cluster.addresses
    process.kill(cluster.node(a).pid, 'SIGUSR2')
    await waitFor(() => !cluster?.node(a).running, {timeoutMs: 20_000, what: `${a} to exit`})
    expect(cluster.node(a).exitCode).to.equal(70)
    expect(cluster.logTail(a)).to.contain('unhandled promise rejection: stopping the node')
    expect(cluster.logTail(a)).to.contain('a rejection nobody handles')
  })
})

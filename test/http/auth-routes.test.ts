import {expect} from 'chai'
import {Writable} from 'node:stream'
import {pino} from 'pino'
import {clusterTokenHeader, peerHeaders, TokenSet} from '../../src/auth/tokens.js'
import type {NodeTokens} from '../../src/http/auth-hooks.js'
import {buildNode} from '../../src/node/build-node.js'
import {MemoryStorage} from '../../src/storage/memory-storage.js'
import {InMemoryNetwork} from '../../src/transport/in-memory-transport.js'
import {InProcessCluster} from '../cluster/in-process-cluster.js'
import {waitFor} from '../../src/wait-for.js'
import {injectJson} from './inject-json.js'

/** API.md section 10.1: which token opens which route, answered with inject(). */
describe('tokens on every route', function () {
  this.timeout(20_000)
  const client = {current: 'client-token-new-0123456789', previous: 'client-token-old-0123456789'}
  const cluster = {current: 'cluster-token-new-0123456789', previous: 'cluster-token-old-0123456789'}
  const tokens = (): NodeTokens => ({
    client: TokenSet.parse(`${client.current},${client.previous}`, 'KVS_TOKEN'),
    cluster: TokenSet.parse(`${cluster.current},${cluster.previous}`, 'KVS_CLUSTER_TOKEN'),
  })
  // Sorted view, node i in shard (i mod 2) + 1: a and c hold shard 1, b and d shard 2.
  const [a, b] = ['127.0.0.2:8085', '127.0.0.3:8085']
  /** Keys of shard 1 and of shard 2 (fixed: the sum of their character codes mod 2, + 1). */
  const shard1Key = 'b'
  const shard2Key = 'a'
  let nodes: InProcessCluster

  before(async () => {
    nodes = await InProcessCluster.start(4, 2, {tokens: tokens(), faultInjection: true})
  })
  after(async () => nodes.stop())

  type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'
  const inject = (method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    injectJson(nodes.nodes.get(a)!.app, method, url, payload, {headers})
  const bearer = (token: string) => ({authorization: `Bearer ${token}`})
  const asClient = bearer(client.current)
  const asPeer = {[clusterTokenHeader]: cluster.current}

  /** What a refused request might have changed: the view, the configuration and the key counts. */
  const state = async () => ({
    view: (await inject('GET', '/key-value-store-view', undefined, asClient)).body.view,
    config: (await inject('GET', '/internal/config', undefined, asPeer)).body,
    keys: [1, 2].map((shard) => nodes.nodes.get(shard === 1 ? a : b)!.replicator.liveKeys),
  })

  const heartbeat = {address: b, configEpoch: 1, shard: 2, layoutEpoch: 1, applied: 0, clock: {}, ready: true}
  const config = {configEpoch: 99, layoutEpoch: 99, shardCount: 1, nodes: [a], shards: {'1': [a]}}
  const publicRoutes: Array<[Method, string, unknown?]> = [
    ['GET', '/key-value-store-view'],
    ['PUT', '/key-value-store-view', {'socket-address': '127.0.0.9:8085'}],
    ['DELETE', '/key-value-store-view', {'socket-address': b}],
    ['GET', `/key-value-store/${shard1Key}`, {'causal-metadata': ''}],
    ['PUT', `/key-value-store/${shard1Key}`, {value: 'v', 'causal-metadata': ''}],
    ['PUT', `/key-value-store/${shard2Key}`, {value: 'v', 'causal-metadata': ''}],
    ['DELETE', `/key-value-store/${shard1Key}`, {'causal-metadata': ''}],
    ['GET', '/key-value-store-shard/shard-ids'],
    ['GET', '/key-value-store-shard/node-shard-id'],
    ['GET', '/key-value-store-shard/shard-id-members/1'],
    ['GET', '/key-value-store-shard/shard-id-key-count/2'],
    ['PUT', '/key-value-store-shard/add-member/1', {'socket-address': '127.0.0.9:8085'}],
    ['PUT', '/key-value-store-shard/reshard', {'shard-count': 1}],
    ['POST', '/key-value-store-batch', {ops: [{op: 'put', key: shard1Key, value: 'v'}, {op: 'put', key: shard2Key, value: 'v'}], 'causal-metadata': ''}],
    ['POST', '/key-value-store-scan', {prefix: '', 'causal-metadata': ''}],
    ['GET', '/admin/status'],
    ['POST', '/admin/reshard/abort'],
  ]
  const internalRoutes: Array<[Method, string, unknown?]> = [
    ['POST', '/internal/heartbeat', heartbeat],
    ['GET', '/internal/config'],
    ['POST', '/internal/config/propose', config],
    ['POST', '/internal/config/commit', config],
    ['POST', '/internal/replicate', {from: b, ops: []}],
    ['POST', '/internal/forward', {requests: [{method: 'PUT', key: shard1Key, value: 'x', meta: null, hops: 1, deadline: Date.now() + 60_000}]}],
    ['POST', '/internal/sync', {shard: 1, epoch: 1, clock: {}, full: true}],
    ['POST', '/internal/transfer', {id: 'x', offset: 0, limit: 10}],
    ['POST', '/internal/join/prepare', {shard: 1, layoutEpoch: 1, peers: [b]}],
    ['POST', '/internal/reshard/start', config],
    ['POST', '/internal/reshard/progress', {configEpoch: 2}],
    ['POST', '/internal/reshard/hold', {configEpoch: 2}],
    ['POST', '/internal/reshard/finish', {configEpoch: 2, need: {}}],
    ['POST', '/internal/reshard/abort', {}],
    ['POST', '/internal/reshard/snapshot', {epoch: 2, shard: 1, layoutEpoch: 1, cursor: null}],
    ['POST', '/internal/reshard/changes', {epoch: 2, shard: 1, layoutEpoch: 1, since: {}}],
    ['POST', '/internal/batch', {shard: 1, layout: 1, meta: null, deadline: Date.now() + 60_000, ops: [{op: 'put', key: shard1Key, value: 'x'}]}],
    ['POST', '/internal/scan', {shard: 1, layout: 1, meta: null, prefix: '', offset: 0, limit: 10, maxBytes: 1024, values: true}],
    ['GET', '/admin/faults'],
    ['POST', '/admin/faults', {isolate: true}],
    ['DELETE', '/admin/faults'],
  ]

  const expect401 = (res: {status: number; body: Record<string, unknown>}, what: string) => {
    expect(res.status, what).to.equal(401)
    expect(res.body.message, what).to.equal('Unauthorized')
    expect(res.body.error, what).to.be.a('string')
    expect(JSON.stringify(res.body), 'the answer never shows a token').not.to.match(/token-(new|old)/)
  }

  it('client routes, /admin and /metrics answer 401 without the client token, with a wrong one, or with the cluster token; nothing changes', async () => {
    await waitFor(async () => (await inject('GET', '/readyz')).status === 200, {timeoutMs: 10_000, what: 'node ready'})
    const before = await state()
    const refused: Array<[string, Record<string, string>]> = [
      ['no token', {}],
      ['a wrong token', bearer('wrong-token-0123456789abc')],
      ['the cluster token as bearer', bearer(cluster.current)],
      ['the cluster token in its header', asPeer],
      ['a token without "Bearer"', {authorization: client.current}],
    ]
    for (const [method, url, body] of publicRoutes) {
      for (const [name, headers] of refused) expect401(await inject(method, url, body, headers), `${method} ${url} with ${name}`)
    }
    for (const [name, headers] of refused) {
      const res = await nodes.nodes.get(a)!.app.inject({method: 'GET', url: '/metrics', headers})
      expect(res.statusCode, `/metrics with ${name}`).to.equal(401)
      expect(res.json()).to.include({message: 'Unauthorized'})
    }
    expect(await state()).to.deep.equal(before)
  })

  it('peer and fault routes answer 401 without the cluster token, with a wrong one, or with the client token; nothing changes', async () => {
    const before = await state()
    const refused: Array<[string, Record<string, string>]> = [
      ['no token', {}],
      ['a wrong token', {[clusterTokenHeader]: 'wrong-token-0123456789abc'}],
      ['the client token in the cluster header', {[clusterTokenHeader]: client.current}],
      ['the client token as bearer', asClient],
      ['the cluster token as bearer', bearer(cluster.current)],
    ]
    for (const [method, url, body] of internalRoutes) {
      for (const [name, headers] of refused) expect401(await inject(method, url, body, headers), `${method} ${url} with ${name}`)
    }
    expect(await state()).to.deep.equal(before)
    expect((await inject('GET', '/admin/faults', undefined, asPeer)).body.isolate).to.equal(false)
  })

  it('the right token opens each kind of route, the previous one too while it is rotated', async () => {
    for (const token of [client.current, client.previous]) {
      expect((await inject('GET', '/key-value-store-view', undefined, bearer(token))).status, token).to.equal(200)
      expect((await inject('GET', '/admin/status', undefined, bearer(token))).status, token).to.equal(200)
      const metrics = await nodes.nodes.get(a)!.app.inject({method: 'GET', url: '/metrics', headers: bearer(token)})
      expect(metrics.statusCode, token).to.equal(200)
    }
    for (const token of [cluster.current, cluster.previous]) {
      expect((await inject('GET', '/internal/config', undefined, {[clusterTokenHeader]: token})).status, token).to.equal(200)
      expect((await inject('GET', '/admin/faults', undefined, {[clusterTokenHeader]: token})).status, token).to.equal(200)
    }
  })

  it('/livez and /readyz never need a token', async () => {
    expect((await inject('GET', '/livez')).status).to.equal(200)
    expect((await inject('GET', '/readyz')).status).to.equal(200)
    expect((await inject('GET', '/readyz', undefined, bearer('wrong-token-0123456789abc'))).status).to.equal(200)
  })

  it('nodes present the cluster token to each other: forwarded keys, replication and key counts of other shards work', async () => {
    const put = await inject('PUT', `/key-value-store/${shard2Key}`, {value: 'via a', 'causal-metadata': ''}, asClient)
    expect(put.status, JSON.stringify(put.body)).to.equal(201)
    const get = await injectJson(nodes.nodes.get(b)!.app, 'GET', `/key-value-store/${shard2Key}`, {'causal-metadata': put.body['causal-metadata']}, {headers: asClient})
    expect(get.body.value).to.equal('via a')
    // Shard 2's other member got the write by replication.
    await waitFor(() => nodes.nodes.get('127.0.0.5:8085')!.replicator.current()?.get(shard2Key)?.value === 'via a', {timeoutMs: 10_000, what: 'replicated to d'})
    const count = await inject('GET', '/key-value-store-shard/shard-id-key-count/2', undefined, asClient)
    expect(count.status).to.equal(200)
    expect(count.body['shard-id-key-count']).to.equal(1)
  })

  it('a newcomer started with the tokens announces itself to the others (a public view PUT between nodes)', async () => {
    const newcomer = '127.0.0.9:8085'
    await nodes.startNode(newcomer, [...nodes.addresses, newcomer], null, undefined, {tokens: tokens()})
    await waitFor(async () => String((await inject('GET', '/key-value-store-view', undefined, asClient)).body.view).includes(newcomer), {timeoutMs: 10_000, what: 'the newcomer in the view'})
  })

  it('/admin/status says which tokens are required, never the tokens, and that fault routes are on', async () => {
    const status = await inject('GET', '/admin/status', undefined, asClient)
    expect(status.body.auth).to.deep.equal({client: true, cluster: true})
    expect(status.body.faultInjection).to.equal(true)
    expect(JSON.stringify(status.body)).not.to.match(/token-(new|old)/)
  })

  it('fault routes answer only callers on this machine', async () => {
    const res = await nodes.nodes.get(a)!.app.inject({method: 'GET', url: '/admin/faults', headers: asPeer, remoteAddress: '10.1.2.3'})
    expect(res.statusCode).to.equal(403)
    expect(res.json()).to.deep.equal({message: 'Forbidden', error: 'Fault injection answers callers on this machine only'})
  })
})

describe('tokens never reach the log', function () {
  this.timeout(20_000)

  it('logs no token, whatever requests come in', async () => {
    let logged = ''
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk)
        done()
      },
    })
    const tokens = {client: TokenSet.parse('client-secret-0123456789', 'KVS_TOKEN'), cluster: TokenSet.parse('cluster-secret-0123456789', 'KVS_CLUSTER_TOKEN')}
    const network = new InMemoryNetwork()
    // A non-loopback name, so that the node would warn about what is open: it warns of nothing, both tokens being set.
    const address = '10.9.9.9:8085'
    const node = await buildNode({address, view: [address, '10.9.9.10:8085'], shardCount: 1, tokens}, new MemoryStorage(), network.transport(address, peerHeaders(tokens)), pino({level: 'trace'}, sink))
    try {
      await node.app.ready()
      network.register(address, node.app)
      await node.start()
      for (const headers of [{authorization: 'Bearer client-secret-0123456789'}, {authorization: 'Bearer wrong-secret-0123456789'}, {[clusterTokenHeader]: 'cluster-secret-0123456789'}]) {
        await node.app.inject({method: 'PUT', url: '/key-value-store/k', payload: {value: 'v', 'causal-metadata': ''}, headers})
        await node.app.inject({method: 'POST', url: '/internal/replicate', payload: '{"from":', headers: {...headers, 'content-type': 'application/json'}})
      }
      expect(logged).not.to.contain('secret')
      expect(logged).not.to.contain('no token protects')
    } finally {
      await node.close()
    }
  })

  it('a node on a non-loopback address without tokens warns at start', async () => {
    let logged = ''
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk)
        done()
      },
    })
    const address = '10.9.9.9:8085'
    const node = await buildNode({address, view: [address], shardCount: null}, new MemoryStorage(), new InMemoryNetwork().transport(address), pino({level: 'info'}, sink))
    await node.close()
    expect(logged).to.contain('no token protects this node')
    expect(logged).to.contain('KVS_CLUSTER_TOKEN')
    expect(logged).to.contain('KVS_TOKEN')
  })
})

import {expect} from 'chai'
import {pino} from 'pino'
import {notReadyReason} from '../../src/http/health-routes.js'
import {buildNode, type NodeParts} from '../../src/node/build-node.js'
import {MemoryStorage} from '../../src/storage/memory-storage.js'
import {InProcessCluster, type Store} from '../cluster/in-process-cluster.js'
import {parsePrometheus, sampleValue} from '../support/prometheus-text.js'
import {injectJson} from './inject-json.js'
import {waitFor} from '../../src/wait-for.js'

/** GET /livez, /readyz and /metrics (API.md 10.2), answered with inject(). */
describe('health and metrics routes', function () {
  this.timeout(20_000)

  describe('notReadyReason', () => {
    const ready = {storageFailed: false, draining: false, recovered: true, inConfiguration: true, caughtUp: true}
    const cases: Array<[Partial<typeof ready>, ReturnType<typeof notReadyReason>]> = [
      [{}, null],
      [{caughtUp: false}, 'catching up'],
      [{inConfiguration: false, caughtUp: false}, 'not in configuration'],
      [{recovered: false, inConfiguration: false, caughtUp: false}, 'recovering'],
      [{draining: true, recovered: false}, 'draining'],
      [{draining: true}, 'draining'],
      [{storageFailed: true, draining: true, caughtUp: false}, 'storage failed'],
    ]
    for (const [change, expected] of cases) {
      it(`${JSON.stringify(change)} -> ${expected ?? 'ready'}`, () => expect(notReadyReason({...ready, ...change})).to.equal(expected))
    }
  })

  describe('on a cluster that serves', () => {
    let cluster: InProcessCluster
    const a = '127.0.0.2:8085'
    before(async () => {
      cluster = await InProcessCluster.start(2, 1)
    })
    after(async () => cluster.stop())
    const node = () => cluster.nodes.get(a)!

    it('GET /livez is 200', async () => {
      const {status, body} = await injectJson(node().app, 'GET', '/livez')
      expect([status, body]).to.deep.equal([200, {status: 'live'}])
    })

    it('GET /readyz is 200 once the node has recovered and caught up', async () => {
      const answer = await waitFor(async () => {
        const r = await injectJson(node().app, 'GET', '/readyz')
        return r.status === 200 && r
      }, {timeoutMs: 10_000, what: 'readyz 200'})
      expect(answer.body).to.deep.equal({status: 'ready', address: a, epoch: 1, shardId: 1})
    })

    it('GET /metrics is Prometheus text whose request counts and keys rise with requests', async () => {
      const scrape = async () => {
        const res = await node().app.inject({method: 'GET', url: '/metrics'})
        expect(res.statusCode).to.equal(200)
        expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/)
        return parsePrometheus(res.body)
      }
      const put = {method: 'PUT', route: '/key-value-store/:key', code: '201'}
      const before = await scrape()
      expect(before.types.get('kvs_http_request_duration_seconds')).to.equal('histogram')
      const putsBefore = sampleValue(before, 'kvs_http_request_duration_seconds_count', put) ?? 0

      for (let i = 0; i < 3; i++) {
        const r = await cluster.request(a, 'PUT', `/key-value-store/m${i}`, {value: 'v', 'causal-metadata': ''})
        expect(r.status).to.equal(201)
      }
      expect((await cluster.request(a, 'GET', '/no-such-route')).status).to.equal(404)

      const after = await scrape()
      expect(sampleValue(after, 'kvs_http_request_duration_seconds_count', put)).to.equal(putsBefore + 3)
      // The +Inf bucket holds every observation; buckets never decrease.
      expect(sampleValue(after, 'kvs_http_request_duration_seconds_bucket', {...put, le: '+Inf'})).to.equal(putsBefore + 3)
      expect(sampleValue(after, 'kvs_http_request_duration_seconds_sum', put)).to.be.greaterThan(0)
      expect(sampleValue(after, 'kvs_http_request_duration_seconds_count', {route: 'unmatched', code: '404'})).to.be.at.least(1)
      expect(sampleValue(after, 'kvs_shard_keys', {shard: '1'})).to.equal(node().replicator.liveKeys)
      expect(node().replicator.liveKeys).to.be.at.least(3)
      expect(sampleValue(after, 'kvs_node_ready')).to.equal(1)
      expect(sampleValue(after, 'kvs_config_epoch')).to.equal(1)
      expect(sampleValue(after, 'kvs_peer_up', {peer: '127.0.0.3:8085'})).to.equal(1)
      expect(after.types.get('kvs_oplog_fsync_duration_seconds')).to.equal('histogram')
      expect(after.types.get('kvs_heartbeats_missed_total')).to.equal('counter')
      expect(sampleValue(after, 'kvs_reshard_active'), 'no reshard runs').to.equal(0)
      expect(sampleValue(after, 'kvs_reshard_progress_ratio')).to.equal(0)
      expect(sampleValue(after, 'kvs_catchup_ops_total')).to.equal(node().replicator.fetched.ops)
      expect(after.types.get('kvs_catchup_transfers_total')).to.equal('counter')
      // Replication lag is read from heartbeats, so it settles at 0 once they carry the writes.
      await waitFor(async () => sampleValue(await scrape(), 'kvs_replication_lag_ops', {peer: '127.0.0.3:8085'}) === 0, {timeoutMs: 10_000, what: 'lag 0 towards the peer'})
      // Every metric of the node is a kvs_ one.
      expect(after.samples.filter((s) => !s.name.startsWith('kvs_'))).to.deep.equal([])
    })

    it('counts missed heartbeats per peer', async () => {
      const b = '127.0.0.3:8085'
      cluster.network.unregister(b)
      try {
        await waitFor(async () => {
          const e = parsePrometheus((await node().app.inject({method: 'GET', url: '/metrics'})).body)
          return (sampleValue(e, 'kvs_heartbeats_missed_total', {peer: b}) ?? 0) > 0
        }, {timeoutMs: 10_000, what: 'a missed heartbeat to b'})
      } finally {
        cluster.network.register(b, cluster.nodes.get(b)!.app)
      }
    })

    // Last: it drains node a.
    it('a draining node tells its peers it is not ready, so they stop choosing it as primary', async () => {
      const b = '127.0.0.3:8085'
      const peer = cluster.nodes.get(b)!
      expect(peer.membership.isReady(a)).to.equal(true)
      const drained = node().drain({delayMs: 2000, timeoutMs: 1000})
      await waitFor(() => !peer.membership.isReady(a), {timeoutMs: 10_000, what: 'b to see a as not ready'})
      expect(peer.membership.primaryOf(1)).to.equal(b)
      await drained
      cluster.network.unregister(a)
      cluster.nodes.delete(a)
    })
  })

  describe('503 answers', () => {
    const nodes: NodeParts[] = []
    const build = async (options: {address: string; view: string[] | null; shardCount: number | null}) => {
      const n = await buildNode(options, new MemoryStorage() as Store, new InProcessCluster().network.transport(options.address), pino({level: 'silent'}))
      nodes.push(n)
      await n.app.ready()
      return n
    }
    afterEach(async () => {
      await Promise.all(nodes.splice(0).map((n) => n.close()))
    })
    const readyz = (n: NodeParts) => injectJson(n.app, 'GET', '/readyz')

    it('recovering: before the replica is rebuilt from disk', async () => {
      const n = await build({address: '127.0.0.2:8085', view: ['127.0.0.2:8085', '127.0.0.3:8085'], shardCount: 1})
      const {status, body} = await readyz(n)
      expect(status).to.equal(503)
      expect(body).to.include({status: 'not ready', reason: 'recovering'})
      expect(body.message).to.be.a('string')
      expect((await injectJson(n.app, 'GET', '/livez')).status, 'alive all the same').to.equal(200)
    })

    it('not in configuration: a newcomer no configuration lists yet', async () => {
      const n = await build({address: '127.0.0.9:8085', view: null, shardCount: null})
      await n.start()
      const {status, body} = await readyz(n)
      expect(status).to.equal(503)
      expect(body).to.include({reason: 'not in configuration', address: '127.0.0.9:8085', epoch: 0, shardId: null})
    })

    it('catching up: a member whose shard peers have not answered yet', async () => {
      // The peer is not on the network: the start-up sync keeps trying until its deadline.
      const n = await build({address: '127.0.0.2:8085', view: ['127.0.0.2:8085', '127.0.0.3:8085'], shardCount: 1})
      await n.start()
      const {status, body} = await readyz(n)
      expect(status).to.equal(503)
      expect(body).to.include({reason: 'catching up', shardId: 1})
      // After its deadline the node serves with what it has (a whole cluster starting together).
      await waitFor(async () => (await readyz(n)).status === 200, {timeoutMs: 10_000, what: 'ready after the sync deadline'})
    })

    it('draining: at once on drain(), while requests are still served', async () => {
      const n = await build({address: '127.0.0.2:8085', view: ['127.0.0.2:8085', '127.0.0.3:8085'], shardCount: 1})
      await n.start()
      const drained = n.drain({delayMs: 2000, timeoutMs: 1000})
      expect(n.draining).to.equal(true)
      const {status, body} = await readyz(n)
      expect(status).to.equal(503)
      expect(body).to.include({reason: 'draining'})
      expect((await injectJson(n.app, 'GET', '/livez')).status).to.equal(200)
      await drained
    })
  })
})

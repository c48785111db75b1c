import {expect} from 'chai'
import {maxBatchOps, maxScanLimit} from '../../src/http/bulk-schemas.js'
import {shardForKey} from '../../src/placement/placement.js'
import {encodeCursor} from '../../src/replication/scan-cursor.js'
import {InProcessCluster} from '../cluster/in-process-cluster.js'
import {injectJson, type JsonAnswer} from './inject-json.js'

/** The batch and scan routes on a 4-node, 2-shard in-process cluster: shapes, answers and bad input. */
describe('bulk routes', function () {
  this.timeout(30_000)
  let cluster: InProcessCluster
  const node = '127.0.0.2:8085'

  before(async () => {
    cluster = await InProcessCluster.start(4, 2)
  })
  after(async () => cluster.stop())

  const post = (url: string, payload: unknown, at = node): Promise<JsonAnswer> => injectJson(cluster.nodes.get(at)!.app, 'POST', url, payload)
  const keyCount = async () => {
    let total = 0
    for (const shard of [1, 2]) total += (await cluster.request(node, 'GET', `/key-value-store-shard/shard-id-key-count/${shard}`)).body['shard-id-key-count']
    return total
  }

  describe('POST /key-value-store-batch', () => {
    it('writes, reads and deletes keys of both shards in one request, answering each op in order', async () => {
      const keys = ['b-a', 'b-b', 'b-c', 'b-d']
      expect(new Set(keys.map((k) => shardForKey(k, 2))).size, 'keys of both shards').to.equal(2)
      const put = await post('/key-value-store-batch', {ops: keys.map((key) => ({op: 'put', key, value: `v-${key}`})), 'causal-metadata': ''})
      expect(put.status).to.equal(200)
      expect(put.body.message).to.equal('Batch done')
      expect(put.body.results).to.deep.equal(keys.map(() => ({status: 201})))
      const meta = put.body['causal-metadata']
      expect(Object.keys(meta.clocks).sort(), 'the metadata covers the writes of both shards').to.deep.equal(['1', '2'])

      const mixed = await post('/key-value-store-batch', {
        ops: [
          {op: 'get', key: 'b-a'},
          {op: 'put', key: 'b-a', value: 'new'},
          {op: 'get', key: 'b-a'},
          {op: 'delete', key: 'b-b'},
          {op: 'delete', key: 'b-b'},
          {op: 'get', key: 'b-missing'},
        ],
        'causal-metadata': meta,
      }, '127.0.0.5:8085')
      expect(mixed.status).to.equal(200)
      expect(mixed.body.results).to.deep.equal([
        {status: 200, value: 'v-b-a'},
        {status: 200},
        {status: 200, value: 'new'},
        {status: 200},
        {status: 404},
        {status: 404},
      ])
      const single = await cluster.request('127.0.0.3:8085', 'GET', '/key-value-store/b-a', {'causal-metadata': mixed.body['causal-metadata']})
      expect(single.body.value).to.equal('new')
    })

    it('writes puts sent column-wise, answering one status per key, and reads them back as ops', async () => {
      const keys = ['p-a', 'p-b', 'p-c', 'p-d']
      expect(new Set(keys.map((k) => shardForKey(k, 2))).size, 'keys of both shards').to.equal(2)
      const put = await post('/key-value-store-batch', {puts: {keys, values: keys.map((k) => `v-${k}`)}, 'causal-metadata': ''})
      expect(put.status).to.equal(200)
      expect(put.body.statuses).to.deep.equal([201, 201, 201, 201])
      expect(put.body.results).to.equal(undefined)
      const again = await post('/key-value-store-batch', {puts: {keys: ['p-a'], values: ['w']}, 'causal-metadata': put.body['causal-metadata']}, '127.0.0.4:8085')
      expect(again.body.statuses).to.deep.equal([200])
      const read = await post('/key-value-store-batch', {ops: keys.map((key) => ({op: 'get', key})), 'causal-metadata': again.body['causal-metadata']}, '127.0.0.5:8085')
      expect(read.body.results.map((r: {value: string}) => r.value)).to.deep.equal(['w', 'v-p-b', 'v-p-c', 'v-p-d'])
    })

    const tooMany = Array.from({length: maxBatchOps + 1}, (_, i) => ({op: 'put', key: `k${i}`, value: 'v'}))
    const cases: Array<{name: string; payload: unknown; status: number; error: RegExp}> = [
      {name: 'no body', payload: undefined, status: 400, error: /body/},
      {name: 'no ops', payload: {}, status: 400, error: /"ops" or "puts", one of the two/},
      {name: 'both ops and puts', payload: {ops: [{op: 'put', key: 'a', value: 'v'}], puts: {keys: ['b'], values: ['v']}}, status: 400, error: /"ops" or "puts", one of the two/},
      {name: 'puts with more keys than values', payload: {puts: {keys: ['a', 'b'], values: ['v']}}, status: 400, error: /puts: 2 keys and 1 values/},
      {name: 'puts without values', payload: {puts: {keys: ['a']}}, status: 400, error: /values/},
      {name: 'a put of a null value', payload: {puts: {keys: ['a'], values: [null]}}, status: 400, error: /values/},
      {name: 'a 51-character key among puts', payload: {puts: {keys: ['k'.repeat(51)], values: ['v']}}, status: 400, error: /keys/},
      {name: 'ops that are not a list', payload: {ops: {op: 'put'}}, status: 400, error: /ops/},
      {name: 'an unknown op', payload: {ops: [{op: 'incr', key: 'a'}]}, status: 400, error: /op/},
      {name: 'a put without a value', payload: {ops: [{op: 'put', key: 'a', value: 'v'}, {op: 'put', key: 'b'}]}, status: 400, error: /ops\[1\]: a put needs a string "value"/},
      {name: 'a delete with a value', payload: {ops: [{op: 'delete', key: 'a', value: 'v'}]}, status: 400, error: /ops\[0\]: a delete carries no "value"/},
      {name: 'a number value', payload: {ops: [{op: 'put', key: 'a', value: 5}]}, status: 400, error: /value/},
      {name: 'a 51-character key', payload: {ops: [{op: 'put', key: 'k'.repeat(51), value: 'v'}]}, status: 400, error: /key/},
      {name: 'a value over 1 MiB characters', payload: {ops: [{op: 'put', key: 'a', value: 'x'.repeat(1024 * 1024 + 1)}]}, status: 400, error: /value/},
      {name: 'malformed causal metadata', payload: {ops: [{op: 'put', key: 'a', value: 'v'}], 'causal-metadata': {epoch: 'x'}}, status: 400, error: /Causal metadata/},
      {name: `more than ${maxBatchOps} ops`, payload: {ops: tooMany}, status: 400, error: new RegExp(`more than ${maxBatchOps} items`)},
      {name: 'a body over 16 MiB', payload: {ops: [{op: 'put', key: 'a', value: 'x'.repeat(17 * 1024 * 1024)}]}, status: 413, error: /too large/},
    ]
    for (const c of cases) {
      it(`answers ${c.status} to ${c.name} and writes nothing`, async () => {
        const before = await keyCount()
        const res = await post('/key-value-store-batch', c.payload)
        expect(res.status).to.equal(c.status)
        expect(res.body.error).to.match(c.error)
        expect(await keyCount()).to.equal(before)
      })
    }
  })

  describe('POST /key-value-store-scan', () => {
    const prefix = 'scan-'
    const keys = Array.from({length: 25}, (_, i) => `${prefix}${i}`)

    before(async () => {
      const res = await post('/key-value-store-batch', {ops: keys.map((key) => ({op: 'put', key, value: key.toUpperCase()}))})
      expect(res.status).to.equal(200)
      expect((await post('/key-value-store-batch', {ops: [{op: 'put', key: 'other', value: 'x'}, {op: 'delete', key: `${prefix}0`}]})).status).to.equal(200)
    })

    it('pages through every live key with the prefix across both shards, each once, values on request', async () => {
      const seen = new Map<string, string>()
      let cursor: string | null | undefined
      let pages = 0
      do {
        const res = await post('/key-value-store-scan', {prefix, limit: 4, values: true, ...(cursor ? {cursor} : {})}, `127.0.0.${2 + (pages % 4)}:8085`)
        expect(res.status).to.equal(200)
        expect(res.body.keys.length).to.be.at.most(4)
        res.body.keys.forEach((k: string, i: number) => {
          expect(seen.has(k), `${k} once`).to.equal(false)
          seen.set(k, res.body.values[i])
        })
        cursor = res.body.cursor
        pages++
      } while (cursor)
      expect([...seen.keys()].sort()).to.deep.equal(keys.slice(1).sort())
      for (const [k, v] of seen) expect(v).to.equal(k.toUpperCase())
      expect(pages).to.be.at.least(6)
    })

    it('lists keys only unless values are asked for, and every key with no prefix', async () => {
      const res = await post('/key-value-store-scan', {limit: maxScanLimit})
      expect(res.status).to.equal(200)
      expect(res.body).not.to.have.property('values')
      expect(res.body.cursor).to.equal(null)
      expect(res.body.keys).to.include('other')
    })

    const cases: Array<{name: string; payload: unknown; status: number; error: RegExp}> = [
      {name: 'a limit of 0', payload: {limit: 0}, status: 400, error: /limit/},
      {name: `a limit over ${maxScanLimit}`, payload: {limit: maxScanLimit + 1}, status: 400, error: /limit/},
      {name: 'a limit as a string', payload: {limit: '5'}, status: 400, error: /limit/},
      {name: 'a prefix as a number', payload: {prefix: 5}, status: 400, error: /prefix/},
      {name: 'an unknown field', payload: {prefx: 'a'}, status: 400, error: /additional/},
      {name: 'a cursor that is not one', payload: {cursor: 'garbage'}, status: 400, error: /cursor is malformed/},
      {name: 'a cursor of another layout', payload: {cursor: encodeCursor({layout: 99, shard: 1, offset: 0})}, status: 409, error: /layout changed/},
      {name: 'a cursor of an expired snapshot', payload: {cursor: encodeCursor({layout: 1, shard: 1, member: node, snapshot: 'gone', offset: 3})}, status: 404, error: /expired/},
    ]
    for (const c of cases) {
      it(`answers ${c.status} to ${c.name}`, async () => {
        const res = await post('/key-value-store-scan', c.payload)
        expect(res.status).to.equal(c.status)
        expect(res.body.error).to.match(c.error)
      })
    }
  })

  it('a forwarded part retried on another member is answered from the part its shard applied, not written again', async () => {
    const parts = cluster.nodes.get(node)!
    const config = parts.membership.config!
    const [first, second] = config.shards['1']
    const keys = ['r-a', 'r-b', 'r-c', 'r-d', 'r-e', 'r-f'].filter((k) => shardForKey(k, 2) === 1)
    expect(keys.length, 'keys of shard 1').to.be.at.least(3)
    const [gone, kept, fresh] = keys
    const seeded = await post('/key-value-store-batch', {puts: {keys: [gone, kept], values: ['1', '2']}})
    const part = (rid: string) => ({
      shard: 1,
      layout: config.layoutEpoch,
      meta: seeded.body['causal-metadata'],
      deadline: Date.now() + 5000,
      rid,
      ops: [
        {op: 'delete', key: gone},
        {op: 'put', key: kept, value: 'new'},
        {op: 'put', key: fresh, value: 'x'},
        {op: 'get', key: kept},
      ],
    })
    const applied = () => cluster.nodes.get(second)!.replicator.summary().applied
    const answer = await post('/internal/batch', part('retried-part'), first)
    expect(answer.status).to.equal(200)
    expect(answer.body.results).to.deep.equal([{status: 200}, {status: 200}, {status: 201}, {status: 200, value: 'new'}])
    const atSecond = applied()
    // The retry, at the other member and at the first again: the same answers, nothing written.
    for (const at of [second, first]) {
      const retry = await post('/internal/batch', part('retried-part'), at)
      expect(retry.status, at).to.equal(200)
      expect(retry.body.results, at).to.deep.equal(answer.body.results)
      expect(applied(), at).to.equal(atSecond)
    }
    // Another request id is another part: written again, and the delete finds nothing now.
    const other = await post('/internal/batch', part('another-part'), second)
    expect(other.body.results).to.deep.equal([{status: 404}, {status: 200}, {status: 200}, {status: 200, value: 'new'}])
    expect(applied()).to.equal(atSecond + 2)
  })

  it('peer routes refuse malformed parts and pages (400) and apply nothing', async () => {
    const before = await keyCount()
    const batch = await post('/internal/batch', {shard: 1, layout: 1, meta: null, deadline: Date.now() + 5000, ops: [{op: 'put', key: 'a'.repeat(60), value: 'v'}]})
    expect(batch.status).to.equal(400)
    const scan = await post('/internal/scan', {shard: 0, layout: 1, meta: null, prefix: '', offset: 0, limit: 1, maxBytes: 1, values: false})
    expect(scan.status).to.equal(400)
    expect(await keyCount()).to.equal(before)
  })

  it('the replicate route refuses malformed groups of writes (400) from a member and applies nothing', async () => {
    const parts = cluster.nodes.get(node)!
    const shard = parts.replicator.shard as number
    const from = parts.membership.config!.shards[String(shard)].find((m) => m !== node) as string
    const seq = (parts.replicator.summary().clock[from] ?? 0) + 1
    const group = {shard, epoch: 1, origin: from, seq, deps: {epoch: 1, clocks: {[String(shard)]: {[from]: seq}}}, keys: ['g-1', 'g-2'], values: ['a', 'b'], ts: [Date.now() * 1000, Date.now() * 1000 + 1]}
    const before = parts.replicator.summary().applied
    const bad: Array<[string, unknown]> = [
      ['columns that disagree', {...group, values: ['a']}],
      ['a value that is not a string', {...group, values: ['a', 5]}],
      ['no own clock entry', {...group, deps: {epoch: 1, clocks: {}}}],
      ['a timestamp an hour ahead', {...group, ts: [group.ts[0], (Date.now() + 3_600_000) * 1000]}],
      ['no keys', {...group, keys: [], values: [], ts: []}],
    ]
    for (const [name, g] of bad) {
      const answer = await post('/internal/replicate', {from, ops: [], groups: [g]})
      expect(answer.status, name).to.equal(400)
    }
    expect(parts.replicator.summary().applied).to.equal(before)
    const good = await post('/internal/replicate', {from, ops: [], groups: [group]})
    expect(good.status, 'the same group well formed').to.equal(200)
    expect(parts.replicator.summary().applied).to.equal(before + 2)
  })
})

import {expect} from 'chai'
import fc from 'fast-check'
import {BulkClient, batchOps, shardBatches} from '../../src/client/bulk-client.js'
import type {NodeRequest} from '../../src/client/transport.js'
import {covers} from '../../src/clock/vector-clock.js'
import {shardForKey} from '../../src/placement/placement.js'
import {applyBatch, joinResults, splitByShard, type BatchOp, type BatchWriter} from '../../src/replication/batch.js'
import {lastSeq, opAt, type OpGroup} from '../../src/replication/op-group.js'
import type {Op} from '../../src/replication/op.js'
import {decodeCursor, encodeCursor} from '../../src/replication/scan-cursor.js'
import {pageOf, ScanSnapshots} from '../../src/replication/scan-snapshots.js'
import {ShardState} from '../../src/replication/shard-state.js'

const opArb: fc.Arbitrary<BatchOp> = fc.oneof(
  fc.record({op: fc.constant('put' as const), key: fc.string({minLength: 1, maxLength: 50}), value: fc.string()}),
  fc.record({op: fc.constantFrom('get' as const, 'delete' as const), key: fc.string({minLength: 1, maxLength: 50})}),
)

describe('splitting a batch by shard', () => {
  it('puts every op in the part of its key\'s shard, once, in batch order; parts in shard order', () => {
    fc.assert(
      fc.property(fc.array(opArb, {maxLength: 200}), fc.integer({min: 1, max: 7}), (ops, shardCount) => {
        const parts = splitByShard(ops, shardCount)
        expect(parts.map((p) => p.shard)).to.deep.equal([...new Set(parts.map((p) => p.shard))].sort((a, b) => a - b))
        const positions = parts.flatMap((p) => p.positions)
        expect([...positions].sort((a, b) => a - b)).to.deep.equal(ops.map((_, i) => i))
        for (const part of parts) {
          expect(part.positions).to.deep.equal([...part.positions].sort((a, b) => a - b))
          part.ops.forEach((op, i) => {
            expect(op).to.equal(ops[part.positions[i]])
            expect(shardForKey(op.key, shardCount)).to.equal(part.shard)
          })
        }
      }),
    )
  })

  it('joins the parts\' results back in batch order', () => {
    const ops: BatchOp[] = ['a', 'b', 'c', 'd', 'e'].map((key) => ({op: 'get', key}))
    const parts = splitByShard(ops, 2)
    const joined = joinResults(ops.length, parts.map((part) => ({part, results: part.positions.map((p) => ({status: 200, value: ops[p].key}))})))
    expect(joined.map((r) => r.value)).to.deep.equal(['a', 'b', 'c', 'd', 'e'])
  })
})

describe('a load\'s batches (the client splits by shard too)', () => {
  it('holds every record once, each batch of one shard and at most batchOps keys', () => {
    const records = new Map(Array.from({length: 2 * batchOps + 123}, (_, i) => [`key${i}`, `v${i}`] as const))
    const batches = [...shardBatches({keys: [...records.keys()], values: [...records.values()]}, 2)]
    const seen = new Map<string, string>()
    for (const {shard, keys, values} of batches) {
      expect(keys.length).to.be.within(1, batchOps)
      expect(values.length).to.equal(keys.length)
      keys.forEach((key, i) => {
        expect(shardForKey(key, 2)).to.equal(shard)
        expect(seen.has(key)).to.equal(false)
        seen.set(key, values[i])
      })
    }
    expect(seen).to.deep.equal(records)
    expect(batches.length).to.be.at.least(3)
  })
})

describe('a load against nodes that answer some ops 503', () => {
  it('sends again only the ops answered 503, column-wise, until each is served', async () => {
    const sent: Array<{keys: string[]; values: string[]}> = []
    let failFirst = true
    const transport = {
      close: async () => {},
      send: async (_node: string, req: NodeRequest) => {
        // No layout: the load sends every batch anywhere.
        if (req.path === '/admin/status') return {status: 404, body: {}}
        const {puts} = req.body as {puts: {keys: string[]; values: string[]}}
        sent.push(puts)
        // The first call serves every other op and answers the rest 503, as a node does when one shard has no live member.
        const statuses = puts.keys.map((_, i) => (failFirst && i % 2 === 1 ? 503 : 201))
        failFirst = false
        return {status: statuses.includes(503) ? 503 : 200, body: {statuses, 'causal-metadata': ''}}
      },
    }
    const client = new BulkClient({nodes: ['127.0.0.2:8085'], transport})
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4']
    const result = await client.load({keys, values: keys.map((k) => k.toUpperCase())})
    expect(result.keys).to.equal(5)
    expect(result.retried).to.equal(2)
    expect(sent).to.deep.equal([
      {keys, values: ['K0', 'K1', 'K2', 'K3', 'K4']},
      {keys: ['k1', 'k3'], values: ['K1', 'K3']},
    ])
  })
})

describe('carrying out a batch part on a replica', () => {
  const self = '127.0.0.2:8085'
  const writer = (): BatchWriter => {
    let ts = 1000
    return {self, now: () => ts++}
  }
  /** The writes of a part as single ops. */
  const opsOf = (g: OpGroup | null): Op[] => (g ? g.keys.map((_, i) => opAt(g, i)) : [])

  it('answers as the key routes would, in order, a get seeing the writes before it', () => {
    const s = new ShardState(1, 1)
    const ops: BatchOp[] = [
      {op: 'get', key: 'a'},
      {op: 'put', key: 'a', value: '1'},
      {op: 'put', key: 'a', value: '2'},
      {op: 'get', key: 'a'},
      {op: 'delete', key: 'a'},
      {op: 'delete', key: 'a'},
      {op: 'get', key: 'a'},
    ]
    const {results, written, meta} = applyBatch(s, ops, {epoch: 1, clocks: {}}, writer())
    expect(results).to.deep.equal([{status: 404}, {status: 201}, {status: 200}, {status: 200, value: '2'}, {status: 200}, {status: 404}, {status: 404}])
    expect(opsOf(written).map((o) => [o.seq, o.value])).to.deep.equal([[1, '1'], [2, '2'], [3, null]])
    expect(s.clock).to.deep.equal({[self]: 3})
    expect(meta).to.deep.equal({epoch: 1, clocks: {'1': {[self]: 3}}})
  })

  it('answers any batch as a map applying its ops one by one would, and leaves the replica holding that map', () => {
    const opArb = fc.record({op: fc.constantFrom('put', 'delete', 'get'), key: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.string({maxLength: 3})})
    fc.assert(
      fc.property(fc.array(opArb, {maxLength: 40}), fc.array(opArb, {maxLength: 40}), (first, second) => {
        const s = new ShardState(1, 1)
        const model = new Map<string, string>()
        const clock = writer()
        for (const batch of [first, second]) {
          const ops: BatchOp[] = batch.map((o) => (o.op === 'put' ? o : {op: o.op, key: o.key}) as BatchOp)
          const expected = ops.map(({op, key, value}) => {
            const had = model.get(key)
            if (op === 'get') return had === undefined ? {status: 404} : {status: 200, value: had}
            if (op === 'delete') return model.delete(key) ? {status: 200} : {status: 404}
            model.set(key, value as string)
            return {status: had === undefined ? 201 : 200}
          })
          const {results, written} = applyBatch(s, ops, {epoch: 1, clocks: {}}, clock)
          expect(results).to.deep.equal(expected)
          expect(s.clock[self] ?? 0).to.equal(written ? lastSeq(written) : (s.clock[self] ?? 0))
        }
        const held = new Map([...s.versions].filter(([, v]) => v.value !== null).map(([k, v]) => [k, v.value]))
        expect(held).to.deep.equal(model)
      }),
      {numRuns: 300},
    )
  })

  it('keeps the client\'s other shards in every write and in the answer, and covers every write', () => {
    const s = new ShardState(1, 1)
    const base = {epoch: 1, clocks: {'2': {'127.0.0.3:8085': 7}}}
    const {written, meta} = applyBatch(s, [{op: 'put', key: 'x', value: 'v'}, {op: 'put', key: 'y', value: 'w'}], base, writer())
    for (const op of opsOf(written)) expect(op.deps.clocks['2']).to.deep.equal({'127.0.0.3:8085': 7})
    expect(meta.clocks['2']).to.deep.equal({'127.0.0.3:8085': 7})
    for (const op of opsOf(written)) expect(covers(meta.clocks['1'], {[op.origin]: op.seq})).to.equal(true)
  })

  it('a batch of reads only writes nothing and answers the client\'s metadata merged with what it read', () => {
    const s = new ShardState(1, 1)
    applyBatch(s, [{op: 'put', key: 'k', value: 'v'}], {epoch: 1, clocks: {}}, writer())
    const {results, meta, written} = applyBatch(s, [{op: 'get', key: 'k'}, {op: 'get', key: 'nope'}], {epoch: 1, clocks: {}}, writer())
    expect(written).to.equal(null)
    expect(results).to.deep.equal([{status: 200, value: 'v'}, {status: 404}])
    expect(meta).to.deep.equal({epoch: 1, clocks: {'1': {[self]: 1}}})
  })
})

describe('scan cursors and snapshot pages', () => {
  it('a cursor reads back as written; anything else is refused as malformed', () => {
    const cursors = [
      {layout: 1, shard: 1, offset: 0},
      {layout: 4, shard: 3, member: '127.0.0.2:8085', snapshot: 'abc.1', offset: 12_000},
    ]
    for (const c of cursors) expect(decodeCursor(encodeCursor(c))).to.deep.equal(c)
    const bad = ['', 'abc', Buffer.from('[1,1,"",""]').toString('base64url'), Buffer.from('[1,0,"","",0]').toString('base64url'), Buffer.from('[1,1,"m","",0]').toString('base64url')]
    for (const text of bad) expect(() => decodeCursor(text), text).to.throw(/cursor is malformed/)
  })

  const snapshot = {keys: ['a', 'bb', 'ccc', 'dddd'], values: ['1', '22', '333', '4444'], meta: {epoch: 1, clocks: {}}}

  it('pages by count and by bytes, at least one entry a page, until the end', () => {
    expect(pageOf(snapshot, {offset: 0, limit: 3, maxBytes: 100, values: false})).to.deep.include({keys: ['a', 'bb', 'ccc'], next: 3})
    expect(pageOf(snapshot, {offset: 0, limit: 10, maxBytes: 5, values: true})).to.deep.include({keys: ['a', 'bb'], values: ['1', '22'], next: 2})
    expect(pageOf(snapshot, {offset: 3, limit: 10, maxBytes: 1, values: true})).to.deep.include({keys: ['dddd'], values: ['4444'], next: null})
  })

  it('a held snapshot is paged until its last page, then forgotten; the least recently used goes first', () => {
    const held = new ScanSnapshots(2)
    const first = held.hold(snapshot)
    expect(held.page(first, {offset: 0, limit: 2, maxBytes: 100, values: false}).next).to.equal(2)
    held.hold(snapshot)
    held.page(first, {offset: 2, limit: 1, maxBytes: 100, values: false})
    held.hold(snapshot)
    expect(held.size).to.equal(2)
    expect(held.page(first, {offset: 3, limit: 5, maxBytes: 100, values: false}).next).to.equal(null)
    expect(() => held.page(first, {offset: 3, limit: 5, maxBytes: 100, values: false})).to.throw(/expired/)
  })

  it('holds at most maxKeys keys in all, dropping the least recently used first, but always the newest', () => {
    const held = new ScanSnapshots(16, 60_000, 6)
    const a = held.hold(snapshot)
    const b = held.hold(snapshot)
    expect(held.size).to.equal(1)
    expect(() => held.page(a, {offset: 0, limit: 1, maxBytes: 100, values: false})).to.throw(/expired/)
    expect(held.page(b, {offset: 0, limit: 1, maxBytes: 100, values: false}).keys).to.deep.equal(['a'])
    const big = held.hold({...snapshot, keys: Array(10).fill('k'), values: Array(10).fill('v')})
    expect(held.page(big, {offset: 0, limit: 1, maxBytes: 100, values: false}).next).to.equal(1)
  })
})

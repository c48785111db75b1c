import {expect} from 'chai'
import fc from 'fast-check'

import {mergeMetadata, noHistory, parseMetadata, requiredClock, type CausalMetadata} from '../../src/clock/causal-metadata.js'
import {covers, mergeClocks, type VectorClock} from '../../src/clock/vector-clock.js'
import {drainDeliverable} from '../../src/replication/delivery.js'
import {
  makeVersion,
  opClock,
  opOf,
  otherDeps,
  toVersion,
  versionMetadata,
  versionOf,
  type Op,
} from '../../src/replication/op.js'
import {ShardState} from '../../src/replication/shard-state.js'

import {A, B, C, historyArb, type CausalHistory} from './causal-history.js'

const permutationOf = <T>(items: T[]): fc.Arbitrary<T[]> => fc.shuffledSubarray(items, {minLength: items.length, maxLength: items.length})

const clockArb: fc.Arbitrary<VectorClock> = fc.dictionary(fc.constantFrom(A, B, C), fc.integer({min: 1, max: 9}), {minKeys: 1, maxKeys: 3})

/** What a writer may have seen of shards 2 and 3 (canonical: no empty clocks). */
const othersArb: fc.Arbitrary<Record<string, VectorClock>> = fc.dictionary(fc.constantFrom('2', '3'), clockArb, {maxKeys: 2})

/**
 * The history's ops with random causal pasts in other shards, and now and then (as when
 * a writer's metadata was of a newer layout epoch than the replica) whole newer-epoch metadata.
 */
const richHistoryArb: fc.Arbitrary<CausalHistory> = historyArb.chain((h) =>
  fc.array(fc.tuple(othersArb, fc.integer({min: 0, max: 9})), {minLength: h.ops.length, maxLength: h.ops.length}).map((extras) => ({
    ...h,
    ops: h.ops.map((o, i): Op => {
      const [others, roll] = extras[i]
      return {...o, deps: {epoch: roll === 0 ? 2 : 1, clocks: {...others, ...o.deps.clocks}}}
    }),
  })),
)

/**
 * Clocks a replica of shard 1 can have: every prefix a replica passes through while
 * delivering the history in `order`, what each origin knew, and merges of those (state transfers).
 */
function replicaClocks(history: CausalHistory, order: Op[]): VectorClock[] {
  const seen: VectorClock[] = [{}]
  const rest = drainDeliverable(order, {}, (o) => {
    const next = {...seen[seen.length - 1], [o.origin]: o.seq}
    seen.push(next)
    return next
  })
  expect(rest).to.deep.equal([])
  const base = [...seen, ...history.knowledge]
  return [...base, ...base.map((c, i) => mergeClocks(c, base[(i * 7 + 3) % base.length]))]
}

describe('compact versions', () => {
  describe('otherDeps', () => {
    const cases: Array<{name: string; deps: CausalMetadata; other: CausalMetadata | null}> = [
      {name: 'only the own shard: nothing', deps: {epoch: 3, clocks: {'1': {[A]: 2, [B]: 1}}}, other: null},
      {name: 'no clocks at all: nothing', deps: {epoch: 3, clocks: {}}, other: null},
      {
        name: 'other shards are kept, the own shard dropped',
        deps: {epoch: 3, clocks: {'1': {[A]: 2}, '2': {[B]: 5}, '3': {[C]: 1}}},
        other: {epoch: 3, clocks: {'2': {[B]: 5}, '3': {[C]: 1}}},
      },
      {
        name: 'metadata of a newer epoch is kept whole',
        deps: {epoch: 4, clocks: {'1': {[A]: 2}, '2': {[B]: 5}}},
        other: {epoch: 4, clocks: {'1': {[A]: 2}, '2': {[B]: 5}}},
      },
      {name: 'metadata of an older epoch is nothing', deps: {epoch: 2, clocks: {'2': {[B]: 5}}}, other: null},
    ]
    for (const c of cases) {
      it(c.name, () => {
        expect(otherDeps(c.deps, 1, 3)).to.deep.equal(c.other)
      })
    }
  })

  describe('versionMetadata', () => {
    const cases: Array<{name: string; seq: number; other: CausalMetadata | null; meta: CausalMetadata}> = [
      {name: 'a plain write: its origin and seq', seq: 7, other: null, meta: {epoch: 3, clocks: {'1': {[A]: 7}}}},
      {name: 'a version moved by a reshard: no history', seq: 0, other: null, meta: noHistory(3)},
      {
        name: 'with a past in another shard',
        seq: 7,
        other: {epoch: 3, clocks: {'2': {[B]: 5}}},
        meta: {epoch: 3, clocks: {'1': {[A]: 7}, '2': {[B]: 5}}},
      },
      {
        name: 'with newer-epoch metadata: that metadata, as the full dependencies were',
        seq: 7,
        other: {epoch: 4, clocks: {'2': {[B]: 5}}},
        meta: {epoch: 4, clocks: {'2': {[B]: 5}}},
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        expect(versionMetadata(makeVersion('v', 1, A, c.seq, c.other), 1, 3)).to.deep.equal(c.meta)
      })
    }

    it('is canonical: reading it back as a client would send it changes nothing', () => {
      fc.assert(
        fc.property(richHistoryArb, (history) => {
          for (const o of history.ops) {
            const meta = versionMetadata(versionOf(o), 1, 1)
            expect(parseMetadata(JSON.parse(JSON.stringify(meta)))).to.deep.equal(meta)
          }
        }),
        {numRuns: 100},
      )
    })

    it('keeps the other shards of the full dependencies exactly', () => {
      fc.assert(
        fc.property(richHistoryArb, (history) => {
          for (const o of history.ops) {
            const meta = versionMetadata(versionOf(o), 1, 1)
            const {clocks} = o.deps
            const others = Object.fromEntries(Object.entries(clocks).filter(([s]) => s !== '1'))
            expect(meta.epoch).to.equal(o.deps.epoch)
            if (o.deps.epoch === 1) expect(Object.fromEntries(Object.entries(meta.clocks).filter(([s]) => s !== '1'))).to.deep.equal(others)
            else expect(meta).to.deep.equal(o.deps)
          }
        }),
        {numRuns: 100},
      )
    })

    it('makes every replica clock wait for exactly what the full dependencies would, for any set of versions a client saw', () => {
      const arb = historyArb.chain((h) =>
        fc.tuple(fc.constant(h), permutationOf(h.ops), fc.subarray(h.ops), othersArb),
      )
      fc.assert(
        fc.property(arb, ([history, order, seen, clientOthers]) => {
          // A client's metadata after seeing `seen`: the merge of full deps, or of derived metadata.
          const start: CausalMetadata = {epoch: 1, clocks: clientOthers}
          const full = seen.reduce((m, o) => mergeMetadata(m, o.deps), start)
          const compact = seen.reduce((m, o) => mergeMetadata(m, versionMetadata(versionOf(o), 1, 1)), start)
          for (const clock of replicaClocks(history, order)) {
            // What a replica waits for before serving (Replica.covered): covers(clock, requiredClock(...)).
            expect(covers(clock, requiredClock(compact, 1, 1)), JSON.stringify({clock, seen: seen.map((o) => [o.origin, o.seq])})).to.equal(
              covers(clock, requiredClock(full, 1, 1)),
            )
            for (const o of history.ops) expect(covers(clock, versionMetadata(versionOf(o), 1, 1).clocks['1'])).to.equal(covers(clock, opClock(o)))
          }
          // Other shards' requirements are the same too.
          expect({...compact.clocks, '1': {}}).to.deep.equal({...full.clocks, '1': {}})
        }),
        {numRuns: 150},
      )
    })

    it('relies on causally closed replica clocks: one that is not would be let through too early', () => {
      // B's write 1 depended on A's write 2. No replica can have B's write without A's.
      const b1: Op = {shard: 1, epoch: 1, origin: B, seq: 1, key: 'k', value: 'v', ts: 3, deps: {epoch: 1, clocks: {'1': {[A]: 2, [B]: 1}}}}
      const notClosed = {[B]: 1}
      expect(covers(notClosed, versionMetadata(versionOf(b1), 1, 1).clocks['1'])).to.equal(true)
      expect(covers(notClosed, opClock(b1))).to.equal(false)
    })
  })

  describe('the same version everywhere', () => {
    it('replicas that got the ops in different orders, by state transfer, or from a legacy snapshot answer identical metadata per key', () => {
      const arb = richHistoryArb.chain((h) => fc.tuple(fc.constant(h), permutationOf(h.ops), permutationOf(h.ops)))
      fc.assert(
        fc.property(arb, ([history, order1, order2]) => {
          // Ops of a newer-epoch writer are delivered like any other here; only their metadata differs.
          const r1 = new ShardState(1, 1)
          const r2 = new ShardState(1, 1)
          expect(drainDeliverable(order1, {}, (o) => (r1.apply(o), r1.clock))).to.deep.equal([])
          expect(drainDeliverable(order2, {}, (o) => (r2.apply(o), r2.clock))).to.deep.equal([])
          // Through JSON, as a snapshot or a transfer carries it.
          const r3 = new ShardState(1, 1)
          r3.mergeState(JSON.parse(JSON.stringify([...r1.versions])), r1.clock)
          // From a snapshot written before versions were compact: each version with its op's whole metadata.
          const winners = new Map<string, Op>()
          for (const o of history.ops) {
            const w = winners.get(o.key)
            if (!w || o.ts > w.ts || (o.ts === w.ts && o.origin > w.origin)) winners.set(o.key, o)
          }
          const r4 = new ShardState(1, 1)
          r4.mergeState(
            [...winners].map(([key, o]) => [key, {value: o.value, ts: o.ts, origin: o.origin, deps: o.deps}] as const),
            r1.clock,
          )
          for (const [key, o] of winners) {
            const expected = versionMetadata(versionOf(o), 1, 1)
            for (const r of [r1, r2, r3]) expect(r.get(key)).to.deep.equal(versionOf(o))
            // A legacy version of a newer-epoch writer does not say its seq; nothing reads it then.
            expect(r4.get(key)).to.deep.equal(o.deps.epoch === 1 ? versionOf(o) : {...versionOf(o), seq: 0})
            for (const r of [r1, r2, r3, r4]) expect(r.metadataOf(r.get(key)!)).to.deep.equal(expected)
          }
        }),
        {numRuns: 150},
      )
    })

    it('a legacy version reads as the compact version of its op, with the same metadata', () => {
      fc.assert(
        fc.property(richHistoryArb, (history) => {
          for (const o of history.ops) {
            const legacy = toVersion({value: o.value, ts: o.ts, origin: o.origin, deps: o.deps}, 1, 1)
            expect(versionMetadata(legacy, 1, 1)).to.deep.equal(versionMetadata(versionOf(o), 1, 1))
            // A newer-epoch writer's whole metadata supersedes the own clock: the seq is not in it.
            expect(legacy).to.deep.equal(o.deps.epoch === 1 ? versionOf(o) : {...versionOf(o), seq: 0})
            expect(toVersion(JSON.parse(JSON.stringify(versionOf(o))), 1, 1)).to.deep.equal(versionOf(o))
          }
        }),
        {numRuns: 100},
      )
    })
  })

  describe('opOf', () => {
    it('gives back the op that was applied from its key, version and own clock', () => {
      fc.assert(
        fc.property(richHistoryArb, (history) => {
          for (const o of history.ops) expect(opOf(o.key, versionOf(o), opClock(o), 1, 1)).to.deep.equal(o)
        }),
        {numRuns: 100},
      )
    })

    it('leaves out an empty own clock, as canonical metadata does', () => {
      const o: Op = {shard: 1, epoch: 1, origin: A, seq: 1, key: 'k', value: 'v', ts: 1, deps: {epoch: 1, clocks: {'2': {[B]: 1}}}}
      expect(opOf('k', versionOf(o), opClock(o), 1, 1)).to.deep.equal(o)
    })
  })
})

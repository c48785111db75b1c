import {expect} from 'chai'
import fc from 'fast-check'

import type {VectorClock} from '../../src/clock/vector-clock.js'
import {deliveryOf, drainDeliverable, supersedes, type Delivery} from '../../src/replication/delivery.js'
import {makeVersion, opClock, type Op, type Version} from '../../src/replication/op.js'

import {A, B, C, historyArb} from './causal-history.js'

/** An op of shard 1 whose own clock (deps.clocks['1']) is `clock`; other shards' clocks in `others`. */
function op(origin: string, seq: number, clock: VectorClock, others: Record<string, VectorClock> = {}): Op {
  return {
    shard: 1,
    epoch: 1,
    origin,
    seq,
    key: `k-${origin}-${seq}`,
    value: `${origin}:${seq}`,
    ts: seq,
    deps: {epoch: 1, clocks: {...others, '1': clock}},
  }
}

const version = (ts: number, origin: string, value: string | null = 'v'): Version => makeVersion(value, ts, origin, 1, null)


/** True when `a` happens-before `b` (b's coordinator had applied a). */
const happensBefore = (a: Op, b: Op): boolean => a !== b && (opClock(b)[a.origin] ?? 0) >= a.seq

const covered = (clock: VectorClock, o: Op): boolean => (clock[o.origin] ?? 0) >= o.seq

/** Drains `pending` from `start`, recording every delivery. */
function drain(pending: Op[], start: VectorClock): {delivered: Op[]; rest: Op[]; clock: VectorClock} {
  const delivered: Op[] = []
  let clock: VectorClock = start
  const rest = drainDeliverable(pending, start, (o) => {
    expect(deliveryOf(o, clock), `delivered ${o.origin}#${o.seq} while not deliverable`).to.equal('deliverable')
    delivered.push(o)
    clock = {...clock, [o.origin]: o.seq}
    return clock
  })
  return {delivered, rest, clock}
}

const permutationOf = <T>(items: T[]): fc.Arbitrary<T[]> => fc.shuffledSubarray(items, {minLength: items.length, maxLength: items.length})

describe('causal delivery', () => {
  describe('deliveryOf', () => {
    const cases: Array<{name: string; op: Op; clock: VectorClock; delivery: Delivery}> = [
      {name: 'first write of an origin at an empty replica', op: op(A, 1, {[A]: 1}), clock: {}, delivery: 'deliverable'},
      {name: 'the next write of its origin', op: op(A, 3, {[A]: 3}), clock: {[A]: 2}, delivery: 'deliverable'},
      {name: 'already applied (same seq)', op: op(A, 1, {[A]: 1}), clock: {[A]: 1}, delivery: 'duplicate'},
      {name: 'already applied (older seq)', op: op(A, 1, {[A]: 1}), clock: {[A]: 4}, delivery: 'duplicate'},
      {name: 'a gap in its origin', op: op(A, 3, {[A]: 3}), clock: {[A]: 1}, delivery: 'blocked'},
      {name: 'a gap from nothing', op: op(A, 2, {[A]: 2}), clock: {}, delivery: 'blocked'},
      {name: 'depends on a write of another member not yet applied', op: op(A, 2, {[A]: 2, [B]: 1}), clock: {[A]: 1}, delivery: 'blocked'},
      {name: 'depends on more of another member than applied', op: op(A, 1, {[A]: 1, [B]: 3}), clock: {[B]: 2}, delivery: 'blocked'},
      {name: 'its dependencies applied exactly', op: op(A, 2, {[A]: 2, [B]: 1}), clock: {[A]: 1, [B]: 1}, delivery: 'deliverable'},
      {name: 'the replica is ahead elsewhere', op: op(A, 2, {[A]: 2, [B]: 1}), clock: {[A]: 1, [B]: 5, [C]: 2}, delivery: 'deliverable'},
      {
        name: 'clocks of other shards are not waited on',
        op: op(A, 1, {[A]: 1}, {'2': {[C]: 9}}),
        clock: {},
        delivery: 'deliverable',
      },
      {
        name: 'an op whose metadata has no clock for its shard',
        op: {...op(A, 1, {}), deps: {epoch: 1, clocks: {}}},
        clock: {},
        delivery: 'deliverable',
      },
    ]
    for (const c of cases) {
      it(`${c.name} -> ${c.delivery}`, () => {
        expect(deliveryOf(c.op, c.clock)).to.equal(c.delivery)
      })
    }
  })

  describe('supersedes', () => {
    const cases: Array<{name: string; candidate: Version; current: Version | undefined; wins: boolean}> = [
      {name: 'anything replaces nothing', candidate: version(1, A), current: undefined, wins: true},
      {name: 'a tombstone replaces nothing', candidate: version(1, A, null), current: undefined, wins: true},
      {name: 'higher timestamp wins', candidate: version(5, A), current: version(4, C), wins: true},
      {name: 'lower timestamp loses, whatever the origin', candidate: version(4, C), current: version(5, A), wins: false},
      {name: 'equal timestamps: the higher origin wins', candidate: version(5, B), current: version(5, A), wins: true},
      {name: 'equal timestamps: the lower origin loses', candidate: version(5, A), current: version(5, B), wins: false},
      {name: 'a delete with a higher timestamp wins', candidate: version(6, A, null), current: version(5, B), wins: true},
      {name: 'the same version does not replace itself', candidate: version(5, A), current: version(5, A), wins: false},
    ]
    for (const c of cases) {
      it(`${c.name} -> ${c.wins}`, () => {
        expect(supersedes(c.candidate, c.current)).to.equal(c.wins)
      })
    }

    const versionArb = fc.record({ts: fc.integer({min: 1, max: 4}), origin: fc.constantFrom(A, B, C)}).map(({ts, origin}) => version(ts, origin))
    const same = (x: Version, y: Version): boolean => x.ts === y.ts && x.origin === y.origin

    it('is a strict total order on (timestamp, origin): exactly one of two distinct versions wins', () => {
      fc.assert(
        fc.property(versionArb, versionArb, (x, y) => {
          const wins = [supersedes(x, y), supersedes(y, x)].filter(Boolean).length
          expect(wins).to.equal(same(x, y) ? 0 : 1)
        }),
        {numRuns: 200},
      )
    })

    it('is transitive', () => {
      fc.assert(
        fc.property(versionArb, versionArb, versionArb, (x, y, z) => {
          if (supersedes(x, y) && supersedes(y, z)) expect(supersedes(x, z)).to.equal(true)
        }),
        {numRuns: 300},
      )
    })

    it('picks the same winner whatever order the versions arrive in', () => {
      fc.assert(
        fc.property(fc.array(versionArb, {minLength: 1, maxLength: 6}).chain((vs) => fc.tuple(fc.constant(vs), permutationOf(vs))), ([vs, shuffled]) => {
          const winner = (list: Version[]): Version | undefined => list.reduce<Version | undefined>((cur, v) => (supersedes(v, cur) ? v : cur), undefined)
          const w1 = winner(vs)!
          const w2 = winner(shuffled)!
          expect([w1.ts, w1.origin]).to.deep.equal([w2.ts, w2.origin])
        }),
        {numRuns: 200},
      )
    })
  })

  describe('drainDeliverable', () => {
    const a1 = op(A, 1, {[A]: 1})
    const a2 = op(A, 2, {[A]: 2})
    const a3 = op(A, 3, {[A]: 3})
    const b1 = op(B, 1, {[A]: 1, [B]: 1})
    const b2 = op(B, 2, {[A]: 3, [B]: 2})
    const cases: Array<{name: string; pending: Op[]; clock: VectorClock; delivered: Op[]; rest: Op[]}> = [
      {name: 'nothing pending', pending: [], clock: {}, delivered: [], rest: []},
      {name: 'in order', pending: [a1, a2, a3], clock: {}, delivered: [a1, a2, a3], rest: []},
      {name: 'reversed', pending: [a3, a2, a1], clock: {}, delivered: [a1, a2, a3], rest: []},
      {name: 'across origins, dependent op first', pending: [b2, b1, a3, a2, a1], clock: {}, delivered: [a1, b1, a2, a3, b2], rest: []},
      {name: 'a gap keeps its successors', pending: [a3, a2], clock: {}, delivered: [], rest: [a3, a2]},
      {name: 'a missing dependency keeps the dependent op', pending: [b1, a2], clock: {}, delivered: [], rest: [b1, a2]},
      {name: 'duplicates are dropped without delivery', pending: [a1, a2], clock: {[A]: 2}, delivered: [], rest: []},
      {name: 'duplicates dropped, the rest delivered', pending: [a2, a1, a3, b1], clock: {[A]: 1}, delivered: [a2, a3, b1], rest: []},
      {name: 'the same op twice is delivered once', pending: [a1, a1, a2, a2], clock: {}, delivered: [a1, a2], rest: []},
    ]
    for (const c of cases) {
      it(c.name, () => {
        const {delivered, rest} = drain(c.pending, c.clock)
        expect(delivered).to.have.members(c.delivered)
        expect(delivered).to.have.length(c.delivered.length)
        for (const x of delivered) for (const y of delivered) if (happensBefore(x, y)) expect(delivered.indexOf(x)).to.be.lessThan(delivered.indexOf(y))
        expect(rest).to.have.members(c.rest)
        expect(rest).to.have.length(c.rest.length)
      })
    }

    it('uses the clock that deliver returns', () => {
      // deliver claims B's write was applied too, so b-dependent ops become deliverable.
      const claimsB = drainDeliverable([a2, a1], {}, (o) => (o === a1 ? {[A]: 1, [B]: 1} : {[A]: 2, [B]: 1}))
      expect(claimsB).to.deep.equal([])
      const dependsOnB = op(A, 2, {[A]: 2, [B]: 1})
      expect(drainDeliverable([dependsOnB, a1], {}, () => ({[A]: 1}))).to.deep.equal([dependsOnB])
      expect(drainDeliverable([dependsOnB, a1], {}, () => ({[A]: 1, [B]: 1}))).to.deep.equal([])
    })

    it('does not mutate the pending list', () => {
      const pending = [a3, a2, a1]
      drain(pending, {})
      expect(pending).to.deep.equal([a3, a2, a1])
    })

    it('delivers a shuffled causal history completely, once each, in causal order', () => {
      fc.assert(
        fc.property(historyArb.chain((h) => fc.tuple(fc.constant(h), permutationOf(h.ops))), ([history, shuffled]) => {
          const {delivered, rest, clock} = drain(shuffled, {})
          expect(rest).to.deep.equal([])
          expect(delivered).to.have.length(history.ops.length)
          expect(new Set(delivered).size).to.equal(history.ops.length)
          const position = new Map(delivered.map((o, i) => [o, i]))
          for (const a of history.ops) {
            for (const b of history.ops) {
              if (happensBefore(a, b)) expect(position.get(a)!).to.be.lessThan(position.get(b)!)
            }
          }
          const expected: Record<string, number> = {}
          for (const o of history.ops) expected[o.origin] = Math.max(expected[o.origin] ?? 0, o.seq)
          expect(clock).to.deep.equal(expected)
        }),
        {numRuns: 150},
      )
    })

    it('with one op lost, delivers everything that does not depend on it and keeps exactly what does', () => {
      const arb = historyArb
        .filter((h) => h.ops.length > 0)
        .chain((h) => fc.tuple(fc.constant(h), fc.nat(h.ops.length - 1), permutationOf(h.ops)))
      fc.assert(
        fc.property(arb, ([history, lostIndex, shuffled]) => {
          const lost = history.ops[lostIndex]
          const {delivered, rest} = drain(
            shuffled.filter((o) => o !== lost),
            {},
          )
          const dependents = history.ops.filter((o) => happensBefore(lost, o))
          expect(rest).to.have.members(dependents)
          expect(rest).to.have.length(dependents.length)
          expect(delivered).to.have.members(history.ops.filter((o) => o !== lost && !happensBefore(lost, o)))
        }),
        {numRuns: 150},
      )
    })

    it('from a replica that already applied a causal prefix, with every op sent twice, delivers each missing op once', () => {
      const arb = historyArb.chain((h) =>
        fc.tuple(fc.constant(h), fc.nat(h.knowledge.length - 1), permutationOf([...h.ops, ...h.ops])),
      )
      fc.assert(
        fc.property(arb, ([history, whose, shuffled]) => {
          const start = history.knowledge[whose]
          const {delivered, rest} = drain(shuffled, start)
          expect(rest).to.deep.equal([])
          const missing = history.ops.filter((o) => !covered(start, o))
          expect(delivered).to.have.members(missing)
          expect(delivered).to.have.length(missing.length)
        }),
        {numRuns: 150},
      )
    })
  })
})

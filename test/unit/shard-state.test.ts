import {expect} from 'chai'
import fc from 'fast-check'

import type {VectorClock} from '../../src/clock/vector-clock.js'
import {deliveryOf, drainDeliverable, supersedes} from '../../src/replication/delivery.js'
import {makeVersion, versionOf, type Op, type Version} from '../../src/replication/op.js'
import {ShardState} from '../../src/replication/shard-state.js'

import {A, B, historyArb} from './causal-history.js'

/** A write of shard 1 with its own clock `clock` (the coordinator's clock right after it). */
function write(origin: string, seq: number, key: string, value: string | null, ts: number, clock: VectorClock = {[origin]: seq}): Op {
  return {shard: 1, epoch: 1, origin, seq, key, value, ts, deps: {epoch: 1, clocks: {'1': clock}}}
}

/** Everything observable about a replica, in a form that deep-equals across replicas. */
function snapshot(state: ShardState): {versions: Array<[string, Version]>; clock: VectorClock; liveKeys: number} {
  const versions = [...state.versions.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return {versions, clock: {...state.clock}, liveKeys: state.liveKeys}
}

function replicaWith(ops: Op[]): ShardState {
  const state = new ShardState(1, 1)
  for (const o of ops) state.apply(o)
  return state
}


const covered = (clock: VectorClock, o: Op): boolean => (clock[o.origin] ?? 0) >= o.seq

/**
 * Applies `op` if it is the next causally deliverable op, as a replica's delivery does
 * (Replica.deliver through drainDeliverable): says what happened.
 */
function offer(state: ShardState, op: Op): 'applied' | 'duplicate' | 'blocked' {
  const d = deliveryOf(op, state.clock)
  if (d !== 'deliverable') return d
  state.apply(op)
  return 'applied'
}

/** Offers ops in the given order, re-offering blocked ones until nothing changes (a replica's inbox). */
function offerAll(state: ShardState, ops: Op[]): void {
  let pending = ops
  let progressed = true
  while (progressed) {
    progressed = false
    const blocked: Op[] = []
    for (const o of pending) {
      const outcome = offer(state, o)
      if (outcome === 'applied') progressed = true
      if (outcome === 'blocked') blocked.push(o)
    }
    pending = blocked
  }
  expect(pending, 'ops left blocked').to.deep.equal([])
}

const versionOfOp = (o: Op): Version => versionOf(o)

/**
 * What every replica must end with, computed without a ShardState: per key the greatest
 * write under supersedes() (a total order, tested in delivery.test.ts), the clock of all
 * ops, and the keys whose winner is not a tombstone.
 */
function expectedSnapshot(ops: Op[]): ReturnType<typeof snapshot> {
  const winners = new Map<string, Version>()
  for (const o of ops) {
    if (supersedes(versionOfOp(o), winners.get(o.key))) winners.set(o.key, versionOfOp(o))
  }
  const versions = [...winners.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const clock: Record<string, number> = {}
  for (const o of ops) clock[o.origin] = Math.max(clock[o.origin] ?? 0, o.seq)
  return {versions, clock, liveKeys: versions.filter(([, v]) => v.value !== null).length}
}

const permutationOf = <T>(items: T[]): fc.Arbitrary<T[]> => fc.shuffledSubarray(items, {minLength: items.length, maxLength: items.length})

describe('shard state', () => {
  describe('apply', () => {
    it('starts empty', () => {
      const state = new ShardState(2, 3)
      expect([state.shard, state.epoch]).to.deep.equal([2, 3])
      expect(snapshot(state)).to.deep.equal({versions: [], clock: {}, liveKeys: 0})
      expect(state.get('x')).to.equal(undefined)
    })

    const x1 = write(A, 1, 'x', 'one', 10)
    const y2 = write(A, 2, 'y', 'two', 11)
    const xDel = write(A, 3, 'x', null, 12)
    const xAgain = write(A, 4, 'x', 'again', 13)
    const bOld = write(B, 1, 'y', 'stale', 5)
    const bTie = write(B, 1, 'y', 'tie', 11)

    const cases: Array<{name: string; ops: Op[]; get: Record<string, string | null | undefined>; clock: VectorClock; liveKeys: number}> = [
      {name: 'one write', ops: [x1], get: {x: 'one', y: undefined}, clock: {[A]: 1}, liveKeys: 1},
      {name: 'two keys', ops: [x1, y2], get: {x: 'one', y: 'two'}, clock: {[A]: 2}, liveKeys: 2},
      {name: 'the same op twice counts once', ops: [x1, x1], get: {x: 'one'}, clock: {[A]: 1}, liveKeys: 1},
      {name: 'an older op of the origin is ignored', ops: [x1, y2, write(A, 1, 'x', 'replayed', 99)], get: {x: 'one'}, clock: {[A]: 2}, liveKeys: 2},
      {name: 'a delete keeps a tombstone and is not live', ops: [x1, y2, xDel], get: {x: null, y: 'two'}, clock: {[A]: 3}, liveKeys: 1},
      {name: 'a write after a delete is live again', ops: [x1, y2, xDel, xAgain], get: {x: 'again'}, clock: {[A]: 4}, liveKeys: 2},
      {name: 'a delete of a never-written key', ops: [write(A, 1, 'z', null, 3)], get: {z: null}, clock: {[A]: 1}, liveKeys: 0},
      {
        name: 'a concurrent write with a lower timestamp advances the clock but does not win',
        ops: [x1, y2, bOld],
        get: {y: 'two'},
        clock: {[A]: 2, [B]: 1},
        liveKeys: 2,
      },
      {
        name: 'equal timestamps: the higher origin wins',
        ops: [x1, y2, bTie],
        get: {y: 'tie'},
        clock: {[A]: 2, [B]: 1},
        liveKeys: 2,
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const state = replicaWith(c.ops)
        for (const [key, value] of Object.entries(c.get)) expect(state.get(key)?.value, key).to.equal(value)
        expect(state.clock).to.deep.equal(c.clock)
        expect(state.liveKeys).to.equal(c.liveKeys)
      })
    }

    it('stores the version of the winning op: its origin and seq, and no other shard dependencies', () => {
      const op = write(A, 1, 'x', 'one', 10, {[A]: 1, [B]: 2})
      const state = new ShardState(1, 1)
      state.apply(op)
      expect(state.get('x')).to.deep.equal({value: 'one', ts: 10, origin: A, seq: 1, other: null})
      expect(state.metadataOf(state.get('x')!)).to.deep.equal({epoch: 1, clocks: {'1': {[A]: 1}}})
    })

    it('a clock handed out earlier does not change under later applies', () => {
      const state = replicaWith([x1])
      const before = state.clock
      state.apply(y2)
      expect(before).to.deep.equal({[A]: 1})
      expect(state.clock).to.deep.equal({[A]: 2})
    })
  })

  describe('delivery of one op', () => {
    const cases: Array<{name: string; before: Op[]; op: Op; outcome: 'applied' | 'duplicate' | 'blocked'; clock: VectorClock}> = [
      {name: 'the next write', before: [], op: write(A, 1, 'x', 'v', 1), outcome: 'applied', clock: {[A]: 1}},
      {name: 'an applied write', before: [write(A, 1, 'x', 'v', 1)], op: write(A, 1, 'x', 'v', 1), outcome: 'duplicate', clock: {[A]: 1}},
      {name: 'a gap', before: [], op: write(A, 2, 'x', 'v', 2), outcome: 'blocked', clock: {}},
      {
        name: 'a missing dependency',
        before: [write(A, 1, 'x', 'v', 1)],
        op: write(A, 2, 'x', 'w', 5, {[A]: 2, [B]: 1}),
        outcome: 'blocked',
        clock: {[A]: 1},
      },
      {
        name: 'a satisfied dependency',
        before: [write(A, 1, 'x', 'v', 1), write(B, 1, 'y', 'b', 2)],
        op: write(A, 2, 'x', 'w', 5, {[A]: 2, [B]: 1}),
        outcome: 'applied',
        clock: {[A]: 2, [B]: 1},
      },
    ]
    for (const c of cases) {
      it(`${c.name} -> ${c.outcome}`, () => {
        const state = replicaWith(c.before)
        const before = snapshot(state)
        expect(offer(state, c.op)).to.equal(c.outcome)
        expect(state.clock).to.deep.equal(c.clock)
        if (c.outcome !== 'applied') expect(snapshot(state)).to.deep.equal(before)
      })
    }
  })

  describe('opsAfter', () => {
    const a1 = write(A, 1, 'x', '1', 1)
    const b1 = write(B, 1, 'y', '1', 2, {[A]: 1, [B]: 1})
    const a2 = write(A, 2, 'x', '2', 3, {[A]: 2, [B]: 1})
    const b2 = write(B, 2, 'z', '2', 4, {[A]: 2, [B]: 2})
    const cases: Array<{theirs: VectorClock; ops: Op[]}> = [
      {theirs: {}, ops: [a1, b1, a2, b2]},
      {theirs: {[A]: 1}, ops: [b1, a2, b2]},
      {theirs: {[A]: 2, [B]: 1}, ops: [b2]},
      {theirs: {[A]: 2, [B]: 2}, ops: []},
      {theirs: {[A]: 9, [B]: 9}, ops: []},
    ]
    for (const {theirs, ops} of cases) {
      it(`a peer at ${JSON.stringify(theirs)} gets ${ops.length} op(s), in application order`, () => {
        expect(replicaWith([a1, b1, a2, b2]).opsAfter(theirs)).to.deep.equal(ops)
      })
    }

    it('does not list an op applied twice twice', () => {
      expect(replicaWith([a1, a1, b1]).opsAfter({})).to.deep.equal([a1, b1])
    })

    it('answers null once the oldest ops were trimmed, and the recent ones still', function () {
      this.timeout(20_000)
      const count = 200_001
      const state = new ShardState(1, 1)
      for (let seq = 1; seq <= count; seq++) state.apply(write(A, seq, `k${seq % 10}`, 'v', seq))
      expect(state.clock).to.deep.equal({[A]: count})
      expect(state.opsAfter({})).to.equal(null)
      const tail = state.opsAfter({[A]: count - 1})
      expect(tail?.map((o) => o.seq)).to.deep.equal([count])
    })
  })

  describe('mergeState', () => {
    const x = write(A, 1, 'x', 'a-x', 10)
    const y = write(A, 2, 'y', 'a-y', 11)
    const xb = write(B, 1, 'x', 'b-x', 12)
    const zb = write(B, 2, 'z', 'b-z', 13)

    it('installs the winning versions and merges the clocks pointwise', () => {
      const mine = replicaWith([x, y])
      const theirs = replicaWith([xb, zb])
      mine.mergeState(theirs.versions.entries(), theirs.clock)
      expect(snapshot(mine)).to.deep.equal(expectedSnapshot([x, y, xb, zb]))
    })

    it('keeps a local version that wins over the transferred one', () => {
      const newer = write(A, 3, 'x', 'a-newer', 50)
      const mine = replicaWith([x, y, newer])
      mine.mergeState(replicaWith([xb]).versions.entries(), {[B]: 1})
      expect(mine.get('x')?.value).to.equal('a-newer')
      expect(mine.clock).to.deep.equal({[A]: 3, [B]: 1})
    })

    it('counts live keys across tombstones in the transfer', () => {
      const mine = replicaWith([x, y])
      const deleteY = write(A, 3, 'y', null, 20)
      mine.mergeState([['y', makeVersion(null, 20, A, deleteY.seq, null)]], {[A]: 3})
      expect(mine.liveKeys).to.equal(1)
      expect(mine.get('y')?.value).to.equal(null)
    })

    it('is idempotent', () => {
      const mine = replicaWith([x, y])
      const theirs = replicaWith([xb, zb])
      mine.mergeState(theirs.versions.entries(), theirs.clock)
      const once = snapshot(mine)
      mine.mergeState(theirs.versions.entries(), theirs.clock)
      expect(snapshot(mine)).to.deep.equal(once)
    })

    it('afterwards answers opsAfter only for peers that cover the merged clock', () => {
      const mine = replicaWith([x, y])
      mine.mergeState(replicaWith([xb, zb]).versions.entries(), {[B]: 2})
      expect(mine.opsAfter({})).to.equal(null)
      expect(mine.opsAfter({[A]: 2})).to.equal(null)
      expect(mine.opsAfter({[A]: 2, [B]: 2})).to.deep.equal([])
      const next = write(A, 3, 'w', 'after', 30, {[A]: 3, [B]: 2})
      expect(offer(mine, next)).to.equal('applied')
      expect(mine.opsAfter({[A]: 2, [B]: 2})).to.deep.equal([next])
    })

    it('ops the transfer already covered are duplicates afterwards', () => {
      const mine = new ShardState(1, 1)
      mine.mergeState(replicaWith([x, y]).versions.entries(), {[A]: 2})
      expect(offer(mine, x)).to.equal('duplicate')
      expect(offer(mine, y)).to.equal('duplicate')
      expect(offer(mine, write(A, 3, 'x', 'third', 40))).to.equal('applied')
    })
  })

  describe('convergence (properties)', () => {
    it('two replicas receiving the same ops in different orders converge to identical versions and clocks', () => {
      const arb = historyArb.chain((h) => fc.tuple(fc.constant(h), permutationOf(h.ops), permutationOf(h.ops)))
      fc.assert(
        fc.property(arb, ([history, order1, order2]) => {
          const r1 = new ShardState(1, 1)
          const r2 = new ShardState(1, 1)
          offerAll(r1, order1)
          expect(drainDeliverable(order2, r2.clock, (o) => (r2.apply(o), r2.clock))).to.deep.equal([])
          expect(snapshot(r1)).to.deep.equal(snapshot(r2))
          expect(snapshot(r1)).to.deep.equal(expectedSnapshot(history.ops))
        }),
        {numRuns: 150},
      )
    })

    it('a replica catching up with opsAfter applies every op in the order given, and converges', () => {
      const arb = historyArb.chain((h) => fc.tuple(fc.constant(h), fc.nat(h.knowledge.length - 1), permutationOf(h.ops)))
      fc.assert(
        fc.property(arb, ([history, whose, order]) => {
          const full = new ShardState(1, 1)
          offerAll(full, order)
          const prefix = history.knowledge[whose]
          const lagging = replicaWith(history.ops.filter((o) => covered(prefix, o)))
          const missing = full.opsAfter(lagging.clock)
          expect(missing).to.not.equal(null)
          // The ops it lacks, each with the sender's clock after it (see recent-ops.test.ts).
          const id = (o: Op): string => `${o.origin}#${o.seq}`
          expect(missing!.map(id)).to.have.members(history.ops.filter((o) => !covered(prefix, o)).map(id))
          for (const o of missing!) expect(offer(lagging, o), id(o)).to.equal('applied')
          expect(snapshot(lagging)).to.deep.equal(snapshot(full))
        }),
        {numRuns: 150},
      )
    })

    it('two partial replicas exchanging state transfers, then the remaining ops, converge', () => {
      const arb = historyArb.chain((h) =>
        fc.tuple(fc.constant(h), fc.nat(h.knowledge.length - 1), fc.nat(h.knowledge.length - 1), permutationOf(h.ops)),
      )
      fc.assert(
        fc.property(arb, ([history, i, j, order]) => {
          const p = replicaWith(history.ops.filter((o) => covered(history.knowledge[i], o)))
          const q = replicaWith(history.ops.filter((o) => covered(history.knowledge[j], o)))
          const pBefore = {versions: new Map(p.versions), clock: p.clock}
          p.mergeState(q.versions.entries(), q.clock)
          q.mergeState(pBefore.versions.entries(), pBefore.clock)
          expect(snapshot(p)).to.deep.equal(snapshot(q))
          offerAll(p, order)
          offerAll(q, [...order].reverse())
          expect(snapshot(p)).to.deep.equal(expectedSnapshot(history.ops))
          expect(snapshot(q)).to.deep.equal(expectedSnapshot(history.ops))
        }),
        {numRuns: 150},
      )
    })

    it('the winner of a key never depends on the order its versions were installed', () => {
      const arb = historyArb.chain((h) => fc.tuple(fc.constant(h), permutationOf(h.ops)))
      fc.assert(
        fc.property(arb, ([history, order]) => {
          // apply() would skip an origin's older ops once a newer one is in, so install the
          // versions one at a time through mergeState.
          const state = new ShardState(1, 1)
          for (const o of order) state.mergeState([[o.key, versionOfOp(o)]], {})
          const expected = expectedSnapshot(history.ops)
          expect(snapshot(state).versions).to.deep.equal(expected.versions)
          expect(state.liveKeys).to.equal(expected.liveKeys)
          for (const [key, v] of expected.versions) {
            for (const o of history.ops.filter((op) => op.key === key)) {
              expect(supersedes(versionOfOp(o), v)).to.equal(false)
            }
          }
        }),
        {numRuns: 100},
      )
    })
  })
})

import {expect} from 'chai'
import fc from 'fast-check'

import type {VectorClock} from '../../src/clock/vector-clock.js'
import {makeVersion, type Version} from '../../src/replication/op.js'
import {RecentOps} from '../../src/replication/recent-ops.js'
import {ShardState} from '../../src/replication/shard-state.js'

import {A, B, C, historyArb} from './causal-history.js'

type Entry = [string, Version, VectorClock]

const listed = (recent: RecentOps): Entry[] => {
  const out: Entry[] = []
  recent.forEach((key, version, clock) => out.push([key, version, clock]))
  return out
}

/** The clock of `entries`, pointwise max of (origin, seq), starting at `from`. */
const fold = (from: VectorClock, entries: Entry[]): VectorClock => {
  const out: Record<string, number> = {...from}
  for (const [, v] of entries) if (v.seq > (out[v.origin] ?? 0)) out[v.origin] = v.seq
  return out
}

describe('recent ops', () => {
  it('refuses a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new RecentOps(bad), String(bad)).to.throw(RangeError)
  })

  it('keeps the last `capacity` ops in order, and `from` is exactly what the dropped ones add', () => {
    const step = fc.oneof(
      {weight: 6, arbitrary: fc.record({kind: fc.constant('push' as const), origin: fc.constantFrom(A, B, C), key: fc.constantFrom('x', 'y')})},
      {weight: 1, arbitrary: fc.record({kind: fc.constant('reset' as const), at: fc.dictionary(fc.constantFrom(A, B), fc.integer({min: 1, max: 50}))})},
    )
    fc.assert(
      fc.property(fc.integer({min: 1, max: 6}), fc.array(step, {maxLength: 40}), (capacity, steps) => {
        const recent = new RecentOps(capacity)
        // The model: every op since the last reset, and the clock at that reset.
        let all: Entry[] = []
        let base: VectorClock = {}
        const seqs: Record<string, number> = {}
        for (const s of steps) {
          if (s.kind === 'reset') {
            recent.reset(s.at)
            all = []
            base = s.at
            continue
          }
          seqs[s.origin] = Math.max(seqs[s.origin] ?? 0, base[s.origin] ?? 0) + 1
          const entry: Entry = [s.key, makeVersion('v', 1, s.origin, seqs[s.origin], null), {[s.origin]: seqs[s.origin]}]
          recent.push(...entry)
          all.push(entry)
          const kept = all.slice(Math.max(0, all.length - capacity))
          expect(recent.size).to.equal(kept.length)
          expect(listed(recent)).to.deep.equal(kept)
          for (const [i, e] of listed(recent).entries()) expect(e[1]).to.equal(kept[i][1], 'the version itself, not a copy')
          expect(recent.from).to.deep.equal(fold(base, all.slice(0, all.length - kept.length)))
        }
      }),
      {numRuns: 300},
    )
  })

  it('reset copies the clock it is given', () => {
    const recent = new RecentOps(1)
    const clock = {[A]: 1}
    recent.reset(clock)
    recent.push('x', makeVersion('v', 1, A, 2, null), {[A]: 2})
    recent.push('x', makeVersion('v', 1, A, 3, null), {[A]: 3})
    expect(recent.from).to.deep.equal({[A]: 2})
    expect(clock).to.deep.equal({[A]: 1})
  })

  describe('in a shard state', () => {
    it('serves exactly the missing ops, as applied, while they are retained, and null once some were dropped', () => {
      const arb = historyArb.chain((h) => fc.tuple(fc.constant(h), fc.integer({min: 1, max: 8}), fc.nat(h.knowledge.length - 1)))
      fc.assert(
        fc.property(arb, ([history, capacity, whose]) => {
          const state = new ShardState(1, 1, capacity)
          for (const o of history.ops) state.apply(o)
          const kept = history.ops.slice(Math.max(0, history.ops.length - capacity))
          const dropped = history.ops.slice(0, history.ops.length - kept.length)
          const theirs = history.knowledge[whose]
          const missing = (o: (typeof history.ops)[number]): boolean => o.seq > (theirs[o.origin] ?? 0)
          const answer = state.opsAfter(theirs)
          if (dropped.some(missing)) {
            expect(answer).to.equal(null)
          } else {
            expect(answer).to.deep.equal(history.ops.filter(missing))
          }
        }),
        {numRuns: 300},
      )
    })
  })
})

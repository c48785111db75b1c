import {expect} from 'chai'
import fc from 'fast-check'

import {HybridClock} from '../../src/clock/hybrid-clock.js'
import {clockTotal, covers, mergeClocks, type VectorClock} from '../../src/clock/vector-clock.js'

const A = '127.0.0.2:8080'
const B = '127.0.0.3:8080'
const C = '127.0.0.10:8080'

/** A canonical clock: a few members, positive counters only (zero entries are never stored). */
const clockArb: fc.Arbitrary<VectorClock> = fc.dictionary(fc.constantFrom(A, B, C, '127.0.0.4:8080'), fc.integer({min: 1, max: 6}), {
  maxKeys: 4,
})

const entry = (clock: VectorClock, member: string): number => clock[member] ?? 0
const members = (...clocks: VectorClock[]): string[] => [...new Set(clocks.flatMap((c) => Object.keys(c)))]

describe('vector clock', () => {
  describe('mergeClocks', () => {
    const cases: Array<{a: VectorClock; b: VectorClock; merged: VectorClock}> = [
      {a: {}, b: {}, merged: {}},
      {a: {[A]: 1}, b: {}, merged: {[A]: 1}},
      {a: {}, b: {[B]: 2}, merged: {[B]: 2}},
      {a: {[A]: 3, [B]: 1}, b: {[A]: 1, [B]: 4}, merged: {[A]: 3, [B]: 4}},
      {a: {[A]: 2}, b: {[C]: 5}, merged: {[A]: 2, [C]: 5}},
      {a: {[A]: 2, [B]: 2}, b: {[A]: 2, [B]: 2}, merged: {[A]: 2, [B]: 2}},
    ]
    for (const {a, b, merged} of cases) {
      it(`${JSON.stringify(a)} + ${JSON.stringify(b)}`, () => {
        expect(mergeClocks(a, b)).to.deep.equal(merged)
      })
    }

    it('does not mutate its arguments', () => {
      const a = {[A]: 1}
      const b = {[A]: 2, [B]: 1}
      mergeClocks(a, b)
      expect(a).to.deep.equal({[A]: 1})
      expect(b).to.deep.equal({[A]: 2, [B]: 1})
    })

    it('is the pointwise maximum', () => {
      fc.assert(
        fc.property(clockArb, clockArb, (a, b) => {
          const m = mergeClocks(a, b)
          expect(Object.keys(m).sort()).to.deep.equal(members(a, b).sort())
          for (const k of members(a, b)) expect(m[k]).to.equal(Math.max(entry(a, k), entry(b, k)))
        }),
        {numRuns: 200},
      )
    })

    it('is commutative', () => {
      fc.assert(
        fc.property(clockArb, clockArb, (a, b) => {
          expect(mergeClocks(a, b)).to.deep.equal(mergeClocks(b, a))
        }),
        {numRuns: 200},
      )
    })

    it('is associative', () => {
      fc.assert(
        fc.property(clockArb, clockArb, clockArb, (a, b, c) => {
          expect(mergeClocks(mergeClocks(a, b), c)).to.deep.equal(mergeClocks(a, mergeClocks(b, c)))
        }),
        {numRuns: 200},
      )
    })

    it('is idempotent, and the empty clock is its identity', () => {
      fc.assert(
        fc.property(clockArb, clockArb, (a, b) => {
          expect(mergeClocks(a, a)).to.deep.equal(a)
          expect(mergeClocks({...a}, a)).to.deep.equal(a)
          const ab = mergeClocks(a, b)
          expect(mergeClocks(ab, b)).to.deep.equal(ab)
          expect(mergeClocks(a, {})).to.deep.equal(a)
          expect(mergeClocks({}, a)).to.deep.equal(a)
        }),
        {numRuns: 200},
      )
    })

    it('covers both inputs (an upper bound)', () => {
      fc.assert(
        fc.property(clockArb, clockArb, (a, b) => {
          const m = mergeClocks(a, b)
          expect(covers(m, a)).to.equal(true)
          expect(covers(m, b)).to.equal(true)
        }),
        {numRuns: 200},
      )
    })
  })

  describe('covers', () => {
    const cases: Array<{a: VectorClock; b: VectorClock; covers: boolean}> = [
      {a: {}, b: {}, covers: true},
      {a: {[A]: 1}, b: {}, covers: true},
      {a: {}, b: {[A]: 1}, covers: false},
      {a: {[A]: 2, [B]: 1}, b: {[A]: 2, [B]: 1}, covers: true},
      {a: {[A]: 2, [B]: 1}, b: {[A]: 1}, covers: true},
      {a: {[A]: 1}, b: {[A]: 1, [B]: 1}, covers: false},
      {a: {[A]: 2}, b: {[B]: 1}, covers: false},
      {a: {[A]: 2, [B]: 1}, b: {[A]: 1, [B]: 2}, covers: false},
      {a: {[A]: 9}, b: {[A]: 10}, covers: false},
    ]
    for (const c of cases) {
      it(`${JSON.stringify(c.a)} covers ${JSON.stringify(c.b)}: ${c.covers}`, () => {
        expect(covers(c.a, c.b)).to.equal(c.covers)
      })
    }

    it('covers agrees with the pointwise definition', () => {
      fc.assert(
        fc.property(clockArb, clockArb, (a, b) => {
          expect(covers(a, b)).to.equal(members(a, b).every((k) => entry(a, k) >= entry(b, k)))
        }),
        {numRuns: 200},
      )
    })
  })

  describe('clockTotal', () => {
    const cases: Array<{clock: VectorClock; total: number}> = [
      {clock: {}, total: 0},
      {clock: {[A]: 4}, total: 4},
      {clock: {[A]: 4, [B]: 2, [C]: 1}, total: 7},
    ]
    for (const {clock, total} of cases) {
      it(`${JSON.stringify(clock)} -> ${total}`, () => {
        expect(clockTotal(clock)).to.equal(total)
      })
    }
  })

})

describe('hybrid clock', () => {
  /** A wall clock the test moves by hand. */
  const manualWall = (start: number) => {
    const wall = {micros: start, read: () => wall.micros}
    return wall
  }

  it('follows the wall clock when it moves forward', () => {
    const wall = manualWall(1000)
    const clock = new HybridClock(wall.read)
    expect(clock.now()).to.equal(1000)
    wall.micros = 5000
    expect(clock.now()).to.equal(5000)
  })

  it('still increases when the wall clock stands still', () => {
    const wall = manualWall(1000)
    const clock = new HybridClock(wall.read)
    expect([clock.now(), clock.now(), clock.now()]).to.deep.equal([1000, 1001, 1002])
  })

  it('stays monotonic when the wall clock goes backwards', () => {
    const wall = manualWall(10_000)
    const clock = new HybridClock(wall.read)
    const first = clock.now()
    wall.micros = 2_000
    const second = clock.now()
    const third = clock.now()
    expect(second).to.be.greaterThan(first)
    expect(third).to.be.greaterThan(second)
  })

  it('moves past a later observed timestamp', () => {
    const wall = manualWall(1000)
    const clock = new HybridClock(wall.read)
    clock.now()
    clock.observe(9_000_000)
    expect(clock.now()).to.be.greaterThan(9_000_000)
  })

  it('ignores an earlier observed timestamp', () => {
    const wall = manualWall(1000)
    const clock = new HybridClock(wall.read)
    expect(clock.now()).to.equal(1000)
    clock.observe(10)
    wall.micros = 2000
    expect(clock.now()).to.equal(2000)
  })

  it('defaults to the real wall clock in microseconds', () => {
    const before = Date.now() * 1000
    const stamp = new HybridClock().now()
    const after = Date.now() * 1000
    expect(stamp).to.be.within(before, after)
  })

  it('every stamp exceeds every earlier stamp and every earlier observed timestamp, whatever the wall does', () => {
    const step = fc.oneof(
      fc.record({kind: fc.constant('now' as const), wall: fc.integer({min: 0, max: 1_000})}),
      fc.record({kind: fc.constant('observe' as const), ts: fc.integer({min: 0, max: 2_000})}),
    )
    fc.assert(
      fc.property(fc.array(step, {maxLength: 40}), (steps) => {
        const wall = manualWall(0)
        const clock = new HybridClock(wall.read)
        let floor = -Infinity
        for (const s of steps) {
          if (s.kind === 'observe') {
            clock.observe(s.ts)
            floor = Math.max(floor, s.ts)
          } else {
            wall.micros = s.wall
            const t = clock.now()
            expect(t).to.be.greaterThan(floor)
            expect(t).to.be.at.least(s.wall)
            floor = t
          }
        }
      }),
      {numRuns: 200},
    )
  })
})

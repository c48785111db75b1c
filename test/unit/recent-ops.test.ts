import {expect} from 'chai'
import fc from 'fast-check'

import {covers, type VectorClock} from '../../src/clock/vector-clock.js'
import {makeVersion, opClock, type Op, type Version} from '../../src/replication/op.js'
import {RecentOps, type ChangesCursor} from '../../src/replication/recent-ops.js'
import {ShardState} from '../../src/replication/shard-state.js'

import {A, B, C, historyArb} from './causal-history.js'

type Entry = [string, Version, VectorClock]

const everything = (recent: RecentOps, theirs: VectorClock = {}): Entry[] => recent.missing(theirs, (key, version, clock): Entry => [key, version, clock])

/** `from` with the (origin, seq) of `versions` merged in. */
const fold = (from: VectorClock, versions: Version[]): VectorClock => {
  const out: Record<string, number> = {...from}
  for (const v of versions) if (v.seq > (out[v.origin] ?? 0)) out[v.origin] = v.seq
  return out
}

/** An op without its own clock, which catch-up replaces by the sender's clock after it. */
const withoutClock = ({deps, ...rest}: Op): object => ({...rest, epoch: deps.epoch, others: {...deps.clocks, '1': undefined}})

describe('recent ops', () => {
  it('refuses a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new RecentOps(bad), String(bad)).to.throw(RangeError)
  })

  it('keeps about `maxBytes` of keys and values, the newest op always; `from` is what the dropped ones add', () => {
    fc.assert(
      fc.property(fc.integer({min: 100, max: 5000}), fc.array(fc.integer({min: 0, max: 3000}), {minLength: 1, maxLength: 60}), (maxBytes, sizes) => {
        const recent = new RecentOps(1000, 1024, maxBytes)
        const all = sizes.map((n, i) => makeVersion('v'.repeat(n), i + 1, A, i + 1, null))
        for (const v of all) recent.push('k', v)
        const kept = everything(recent).map(([, v]) => v)
        // The newest ops, in order, as many as fit (and at least the last one).
        expect(kept).to.deep.equal(all.slice(all.length - kept.length))
        expect(kept.length).to.be.at.least(1)
        expect(recent.heldBytes <= maxBytes || kept.length === 1, `${recent.heldBytes} bytes in ${kept.length} ops`).to.equal(true)
        const next = all[all.length - kept.length - 1]
        if (next) expect(recent.heldBytes + next.value!.length + 1 + 64, 'the newest op dropped would not have fit').to.be.above(maxBytes)
        expect(recent.from).to.deep.equal(all.length > kept.length ? {[A]: all.length - kept.length} : {})
      }),
      {numRuns: 200},
    )
  })

  it('lets 3,000 writes of 1 MiB to one key hold 64 MiB of values, not 3 GB', () => {
    const state = new ShardState(1, 1)
    const value = 'x'.repeat(1024 * 1024)
    for (let seq = 1; seq <= 3000; seq++) {
      state.apply({shard: 1, epoch: 1, origin: A, seq, key: 'k', value, ts: seq, deps: {epoch: 1, clocks: {'1': {[A]: seq}}}})
    }
    expect(state.opsAfter({}), 'the first ops are no longer kept: a state transfer serves them').to.equal(null)
    // 64 MiB holds 63 values of 1 MiB with their keys: a peer that lacks more is sent a state transfer.
    expect(state.opsAfter({[A]: 3000 - 63})).to.have.length(63)
    expect(state.opsAfter({[A]: 3000 - 64})).to.equal(null)
  })

  it('keeps the last `capacity` ops in order, each with the clock after it; `from` is what the dropped ones add', () => {
    const step = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant('push' as const),
          origin: fc.constantFrom(A, B, C),
          key: fc.constantFrom('x', 'y'),
          theirs: fc.dictionary(fc.constantFrom(A, B, C), fc.integer({min: 1, max: 8})),
        }),
      },
      {weight: 1, arbitrary: fc.record({kind: fc.constant('reset' as const), at: fc.dictionary(fc.constantFrom(A, B), fc.integer({min: 1, max: 5}))})},
    )
    fc.assert(
      fc.property(fc.integer({min: 1, max: 6}), fc.array(step, {maxLength: 40}), (capacity, steps) => {
        const recent = new RecentOps(capacity)
        // The model: every op since the last reset, and the clock at that reset.
        let all: Array<[string, Version]> = []
        let base: VectorClock = {}
        for (const s of steps) {
          if (s.kind === 'reset') {
            recent.reset(s.at)
            all = []
            base = s.at
            continue
          }
          const seq = (fold(base, all.map(([, v]) => v))[s.origin] ?? 0) + 1
          const version = makeVersion(`${s.origin}#${seq}`, seq, s.origin, seq, null)
          recent.push(s.key, version)
          all.push([s.key, version])
          const dropped = Math.max(0, all.length - capacity)
          const expected = all.map(([key, v], i): Entry => [key, v, fold(base, all.slice(0, i + 1).map(([, w]) => w))]).slice(dropped)
          expect(recent.size).to.equal(expected.length)
          expect(everything(recent)).to.deep.equal(expected)
          expect(recent.from).to.deep.equal(fold(base, all.slice(0, dropped).map(([, v]) => v)))
          expect(everything(recent, s.theirs)).to.deep.equal(expected.filter(([, v]) => v.seq > (s.theirs[v.origin] ?? 0)))
        }
      }),
      {numRuns: 300},
    )
  })

  it('reset copies the clock it is given', () => {
    const recent = new RecentOps(1)
    const clock = {[A]: 1}
    recent.reset(clock)
    recent.push('x', makeVersion('v', 1, A, 2, null))
    recent.push('x', makeVersion('v', 1, A, 3, null))
    expect(recent.from).to.deep.equal({[A]: 2})
    expect(clock).to.deep.equal({[A]: 1})
  })

  describe('in a shard state', () => {
    it('serves exactly the missing ops while they are retained, with the clock after each, and null once some were dropped', () => {
      const arb = historyArb.chain((h) => fc.tuple(fc.constant(h), fc.integer({min: 1, max: 8}), fc.nat(h.knowledge.length - 1)))
      fc.assert(
        fc.property(arb, ([history, capacity, whose]) => {
          const state = new ShardState(1, 1, capacity)
          const clockAfter = new Map<Op, VectorClock>()
          for (const o of history.ops) {
            state.apply(o)
            clockAfter.set(o, state.clock)
          }
          const kept = history.ops.slice(Math.max(0, history.ops.length - capacity))
          const dropped = history.ops.slice(0, history.ops.length - kept.length)
          const theirs = history.knowledge[whose]
          const missing = (o: Op): boolean => o.seq > (theirs[o.origin] ?? 0)
          const answer = state.opsAfter(theirs)
          if (dropped.some(missing)) {
            expect(answer).to.equal(null)
            return
          }
          const expected = history.ops.filter(missing)
          expect(answer?.map(withoutClock)).to.deep.equal(expected.map(withoutClock))
          for (const [i, o] of answer!.entries()) {
            expect(opClock(o)).to.deep.equal(clockAfter.get(expected[i]))
            expect(covers(opClock(o), opClock(expected[i])), 'covers the clock the op was written with').to.equal(true)
          }
        }),
        {numRuns: 300},
      )
    })
  })
})

describe('recent ops: changes since a clock (a reshard copy)', () => {
  const version = (origin: string, seq: number, value = `${origin}${seq}`): Version => makeVersion(value, seq, origin, seq, null)
  /** A ring of `capacity` with these (key, origin, seq) pushed in order. */
  const ring = (capacity: number, pushes: Array<[string, string, number]>): RecentOps => {
    const r = new RecentOps(capacity)
    for (const [key, origin, seq] of pushes) r.push(key, version(origin, seq))
    return r
  }
  const keys = (answer: ReturnType<RecentOps['changesAfter']>) => answer?.entries.map(([k]) => k)
  const all = () => true

  it('answers the kept ops the clock lacks, oldest first, with the clock they bring it to', () => {
    const r = ring(10, [['x', A, 1], ['y', B, 1], ['x', A, 2], ['z', B, 2]])
    const answer = r.changesAfter({[A]: 1}, all, 100, 1 << 20)
    expect(keys(answer)).to.deep.equal(['y', 'x', 'z'])
    expect(answer?.clock).to.deep.equal({[A]: 2, [B]: 2})
    expect(answer?.more).to.equal(false)
  })

  it('filters by key, and still moves the clock past the ops it filtered out', () => {
    const r = ring(10, [['x', A, 1], ['y', B, 1], ['x', A, 2]])
    const answer = r.changesAfter({}, (k) => k === 'x', 100, 1 << 20)
    expect(keys(answer)).to.deep.equal(['x', 'x'])
    expect(answer?.clock).to.deep.equal({[A]: 2, [B]: 1})
  })

  it('stops at the limit with a clock that claims nothing left for the next call', () => {
    const r = ring(10, [['a', A, 1], ['b', B, 1], ['c', A, 2], ['d', C, 1]])
    const first = r.changesAfter({}, all, 2, 1 << 20)
    expect([keys(first), first?.clock, first?.more]).to.deep.equal([['a', 'b'], {[A]: 1, [B]: 1}, true])
    const second = r.changesAfter(first?.clock ?? {}, all, 2, 1 << 20)
    expect([keys(second), second?.clock, second?.more]).to.deep.equal([['c', 'd'], {[A]: 2, [B]: 1, [C]: 1}, false])
  })

  it('stops at about the byte budget', () => {
    const r = new RecentOps(10)
    for (let i = 1; i <= 5; i++) r.push(`k${i}`, version(A, i, 'v'.repeat(1000)))
    const answer = r.changesAfter({}, all, 100, 2500)
    expect(keys(answer)).to.deep.equal(['k1', 'k2', 'k3'])
    expect(answer?.more).to.equal(true)
  })

  it('is null for a clock older than the oldest op kept: the receiver copies a snapshot again', () => {
    const r = ring(2, [['a', A, 1], ['b', A, 2], ['c', A, 3]])
    expect(r.changesAfter({}, all, 100, 1 << 20)).to.equal(null)
    expect(keys(r.changesAfter({[A]: 1}, all, 100, 1 << 20))).to.deep.equal(['b', 'c'])
  })

  it('starts at the cursor of the previous answer, and ignores one from another run of the ring', () => {
    const r = ring(10, [['a', A, 1], ['b', B, 1]])
    const first = r.changesAfter({}, all, 100, 1 << 20)
    r.push('c', version(A, 2))
    // With the cursor the scan starts after a and b: the clock it is given is trusted for them.
    expect(keys(r.changesAfter({}, all, 100, 1 << 20, first?.cursor))).to.deep.equal(['c'])
    expect(keys(r.changesAfter({}, all, 100, 1 << 20))).to.deep.equal(['a', 'b', 'c'])
    r.reset({[A]: 2, [B]: 1})
    r.push('d', version(C, 1))
    expect(keys(r.changesAfter({[A]: 2, [B]: 1}, all, 100, 1 << 20, first?.cursor))).to.deep.equal(['d'])
    expect(r.changesAfter({}, all, 100, 1 << 20, first?.cursor)).to.equal(null)
  })

  it('ignores a cursor whose ops were dropped from the ring', () => {
    const r = ring(2, [['a', A, 1]])
    const first = r.changesAfter({}, all, 100, 1 << 20)
    r.push('b', version(A, 2))
    r.push('c', version(A, 3))
    r.push('d', version(A, 4))
    expect(r.changesAfter({[A]: 1}, all, 100, 1 << 20, first?.cursor)).to.equal(null)
  })

  it('brought up to date round by round, a receiver ends with every key at its last version (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z'), fc.constantFrom(A, B, C)), {minLength: 1, maxLength: 40}),
        fc.integer({min: 1, max: 5}),
        (writes, limit) => {
          const seqs: Record<string, number> = {}
          const r = new RecentOps(100)
          const latest = new Map<string, Version>()
          for (const [key, origin] of writes) {
            const v = version(origin, (seqs[origin] = (seqs[origin] ?? 0) + 1))
            r.push(key, v)
            latest.set(key, v)
          }
          const got = new Map<string, Version>()
          let clock: VectorClock = {}
          let cursor: ChangesCursor | undefined
          for (let more = true; more; ) {
            const answer = r.changesAfter(clock, all, limit, 1 << 20, cursor)
            if (!answer) return false
            for (const [k, v] of answer.entries) got.set(k, v)
            clock = answer.clock
            cursor = answer.cursor
            more = answer.more
          }
          return covers(clock, seqs) && JSON.stringify([...got].sort()) === JSON.stringify([...latest].sort())
        },
      ),
    )
  })
})

describe('recent ops: checkpoints', () => {
  it('answer exactly what a scan from the oldest op answers, for any clock (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z'), fc.constantFrom(A, B, C)), {maxLength: 60}),
        fc.integer({min: 1, max: 40}),
        fc.dictionary(fc.constantFrom(A, B, C), fc.integer({min: 0, max: 25})),
        (writes, capacity, theirs) => {
          const seqs: Record<string, number> = {}
          const often = new RecentOps(capacity, 3)
          const never = new RecentOps(capacity, Number.MAX_SAFE_INTEGER)
          for (const [key, origin] of writes) {
            const v = makeVersion(key, 1, origin, (seqs[origin] = (seqs[origin] ?? 0) + 1), null)
            often.push(key, v)
            never.push(key, v)
          }
          const a = everything(often, theirs)
          const b = everything(never, theirs)
          const changes = (r: RecentOps) => r.changesAfter(theirs, () => true, 1000, 1 << 20)
          return JSON.stringify(a) === JSON.stringify(b) && JSON.stringify(changes(often)?.entries) === JSON.stringify(changes(never)?.entries)
        },
      ),
      {numRuns: 500},
    )
  })
})

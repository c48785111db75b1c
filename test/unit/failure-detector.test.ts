import {expect} from 'chai'
import fc from 'fast-check'

import {choosePrimary, FailureDetector, type NodeState, type PeerSummary} from '../../src/membership/failure-detector.js'

const n = (last: number, port = 8085): string => `127.0.0.${last}:${port}`

const summaryOf = (address: string, applied = 0): PeerSummary => ({
  address,
  configEpoch: 1,
  shard: 1,
  layoutEpoch: 1,
  applied,
  clock: applied > 0 ? {[address]: applied} : {},
  ready: true,
})

describe('failure detector', () => {
  const startedAt = 10_000
  const downAfterMs = 3_000

  describe('a node never heard from gets the grace period from the start', () => {
    const cases: Array<{now: number; state: NodeState}> = [
      {now: startedAt, state: 'up'},
      {now: startedAt + 2_999, state: 'up'},
      {now: startedAt + 3_000, state: 'down'},
      {now: startedAt + 60_000, state: 'down'},
    ]
    for (const {now, state} of cases) {
      it(`at start + ${now - startedAt} ms -> ${state}`, () => {
        const detector = new FailureDetector(startedAt, downAfterMs)
        expect(detector.state(n(2), now)).to.equal(state)
      })
    }
  })

  describe('a node heard from at start + 5000 ms', () => {
    const heardAt = startedAt + 5_000
    const cases: Array<{now: number; state: NodeState}> = [
      {now: heardAt, state: 'up'},
      {now: heardAt + 2_999, state: 'up'},
      {now: heardAt + 3_000, state: 'down'},
    ]
    for (const {now, state} of cases) {
      it(`at heard + ${now - heardAt} ms -> ${state}`, () => {
        const detector = new FailureDetector(startedAt, downAfterMs)
        detector.heardFrom(summaryOf(n(2)), heardAt)
        expect(detector.state(n(2), now)).to.equal(state)
      })
    }
  })

  it('a down node comes back up when heard from again', () => {
    const detector = new FailureDetector(startedAt, downAfterMs)
    expect(detector.state(n(2), startedAt + 10_000)).to.equal('down')
    detector.heardFrom(summaryOf(n(2)), startedAt + 10_000)
    expect(detector.state(n(2), startedAt + 10_001)).to.equal('up')
  })

  it('tracks each node on its own', () => {
    const detector = new FailureDetector(startedAt, downAfterMs)
    detector.heardFrom(summaryOf(n(2)), startedAt + 4_000)
    detector.heardFrom(summaryOf(n(3)), startedAt + 1_000)
    const now = startedAt + 5_000
    expect([n(2), n(3), n(4)].map((a) => detector.state(a, now))).to.deep.equal(['up', 'down', 'down'])
  })

  it('uses 3000 ms by default', () => {
    const detector = new FailureDetector(0)
    expect(detector.state(n(2), 2_999)).to.equal('up')
    expect(detector.state(n(2), 3_000)).to.equal('down')
  })

  it('honours a custom down-after', () => {
    const detector = new FailureDetector(0, 500)
    expect(detector.state(n(2), 499)).to.equal('up')
    expect(detector.state(n(2), 500)).to.equal('down')
  })

  it('keeps the latest summary of each node', () => {
    const detector = new FailureDetector(startedAt, downAfterMs)
    expect(detector.summary(n(2))).to.equal(undefined)
    detector.heardFrom(summaryOf(n(2), 1), startedAt + 1)
    detector.heardFrom(summaryOf(n(2), 7), startedAt + 2)
    detector.heardFrom(summaryOf(n(3), 4), startedAt + 3)
    expect(detector.summary(n(2))).to.deep.equal(summaryOf(n(2), 7))
    expect(detector.summary(n(3))).to.deep.equal(summaryOf(n(3), 4))
  })
})

describe('choosePrimary', () => {
  const cases: Array<{name: string; candidates: Array<{address: string; applied: number}>; primary: string | null}> = [
    {name: 'no candidates', candidates: [], primary: null},
    {name: 'a single candidate', candidates: [{address: n(5), applied: 0}], primary: n(5)},
    {
      name: 'the most applied wins',
      candidates: [
        {address: n(2), applied: 3},
        {address: n(3), applied: 9},
        {address: n(4), applied: 5},
      ],
      primary: n(3),
    },
    {
      name: 'the most applied wins even with a higher address',
      candidates: [
        {address: n(2), applied: 1},
        {address: n(200), applied: 2},
      ],
      primary: n(200),
    },
    {
      name: 'a tie goes to the lowest address',
      candidates: [
        {address: n(4), applied: 5},
        {address: n(2), applied: 5},
        {address: n(3), applied: 5},
      ],
      primary: n(2),
    },
    {
      name: 'a tie is broken numerically: 127.0.0.9 before 127.0.0.10',
      candidates: [
        {address: n(10), applied: 5},
        {address: n(9), applied: 5},
      ],
      primary: n(9),
    },
    {
      name: 'a tie on the same host is broken by port numerically',
      candidates: [
        {address: n(2, 10000), applied: 0},
        {address: n(2, 9000), applied: 0},
      ],
      primary: n(2, 9000),
    },
    {
      name: 'the tie-break only applies among the most applied',
      candidates: [
        {address: n(2), applied: 4},
        {address: n(10), applied: 6},
        {address: n(9), applied: 6},
      ],
      primary: n(9),
    },
  ]
  for (const {name, candidates, primary} of cases) {
    it(name, () => {
      expect(choosePrimary(candidates)).to.equal(primary)
      expect(choosePrimary([...candidates].reverse())).to.equal(primary)
    })
  }

  it('every node computes the same primary, whatever order it lists the candidates in', () => {
    const candidates = fc.uniqueArray(
      fc.record({address: fc.integer({min: 1, max: 30}).map((i) => n(i)), applied: fc.integer({min: 0, max: 3})}),
      {minLength: 1, maxLength: 8, selector: (c) => c.address},
    )
    fc.assert(
      fc.property(
        candidates.chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, {minLength: cs.length, maxLength: cs.length}))),
        ([cs, shuffled]) => {
          const most = Math.max(...cs.map((c) => c.applied))
          const lastOctet = (a: string): number => Number(a.split(':')[0].split('.')[3])
          const expected = cs
            .filter((c) => c.applied === most)
            .map((c) => c.address)
            .sort((a, b) => lastOctet(a) - lastOctet(b))[0]
          expect(choosePrimary(cs)).to.equal(expected)
          expect(choosePrimary(shuffled)).to.equal(expected)
        },
      ),
      {numRuns: 200},
    )
  })
})

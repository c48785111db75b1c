import {expect} from 'chai'
import fc from 'fast-check'

import {
  mergeMetadata,
  noHistory,
  parseMetadata,
  requiredClock,
  type CausalMetadata,
} from '../../src/clock/causal-metadata.js'
import {covers, mergeClocks, type VectorClock} from '../../src/clock/vector-clock.js'
import {KvsError} from '../../src/errors.js'

const A = '127.0.0.2:8080'
const B = '127.0.0.3:8080'
const C = '127.0.0.10:8080'

const clockArb: fc.Arbitrary<VectorClock> = fc.dictionary(fc.constantFrom(A, B, C), fc.integer({min: 1, max: 5}), {
  minKeys: 1,
  maxKeys: 3,
})

/** Canonical metadata: no empty shard clocks, no zero counters. */
const metadataArb: fc.Arbitrary<CausalMetadata> = fc.record({
  epoch: fc.integer({min: 1, max: 3}),
  clocks: fc.dictionary(fc.constantFrom('1', '2', '3'), clockArb, {maxKeys: 3}),
})

/** Throws unless `run` throws a KvsError BAD_REQUEST (status 400). */
function expectBadRequest(run: () => unknown): void {
  let thrown: unknown
  try {
    run()
  } catch (error) {
    thrown = error
  }
  expect(thrown, 'expected a KvsError').to.be.instanceOf(KvsError)
  expect((thrown as KvsError).code).to.equal('BAD_REQUEST')
  expect((thrown as KvsError).status).to.equal(400)
}

describe('causal metadata', () => {
  describe('parseMetadata: no history', () => {
    const cases: Array<{name: string; raw: unknown}> = [
      {name: 'undefined (field missing)', raw: undefined},
      {name: 'null', raw: null},
      {name: 'empty string', raw: ''},
      {name: 'the JSON string "null"', raw: 'null'},
    ]
    for (const {name, raw} of cases) {
      it(`${name} -> null`, () => {
        expect(parseMetadata(raw)).to.equal(null)
      })
    }
  })

  describe('parseMetadata: accepted', () => {
    const cases: Array<{name: string; raw: unknown; parsed: CausalMetadata}> = [
      {name: 'no clocks', raw: {epoch: 1, clocks: {}}, parsed: {epoch: 1, clocks: {}}},
      {name: 'epoch 0', raw: {epoch: 0, clocks: {}}, parsed: {epoch: 0, clocks: {}}},
      {
        name: 'two shards',
        raw: {epoch: 2, clocks: {'1': {[A]: 3}, '2': {[B]: 1, [C]: 7}}},
        parsed: {epoch: 2, clocks: {'1': {[A]: 3}, '2': {[B]: 1, [C]: 7}}},
      },
      {
        name: 'a JSON string of metadata',
        raw: JSON.stringify({epoch: 1, clocks: {'1': {[A]: 2}}}),
        parsed: {epoch: 1, clocks: {'1': {[A]: 2}}},
      },
      {
        name: 'zero counters are stripped',
        raw: {epoch: 1, clocks: {'1': {[A]: 0, [B]: 2}}},
        parsed: {epoch: 1, clocks: {'1': {[B]: 2}}},
      },
      {
        name: 'a shard clock of only zeros is dropped',
        raw: {epoch: 1, clocks: {'1': {[A]: 0}, '2': {}, '3': {[C]: 1}}},
        parsed: {epoch: 1, clocks: {'3': {[C]: 1}}},
      },
      {
        name: 'a JSON string with zero entries is stripped too',
        raw: JSON.stringify({epoch: 1, clocks: {'2': {[A]: 0}}}),
        parsed: {epoch: 1, clocks: {}},
      },
    ]
    for (const {name, raw, parsed} of cases) {
      it(name, () => {
        expect(parseMetadata(raw)).to.deep.equal(parsed)
      })
    }

    it('equal meaning parses to deep-equal values (zero entries and key order do not matter)', () => {
      const a = parseMetadata({epoch: 4, clocks: {'1': {[A]: 1, [B]: 0}, '2': {[C]: 0}}})
      const b = parseMetadata(JSON.stringify({clocks: {'1': {[A]: 1}}, epoch: 4}))
      expect(a).to.deep.equal(b)
      expect(JSON.stringify(a)).to.equal(JSON.stringify({epoch: 4, clocks: {'1': {[A]: 1}}}))
    })

    it('round-trips canonical metadata, as an object and as a JSON string', () => {
      fc.assert(
        fc.property(metadataArb, (meta) => {
          expect(parseMetadata(meta)).to.deep.equal(meta)
          expect(parseMetadata(JSON.stringify(meta))).to.deep.equal(meta)
        }),
        {numRuns: 200},
      )
    })

    it('does not keep a reference to the input clocks', () => {
      const raw = {epoch: 1, clocks: {'1': {[A]: 1}}}
      const parsed = parseMetadata(raw)
      raw.clocks['1'][A] = 99
      expect(parsed).to.deep.equal({epoch: 1, clocks: {'1': {[A]: 1}}})
    })
  })

  describe('parseMetadata: rejected with BAD_REQUEST', () => {
    const cases: Array<{name: string; raw: unknown}> = [
      {name: 'a string that is not JSON', raw: 'not json'},
      {name: 'a JSON string of a number', raw: '42'},
      {name: 'a JSON string of an array', raw: '[1,2]'},
      {name: 'a number', raw: 42},
      {name: 'a boolean', raw: true},
      {name: 'an array', raw: [{epoch: 1, clocks: {}}]},
      {name: 'epoch missing', raw: {clocks: {}}},
      {name: 'epoch negative', raw: {epoch: -1, clocks: {}}},
      {name: 'epoch fractional', raw: {epoch: 1.5, clocks: {}}},
      {name: 'epoch a string', raw: {epoch: '1', clocks: {}}},
      {name: 'epoch unsafe', raw: {epoch: 2 ** 60, clocks: {}}},
      {name: 'clocks missing', raw: {epoch: 1}},
      {name: 'clocks null', raw: {epoch: 1, clocks: null}},
      {name: 'clocks an array', raw: {epoch: 1, clocks: [{[A]: 1}]}},
      {name: 'clocks a string', raw: {epoch: 1, clocks: 'x'}},
      {name: 'shard id 0', raw: {epoch: 1, clocks: {'0': {[A]: 1}}}},
      {name: 'shard id with leading zero', raw: {epoch: 1, clocks: {'01': {[A]: 1}}}},
      {name: 'shard id not a number', raw: {epoch: 1, clocks: {abc: {[A]: 1}}}},
      {name: 'shard id negative', raw: {epoch: 1, clocks: {'-1': {[A]: 1}}}},
      {name: 'shard clock null', raw: {epoch: 1, clocks: {'1': null}}},
      {name: 'shard clock an array', raw: {epoch: 1, clocks: {'1': [1]}}},
      {name: 'shard clock a number', raw: {epoch: 1, clocks: {'1': 3}}},
      {name: 'counter negative', raw: {epoch: 1, clocks: {'1': {[A]: -1}}}},
      {name: 'counter fractional', raw: {epoch: 1, clocks: {'1': {[A]: 0.5}}}},
      {name: 'counter a string', raw: {epoch: 1, clocks: {'1': {[A]: '1'}}}},
      {name: 'counter null', raw: {epoch: 1, clocks: {'1': {[A]: null}}}},
      {name: 'counter an object', raw: {epoch: 1, clocks: {'1': {[A]: {n: 1}}}}},
      {name: 'bad counter inside a JSON string', raw: JSON.stringify({epoch: 1, clocks: {'1': {[A]: -3}}})},
    ]
    for (const {name, raw} of cases) {
      it(name, () => {
        expectBadRequest(() => parseMetadata(raw))
      })
    }
  })

  describe('mergeMetadata', () => {
    const cases: Array<{name: string; a: CausalMetadata; b: CausalMetadata; merged: CausalMetadata}> = [
      {
        name: 'a newer epoch supersedes entirely',
        a: {epoch: 1, clocks: {'1': {[A]: 9}, '2': {[B]: 9}}},
        b: {epoch: 2, clocks: {'1': {[C]: 1}}},
        merged: {epoch: 2, clocks: {'1': {[C]: 1}}},
      },
      {
        name: 'a newer epoch supersedes even when it is empty',
        a: {epoch: 3, clocks: {}},
        b: {epoch: 2, clocks: {'1': {[A]: 4}}},
        merged: {epoch: 3, clocks: {}},
      },
      {
        name: 'same epoch merges pointwise, shard by shard',
        a: {epoch: 1, clocks: {'1': {[A]: 3, [B]: 1}, '2': {[C]: 2}}},
        b: {epoch: 1, clocks: {'1': {[A]: 1, [B]: 4}, '3': {[A]: 1}}},
        merged: {epoch: 1, clocks: {'1': {[A]: 3, [B]: 4}, '2': {[C]: 2}, '3': {[A]: 1}}},
      },
      {
        name: 'same epoch with no history on one side',
        a: noHistory(1),
        b: {epoch: 1, clocks: {'2': {[B]: 2}}},
        merged: {epoch: 1, clocks: {'2': {[B]: 2}}},
      },
    ]
    for (const {name, a, b, merged} of cases) {
      it(name, () => {
        expect(mergeMetadata(a, b)).to.deep.equal(merged)
        expect(mergeMetadata(b, a)).to.deep.equal(merged)
      })
    }

    it('does not mutate its arguments', () => {
      const a = {epoch: 1, clocks: {'1': {[A]: 1}}}
      const b = {epoch: 1, clocks: {'1': {[B]: 1}, '2': {[C]: 1}}}
      mergeMetadata(a, b)
      mergeMetadata(b, a)
      expect(a).to.deep.equal({epoch: 1, clocks: {'1': {[A]: 1}}})
      expect(b).to.deep.equal({epoch: 1, clocks: {'1': {[B]: 1}, '2': {[C]: 1}}})
    })

    it('is commutative', () => {
      fc.assert(
        fc.property(metadataArb, metadataArb, (a, b) => {
          expect(mergeMetadata(a, b)).to.deep.equal(mergeMetadata(b, a))
        }),
        {numRuns: 300},
      )
    })

    it('is associative', () => {
      fc.assert(
        fc.property(metadataArb, metadataArb, metadataArb, (a, b, c) => {
          expect(mergeMetadata(mergeMetadata(a, b), c)).to.deep.equal(mergeMetadata(a, mergeMetadata(b, c)))
        }),
        {numRuns: 300},
      )
    })

    it('is idempotent', () => {
      fc.assert(
        fc.property(metadataArb, metadataArb, (a, b) => {
          expect(mergeMetadata(a, a)).to.deep.equal(a)
          expect(mergeMetadata(a, structuredClone(a))).to.deep.equal(a)
          const ab = mergeMetadata(a, b)
          expect(mergeMetadata(ab, b)).to.deep.equal(ab)
          expect(mergeMetadata(ab, a)).to.deep.equal(ab)
        }),
        {numRuns: 300},
      )
    })

    it('takes the newer epoch, and within one epoch the pointwise max of every shard clock', () => {
      fc.assert(
        fc.property(metadataArb, metadataArb, (a, b) => {
          const m = mergeMetadata(a, b)
          expect(m.epoch).to.equal(Math.max(a.epoch, b.epoch))
          if (a.epoch > b.epoch) expect(m).to.deep.equal(a)
          else if (b.epoch > a.epoch) expect(m).to.deep.equal(b)
          else {
            const shards = [...new Set([...Object.keys(a.clocks), ...Object.keys(b.clocks)])].sort()
            expect(Object.keys(m.clocks).sort()).to.deep.equal(shards)
            for (const s of shards) {
              expect(m.clocks[s]).to.deep.equal(mergeClocks(a.clocks[s] ?? {}, b.clocks[s] ?? {}))
            }
          }
        }),
        {numRuns: 300},
      )
    })

    it('keeps canonical metadata canonical: the merge parses back to itself', () => {
      fc.assert(
        fc.property(metadataArb, metadataArb, (a, b) => {
          const m = mergeMetadata(a, b)
          expect(parseMetadata(JSON.parse(JSON.stringify(m)))).to.deep.equal(m)
        }),
        {numRuns: 200},
      )
    })
  })

  describe('requiredClock, and what a replica clock must cover to serve', () => {
    const meta: CausalMetadata = {epoch: 2, clocks: {'1': {[A]: 3}, '2': {[B]: 1}}}
    const cases: Array<{name: string; meta: CausalMetadata | null; shard: number; epoch: number; required: VectorClock}> = [
      {name: 'no history requires nothing', meta: null, shard: 1, epoch: 2, required: {}},
      {name: 'same epoch: the shard clock', meta, shard: 1, epoch: 2, required: {[A]: 3}},
      {name: 'same epoch: another shard', meta, shard: 2, epoch: 2, required: {[B]: 1}},
      {name: 'same epoch: a shard the client never touched', meta, shard: 3, epoch: 2, required: {}},
      {name: 'older epoch requires nothing (reshard barrier)', meta, shard: 1, epoch: 3, required: {}},
    ]
    for (const c of cases) {
      it(c.name, () => {
        expect(requiredClock(c.meta, c.shard, c.epoch)).to.deep.equal(c.required)
      })
    }

    const satisfied: Array<{name: string; meta: CausalMetadata | null; shard: number; epoch: number; clock: VectorClock; ok: boolean}> = [
      {name: 'no history, empty replica', meta: null, shard: 1, epoch: 1, clock: {}, ok: true},
      {name: 'replica exactly at the client clock', meta, shard: 1, epoch: 2, clock: {[A]: 3}, ok: true},
      {name: 'replica ahead of the client clock', meta, shard: 1, epoch: 2, clock: {[A]: 5, [C]: 1}, ok: true},
      {name: 'replica one write behind', meta, shard: 1, epoch: 2, clock: {[A]: 2}, ok: false},
      {name: 'replica missing a member entirely', meta, shard: 2, epoch: 2, clock: {[A]: 9}, ok: false},
      {name: 'replica behind, but the metadata is from an older epoch', meta, shard: 1, epoch: 3, clock: {}, ok: true},
      {name: 'waits only on its own shard', meta, shard: 2, epoch: 2, clock: {[B]: 1}, ok: true},
    ]
    for (const c of satisfied) {
      it(`covers(clock, requiredClock(...)): ${c.name} -> ${c.ok}`, () => {
        expect(covers(c.clock, requiredClock(c.meta, c.shard, c.epoch))).to.equal(c.ok)
      })
    }

    it('a replica that covers the merged metadata satisfies each side', () => {
      fc.assert(
        fc.property(metadataArb, metadataArb, fc.constantFrom(1, 2, 3), (a, b, shard) => {
          const m = mergeMetadata(a, b)
          const clock = requiredClock(m, shard, m.epoch)
          expect(covers(clock, requiredClock(a, shard, m.epoch))).to.equal(true)
          expect(covers(clock, requiredClock(b, shard, m.epoch))).to.equal(true)
        }),
        {numRuns: 200},
      )
    })
  })
})

import {expect} from 'chai'
import fc from 'fast-check'

import {supersedes} from '../../src/replication/delivery.js'
import {makeVersion, type Version} from '../../src/replication/op.js'
import {ShardState} from '../../src/replication/shard-state.js'
import {VersionTable} from '../../src/replication/version-table.js'

import {A, B, C} from './causal-history.js'

const sorted = <T>(entries: Iterable<[string, T]>): Array<[string, T]> => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

const versionArb: fc.Arbitrary<Version> = fc
  .record({
    value: fc.option(fc.constantFrom('a', 'b', ''), {nil: null}),
    ts: fc.oneof(fc.integer({min: 1, max: 5}), fc.constant(1.7e15 + 0.5)),
    origin: fc.constantFrom(A, B, C),
    seq: fc.oneof(fc.nat(9), fc.constant(2 ** 40)),
    other: fc.option(fc.constant({epoch: 1, clocks: {'2': {[C]: 3}}}), {nil: null}),
  })
  .map(({value, ts, origin, seq, other}) => makeVersion(value, ts, origin, seq, other))

type Step = {kind: 'install'; key: string; version: Version} | {kind: 'freeze'}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {weight: 6, arbitrary: fc.record({kind: fc.constant('install' as const), key: fc.constantFrom('x', 'y', 'z', 'w'), version: versionArb})},
  {weight: 1, arbitrary: fc.record({kind: fc.constant('freeze' as const)})},
)

describe('version table', () => {
  it('behaves as a Map of winning versions: install keeps the superseding one, live keys counted', () => {
    fc.assert(
      fc.property(fc.array(stepArb, {maxLength: 60}), (steps) => {
        const table = new VersionTable()
        const model = new Map<string, Version>()
        const frozen: Array<{copy: ReturnType<VersionTable['frozen']>; at: Array<[string, Version]>}> = []
        for (const s of steps) {
          if (s.kind === 'install') {
            const wins = supersedes(s.version, model.get(s.key))
            expect(table.install(s.key, s.version)).to.equal(wins)
            if (wins) model.set(s.key, s.version)
          } else {
            frozen.push({copy: table.frozen(), at: sorted(model)})
          }
          expect(table.size).to.equal(model.size)
          expect(table.liveKeys).to.equal([...model.values()].filter((v) => v.value !== null).length)
          for (const key of ['x', 'y', 'z', 'w']) {
            expect(table.get(key), key).to.deep.equal(model.get(key))
            expect(table.has(key)).to.equal(model.has(key))
          }
          expect(sorted(table)).to.deep.equal(sorted(model))
        }
        // A frozen copy keeps what the table held then, whatever came after.
        for (const {copy, at} of frozen) {
          expect(copy.length).to.equal(at.length)
          expect(sorted(copy)).to.deep.equal(at)
          expect([...copy.slice(0, 2), ...copy.slice(2)]).to.deep.equal([...copy])
          // As a snapshot stores it: in chunks of columns, through JSON, merged back into a replica.
          const restored = new ShardState(1, 1)
          for (const chunk of copy.chunks(3)) restored.mergeChunk(JSON.parse(JSON.stringify(chunk)))
          expect(sorted(restored.versions)).to.deep.equal(at)
        }
      }),
      {numRuns: 300},
    )
  })

  it('holds many keys across pages, tombstones counted as keys but not as live ones', () => {
    const table = new VersionTable()
    const n = 10_000
    const third = Math.ceil(n / 3)
    for (let i = 0; i < n; i++) table.install(`k${i}`, makeVersion(`v${i}`, i + 1, i % 2 ? A : B, i, null))
    // A delete is a newer tombstone version, as replicas store it.
    for (let i = 0; i < n; i += 3) expect(table.install(`k${i}`, makeVersion(null, n + i, C, i, null))).to.equal(true)
    for (let i = 0; i < n; i += 3) table.install(`n${i}`, makeVersion(null, 1, C, 1, null))
    expect(table.size).to.equal(n + third)
    for (let i = 0; i < n; i++) {
      expect(table.get(`k${i}`)).to.deep.equal(i % 3 === 0 ? makeVersion(null, n + i, C, i, null) : makeVersion(`v${i}`, i + 1, i % 2 ? A : B, i, null))
      if (i % 3 === 0) expect(table.get(`n${i}`)).to.deep.equal(makeVersion(null, 1, C, 1, null))
    }
    expect(table.liveKeys).to.equal(n - third)
    const copy = table.frozen()
    expect(copy.length).to.equal(n + third)
    expect(sorted(copy)).to.deep.equal(sorted(table))
  })

  it('keeps one copy of each origin address', () => {
    const table = new VersionTable()
    const a1 = ['127.0.0.2', '8085'].join(':')
    const a2 = ['127.0.0.2:', '8085'].join('')
    table.install('x', makeVersion('v', 1, a1, 1, null))
    table.install('y', makeVersion('v', 1, a2, 2, null))
    expect(table.intern(a2)).to.equal(a1)
    expect(table.get('y')?.origin).to.equal(a1)
  })

  it('works as a ReadonlyMap: keys, values, forEach and a Map copy', () => {
    const table = new VersionTable()
    const x = makeVersion('1', 1, A, 1, null)
    const y = makeVersion(null, 2, B, 1, {epoch: 1, clocks: {'2': {[C]: 1}}})
    table.install('x', x)
    table.install('y', y)
    expect([...table.keys()].sort()).to.deep.equal(['x', 'y'])
    expect([...table.values()]).to.have.deep.members([x, y])
    const seen: Array<[string, Version]> = []
    table.forEach((v, k) => seen.push([k, v]))
    expect(sorted(seen)).to.deep.equal([['x', x], ['y', y]])
    expect(sorted(new Map(table))).to.deep.equal([['x', x], ['y', y]])
  })
})

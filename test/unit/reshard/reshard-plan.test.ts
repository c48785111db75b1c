import {expect} from 'chai'
import fc from 'fast-check'

import {shardForKey} from '../../../src/placement/placement.js'
import {initialConfig, membersOf, shardIds, type ClusterConfig} from '../../../src/membership/cluster-config.js'
import {
  assertBaseInForce,
  copyVerdict,
  coverageNeeded,
  feedsOf,
  isNextLayout,
  pendingDecision,
  planReshard,
  progressFigures,
  smallDeltaKeys,
  type CopyReport,
} from '../../../src/membership/reshard-plan.js'

const six = ['127.0.0.2:8085', '127.0.0.3:8085', '127.0.0.4:8085', '127.0.0.5:8085', '127.0.0.6:8085', '127.0.0.7:8085']
const [n2, n3, n4, n5, n6, n7] = six
const base = initialConfig(six, 2)

describe('reshard plan', () => {
  it('plans the next configuration and layout over the live nodes, or refuses with the contract message', () => {
    const plan = planReshard(base, six, 3)
    expect(plan.base).to.equal(base)
    expect(plan.next).to.deep.include({configEpoch: 2, layoutEpoch: 2, shardCount: 3})
    expect(plan.next.shards).to.deep.equal({'1': [n2, n5], '2': [n3, n6], '3': [n4, n7]})
    expect(isNextLayout(base, plan.next)).to.equal(true)
    expect(() => planReshard(base, six.slice(0, 5), 3)).to.throw('Not enough nodes to provide fault-tolerance with the given shard count!')
  })

  it('places every key in exactly one new shard, the one its character sum gives', () => {
    const plan = planReshard(base, six, 3)
    const table: Array<[string, number]> = [
      ['a', 2], // 97 % 3 = 1
      ['b', 3], // 98 % 3 = 2
      ['c', 1], // 99 % 3 = 0
      ['ab', 1], // 195 % 3 = 0
    ]
    for (const [key, shard] of table) expect(shardForKey(key, plan.next.shardCount), key).to.equal(shard)
    fc.assert(
      fc.property(fc.string({minLength: 1, maxLength: 50}), fc.integer({min: 1, max: 3}), (key, count) => {
        const p = planReshard(base, six, count)
        const owners = shardIds(p.next).filter((id) => id === shardForKey(key, p.next.shardCount))
        return owners.length === 1 && membersOf(p.next, owners[0]).length >= 2
      }),
    )
  })

  it('feeds each new owner from its own replica where it has one, else from the live members', () => {
    const plan = planReshard(base, six, 3)
    const route = (shard: number) => (shard === 1 ? [n4, n2, n6] : [n3, n5, n7])
    // n2 is in old shard 1: its own replica feeds it; old shard 2 comes from the members.
    expect(feedsOf(plan, n2, route)).to.deep.equal([
      {source: 1, from: [n2]},
      {source: 2, from: [n3, n5, n7]},
    ])
    expect(feedsOf(plan, n3, route)).to.deep.equal([
      {source: 1, from: [n4, n2, n6]},
      {source: 2, from: [n3]},
    ])
  })

  it('gives a node without a shard in the new layout nothing to copy', () => {
    const plan = planReshard(base, six.slice(0, 4), 2)
    expect(feedsOf(plan, n7, () => six)).to.deep.equal([])
  })

  it('needs, of each old shard, the pointwise maximum of what its members applied', () => {
    const table: Array<[string, Parameters<typeof coverageNeeded>[0], ReturnType<typeof coverageNeeded>]> = [
      ['nothing held', [], {}],
      ['a node without a shard adds nothing', [{shard: null, clock: {[n2]: 9}}], {}],
      [
        'members that differ',
        [
          {shard: 1, clock: {[n2]: 5, [n4]: 1}},
          {shard: 1, clock: {[n2]: 3, [n4]: 2}},
          {shard: 2, clock: {[n3]: 7}},
        ],
        {'1': {[n2]: 5, [n4]: 2}, '2': {[n3]: 7}},
      ],
    ]
    for (const [name, holds, need] of table) expect(coverageNeeded(holds), name).to.deep.equal(need)
  })

  describe('copy verdict', () => {
    const report = (over: Partial<CopyReport> = {}): CopyReport => ({
      node: n2,
      phase: 'copying',
      copied: 10,
      total: 10,
      lastDelta: 0,
      streaming: true,
      error: null,
      ...over,
    })
    const table: Array<[string, CopyReport[], string]> = [
      ['every copy streams small changes', [report(), report({node: n3, lastDelta: smallDeltaKeys - 1})], 'cutover'],
      ['one still pages its snapshot', [report(), report({node: n3, streaming: false})], 'wait'],
      ['one gets many changes per round', [report(), report({node: n3, lastDelta: smallDeltaKeys})], 'wait'],
      ['one already holds writes (a cutover under way)', [report({phase: 'holding'})], 'wait'],
      ['one failed', [report(), report({node: n3, error: 'copy of shard 1 failed'})], 'fail'],
    ]
    for (const [name, reports, verdict] of table) {
      it(`${verdict} when ${name}`, () => expect(copyVerdict(reports).verdict).to.equal(verdict))
    }
    it('names the node that failed', () => {
      expect(copyVerdict([report({node: n5, error: 'boom'})]).why).to.equal(`${n5}: boom`)
    })
  })

  it('tells the rate and what is left, unknown until the total is', () => {
    const table: Array<[number, number, number, ReturnType<typeof progressFigures>]> = [
      [0, 0, 1000, {keysPerSecond: 0, etaSeconds: null}],
      [0, 100, 1000, {keysPerSecond: 0, etaSeconds: null}],
      [500, 1000, 1000, {keysPerSecond: 500, etaSeconds: 1}],
      [1000, 1000, 2000, {keysPerSecond: 500, etaSeconds: 0}],
      [100, 1000, 0, {keysPerSecond: 0, etaSeconds: null}],
    ]
    for (const [moved, total, elapsed, figures] of table) expect(progressFigures(moved, total, 0, elapsed), `${moved}/${total} in ${elapsed} ms`).to.deep.equal(figures)
  })

  it('resolves a pending reshard alone only once its coordinator was silent too long (injected clock)', () => {
    const limits = {copySilenceMs: 15_000, holdSilenceMs: 3_000}
    const table: Array<[string, 'copying' | 'holding' | 'finished', number, 'keep' | 'resolve']> = [
      ['copying, heard of 14.9 s ago', 'copying', 14_900, 'keep'],
      ['copying, silent 15 s', 'copying', 15_000, 'resolve'],
      ['holding writes, heard of 2.9 s ago', 'holding', 2_900, 'keep'],
      ['holding writes, silent 3 s', 'holding', 3_000, 'resolve'],
      ['finished, silent 3 s', 'finished', 3_000, 'resolve'],
    ]
    for (const [name, phase, silence, decision] of table) {
      expect(pendingDecision({phase, lastContact: 1_000_000}, 1_000_000 + silence, limits), name).to.equal(decision)
    }
  })

  it('refuses to commit over a configuration that changed during the copy', () => {
    const plan = planReshard(base, six, 3)
    expect(() => assertBaseInForce(plan, base)).not.to.throw()
    const other: ClusterConfig = {...base, configEpoch: base.configEpoch + 1}
    expect(() => assertBaseInForce(plan, other)).to.throw('The configuration changed during the reshard')
    expect(() => assertBaseInForce(plan, null)).to.throw('The configuration changed during the reshard')
  })
})

import {expect} from 'chai'
import fc from 'fast-check'

import {initialConfig, resharded} from '../../../src/membership/cluster-config.js'
import {layoutFault, maxClockSkewMs, maxSeqAhead, replicateFault, summaryFault} from '../../../src/protocol/bounds.js'
import {clusterConfigSchema, limits, opGroupSchema, opSchema, peerSummarySchema, type OpGroupMessage, type OpMessage} from '../../../src/protocol/messages.js'
import {schemaFault} from '../../../src/protocol/peer-client.js'

const now = Date.UTC(2026, 11, 3)
const member = (i: number) => `127.0.${i >> 8}.${(i & 255) + 2}:8085`

/** A valid configuration: VIEW of `n` nodes in `shards` shards, then `changes` reshards. */
const configArb = fc
  .record({n: fc.integer({min: 2, max: 40}), shards: fc.integer({min: 1, max: 20}), reshards: fc.array(fc.integer({min: 1, max: 20}), {maxLength: 3})})
  .map(({n, shards, reshards}) => {
    const view = Array.from({length: n}, (_, i) => member(i))
    let config = initialConfig(view, Math.max(1, Math.min(shards, Math.floor(n / 2))))
    for (const count of reshards) config = resharded(config, view, Math.max(1, Math.min(count, Math.floor(n / 2))))
    return config
  })

/** A valid batch from `from`, a member of the shard, over a replica whose clock has `have` of it. */
const batchArb = fc
  .record({
    have: fc.integer({min: 0, max: 1_000_000}),
    gap: fc.integer({min: 1, max: maxSeqAhead}),
    steps: fc.array(fc.integer({min: 1, max: 5}), {minLength: 1, maxLength: 20}),
    ahead: fc.integer({min: -3_600_000, max: maxClockSkewMs - 1}),
    values: fc.array(fc.option(fc.string({maxLength: 30}), {nil: null}), {minLength: 20, maxLength: 20}),
  })
  .map(({have, gap, steps, ahead, values}) => {
    const from = member(1)
    let seq = have + gap - steps[0]
    const ops: OpMessage[] = steps.map((step, i) => {
      seq += i === 0 ? steps[0] : step
      return {shard: 1, epoch: 3, origin: from, seq, key: `k${i}`, value: values[i], ts: (now + ahead) * 1000 + i, deps: {epoch: 3, clocks: {'1': {[from]: seq, [member(2)]: 4}}}}
    })
    return {from, ops, ctx: {members: [member(0), from, member(2)], clock: {[from]: have}, nowMs: now}}
  })

type Batch = {from: string; ops: OpMessage[]; ctx: {members: string[]; clock: Record<string, number>; nowMs: number}}

const batchFault = ({from, ops, ctx}: Batch) => ops.map((op) => schemaFault(opSchema, op)).find((f) => f !== null) ?? replicateFault(from, ops, [], ctx)

/** Ways to put one op of a valid batch out of bounds; each must be refused. */
const opMutations: Array<[string, (b: Batch, i: number) => void]> = [
  ['a timestamp of 2^53', (b, i) => Object.assign(b.ops[i], {ts: 2 ** 53})],
  ['a timestamp past the skew', (b, i) => Object.assign(b.ops[i], {ts: (now + maxClockSkewMs + 1) * 1000})],
  ['a fractional timestamp', (b, i) => Object.assign(b.ops[i], {ts: b.ops[i].ts + 0.5})],
  ['deps of {}', (b, i) => Object.assign(b.ops[i], {deps: {}})],
  ['a clock counter of -1', (b, i) => Object.assign(b.ops[i], {deps: {epoch: 3, clocks: {'1': {[b.from]: -1}}}})],
  ['a shard id of 0 in deps', (b, i) => Object.assign(b.ops[i], {deps: {epoch: 3, clocks: {...b.ops[i].deps.clocks, '0': {}}}})],
  ['a clock member of 301 characters', (b, i) => Object.assign(b.ops[i], {deps: {epoch: 3, clocks: {'1': {...b.ops[i].deps.clocks['1'], ['m'.repeat(301)]: 1}}}})],
  ['an epoch of 1e308', (b, i) => Object.assign(b.ops[i], {epoch: 1e308})],
  ['a key of 51 characters', (b, i) => Object.assign(b.ops[i], {key: 'k'.repeat(51)})],
  ['a value past 1 MiB', (b, i) => Object.assign(b.ops[i], {value: 'v'.repeat(limits.value + 1)})],
  ['another origin', (b, i) => Object.assign(b.ops[i], {origin: member(2)})],
  ['a seq of 0', (b, i) => Object.assign(b.ops[i], {seq: 0})],
  ['no own clock entry', (b, i) => Object.assign(b.ops[i], {deps: {epoch: 3, clocks: {}}})],
  ['a seq that does not rise', (b, i) => (i === 0 ? Object.assign(b.ops[0], {seq: b.ctx.clock[b.from] + maxSeqAhead + 1}) : Object.assign(b.ops[i], {seq: b.ops[i - 1].seq}))],
]

describe('protocol validators', () => {
  describe('replicate batches', () => {
    it('accepts every batch a member would send', () => {
      fc.assert(
        fc.property(batchArb, (batch) => {
          expect(batchFault(batch)).to.equal(null)
        }),
        {numRuns: 300},
      )
    })

    it('refuses every batch with one op out of bounds', () => {
      fc.assert(
        fc.property(batchArb, fc.nat(), fc.constantFrom(...opMutations), (batch, at, [, mutate]) => {
          const i = at % batch.ops.length
          const op = batch.ops[i]
          batch.ops[i] = {...op, deps: {...op.deps}}
          mutate(batch, i)
          expect(batchFault(batch)).to.be.a('string')
        }),
        {numRuns: 500},
      )
    })

    it('refuses a sender that is not a member of the shard', () => {
      fc.assert(
        fc.property(batchArb, (batch) => {
          expect(replicateFault(member(9), batch.ops.map((op) => ({...op, origin: member(9)})), [], batch.ctx)).to.be.a('string')
        }),
      )
    })
  })

  describe('replicated groups of writes', () => {
    /** A batch's valid groups: consecutive, each named in its own clock, timestamps near now. */
    const groupsArb = fc
      .record({
        have: fc.integer({min: 0, max: 1_000_000}),
        sizes: fc.array(fc.integer({min: 1, max: 6}), {minLength: 1, maxLength: 5}),
        values: fc.array(fc.option(fc.string({maxLength: 30}), {nil: null}), {minLength: 30, maxLength: 30}),
      })
      .map(({have, sizes, values}) => {
        const from = member(1)
        let seq = have + 1
        const groups: OpGroupMessage[] = sizes.map((n) => {
          const g = {shard: 1, epoch: 3, origin: from, seq, deps: {epoch: 3, clocks: {'1': {[from]: seq, [member(2)]: 4}}}, keys: [] as string[], values: [] as Array<string | null>, ts: [] as number[]}
          for (let i = 0; i < n; i++) {
            g.keys.push(`k${seq + i}`)
            g.values.push(values[(seq + i) % values.length])
            g.ts.push(now * 1000 + i)
          }
          seq += n
          return g
        })
        return {from, groups, ctx: {members: [member(0), from, member(2)], clock: {[from]: have}, nowMs: now}}
      })
    const groupsFault = ({from, groups, ctx}: {from: string; groups: OpGroupMessage[]; ctx: Batch['ctx']}) =>
      groups.map((g) => schemaFault(opGroupSchema, g)).find((f) => f !== null) ?? replicateFault(from, [], groups, ctx)

    const groupMutations: Array<[string, (g: OpGroupMessage) => void]> = [
      ['a value column one short', (g) => g.values.pop()],
      ['a timestamp column one long', (g) => g.ts.push(g.ts[0])],
      ['no keys', (g) => Object.assign(g, {keys: [], values: [], ts: []})],
      ['a timestamp past the skew', (g) => (g.ts[0] = (now + maxClockSkewMs + 1) * 1000)],
      ['a key of 51 characters', (g) => (g.keys[0] = 'k'.repeat(51))],
      ['no own clock entry for its first write', (g) => Object.assign(g, {deps: {epoch: 3, clocks: {'1': {[member(2)]: 4}}}})],
      ['another origin', (g) => Object.assign(g, {origin: member(2)})],
      ['a seq that does not rise', (g) => Object.assign(g, {seq: 1})],
    ]

    it('accepts every list of groups a member would send', () => {
      fc.assert(
        fc.property(groupsArb, (b) => {
          expect(groupsFault(b)).to.equal(null)
        }),
        {numRuns: 200},
      )
    })

    it('refuses every list with one group out of bounds', () => {
      fc.assert(
        fc.property(groupsArb, fc.nat(), fc.constantFrom(...groupMutations), (b, at, [name, mutate]) => {
          const i = at % b.groups.length
          // A first group may legitimately start anywhere up to maxSeqAhead: "does not rise" needs one before it.
          if (name === 'a seq that does not rise' && i === 0) return
          mutate(b.groups[i])
          expect(groupsFault(b), name).to.be.a('string')
        }),
        {numRuns: 400},
      )
    })

    it('refuses a call with nothing to replicate', () => {
      expect(replicateFault(member(1), [], [], {members: [member(1)], clock: {}, nowMs: now})).to.equal('nothing to replicate')
    })
  })

  describe('configurations', () => {
    it('accepts every configuration the cluster-config functions make', () => {
      fc.assert(
        fc.property(configArb, (config) => {
          expect(schemaFault(clusterConfigSchema, config)).to.equal(null)
          expect(layoutFault(config)).to.equal(null)
        }),
        {numRuns: 200},
      )
    })

    const configMutations: Array<[string, (c: any) => void]> = [
      ['a configuration epoch of 1e308', (c) => (c.configEpoch = 1e308)],
      ['a configuration epoch past 2^31', (c) => (c.configEpoch = 2 ** 31)],
      ['a layout epoch newer than its configuration epoch', (c) => (c.layoutEpoch = c.configEpoch + 1)],
      ['unsorted nodes', (c) => c.nodes.reverse()],
      ['a node twice', (c) => c.nodes.push(c.nodes[c.nodes.length - 1])],
      ['a member outside the nodes', (c) => c.shards['1'].push('10.0.0.1:1')],
      ['a member of two shards', (c) => (c.shards[String(c.shardCount + 1)] = [c.nodes[0]])],
      ['a missing shard', (c) => delete c.shards[String(c.shardCount)]],
      ['a shard count of 0', (c) => (c.shardCount = 0)],
    ]

    it('refuses every configuration put out of bounds', () => {
      fc.assert(
        fc.property(configArb, fc.constantFrom(...configMutations), (config, [, mutate]) => {
          const c = JSON.parse(JSON.stringify(config))
          if (c.nodes.length < 2) return
          mutate(c)
          expect(schemaFault(clusterConfigSchema, c) ?? layoutFault(c)).to.be.a('string')
        }),
        {numRuns: 400},
      )
    })
  })

  describe('heartbeats', () => {
    const summaryArb = fc
      .record({clock: fc.dictionary(fc.constantFrom(member(0), member(1), member(2)), fc.integer({min: 1, max: 1e9})), configEpoch: fc.integer({min: 1, max: 1000}), ready: fc.boolean()})
      .map(({clock, configEpoch, ready}) => ({address: member(0), configEpoch, shard: 1, layoutEpoch: configEpoch, applied: Object.values(clock).reduce((a, b) => a + b, 0), clock, ready}))

    it('accepts every summary a node makes of itself', () => {
      fc.assert(
        fc.property(summaryArb, (s) => {
          expect(schemaFault(peerSummarySchema, s) ?? summaryFault(s)).to.equal(null)
        }),
      )
    })

    it('refuses a summary whose applied count is not the sum of its clock, or whose configuration epoch is out of range', () => {
      fc.assert(
        fc.property(summaryArb, fc.integer({min: 1, max: 1e9}), fc.boolean(), (s, extra, badEpoch) => {
          const bad = badEpoch ? {...s, configEpoch: 1e308} : {...s, applied: s.applied + extra}
          expect(schemaFault(peerSummarySchema, bad) ?? summaryFault(bad)).to.be.a('string')
        }),
      )
    })
  })
})

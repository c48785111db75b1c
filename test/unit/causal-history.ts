/** Random causal histories for property tests of delivery and replica state. */
import fc from 'fast-check'
import type {VectorClock} from '../../src/clock/vector-clock.js'
import type {Op} from '../../src/replication/op.js'

export const A = '127.0.0.2:8085'
export const B = '127.0.0.9:8085'
export const C = '127.0.0.10:8085'

/**
 * A random causal history of one shard, as replicas would produce it: each origin writes
 * (its clock is everything it has applied) and now and then applies everything another
 * origin has (a sync). Every origin's knowledge stays causally closed, so the ops' clocks
 * are real causal dependencies. `ops` is in generation order, which is a causal order.
 */
export interface CausalHistory {
  readonly ops: Op[]
  /** What each origin had applied at the end: causally closed prefixes of `ops`. */
  readonly knowledge: VectorClock[]
}

type Step = {kind: 'write'; who: number; key: string; del: boolean; wall: number} | {kind: 'sync'; to: number; from: number}

export const historyArb: fc.Arbitrary<CausalHistory> = fc.integer({min: 2, max: 3}).chain((count) => {
  const who = fc.integer({min: 0, max: count - 1})
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('write' as const),
        who,
        key: fc.constantFrom('x', 'y', 'z'),
        del: fc.boolean(),
        wall: fc.integer({min: 1, max: 20}),
      }),
    },
    {weight: 2, arbitrary: fc.record({kind: fc.constant('sync' as const), to: who, from: who})},
  )
  return fc.array(step, {minLength: 4, maxLength: 40, size: 'medium'}).map((steps) => buildHistory([A, C, B].slice(0, count), steps))
})

function buildHistory(origins: string[], steps: Step[]): CausalHistory {
  const clocks: Array<Record<string, number>> = origins.map(() => ({}))
  const maxTs = origins.map(() => 0)
  const ops: Op[] = []
  for (const s of steps) {
    if (s.kind === 'sync') {
      for (const [m, v] of Object.entries(clocks[s.from])) clocks[s.to][m] = Math.max(clocks[s.to][m] ?? 0, v)
      maxTs[s.to] = Math.max(maxTs[s.to], maxTs[s.from])
      continue
    }
    const origin = origins[s.who]
    const seq = (clocks[s.who][origin] ?? 0) + 1
    clocks[s.who][origin] = seq
    const ts = Math.max(s.wall, maxTs[s.who] + 1)
    maxTs[s.who] = ts
    const value = s.del ? null : `${origin}:${seq}`
    ops.push({shard: 1, epoch: 1, origin, seq, key: s.key, value, ts, deps: {epoch: 1, clocks: {'1': {...clocks[s.who]}}}})
  }
  return {ops, knowledge: clocks.map((c) => ({...c}))}
}

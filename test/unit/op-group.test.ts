import {expect} from 'chai'
import fc from 'fast-check'

import {AppliedBatches} from '../../src/replication/applied-requests.js'
import {deliveryOf} from '../../src/replication/delivery.js'
import {halveGroup, lastSeq, opAt, sliceGroup, type OpGroup, type Update} from '../../src/replication/op-group.js'
import {Replica} from '../../src/replication/replica.js'
import {ShardState} from '../../src/replication/shard-state.js'

const A = '127.0.0.2:8085'
const B = '127.0.0.3:8085'

/** `n` writes of A from seq `seq` on, depending on B's first `b` writes. */
function groupOf(seq: number, n: number, b = 0, tag = 'v'): OpGroup {
  const keys = Array.from({length: n}, (_, i) => `k${(seq + i) % 7}`)
  return {
    shard: 1,
    epoch: 1,
    origin: A,
    seq,
    deps: {epoch: 1, clocks: {'1': b > 0 ? {[A]: seq, [B]: b} : {[A]: seq}}},
    keys,
    values: keys.map((_, i) => (i % 5 === 4 ? null : `${tag}${seq + i}`)),
    ts: keys.map((_, i) => 1000 + seq + i),
  }
}

const replicaWith = () => {
  const logged: Update[] = []
  const replica = new Replica({append: async (u) => logged.push(u), failure: null}, () => undefined)
  replica.swapIn(new ShardState(1, 1))
  return {replica, logged, state: () => replica.current as ShardState}
}

/** What a replica shows of its data: every version, and its clock. */
const contents = (s: ShardState) => ({clock: {...s.clock}, versions: [...s.versions].map(([k, v]) => [k, v.value, v.ts, v.origin, v.seq, s.metadataOf(v)])})

describe('groups of writes (op-group.ts)', () => {
  it('write i of a group is the op (origin, seq + i) with the group metadata at its own seq', () => {
    const g = groupOf(5, 3, 2)
    expect(opAt(g, 2)).to.deep.equal({shard: 1, epoch: 1, origin: A, seq: 7, key: g.keys[2], value: g.values[2], ts: g.ts[2], deps: {epoch: 1, clocks: {'1': {[A]: 7, [B]: 2}}}})
    expect(lastSeq(g)).to.equal(7)
  })

  it('a replica applying a group holds what it holds after applying its writes one by one as ops', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 50}), fc.integer({min: 1, max: 40}), (seq, n) => {
        const g = groupOf(seq, n)
        const grouped = new ShardState(1, 1)
        const single = new ShardState(1, 1)
        for (const s of [grouped, single]) s.mergeState([], {[A]: seq - 1})
        expect(grouped.applyGroup(g)).to.equal(n)
        for (let i = 0; i < n; i++) single.apply(opAt(g, i))
        expect(contents(grouped)).to.deep.equal(contents(single))
        expect(grouped.opsAfter({[A]: seq - 1})).to.deep.equal(single.opsAfter({[A]: seq - 1}))
      }),
      {numRuns: 100},
    )
  })

  it('is deliverable once its first write not yet applied is, duplicate once all are, and applies only the rest', () => {
    const g = groupOf(3, 4, 1)
    expect(deliveryOf(g, {[A]: 1, [B]: 1})).to.equal('blocked')
    expect(deliveryOf(g, {[A]: 2})).to.equal('blocked')
    expect(deliveryOf(g, {[A]: 2, [B]: 1})).to.equal('deliverable')
    expect(deliveryOf(g, {[A]: 4, [B]: 1})).to.equal('deliverable')
    expect(deliveryOf(g, {[A]: 6, [B]: 1})).to.equal('duplicate')

    const s = new ShardState(1, 1)
    s.mergeState([], {[A]: 4, [B]: 1})
    expect(s.applyGroup(g)).to.equal(2)
    expect(s.clock[A]).to.equal(6)
    expect(s.applyGroup(g)).to.equal(0)
  })

  it('cut in slices sent in any order, it ends as the whole group applied at once', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 2, max: 30}),
        fc.uniqueArray(fc.integer({min: 1, max: 29}), {maxLength: 5}),
        fc.infiniteStream(fc.nat()),
        (n, cuts, order) => {
          const g = groupOf(1, n)
          const at = [0, ...cuts.filter((c) => c < n).sort((a, b) => a - b), n]
          const slices = at.slice(1).map((end, i) => sliceGroup(g, at[i], end))
          const shuffled = [...slices]
          const picks = order.take(shuffled.length)
          for (const [i, p] of [...picks].entries()) {
            const j = i + (p % (shuffled.length - i))
            ;[shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]
          }
          const {replica, state} = replicaWith()
          let applied = 0
          for (const slice of shuffled) applied += replica.deliver([slice]).applied
          const whole = new ShardState(1, 1)
          whole.applyGroup(g)
          expect(applied).to.equal(n)
          expect(replica.pendingOps).to.equal(0)
          expect(contents(state())).to.deep.equal(contents(whole))
        },
      ),
      {numRuns: 100},
    )
  })

  it('halves are slices that together are the group', () => {
    const g = groupOf(9, 5, 3)
    const [a, b] = halveGroup(g) as [OpGroup, OpGroup]
    expect([...a.keys.map((_, i) => opAt(a, i)), ...b.keys.map((_, i) => opAt(b, i))]).to.deep.equal(g.keys.map((_, i) => opAt(g, i)))
    expect(halveGroup(groupOf(1, 1))).to.equal(null)
  })

  it('a forwarded part is remembered once the slice ending its group is applied, within a bound of statuses', () => {
    const g = {...groupOf(1, 6), rid: 'part-1', statuses: [201, 200, 404, 201, 201, 201, 200]}
    const [head, tail] = halveGroup(g) as [OpGroup, OpGroup]
    expect(head.rid).to.equal(undefined)
    expect(tail.rid).to.equal('part-1')
    const s = new ShardState(1, 1)
    s.applyGroup(head)
    expect(s.appliedBatch('part-1')).to.equal(undefined)
    s.applyGroup(tail)
    expect(s.appliedBatch('part-1')).to.deep.equal({origin: A, seq: 6, statuses: g.statuses})

    const remembered = new AppliedBatches(10)
    remembered.record('a', {origin: A, seq: 1, statuses: [200, 200, 200, 200, 200, 200]})
    remembered.record('b', {origin: A, seq: 2, statuses: [200, 200, 200, 200, 200, 200]})
    expect(remembered.get('a'), 'the oldest goes past the bound').to.equal(undefined)
    expect(remembered.get('b')?.seq).to.equal(2)
  })

  it('a replica logs a delivered group as one record, and holds a blocked one until its past arrives', async () => {
    const {replica, logged, state} = replicaWith()
    const later = groupOf(4, 3)
    expect(replica.deliver([later]).applied).to.equal(0)
    expect(replica.isPending([later])).to.equal(true)
    const {applied, logged: done} = replica.deliver([groupOf(1, 3)])
    await done
    expect(applied).to.equal(6)
    expect(logged.map((u) => u.seq)).to.deep.equal([1, 4])
    expect(state().clock).to.deep.equal({[A]: 6})
  })
})

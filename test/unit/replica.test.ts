import {expect} from 'chai'

import type {Op} from '../../src/replication/op.js'
import {Replica} from '../../src/replication/replica.js'
import {ShardState} from '../../src/replication/shard-state.js'

const A = '127.0.0.2:8085'

/** a's write number `seq` in shard 1, layout 1, following a's previous ones. */
const write = (seq: number, value: string): Op => ({
  shard: 1,
  epoch: 1,
  origin: A,
  seq,
  key: `k${seq}`,
  value,
  ts: seq,
  deps: {epoch: 1, clocks: {'1': {[A]: seq}}},
})

describe('Replica: ops waiting for their causal past are bounded by bytes', () => {
  const replicaWith = (maxPendingBytes: number) => {
    const logged: Op[] = []
    const replica = new Replica({append: async (u) => logged.push(u as Op), failure: null}, () => undefined, maxPendingBytes)
    replica.swapIn(new ShardState(1, 1))
    return {replica, logged}
  }

  it('keeps blocked ops within the bound and applies them once their past arrives', async () => {
    const {replica, logged} = replicaWith(10_000)
    expect(replica.deliver([write(2, 'b'), write(3, 'c')]).applied).to.equal(0)
    expect(replica.pendingOps).to.equal(2)
    const {applied, logged: done} = replica.deliver([write(1, 'a')])
    await done
    expect(applied).to.equal(3)
    expect(replica.pendingOps).to.equal(0)
    expect(logged.map((o) => o.seq)).to.deep.equal([1, 2, 3])
  })

  it('drops every blocked op, unapplied, once they outgrow the bound; catch-up brings them back', async () => {
    const {replica, logged} = replicaWith(1_000)
    const big = 'x'.repeat(500)
    expect(replica.deliver([write(2, big)]).applied).to.equal(0)
    expect(replica.pendingOps).to.equal(1)
    expect(replica.deliver([write(3, big)]).applied).to.equal(0)
    expect(replica.pendingOps, 'both dropped past 1,000 bytes').to.equal(0)
    await replica.deliver([write(1, 'a')]).logged
    expect(replica.current?.clock).to.deep.equal({[A]: 1})
    expect(logged.map((o) => o.seq)).to.deep.equal([1])
    // A pull then delivers what was dropped, in order.
    await replica.deliver([write(2, big), write(3, big)]).logged
    expect(replica.current?.clock).to.deep.equal({[A]: 3})
  })
})

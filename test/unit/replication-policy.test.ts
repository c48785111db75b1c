import {expect} from 'chai'

import {ackPlan, afterAck, compactionDue, keepLive} from '../../src/replication/replication-policy.js'

const MiB = 1024 * 1024

describe('replication policy', () => {
  describe('ackPlan: whom a write waits for', () => {
    const cases: Array<{name: string; live: string[]; lagging: string[]; awaited: string[]; sentOnly: string[]}> = [
      {name: 'every live peer when none lags', live: ['b', 'c'], lagging: [], awaited: ['b', 'c'], sentOnly: []},
      {name: 'sends to a lagging peer without waiting', live: ['b', 'c'], lagging: ['c'], awaited: ['b'], sentOnly: ['c']},
      {name: 'waits for nobody when every peer lags', live: ['b', 'c'], lagging: ['b', 'c'], awaited: [], sentOnly: ['b', 'c']},
      {name: 'ignores a lagging node that is not live', live: ['b'], lagging: ['x'], awaited: ['b'], sentOnly: []},
      {name: 'nothing to do alone in the shard', live: [], lagging: ['b'], awaited: [], sentOnly: []},
    ]
    for (const c of cases) {
      it(c.name, () => {
        expect(ackPlan(c.live, new Set(c.lagging))).to.deep.equal({awaited: c.awaited, sentOnly: c.sentOnly})
      })
    }
  })

  describe('afterAck: when a peer lags and when it stops', () => {
    const cases: Array<{name: string; before: string[]; peer: string; acked: boolean; after: string[]}> = [
      {name: 'a timeout marks the peer lagging', before: [], peer: 'b', acked: false, after: ['b']},
      {name: 'an ack clears it', before: ['b', 'c'], peer: 'b', acked: true, after: ['c']},
      {name: 'an ack of a peer not lagging changes nothing', before: ['c'], peer: 'b', acked: true, after: ['c']},
      {name: 'a second timeout keeps it lagging once', before: ['b'], peer: 'b', acked: false, after: ['b']},
    ]
    for (const c of cases) {
      it(c.name, () => {
        const before = new Set(c.before)
        const after = afterAck(before, c.peer, c.acked)
        expect([...after].sort()).to.deep.equal(c.after)
        expect([...before].sort(), 'the set passed in is not changed').to.deep.equal([...c.before].sort())
      })
    }
  })

  it('keepLive: a lagging peer that went down is forgotten, so it is waited for again once back', () => {
    expect([...keepLive(new Set(['b', 'c']), ['c', 'd'])]).to.deep.equal(['c'])
    const unchanged = new Set(['b'])
    expect(keepLive(unchanged, ['b', 'c'])).to.equal(unchanged)
  })

  describe('compactionDue', () => {
    const cases: Array<{logBytes: number; keys: number; due: boolean; why: string}> = [
      {logBytes: 0, keys: 0, due: false, why: 'an empty log'},
      {logBytes: 4 * MiB, keys: 0, due: false, why: 'at the floor exactly'},
      {logBytes: 4 * MiB + 1, keys: 0, due: true, why: 'past the floor with no data'},
      {logBytes: 5 * MiB, keys: 10_000, due: false, why: 'under 4x the data (10,000 keys of ~160 B = 6.4 MB)'},
      {logBytes: 6_400_001, keys: 10_000, due: true, why: 'past 4x the data'},
    ]
    for (const c of cases) {
      it(`${c.due ? 'due' : 'not due'}: ${c.why}`, () => {
        expect(compactionDue(c.logBytes, c.keys)).to.equal(c.due)
      })
    }
  })
})

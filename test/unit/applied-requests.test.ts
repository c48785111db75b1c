import {expect} from 'chai'

import {AppliedRequests} from '../../src/replication/applied-requests.js'
import {ShardState} from '../../src/replication/shard-state.js'

describe('applied forwarded requests', () => {
  it('keeps the first op that carried out a request, and only the most recent ids', () => {
    const requests = new AppliedRequests(2)
    requests.record('r1', {origin: 'a', seq: 1, existed: false})
    requests.record('r1', {origin: 'b', seq: 1, existed: true})
    requests.record('r2', {origin: 'a', seq: 2, existed: true})
    expect(requests.get('r1')).to.deep.equal({origin: 'a', seq: 1, existed: false})
    requests.record('r3', {origin: 'a', seq: 3, existed: true})
    expect(requests.size).to.equal(2)
    expect(requests.get('r1'), 'the oldest id, dropped').to.equal(undefined)
    expect(requests.get('r3')).to.deep.equal({origin: 'a', seq: 3, existed: true})
  })

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new AppliedRequests(0)).to.throw(RangeError)
  })

  describe('in a shard state', () => {
    const op = (seq: number, value: string | null, rid?: string) => ({
      shard: 1,
      epoch: 1,
      origin: 'a',
      seq,
      key: 'k',
      value,
      ts: seq,
      deps: {epoch: 1, clocks: {'1': {a: seq}}},
      ...(rid === undefined ? {} : {rid}),
    })

    it('records the op of each request id it applies, with whether the key held a value before it', () => {
      const state = new ShardState(1, 1)
      state.apply(op(1, 'v1', 'r1'))
      state.apply(op(2, 'v2'))
      state.apply(op(3, null, 'r3'))
      expect(state.appliedRequest('r1')).to.deep.equal({origin: 'a', seq: 1, existed: false})
      expect(state.appliedRequest('r3')).to.deep.equal({origin: 'a', seq: 3, existed: true})
      expect(state.appliedRequest('r2')).to.equal(undefined)
    })

    it('sends catching-up peers the request ids of the ops, so they know them as well', () => {
      const source = new ShardState(1, 1)
      for (const o of [op(1, 'v1', 'r1'), op(2, 'v2')]) source.apply(o)
      const ops = source.opsAfter({}) ?? []
      expect(ops.map((o) => o.rid)).to.deep.equal(['r1', undefined])
      const peer = new ShardState(1, 1)
      for (const o of ops) peer.apply(o)
      expect(peer.appliedRequest('r1')).to.deep.equal({origin: 'a', seq: 1, existed: false})
    })
  })
})

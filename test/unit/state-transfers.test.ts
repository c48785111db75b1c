import {expect} from 'chai'

import {isKvsError} from '../../src/errors.js'
import {ShardState} from '../../src/replication/shard-state.js'
import {StateTransfers} from '../../src/replication/state-transfers.js'

const A = '127.0.0.2:8085'

/** A replica of shard 1 with `n` keys, each of a value of `size` characters. */
function replica(n: number, size = 1): ShardState {
  const s = new ShardState(1, 1)
  for (let seq = 1; seq <= n; seq++) {
    s.apply({shard: 1, epoch: 1, origin: A, seq, key: `k${seq}`, value: 'v'.repeat(size), ts: seq, deps: {epoch: 1, clocks: {'1': {[A]: seq}}}})
  }
  return s
}

describe('state transfers', () => {
  it('keeps at most `maxHeld` copies: a further offer is refused as UNAVAILABLE until one is paged through', () => {
    const transfers = new StateTransfers(60_000, 2)
    const s = replica(3)
    const first = transfers.offer(s)
    transfers.offer(s)
    let refused: unknown
    try {
      transfers.offer(s)
    } catch (error) {
      refused = error
    }
    expect(isKvsError(refused) && refused.code).to.equal('UNAVAILABLE')
    expect(transfers.size).to.equal(2)
    expect(transfers.page(first.transfer, 0, 10).done).to.equal(true)
    expect(transfers.offer(s).total).to.equal(3)
  })

  it('bounds a page by bytes as well as by count, and a caller that goes on from its end gets every key once', () => {
    const transfers = new StateTransfers(60_000, 8, 10_000)
    const s = replica(50, 3000)
    const offer = transfers.offer(s)
    const keys: string[] = []
    let pages = 0
    for (let offset = 0; ; ) {
      const {entries, done} = transfers.page(offer.transfer, offset, 40)
      pages++
      expect(entries.length, 'at least one entry, at most what fits').to.be.within(1, 4)
      keys.push(...entries.map(([k]) => k))
      offset += entries.length
      if (done) break
    }
    expect(pages).to.be.above(10)
    expect(new Set(keys).size).to.equal(50)
    expect(keys).to.have.length(50)
  })

  it('sends a value larger than a page alone', () => {
    const transfers = new StateTransfers(60_000, 8, 100)
    const offer = transfers.offer(replica(2, 1000))
    expect(transfers.page(offer.transfer, 0, 10).entries).to.have.length(1)
    expect(transfers.page(offer.transfer, 1, 10)).to.include({done: true})
  })
})

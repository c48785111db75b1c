import {expect} from 'chai'

import {Replica} from '../../src/replication/replica.js'
import {ShardState} from '../../src/replication/shard-state.js'
import {WriteCoordinator} from '../../src/replication/write-coordinator.js'
import {WriteGate} from '../../src/replication/write-gate.js'
import {PeerClient} from '../../src/protocol/peer-client.js'
import type {PeerRequest, PeerResponse, Transport} from '../../src/transport/transport.js'

/** A transport whose calls to each peer stay open until the test answers them. */
class HeldTransport implements Transport {
  readonly calls: Array<{peer: string; req: PeerRequest; answer(status: number): void; fail(): void}> = []

  request(peer: string, req: PeerRequest): Promise<PeerResponse> {
    return new Promise((resolve, reject) => {
      this.calls.push({peer, req, answer: (status) => resolve({status, text: '{"ok":true}'}), fail: () => reject(new Error('timed out'))})
    })
  }

  callsTo(peer: string) {
    return this.calls.filter((c) => c.peer === peer)
  }

  async close(): Promise<void> {}
}

/** Resolves once `check` holds, checking after each turn of the event loop (no clock involved). */
async function turnsUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setImmediate(r))
  expect(check(), 'condition never held').to.equal(true)
}

describe('WriteCoordinator: a peer that lets an acknowledgement time out is marked lagging', () => {
  const self = '127.0.0.2:8085'
  const [b, c] = ['127.0.0.3:8085', '127.0.0.4:8085']
  let transport: HeldTransport
  let writes: WriteCoordinator

  beforeEach(() => {
    transport = new HeldTransport()
    const replica = new Replica({append: async () => 0, failure: null}, () => undefined)
    const state = new ShardState(0, 1)
    replica.swapIn(state)
    writes = new WriteCoordinator({
      self,
      replica,
      gate: new WriteGate(),
      peers: new PeerClient(transport),
      livePeers: () => [b, c],
      covered: async () => state,
      replicationTimeoutMs: 800,
    })
  })

  it('waits for every peer until one times out, then stops waiting for it until it acknowledges again', async () => {
    const first = writes.write(0, 1, 'k', 'v1', null)
    await turnsUntil(() => transport.calls.length === 2)
    transport.callsTo(b)[0].answer(200)
    transport.callsTo(c)[0].fail()
    await first
    expect(writes.laggingPeers).to.deep.equal([c])

    // c's call for the second write is never answered: the write completes regardless.
    const second = writes.write(0, 1, 'k', 'v2', null)
    await turnsUntil(() => transport.callsTo(b).length === 2 && transport.callsTo(c).length === 2)
    transport.callsTo(b)[1].answer(200)
    await second
    expect(writes.laggingPeers).to.deep.equal([c])

    transport.callsTo(c)[1].answer(200)
    await turnsUntil(() => writes.laggingPeers.length === 0)
  })

  it('a peer that is slow but acknowledges is never marked lagging', async () => {
    const w = writes.write(0, 1, 'k', 'v', null)
    await turnsUntil(() => transport.calls.length === 2)
    for (const call of transport.calls) call.answer(200)
    await w
    expect(writes.laggingPeers).to.deep.equal([])
  })
})

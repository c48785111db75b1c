import {expect} from 'chai'
import fc from 'fast-check'

import {isKvsError} from '../../../src/errors.js'
import {peerBatchBodyLimit} from '../../../src/protocol/messages.js'
import {PeerClient, splitBySize} from '../../../src/protocol/peer-client.js'
import {halveGroup} from '../../../src/replication/op-group.js'
import type {PeerRequest, Transport} from '../../../src/transport/transport.js'

const peer = '127.0.0.3:8085'

/** A transport whose peer answers every call with `answer(req)`; the calls are kept. */
function fakePeer(answer: (req: PeerRequest) => {status: number; body: unknown}) {
  const calls: PeerRequest[] = []
  const transport: Transport = {
    request: async (_peer, req) => {
      calls.push(req)
      const {status, body} = answer(req)
      return {status, text: typeof body === 'string' ? body : JSON.stringify(body)}
    },
    close: async () => undefined,
  }
  return {client: new PeerClient(transport, () => Date.UTC(2026, 11, 3)), calls}
}

async function refusal(call: Promise<unknown>): Promise<string> {
  try {
    await call
  } catch (error) {
    expect(isKvsError(error) && error.code, String(error)).to.equal('PEER_UNAVAILABLE')
    return (error as Error).message
  }
  throw new Error('the answer was accepted')
}

const config = {configEpoch: 2, layoutEpoch: 1, shardCount: 1, nodes: ['127.0.0.2:8085', peer], shards: {'1': ['127.0.0.2:8085', peer]}}
const summary = {address: peer, configEpoch: 2, shard: 1, layoutEpoch: 1, applied: 3, clock: {[peer]: 3}, ready: true}

describe('the peer client', () => {
  it('calls each route at its path and hands back the checked answer', async () => {
    const {client, calls} = fakePeer(() => ({status: 200, body: summary}))
    expect(await client.heartbeat(peer, {...summary, address: '127.0.0.2:8085'}, 100)).to.deep.equal(summary)
    expect(calls[0]).to.include({method: 'POST', path: '/internal/heartbeat', timeoutMs: 100})
  })

  it('refuses answers that do not match their schema, are not JSON, or are out of bounds', async () => {
    const cases: Array<[string, () => Promise<unknown>, unknown]> = [
      ['a configuration that is not a layout', () => fakePeer(() => ({status: 200, body: {...config, shards: {'1': ['10.0.0.1:1']}}})).client.config(peer, 100), 'not a layout'],
      ['a configuration of configuration epoch 1e308', () => fakePeer(() => ({status: 200, body: {...config, configEpoch: 1e308}})).client.config(peer, 100), '/configEpoch'],
      ['a heartbeat about another node', () => fakePeer(() => ({status: 200, body: {...summary, address: '127.0.0.9:8085'}})).client.heartbeat(peer, summary, 100), 'about'],
      ['a heartbeat with a forged applied count', () => fakePeer(() => ({status: 200, body: {...summary, applied: 1e12}})).client.heartbeat(peer, summary, 100), 'sum'],
      ['a body that is not JSON', () => fakePeer(() => ({status: 200, body: '<html>'})).client.config(peer, 100), 'not JSON'],
      [
        'sync ops with a timestamp of 2^53',
        () =>
          fakePeer(() => ({status: 200, body: {ops: [{shard: 1, epoch: 1, origin: peer, seq: 1, key: 'k', value: 'v', ts: 2 ** 53, deps: {epoch: 1, clocks: {'1': {[peer]: 1}}}}]}})).client.sync(
            peer,
            {shard: 1, epoch: 1, clock: {}},
            100,
          ),
        'invalid sync',
      ],
      [
        'sync ops with deps of {}',
        () => fakePeer(() => ({status: 200, body: {ops: [{shard: 1, epoch: 1, origin: peer, seq: 1, key: 'k', value: 'v', ts: 1, deps: {}}]}})).client.sync(peer, {shard: 1, epoch: 1, clock: {}}, 100),
        'invalid sync',
      ],
      [
        'a transfer page with a timestamp an hour ahead',
        () =>
          fakePeer(() => ({status: 200, body: {entries: [['k', {value: 'v', ts: (Date.UTC(2026, 11, 3) + 3_600_000) * 1000, origin: peer, seq: 1, other: null}]], done: true}})).client.transfer(
            peer,
            {id: 't', offset: 0, limit: 10},
            100,
          ),
        'ahead',
      ],
      ['a copy page whose origin index is out of range', () => fakePeer(() => ({status: 200, body: {id: 's', total: 1, clock: {}, done: true, page: {keys: ['k'], values: ['v'], ts: [1], origins: [peer], origin: [5000]}}})).client.reshardSnapshot(peer, {shard: 1, layoutEpoch: 1, shardCount: 2, target: 1, offset: 0, limit: 10}, 100), 'origin'],
      ['fewer forward answers than requests', () => fakePeer(() => ({status: 200, body: {answers: []}})).client.forward(peer, [{method: 'GET', key: 'k', meta: null, hops: 1, deadline: 1}], 100), 'answers'],
    ]
    for (const [name, call, says] of cases) expect(await refusal(call()), name).to.include(says)
  })

  it('reports a refusal with its status, as CONFLICT for a 409', async () => {
    const {client} = fakePeer(() => ({status: 409, body: {error: 'No such reshard is pending here'}}))
    let error: unknown
    try {
      await client.reshardHold(peer, {configEpoch: 3}, 100)
    } catch (e) {
      error = e
    }
    expect(isKvsError(error) && error.code).to.equal('CONFLICT')
    expect(String(error)).to.include('No such reshard')
  })

  it('tells an accepted proposal (200) from a refused one (409)', async () => {
    expect(await fakePeer(() => ({status: 200, body: {accepted: true, configEpoch: 1}})).client.propose(peer, config, 100)).to.equal(true)
    expect(await fakePeer(() => ({status: 409, body: {accepted: false, configEpoch: 1}})).client.propose(peer, config, 100)).to.equal(false)
  })

  it("splits a replicate batch larger than the receiver's body limit, in order, and acknowledges once all parts are", async () => {
    const {client, calls} = fakePeer(() => ({status: 200, body: {ok: true}}))
    const big = 'x'.repeat(6 * 1024 * 1024)
    const ops = [1, 2, 3, 4].map((seq) => ({shard: 1, epoch: 1, origin: peer, seq, key: `k${seq}`, value: big, ts: seq, deps: {epoch: 1, clocks: {'1': {[peer]: seq}}}}))
    expect(await client.replicate(peer, peer, ops, halveGroup, 100)).to.equal(true)
    expect(calls.length).to.be.above(1)
    for (const c of calls) expect(Buffer.byteLength(c.body as string)).to.be.at.most(peerBatchBodyLimit)
    const sent = calls.flatMap((c) => (JSON.parse(c.body as string) as {ops: Array<{seq: number}>}).ops.map((op) => op.seq))
    expect(sent).to.deep.equal([1, 2, 3, 4])
  })

  it('splits into parts within the limit that keep every item once, in order (a lone item too large goes alone)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({maxLength: 40}), {maxLength: 60}), fc.integer({min: 10, max: 400}), (items, limit) => {
        const parts = splitBySize(items, (xs) => JSON.stringify(xs), limit)
        expect(parts.flatMap((p) => p.items)).to.deep.equal(items)
        for (const p of parts) {
          expect(p.body).to.equal(JSON.stringify(p.items))
          if (p.items.length > 1) expect(Buffer.byteLength(p.body)).to.be.at.most(limit)
        }
      }),
    )
  })
})

import {expect} from 'chai'

import {KvsError} from '../../src/errors.js'
import type {ClusterConfig} from '../../src/membership/cluster-config.js'
import {PeerClient} from '../../src/protocol/peer-client.js'
import {BatchService, partTimeoutMs, type ForwardedBatchPart} from '../../src/replication/batch-service.js'
import type {RoutingView} from '../../src/replication/key-service.js'
import type {Replicator} from '../../src/replication/replicator.js'
import type {Transport} from '../../src/transport/transport.js'
import {ManualClock} from '../support/manual-clock.js'

const self = '127.0.0.2:8085'
const [paused, survivor] = ['127.0.0.3:8085', '127.0.0.4:8085']

/**
 * A node outside the batch's one shard, whose members are a paused primary (it holds every
 * call unanswered until the caller's timeout, as a stopped process would) and a survivor
 * that serves every part at once.
 */
function nodeFacingPausedPrimary(clock: ManualClock) {
  const calls: Array<{peer: string; at: number; timeoutMs: number; part: ForwardedBatchPart}> = []
  const transport: Transport = {
    request: async (peer, req) => {
      const part = JSON.parse(req.body as string) as ForwardedBatchPart
      calls.push({peer, at: clock.now(), timeoutMs: req.timeoutMs, part})
      if (peer === paused) {
        await clock.wait(req.timeoutMs)
        throw new KvsError('PEER_UNAVAILABLE', `${peer} did not answer`)
      }
      return {status: 200, text: JSON.stringify({results: part.ops.map(() => ({status: 201})), meta: {epoch: 1, clocks: {'1': {[survivor]: 1}}}})}
    },
    close: async () => undefined,
  }
  const members = [paused, survivor]
  const routing: RoutingView = {
    self,
    config: {configEpoch: 1, layoutEpoch: 1, shardCount: 1, nodes: [self, ...members], shards: {'1': members}} as unknown as ClusterConfig,
    route: () => ({members, peers: members, readyPeers: members, primary: paused}),
    awaitLayoutEpoch: async () => true,
  }
  const replicator = {shard: null, ready: true, awaitWritable: async () => undefined} as unknown as Replicator
  return {batches: new BatchService(routing, replicator, new PeerClient(transport), () => clock.now()), calls}
}

describe('batch parts forwarded to a paused primary', () => {
  it('are given up after one part timeout and carried out by the next member, with the same request id', async () => {
    const clock = new ManualClock()
    const {batches, calls} = nodeFacingPausedPrimary(clock)
    const answer = await clock.runUntil(batches.handle([{op: 'put', key: 'a', value: '1'}, {op: 'put', key: 'b', value: '2'}], null), {stepMs: 100})
    expect(answer.status).to.equal(200)
    expect(answer.results).to.deep.equal([{status: 201}, {status: 201}])
    expect(calls.map((c) => c.peer)).to.deep.equal([paused, survivor])
    const [first, second] = calls
    expect(first.timeoutMs).to.equal(partTimeoutMs)
    expect(second.at - first.at).to.equal(partTimeoutMs)
    // The survivor gets a whole part timeout too, and the paused member's copy expired before it was sent on.
    expect(second.part.deadline - second.at).to.equal(partTimeoutMs)
    expect(first.part.deadline).to.be.at.most(second.at)
    expect(second.part.rid).to.equal(first.part.rid)
  })
})

import {expect} from 'chai'

import {KvsError} from '../../src/errors.js'
import type {ClusterConfig} from '../../src/membership/cluster-config.js'
import {KeyService, type ForwardedRequest, type RoutingView} from '../../src/replication/key-service.js'
import type {Replicator} from '../../src/replication/replicator.js'
import type {PeerRequest, Transport} from '../../src/transport/transport.js'

/** A node outside the key's shard, whose three shard members are all paused. */
function nodeFacingPausedPeers() {
  const calls: Array<{peer: string; timeoutMs: number; deadlines: number[]}> = []
  const transport: Transport = {
    request: (peer: string, req: PeerRequest) => {
      const {requests} = JSON.parse(req.body as string) as {requests: ForwardedRequest[]}
      calls.push({peer, timeoutMs: req.timeoutMs, deadlines: requests.map((r) => r.deadline)})
      // A paused peer: no answer until the caller's own timeout.
      return new Promise((_resolve, reject) => setTimeout(() => reject(new KvsError('PEER_UNAVAILABLE', `${peer} did not answer`)), req.timeoutMs))
    },
    close: async () => undefined,
  }
  const members = ['127.0.0.3:8085', '127.0.0.4:8085', '127.0.0.5:8085']
  const routing: RoutingView = {
    self: '127.0.0.2:8085',
    config: {epoch: 1, layoutEpoch: 1, shardCount: 1, nodes: ['127.0.0.2:8085', ...members], shards: {'1': members}} as unknown as ClusterConfig,
    route: () => ({members, peers: members, readyPeers: members, primary: members[0]}),
    awaitLayoutEpoch: async () => true,
  }
  const replicator = {shard: null, ready: true, awaitWritable: async () => undefined} as unknown as Replicator
  return {keys: new KeyService(routing, replicator, transport), calls}
}

describe('key service forwarding to paused members', function () {
  for (const method of ['GET', 'PUT'] as const) {
    it(`gives up a ${method} after one shared budget, not one timeout per member`, async () => {
      const {keys, calls} = nodeFacingPausedPeers()
      const answer = await keys.handle({method, key: 'k', value: method === 'PUT' ? 'v' : undefined, meta: null, hops: 0})
      expect(answer.status).to.equal(503)
      expect(calls.length).to.be.at.least(2)
      // The first forward runs to its own 2 s deadline; every later one must end within the
      // same 3.5 s budget, i.e. at most 1.5 s after the first (one 2 s timeout per member
      // would put the last deadline 4 s or more after the first).
      const deadlines = calls.flatMap((call) => call.deadlines)
      expect(Math.max(...deadlines) - Math.min(...deadlines)).to.be.at.most(1500)
      for (const call of calls) expect(call.timeoutMs).to.be.at.most(2000)
    })
  }
})

import {expect} from 'chai'

import {KvsError} from '../../src/errors.js'
import {PeerClient} from '../../src/protocol/peer-client.js'
import type {ClusterConfig} from '../../src/membership/cluster-config.js'
import {KeyService, type ForwardedRequest, type RoutingView} from '../../src/replication/key-service.js'
import type {Replicator} from '../../src/replication/replicator.js'
import type {PeerRequest, PeerResponse, Transport} from '../../src/transport/transport.js'
import {ManualClock} from '../support/manual-clock.js'

const self = '127.0.0.2:8085'

/** Rejects like a transport timeout: once `ms` have passed on `clock`. */
async function timeoutAfter(clock: ManualClock, ms: number, peer: string): Promise<never> {
  await clock.wait(ms)
  throw new KvsError('PEER_UNAVAILABLE', `${peer} did not answer`)
}

/**
 * A node outside the key's shard, whose members are `members` (the first is the primary);
 * `answer` plays every member, given the forwarded requests of each call.
 */
function nodeOutsideShard(
  clock: ManualClock,
  members: string[],
  answer: (peer: string, req: PeerRequest, requests: ForwardedRequest[]) => Promise<PeerResponse>,
  forwardTimeoutMs?: number,
): KeyService {
  const transport: Transport = {
    request: (peer, req) => answer(peer, req, (JSON.parse(req.body as string) as {requests: ForwardedRequest[]}).requests),
    close: async () => undefined,
  }
  const routing: RoutingView = {
    self,
    config: {configEpoch: 1, layoutEpoch: 1, shardCount: 1, nodes: [self, ...members], shards: {'1': members}} as unknown as ClusterConfig,
    route: () => ({members, peers: members, readyPeers: members, primary: members[0]}),
    awaitLayoutEpoch: async () => true,
  }
  const replicator = {shard: null, ready: true, awaitWritable: async () => undefined} as unknown as Replicator
  return new KeyService(routing, replicator, new PeerClient(transport), forwardTimeoutMs, () => clock.now())
}

/** A node outside the key's shard, whose three shard members are all paused. */
function nodeFacingPausedPeers(clock: ManualClock) {
  const calls: Array<{peer: string; timeoutMs: number; deadlines: number[]}> = []
  const keys = nodeOutsideShard(clock, ['127.0.0.3:8085', '127.0.0.4:8085', '127.0.0.5:8085'], (peer, req, requests) => {
    calls.push({peer, timeoutMs: req.timeoutMs, deadlines: requests.map((r) => r.deadline)})
    // A paused peer: no answer until the caller's own timeout.
    return timeoutAfter(clock, req.timeoutMs, peer)
  })
  return {keys, calls}
}

/**
 * A node outside the key's shard whose shard has two members: the first is paused (it
 * holds every request unanswered, as a stopped process would), the second answers at once.
 */
function nodeFacingPausedPrimary(clock: ManualClock, forwardTimeoutMs: number) {
  const [paused, survivor] = ['127.0.0.3:8085', '127.0.0.4:8085']
  /** Each forwarded write as the paused member holds it, and when the survivor got it. */
  const heldDeadline = new Map<string, number>()
  const retriedAt = new Map<string, number>()
  const keys = nodeOutsideShard(
    clock,
    [paused, survivor],
    async (peer, req, requests) => {
      if (peer === paused) {
        for (const r of requests) heldDeadline.set(r.key, r.deadline)
        return timeoutAfter(clock, req.timeoutMs, peer)
      }
      for (const r of requests) retriedAt.set(r.key, clock.now())
      return {status: 200, text: JSON.stringify({answers: requests.map(() => ({status: 200, body: '{}'}))})}
    },
    forwardTimeoutMs,
  )
  return {keys, heldDeadline, retriedAt}
}

describe('key service forwarding to paused members', function () {
  // Writes queued behind a call to a paused primary leave in one batch, which is given up at
  // its earliest deadline; a write carrying a later one would be applied by the primary if
  // it resumed in between, as a new write newer than everything written since its retry.
  it('retries a write on another member only once the deadline the paused member holds has passed', async () => {
    const clock = new ManualClock()
    const {keys, heldDeadline, retriedAt} = nodeFacingPausedPrimary(clock, 300)
    const start = clock.now()
    const put = (key: string) => keys.handle({method: 'PUT', key, value: 'v', meta: null, hops: 0})
    const answers = [put('k1')]
    // Two more writes while the first call is on the wire, at distinct times.
    await clock.advance(50)
    answers.push(put('k2'))
    await clock.advance(100)
    answers.push(put('k3'))
    for (const answer of await clock.runUntil(Promise.all(answers))) expect(answer.status).to.equal(200)

    expect([...heldDeadline.keys()].sort(), 'writes the paused member holds').to.deep.equal(['k1', 'k2', 'k3'])
    for (const [key, deadline] of heldDeadline) {
      const retried = retriedAt.get(key) as number
      expect(retried, `${key} retried on the survivor (${retried - start} ms) no sooner than its deadline at the paused member (${deadline - start} ms)`).to.be.at.least(deadline)
    }
  })

  for (const method of ['GET', 'PUT'] as const) {
    it(`gives up a ${method} after one shared budget, not one timeout per member`, async () => {
      const clock = new ManualClock()
      const {keys, calls} = nodeFacingPausedPeers(clock)
      const answer = await clock.runUntil(keys.handle({method, key: 'k', value: method === 'PUT' ? 'v' : undefined, meta: null, hops: 0}))
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

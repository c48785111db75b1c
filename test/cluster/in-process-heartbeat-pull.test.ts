/**
 * When a heartbeat makes a replica pull from a peer. Under write load a peer is nearly
 * always a little ahead because its replication is on the wire; pulling then fetches those
 * ops twice. A replica pulls only what the peer already had one heartbeat earlier.
 */
import {expect} from 'chai'
import {KvsError} from '../../src/errors.js'
import {InProcessCluster} from './in-process-cluster.js'
import {waitFor} from '../../src/wait-for.js'

describe('in-process pulls started by heartbeats (2 nodes, 1 shard)', function () {
  let cluster: InProcessCluster
  const [a, b] = ['127.0.0.2:8085', '127.0.0.3:8085']
  let syncs: number
  /** a's replication to b is held on the wire until the test calls this. */
  let releaseReplication: () => void
  let held: Promise<void>
  const holdReplication = () => {
    held = new Promise<void>((r) => (releaseReplication = r))
  }

  beforeEach(async () => {
    cluster = await InProcessCluster.start(2, 1)
    syncs = 0
    holdReplication()
    cluster.network.intercept(async ({from, to, req}, deliver) => {
      // The test plays the heartbeats itself, so none of the nodes' own may interfere.
      if (req.path === '/internal/heartbeat') throw new KvsError('PEER_UNAVAILABLE', `${to} did not answer (test)`)
      if (from === b && to === a && req.path === '/internal/sync') syncs++
      if (from === a && to === b && req.path === '/internal/replicate') await held
      return deliver()
    })
  })
  afterEach(async () => {
    releaseReplication()
    cluster.network.intercept(null)
    await cluster.stop()
  })

  const replicaOf = (node: string) => cluster.nodes.get(node)!.replicator
  const heartbeatOfA = () => {
    const {shard, layoutEpoch, clock} = replicaOf(a).summary()
    replicaOf(b).peerAhead({address: a, shard, layoutEpoch, clock: {...clock}})
  }
  /** peerAhead starts any pull it decides on at once: none may run before the heartbeat, and the count after it says. */
  const pullsStartedBy = async (heartbeat: () => void) => {
    await waitFor(() => replicaOf(b).backlog.pulls === 0, {timeoutMs: 10_000, what: 'no pull running at b'})
    heartbeat()
    return replicaOf(b).backlog.pulls
  }
  const put = (key: string) => void cluster.request(a, 'PUT', `/key-value-store/${key}`, {value: 'v', 'causal-metadata': ''})

  it('does not pull ops whose replication is still on the wire', async () => {
    put('k1')
    await waitFor(() => replicaOf(a).summary().applied === 1, {timeoutMs: 10_000, what: 'a to apply k1'})
    expect(await pullsStartedBy(heartbeatOfA), 'pulls after the first heartbeat that showed a ahead').to.equal(0)

    const releaseFirst = releaseReplication
    holdReplication()
    releaseFirst()
    await waitFor(() => replicaOf(b).summary().applied === 1, {timeoutMs: 10_000, what: 'b to get k1 by replication'})
    put('k2')
    await waitFor(() => replicaOf(a).summary().applied === 2, {timeoutMs: 10_000, what: 'a to apply k2'})
    expect(replicaOf(b).summary().applied, 'k2 still on the wire').to.equal(1)
    expect(await pullsStartedBy(heartbeatOfA), 'pulls when what a had one heartbeat ago had arrived').to.equal(0)
    expect(syncs).to.equal(0)
  })

  it('pulls what the peer already had one heartbeat ago and still has not arrived', async () => {
    put('k1')
    await waitFor(() => replicaOf(a).summary().applied === 1, {timeoutMs: 10_000, what: 'a to apply k1'})
    heartbeatOfA()
    expect(await pullsStartedBy(heartbeatOfA), 'pulls after the second heartbeat that showed a ahead').to.equal(1)
    await waitFor(() => replicaOf(b).summary().applied === 1, {timeoutMs: 10_000, what: 'b to get k1 by a pull'})
    expect(syncs).to.equal(1)
  })
})

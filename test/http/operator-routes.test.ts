import {expect} from 'chai'
import {injectJson} from './inject-json.js'
import {InProcessCluster} from '../cluster/in-process-cluster.js'
import {waitFor} from '../../src/wait-for.js'

/** Operator routes (/admin) answered with inject(). */
describe('operator routes', function () {
  let cluster: InProcessCluster
  const a = '127.0.0.2:8085'

  before(async () => {
    cluster = await InProcessCluster.start(2, 1)
  })
  after(async () => cluster.stop())

  const inject = (url: string) => injectJson(cluster.nodes.get(a)!.app, 'GET', url)

  it('GET /admin/status reports the process: memory, live resources and replication queues', async () => {
    const {status, body} = await inject('/admin/status?gc=true')
    expect(status).to.equal(200)
    const p = body.process
    expect(p.gc, 'a GC runs only where it is exposed').to.equal(typeof (globalThis as {gc?: unknown}).gc === 'function')
    for (const field of ['rssBytes', 'heapUsedBytes', 'heapTotalBytes', 'externalBytes', 'inboundConnections']) expect(p[field], field).to.be.a('number')
    expect(p.activeResources).to.be.an('object')
    expect(p.openFds, 'Linux has /proc/self/fd').to.be.a('number').greaterThan(2)
    expect(p.peerSockets, 'the in-memory transport has no sockets').to.equal(null)
    // Start-up pulls may still run: an idle cluster's queues empty within a deadline.
    const idle = {pendingOps: 0, pulls: 0, waiters: 0, transfers: 0}
    await waitFor(async () => JSON.stringify((await inject('/admin/status')).body.process.backlog) === JSON.stringify(idle), {
      timeoutMs: 10_000,
      what: `empty replication queues (were ${JSON.stringify(p.backlog)})`,
    })
    expect((await inject('/admin/status?gc=maybe')).status).to.equal(400)
  })
})

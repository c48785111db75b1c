/**
 * Health, metrics and drain of real node processes. /metrics carries process metrics and
 * op log timings, which the in-process nodes of test/http do not have.
 *
 * SIGTERM drains a real node process (DESIGN.md section 10): /readyz turns 503 at once,
 * requests keep being served for KVS_DRAIN_DELAY_MS, requests in flight finish, the op log
 * is flushed, and the process exits 0.
 *
 * What clients see, as the README documents it: every request sent before the SIGTERM
 * succeeds; a request sent after it succeeds while the drain delay lasts, and once the
 * server closes is refused cleanly (503 JSON, or the connection is refused), never cut
 * off halfway or left hanging. Like a load balancer, the clients here stop sending once
 * /readyz says 503.
 */
import {expect} from 'chai'
import {request} from 'undici'
import {http, startCluster, type Cluster} from '../support/cluster.js'
import {parsePrometheus, sampleValue} from '../support/prometheus-text.js'
import {waitFor} from '../../src/wait-for.js'

interface Outcome {
  /** Sent before the SIGTERM was. */
  beforeSigterm: boolean
  key: string
  status: number | null
  error?: string
}

describe('health, metrics and drain (real processes)', function () {
  this.timeout(120_000)
  let cluster: Cluster

  before(async () => {
    cluster = await startCluster({nodes: 2, shards: 1, env: {KVS_DRAIN_DELAY_MS: '1500', KVS_DRAIN_TIMEOUT_MS: '5000'}})
  })
  after(async () => cluster?.stopAll())

  it('GET /metrics has kvs_ process metrics and op log append and fsync timings', async () => {
    const [, b] = cluster.addresses
    for (let i = 0; i < 5; i++) expect((await http(b, 'PUT', `/key-value-store/m${i}`, {value: 'v', 'causal-metadata': ''})).status).to.equal(201)
    const res = await request(`http://${b}/metrics`, {signal: AbortSignal.timeout(5000), headersTimeout: 5000, bodyTimeout: 5000})
    expect(res.statusCode).to.equal(200)
    const metrics = parsePrometheus(await res.body.text())
    expect(sampleValue(metrics, 'kvs_process_cpu_user_seconds_total')).to.be.a('number')
    expect(sampleValue(metrics, 'kvs_nodejs_eventloop_lag_seconds')).to.be.a('number')
    expect(sampleValue(metrics, 'kvs_oplog_append_duration_seconds_count')).to.be.at.least(5)
    // The default policy ('interval') fsyncs every 100 ms while there is something to sync.
    expect(metrics.types.get('kvs_oplog_fsync_duration_seconds')).to.equal('histogram')
    expect(metrics.samples.filter((s) => !s.name.startsWith('kvs_')).map((s) => s.name)).to.deep.equal([])
  })

  it('turns /readyz 503 at once, serves or cleanly refuses every request, flushes the log and exits 0', async function () {
    const [a] = cluster.addresses
    await waitFor(async () => (await http(a, 'GET', '/readyz', undefined, {timeoutMs: 1000})).status === 200, {timeoutMs: 30_000, what: `${a} ready`})

    const outcomes: Outcome[] = []
    let sigtermSent = false
    let stopSending = false
    const worker = async (w: number) => {
      for (let i = 0; !stopSending; i++) {
        const beforeSigterm = !sigtermSent
        const key = `drain-${w}-${i}`
        try {
          const res = await http(a, 'PUT', `/key-value-store/${key}`, {value: String(i), 'causal-metadata': ''}, {timeoutMs: 10_000})
          outcomes.push({beforeSigterm, key, status: res.status, ...(res.status >= 300 ? {error: JSON.stringify(res.body)} : {})})
        } catch (error) {
          outcomes.push({beforeSigterm, key, status: null, error: String((error as Error).cause ?? (error as Error).message)})
          // Connection refused: the node has closed its port; nothing more to send.
          return
        }
      }
    }
    const workers = Array.from({length: 4}, (_, w) => worker(w))
    await waitFor(() => outcomes.filter((o) => o.status === 201).length >= 40, {timeoutMs: 30_000, what: '40 writes acknowledged before the SIGTERM'})

    const exited = cluster.kill(a, 'SIGTERM')
    sigtermSent = true
    const readyz = await waitFor(
      async () => {
        const r = await http(a, 'GET', '/readyz', undefined, {timeoutMs: 1000})
        return r.status === 503 ? r : null
      },
      {timeoutMs: 10_000, intervalMs: 20, what: `${a} /readyz to answer 503 after SIGTERM`},
    )
    expect(readyz.body).to.include({status: 'not ready', reason: 'draining'})
    expect(cluster.node(a).running, '503 seen before the process exited').to.equal(true)
    // The node keeps serving for its drain delay (1.5 s): writes sent after the SIGTERM are
    // served meanwhile. Sending goes on until one was, or the node closed its port.
    await waitFor(() => outcomes.some((o) => !o.beforeSigterm && (o.status === 201 || o.status === null)), {
      timeoutMs: 10_000,
      what: 'a write sent after the SIGTERM to be answered',
    })
    stopSending = true
    await Promise.all(workers)
    await exited

    const info = cluster.node(a)
    expect(info.exitCode, cluster.logTail(a)).to.equal(0)
    expect(cluster.logTail(a, 20)).to.match(/drained: op log flushed/)

    const failed = outcomes.filter((o) => o.status !== 201 && o.status !== 200)
    const beforeFailed = failed.filter((o) => o.beforeSigterm)
    expect(beforeFailed, 'requests sent before SIGTERM all succeed').to.deep.equal([])
    const unclean = failed.filter((o) => !(o.status === 503 || (o.status === null && /ECONNREFUSED/.test(o.error ?? ''))))
    expect(unclean, 'anything else is refused cleanly').to.deep.equal([])
    expect(outcomes.filter((o) => !o.beforeSigterm && o.status === 201).length, 'served during the drain delay').to.be.greaterThan(0)

    // Nothing acknowledged was lost: the other member holds every write (replicated before the answer).
    const acknowledged = outcomes.filter((o) => o.status === 201)
    expect(acknowledged.length).to.be.greaterThan(40)
    const b = cluster.addresses[1]
    for (const o of acknowledged) {
      const res = await http(b, 'GET', `/key-value-store/${o.key}`, {'causal-metadata': ''})
      expect(res.status, `${o.key} on ${b}`).to.equal(200)
    }
  })
})

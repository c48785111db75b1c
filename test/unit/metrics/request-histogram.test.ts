import {expect} from 'chai'
import fc from 'fast-check'
import {Histogram, Registry} from 'prom-client'
import {RequestHistogram} from '../../../src/metrics/request-histogram.js'
import {parsePrometheus} from '../../support/prometheus-text.js'

/** The hand-rolled request histogram exposes exactly what prom-client's Histogram would. */
describe('RequestHistogram', () => {
  const bounds = [0.001, 0.01, 0.1, 1]
  const name = 'kvs_test_duration_seconds'

  async function both(observations: ReadonlyArray<{method: string; route: string; code: number; seconds: number}>) {
    const oursRegistry = new Registry()
    const ours = new RequestHistogram(name, 'help', bounds)
    oursRegistry.registerMetric(ours as never)
    const theirsRegistry = new Registry()
    const theirs = new Histogram({name, help: 'help', labelNames: ['method', 'route', 'code'], buckets: bounds, registers: [theirsRegistry]})
    for (const o of observations) {
      ours.route(o.route).observe(o.method, o.code, o.seconds)
      theirs.observe({method: o.method, route: o.route, code: String(o.code)}, o.seconds)
    }
    const sorted = async (r: Registry) => {
      const e = parsePrometheus(await r.metrics())
      expect(e.types.get(name)).to.equal('histogram')
      return e.samples.map((s) => JSON.stringify([s.name, Object.entries(s.labels).sort(), s.value])).sort()
    }
    return {ours: await sorted(oursRegistry), theirs: await sorted(theirsRegistry)}
  }

  it('counts a value equal to a bound in that bucket (le is inclusive)', async () => {
    const {ours, theirs} = await both([
      {method: 'GET', route: '/a', code: 200, seconds: 0.01},
      {method: 'GET', route: '/a', code: 200, seconds: 5},
    ])
    expect(ours).to.deep.equal(theirs)
    expect(ours).to.include(JSON.stringify(['kvs_test_duration_seconds_bucket', [['code', '200'], ['le', '0.01'], ['method', 'GET'], ['route', '/a']], 1]))
  })

  it('matches prom-client for any observations', async () => {
    const observation = fc.record({
      method: fc.constantFrom('GET', 'PUT', 'DELETE'),
      route: fc.constantFrom('/key-value-store/:key', '/livez', 'unmatched'),
      code: fc.constantFrom(200, 201, 404, 503),
      seconds: fc.oneof(fc.constantFrom(0, ...bounds), fc.double({min: 0, max: 10, noNaN: true})),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(observation, {maxLength: 40}), async (observations) => {
        const {ours, theirs} = await both(observations)
        expect(ours).to.deep.equal(theirs)
      }),
      {numRuns: 100},
    )
  })
})

/**
 * The request duration histogram, counted on every request's path. prom-client's
 * Histogram.observe() validates, builds and hashes the label set on each call (about 1 µs
 * measured in a loop on these machines); here each route has its own series table, found by
 * status code and method through two small Maps, so a request costs two lookups, a bucket
 * search over 14 bounds and three additions. The registry reads it at scrape time through
 * the same get() shape as prom-client's own metrics.
 */
/** One sample line, in the shape prom-client's registry formats (Registry.getMetricsAsString). */
export interface SampleValue {
  metricName: string
  labels: Record<string, string>
  value: number
}

interface Series {
  readonly labels: Readonly<Record<string, string>>
  /** Non-cumulative counts: counts[i] for bounds[i - 1] < v <= bounds[i]; the last one for v > every bound. */
  readonly counts: Float64Array
  sum: number
  count: number
}

/** The series of one route pattern; `observe` is what its onResponse hook calls. */
export class RouteSeries {
  private readonly byCode = new Map<number, Map<string, Series>>()

  constructor(
    private readonly route: string,
    private readonly bounds: readonly number[],
    private readonly all: Series[],
  ) {}

  observe(method: string, code: number, seconds: number): void {
    let byMethod = this.byCode.get(code)
    if (!byMethod) this.byCode.set(code, (byMethod = new Map()))
    let series = byMethod.get(method)
    if (!series) {
      series = {labels: {method, route: this.route, code: String(code)}, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0}
      byMethod.set(method, series)
      this.all.push(series)
    }
    let i = 0
    while (i < this.bounds.length && seconds > this.bounds[i]) i++
    series.counts[i]++
    series.sum += seconds
    series.count++
  }
}

export class RequestHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  private readonly routes = new Map<string, RouteSeries>()
  private readonly all: Series[] = []

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  /** The series of `route` (a pattern, never a URL: the label set must stay bounded). */
  route(route: string): RouteSeries {
    let series = this.routes.get(route)
    if (!series) this.routes.set(route, (series = new RouteSeries(route, this.bounds, this.all)))
    return series
  }

  /** Cumulative buckets, sum and count of every series, as prom-client's registry formats them. */
  async get(): Promise<{name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: SampleValue[]}> {
    const values: SampleValue[] = []
    for (const s of this.all) {
      let cumulative = 0
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.counts[i]
        const le = i < this.bounds.length ? String(this.bounds[i]) : '+Inf'
        values.push({metricName: `${this.name}_bucket`, labels: {...s.labels, le}, value: cumulative})
      }
      values.push({metricName: `${this.name}_sum`, labels: s.labels, value: s.sum})
      values.push({metricName: `${this.name}_count`, labels: s.labels, value: s.count})
    }
    return {name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values}
  }
}

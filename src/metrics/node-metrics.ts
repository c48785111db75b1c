/**
 * A node's Prometheus metrics (GET /metrics): names `kvs_*`, base units (seconds, counts).
 *
 * Each node has its own registry, not prom-client's global one, so that several nodes in
 * one process (the in-process test clusters) neither collide nor mix their figures.
 * Figures that already live elsewhere (keys, peer states, replication lag) are read when
 * scraped, through `NodeGauges`; only events are counted as they happen, each with one
 * cheap observe() on the path that causes it.
 */
import {collectDefaultMetrics, Counter, Gauge, Histogram, Registry} from 'prom-client'
import type {VectorClock} from '../clock/vector-clock.js'
import type {OpLogObserver} from '../storage/types.js'
import {RequestHistogram, type RouteSeries} from './request-histogram.js'

/** What the scrape-time gauges read from the running node (src/node connects them). */
export interface NodeGauges {
  /** The shard whose replica this node holds, and its live keys; null shard when it holds none. */
  replica(): {shard: number | null; keys: number; clock: VectorClock}
  /** 1 when GET /readyz would answer 200. */
  ready(): boolean
  configEpoch(): number
  /** Every other node of the configuration, with whether the failure detector sees it up. */
  peers(): ReadonlyArray<{address: string; up: boolean}>
  /** Peers holding the same shard, with the shard clock their last heartbeat showed (null: never heard). */
  shardPeers(): ReadonlyArray<{address: string; clock: VectorClock | null}>
  /** Keys copied so far and to copy by this node toward a reshard's new layout; null when none runs. */
  reshard(): {moved: number; total: number} | null
  /** What catch-up has fetched from peers since the node started. */
  catchUp(): {ops: number; transfers: number}
}

export interface NodeMetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC) prefixed `kvs_`: one per process, so only the daemon asks. */
  processMetrics?: boolean
}

/** Seconds; from 0.25 ms (a local GET) to 5 s (a request bounded by peer deadlines). */
const requestBuckets = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
/** Seconds; from 50 µs (a write to the page cache) to 1 s (an fsync on a busy disk). */
const diskBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

export class NodeMetrics {
  readonly registry = new Registry()
  readonly contentType = this.registry.contentType
  private readonly requests: RequestHistogram
  private readonly appends: Histogram
  private readonly fsyncs: Histogram
  private readonly missed: Counter<'peer'>
  private gauges: NodeGauges | null = null

  constructor(opts: NodeMetricsOptions = {}) {
    const registers = [this.registry]
    this.requests = new RequestHistogram(
      'kvs_http_request_duration_seconds',
      'HTTP requests answered by this node, by method, route pattern and status code (seconds from request to response end)',
      requestBuckets,
    )
    // A custom metric with prom-client's get() shape; its types only name prom-client's own classes.
    this.registry.registerMetric(this.requests as never)
    this.appends = new Histogram({
      name: 'kvs_oplog_append_duration_seconds',
      help: 'From an op log append to its resolution: written to the file (and fsynced under fsync=always), group commit wait included',
      buckets: diskBuckets,
      registers,
    })
    this.fsyncs = new Histogram({name: 'kvs_oplog_fsync_duration_seconds', help: 'One fsync of an op log segment', buckets: diskBuckets, registers})
    this.missed = new Counter({
      name: 'kvs_heartbeats_missed_total',
      help: 'Heartbeats this node sent that got no 200 answer within their deadline, by peer',
      labelNames: ['peer'],
      registers,
    })
    // Gauges read the node at scrape time: nothing to keep up to date on the hot path.
    const self = this
    new Gauge({
      name: 'kvs_shard_keys',
      help: 'Live keys in the replica of its shard this node holds',
      labelNames: ['shard'],
      registers,
      collect() {
        this.reset()
        const r = self.gauges?.replica()
        if (r && r.shard !== null) this.set({shard: String(r.shard)}, r.keys)
      },
    })
    new Gauge({
      name: 'kvs_node_ready',
      help: '1 when GET /readyz answers 200 (recovered, in the configuration, caught up, not draining)',
      registers,
      collect() {
        this.set(self.gauges?.ready() ? 1 : 0)
      },
    })
    new Gauge({
      name: 'kvs_config_epoch',
      help: 'Epoch of the cluster configuration this node has installed',
      registers,
      collect() {
        this.set(self.gauges?.configEpoch() ?? 0)
      },
    })
    new Gauge({
      name: 'kvs_peer_up',
      help: '1 while the failure detector sees the peer up (heard from within about 3 s)',
      labelNames: ['peer'],
      registers,
      collect() {
        this.reset()
        for (const p of self.gauges?.peers() ?? []) this.set({peer: p.address}, p.up ? 1 : 0)
      },
    })
    new Gauge({
      name: 'kvs_replication_lag_ops',
      help: "Writes this node has applied to its shard that the peer's last heartbeat (about every 500 ms) did not show",
      labelNames: ['peer'],
      registers,
      collect() {
        this.reset()
        const r = self.gauges?.replica()
        if (!r || r.shard === null) return
        for (const p of self.gauges?.shardPeers() ?? []) {
          if (p.clock) this.set({peer: p.address}, opsMissing(r.clock, p.clock))
        }
      },
    })
    new Gauge({
      name: 'kvs_reshard_active',
      help: '1 while this node takes part in a reshard (copying toward the new layout, or holding writes for its cutover)',
      registers,
      collect() {
        this.set(self.gauges?.reshard() ? 1 : 0)
      },
    })
    new Gauge({
      name: 'kvs_reshard_progress_ratio',
      help: 'Share of the keys of its new shard this node has copied so far, while a reshard runs (1 when it has none to copy); 0 when none runs (see kvs_reshard_active)',
      registers,
      collect() {
        const r = self.gauges?.reshard()
        this.set(!r ? 0 : r.total === 0 ? 1 : r.moved / r.total)
      },
    })
    // Totals kept by the replicator: set, not incremented, at each scrape.
    new Counter({
      name: 'kvs_catchup_ops_total',
      help: 'Single writes catch-up fetched from shard peers since the node started',
      registers,
      collect() {
        this.reset()
        this.inc(self.gauges?.catchUp().ops ?? 0)
      },
    })
    new Counter({
      name: 'kvs_catchup_transfers_total',
      help: 'Whole-replica copies catch-up fetched from shard peers since the node started (the peer had compacted past what was missing)',
      registers,
      collect() {
        this.reset()
        this.inc(self.gauges?.catchUp().transfers ?? 0)
      },
    })
    if (opts.processMetrics) collectDefaultMetrics({register: this.registry, prefix: 'kvs_'})
  }

  /** Connects the scrape-time gauges to the node (once it is built). */
  watch(gauges: NodeGauges): void {
    this.gauges = gauges
  }

  /** The request duration series of one route pattern (bounded cardinality), never of a URL: each route's hook keeps its own. */
  requestSeries(route: string): RouteSeries {
    return this.requests.route(route)
  }

  /** One answered HTTP request; `route` is the route pattern. Route hooks use requestSeries(), which skips the lookup. */
  observeRequest(method: string, route: string, code: number, seconds: number): void {
    this.requests.route(route).observe(method, code, seconds)
  }

  /** A heartbeat to `peer` failed or timed out. */
  heartbeatMissed(peer: string): void {
    this.missed.inc({peer})
  }

  /** What the op log reports (storage/types.ts OpLogObserver). */
  readonly opLog: OpLogObserver = {
    appended: (seconds) => this.appends.observe(seconds),
    synced: (seconds) => this.fsyncs.observe(seconds),
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics()
  }
}

/** Writes in `mine` that `theirs` lacks: the sum over members of how far `mine` is ahead. */
export function opsMissing(mine: VectorClock, theirs: VectorClock): number {
  let missing = 0
  for (const [member, n] of Object.entries(mine)) missing += Math.max(0, n - (theirs[member] ?? 0))
  return missing
}

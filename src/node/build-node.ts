/**
 * The one place that builds every part of a node and connects them. Seams (storage,
 * transport) come in from outside, so tests can pass their in-memory twins.
 */
import type {FastifyInstance} from 'fastify'
import type {Logger} from 'pino'
import {KvsError} from '../errors.js'
import {buildApp} from '../http/app.js'
import {openTokens} from '../http/auth-hooks.js'
import {notReadyReason} from '../http/health-routes.js'
import {fromStored, initialConfig, membersOf, type StoredConfig} from '../membership/cluster-config.js'
import {Membership} from '../membership/membership.js'
import {ReshardCoordinator} from '../membership/reshard.js'
import {BatchService} from '../replication/batch-service.js'
import {KeyService} from '../replication/key-service.js'
import {HeartbeatWatch} from '../metrics/heartbeat-watch.js'
import {NodeMetrics} from '../metrics/node-metrics.js'
import {PeerClient} from '../protocol/peer-client.js'
import type {ReplicaStore} from '../replication/replica-store.js'
import {Replicator} from '../replication/replicator.js'
import {ScanService} from '../replication/scan-service.js'
import type {MetaStore} from '../storage/types.js'
import {FaultyTransport, PeerFaults} from '../transport/fault-injection.js'
import type {Transport} from '../transport/transport.js'
import {defaultReshardTimeoutSeconds, isLoopbackAddress, type DrainOptions, type NodeOptions} from './options.js'

/** Longest a newcomer may take to copy a shard before add-member goes on without its copy. */
const joinCopyTimeoutMs = 120_000

/** Small metadata kept beside the op log (as written by this version or an earlier one). */
export interface NodeMeta {
  address: string
  config: StoredConfig | null
}

export type NodeStorage = ReplicaStore & {meta: MetaStore<NodeMeta>; close(): Promise<void>}

export interface NodeParts {
  readonly app: FastifyInstance
  readonly membership: Membership
  readonly replicator: Replicator
  /** The faults in force, when the node runs with fault injection (test only). */
  readonly faults: PeerFaults | null
  readonly metrics: NodeMetrics
  /** True from drain() on: GET /readyz answers 503 'draining'. */
  readonly draining: boolean
  /**
   * Recovers the replica from disk, then starts heartbeats, the announcement and the
   * catch-up. Called once the app answers, so a large data set does not keep the node
   * silent: until recovered, it counts as not ready and forwards key requests to peers.
   */
  start(): Promise<void>
  /**
   * The graceful stop (SIGTERM): /readyz turns 503 at once; requests are still served for
   * `delayMs`; then heartbeats stop and the server closes: requests in flight finish, new
   * ones get 503 and idle connections are closed. Connections still busy after `timeoutMs`
   * are cut. Last, the op log is flushed (and fsynced) and the data directory released.
   * Idempotent, and shares its end with close().
   */
  drain(opts: DrainOptions): Promise<void>
  /** drain() without the delay and with a 1 s bound on requests in flight. */
  close(): Promise<void>
}

/** What the daemon passes in beyond the seams. */
export interface NodeExtras {
  /** The node's metrics (the daemon makes them first, so storage can report to them); default: new ones without process metrics. */
  metrics?: NodeMetrics
}

/**
 * Builds a node from its seams without listening; tests pass in-memory twins. With
 * `faultInjection`, every peer call goes through a FaultyTransport and /admin/faults exists.
 */
export async function buildNode(
  options: Pick<NodeOptions, 'address' | 'view' | 'shardCount'> & Partial<Pick<NodeOptions, 'listen' | 'faultInjection' | 'reshardTimeoutSeconds' | 'tokens'>>,
  storage: NodeStorage,
  peerTransport: Transport,
  logger: Logger,
  extras: NodeExtras = {},
): Promise<NodeParts> {
  const metrics = extras.metrics ?? new NodeMetrics()
  const log = logger.child({node: options.address})
  const faults = options.faultInjection ? new PeerFaults(options.address) : null
  const transport = faults ? new FaultyTransport(peerTransport, faults) : peerTransport
  if (faults) log.warn('fault injection is on: POST /admin/faults can cut this node off from its peers (test only)')
  const tokens = options.tokens ?? openTokens
  const bound = options.listen ?? options.address
  if ((!tokens.client || !tokens.cluster) && !isLoopbackAddress(bound)) {
    const open = [!tokens.cluster && 'node-to-node routes (set KVS_CLUSTER_TOKEN)', !tokens.client && 'client and admin routes (set KVS_TOKEN)'].filter(Boolean)
    log.warn(`no token protects this node's ${open.join(' nor its ')}: anyone who can reach ${bound} can use them`)
  }
  const saved = await storage.meta.read()
  if (saved && saved.address !== options.address) {
    throw new KvsError('USAGE', `this data directory belongs to node ${saved.address}, not ${options.address}`)
  }
  const initial = saved?.config ? fromStored(saved.config) : (options.view && options.shardCount ? initialConfig(options.view, options.shardCount) : null)
  if (!saved?.config && initial) await storage.meta.write({address: options.address, config: initial})

  let replicator: Replicator | undefined
  const health = {
    recovered: false,
    draining: false,
    get storageFailure() {
      return storage.log.failure
    },
  }
  const peers = new PeerClient(transport)
  const membership = new Membership({
    self: options.address,
    peers: new PeerClient(new HeartbeatWatch(transport, metrics)),
    transport,
    initial,
    seeds: options.view ?? initial?.nodes ?? [],
    // A draining node says it is not ready, as a copying one does: peers stop choosing it as
    // primary and read elsewhere first within a heartbeat, before it closes its port.
    localSummary: () => {
      const summary = (replicator as Replicator).summary()
      return health.draining ? {...summary, ready: false} : summary
    },
    onInstall: (next, previous) => (replicator as Replicator).install(next, previous),
    persist: async (next) => {
      await storage.meta.write({address: options.address, config: next})
      ;(replicator as Replicator).persisted()
    },
    onPeerAhead: (peer) => replicator?.peerAhead(peer),
    log,
  })
  const local = new Replicator({cluster: membership, peers, store: storage, log})
  replicator = local
  const keys = new KeyService(membership, local, peers)
  const batches = new BatchService(membership, local, peers)
  const scans = new ScanService(membership, local, peers)
  const reshard = new ReshardCoordinator(membership, peers, local.reshard, log, {
    copyTimeoutMs: (options.reshardTimeoutSeconds ?? defaultReshardTimeoutSeconds) * 1000,
  })
  const ready = () =>
    notReadyReason({
      storageFailed: health.storageFailure !== null,
      draining: health.draining,
      recovered: health.recovered,
      inConfiguration: membership.config?.nodes.includes(options.address) ?? false,
      caughtUp: local.ready,
    }) === null
  metrics.watch({
    replica: () => {
      const s = local.summary()
      return {shard: s.shard, keys: local.liveKeys, clock: s.clock}
    },
    ready,
    configEpoch: () => membership.config?.configEpoch ?? 0,
    peers: () => (membership.config?.nodes ?? []).filter((n) => n !== options.address).map((address) => ({address, up: membership.isUp(address)})),
    shardPeers: () => {
      const config = membership.config
      const shard = local.shard
      if (!config || shard === null) return []
      return membersOf(config, shard)
        .filter((m) => m !== options.address)
        .map((address) => ({address, clock: shardClockOf(membership, address, shard)}))
    },
    reshard: () => {
      const copy = local.reshard.status
      return copy ? {moved: copy.copied, total: copy.total} : null
    },
    catchUp: () => local.fetched,
  })
  const prepareJoin = async (address: string, shard: number): Promise<void> => {
    const layoutEpoch = membership.config?.layoutEpoch ?? 0
    const members = membership.route(shard).members.filter((m) => m !== address)
    if (members.length === 0 || layoutEpoch === 0) return
    try {
      if (address === options.address) await local.prepareJoin(shard, layoutEpoch, members)
      else await peers.joinPrepare(address, {shard, layoutEpoch, peers: members}, joinCopyTimeoutMs)
    } catch (error) {
      log.warn({address, shard, err: String(error)}, 'the newcomer could not copy the shard ahead; it copies on joining')
    }
  }
  const app = buildApp({membership, replicator: local, keys, batches, scans, transport, faults, log, health, metrics, reshard, prepareJoin, tokens})

  let closing: Promise<void> | undefined
  const drain = ({delayMs, timeoutMs}: DrainOptions): Promise<void> =>
    (closing ??= (async () => {
      health.draining = true
      if (delayMs > 0) {
        log.info({delayMs}, 'draining: /readyz answers 503, requests are still served')
        await new Promise((resolve) => setTimeout(resolve, delayMs))
      }
      membership.stop()
      const closed = app.close()
      // app.close() resolves once every connection has ended; a request that outlives the bound is cut.
      const cut = setTimeout(() => {
        log.warn({timeoutMs}, 'drain timeout: closing connections with requests still in flight')
        app.server.closeAllConnections()
      }, timeoutMs)
      try {
        await closed
      } finally {
        clearTimeout(cut)
      }
      await transport.close()
      await local.beforeClose()
      await storage.close()
      log.info('drained: op log flushed, data directory released')
    })())
  return {
    app,
    membership,
    replicator: local,
    faults,
    metrics,
    get draining() {
      return health.draining
    },
    async start() {
      await local.recover(initial)
      health.recovered = true
      membership.start()
      if (options.view) membership.announce()
      void local.syncOnStart(3000)
    },
    drain,
    close: () => drain({delayMs: 0, timeoutMs: 1000}),
  }
}

/** The peer's clock for `shard` as its last heartbeat showed it; null when none showed that shard. */
function shardClockOf(membership: Membership, address: string, shard: number) {
  const summary = membership.peerSummary(address)
  return summary && summary.shard === shard ? summary.clock : null
}


/**
 * The one place that builds every part of a node and connects them. Seams (storage,
 * transport) come in from outside, so tests can pass their in-memory twins.
 */
import type {FastifyInstance} from 'fastify'
import type {Logger} from 'pino'
import {KvsError} from '../errors.js'
import {buildApp} from '../http/app.js'
import {initialConfig, type ClusterConfig} from '../membership/cluster-config.js'
import {Membership} from '../membership/membership.js'
import {ReshardCoordinator} from '../membership/reshard.js'
import {KeyService} from '../replication/key-service.js'
import type {ReplicaStore} from '../replication/replica-store.js'
import {Replicator} from '../replication/replicator.js'
import type {MetaStore} from '../storage/types.js'
import {FaultyTransport, PeerFaults} from '../transport/fault-injection.js'
import type {Transport} from '../transport/transport.js'
import {defaultReshardTimeoutSeconds, type NodeOptions} from './options.js'

/** Longest a newcomer may take to copy a shard before add-member goes on without its copy. */
const joinCopyTimeoutMs = 120_000

/** Small metadata kept beside the op log. */
export interface NodeMeta {
  address: string
  config: ClusterConfig | null
}

export type NodeStorage = ReplicaStore & {meta: MetaStore<NodeMeta>; close(): Promise<void>}

export interface NodeParts {
  readonly app: FastifyInstance
  readonly membership: Membership
  readonly replicator: Replicator
  /** The faults in force, when the node runs with fault injection (test only). */
  readonly faults: PeerFaults | null
  /**
   * Recovers the replica from disk, then starts heartbeats, the announcement and the
   * catch-up. Called once the app answers, so a large data set does not keep the node
   * silent: until recovered, it counts as not ready and forwards key requests to peers.
   */
  start(): Promise<void>
  close(): Promise<void>
}

/**
 * Builds a node from its seams without listening; tests pass in-memory twins. With
 * `faultInjection`, every peer call goes through a FaultyTransport and /admin/faults exists.
 */
export async function buildNode(
  options: Pick<NodeOptions, 'address' | 'view' | 'shardCount'> & Partial<Pick<NodeOptions, 'faultInjection' | 'reshardTimeoutSeconds'>>,
  storage: NodeStorage,
  peerTransport: Transport,
  logger: Logger,
): Promise<NodeParts> {
  const log = logger.child({node: options.address})
  const faults = options.faultInjection ? new PeerFaults(options.address) : null
  const transport = faults ? new FaultyTransport(peerTransport, faults) : peerTransport
  if (faults) log.warn('fault injection is on: POST /admin/faults can cut this node off from its peers (test only)')
  const saved = await storage.meta.read()
  if (saved && saved.address !== options.address) {
    throw new KvsError('USAGE', `this data directory belongs to node ${saved.address}, not ${options.address}`)
  }
  const initial = saved?.config ?? (options.view && options.shardCount ? initialConfig(options.view, options.shardCount) : null)
  if (!saved?.config && initial) await storage.meta.write({address: options.address, config: initial})

  let replicator: Replicator | undefined
  const membership = new Membership({
    self: options.address,
    transport,
    initial,
    seeds: options.view ?? initial?.nodes ?? [],
    localSummary: () => (replicator as Replicator).summary(),
    onInstall: (next, previous) => (replicator as Replicator).install(next, previous),
    persist: async (next) => {
      await storage.meta.write({address: options.address, config: next})
      ;(replicator as Replicator).persisted()
    },
    onPeerAhead: (peer) => replicator?.peerAhead(peer),
    log,
  })
  const local = new Replicator({cluster: membership, transport, store: storage, log})
  replicator = local
  const keys = new KeyService(membership, local, transport)
  const reshard = new ReshardCoordinator(membership, transport, local.reshard, log, {
    copyTimeoutMs: (options.reshardTimeoutSeconds ?? defaultReshardTimeoutSeconds) * 1000,
  })
  const prepareJoin = async (address: string, shard: number): Promise<void> => {
    const layoutEpoch = membership.config?.layoutEpoch ?? 0
    const peers = membership.route(shard).members.filter((m) => m !== address)
    if (peers.length === 0 || layoutEpoch === 0) return
    try {
      if (address === options.address) await local.prepareJoin(shard, layoutEpoch, peers)
      else {
        const res = await transport.request(address, {
          method: 'POST',
          path: '/internal/join/prepare',
          body: JSON.stringify({shard, layoutEpoch, peers}),
          timeoutMs: joinCopyTimeoutMs,
        })
        if (res.status !== 200) throw new KvsError('PEER_UNAVAILABLE', `${address} could not copy the shard (${res.status})`)
      }
    } catch (error) {
      log.warn({address, shard, err: String(error)}, 'the newcomer could not copy the shard ahead; it copies on joining')
    }
  }
  const app = buildApp({membership, replicator: local, keys, transport, faults, log, reshard, prepareJoin})

  let closing: Promise<void> | undefined
  return {
    app,
    membership,
    replicator: local,
    faults,
    async start() {
      await local.recover(initial)
      membership.start()
      if (options.view) membership.announce()
      void local.syncOnStart(3000)
    },
    close: () =>
      (closing ??= (async () => {
        membership.stop()
        await app.close()
        await transport.close()
        await storage.close()
      })()),
  }
}


/** What the HTTP layer calls into; the daemon (src/node) provides it. */
import type {FastifyBaseLogger} from 'fastify'
import type {Membership} from '../membership/membership.js'
import type {ReshardCoordinator} from '../membership/reshard.js'
import type {NodeMetrics} from '../metrics/node-metrics.js'
import type {BatchService} from '../replication/batch-service.js'
import type {KeyService} from '../replication/key-service.js'
import type {Replicator} from '../replication/replicator.js'
import type {ScanService} from '../replication/scan-service.js'
import type {PeerFaults} from '../transport/fault-injection.js'
import type {Transport} from '../transport/transport.js'
import type {NodeTokens} from './auth-hooks.js'

export interface NodeServices {
  readonly membership: Membership
  readonly replicator: Replicator
  readonly keys: KeyService
  /** The batch and scan routes (bulk-routes.ts). */
  readonly batches: BatchService
  readonly scans: ScanService
  readonly transport: Transport
  /** The node's logger: routes log errors here (Fastify itself logs nothing per request). */
  readonly log: FastifyBaseLogger
  /** Present only on a node started with fault injection (test only): /admin/faults. */
  readonly faults?: PeerFaults | null
  /** The node's life cycle as GET /readyz needs it (src/node sets it). */
  readonly health: NodeHealth
  /** Present when the node keeps metrics: GET /metrics and the request duration histogram. */
  readonly metrics?: NodeMetrics | null
  /**
   * Before add-member names `address` a member of `shard`: has it copy the shard while the
   * shard keeps serving. Best effort: a newcomer that could not copy copies on joining.
   */
  prepareJoin(address: string, shard: number): Promise<void>
  /** Runs reshards coordinated by this node, and aborts them. */
  readonly reshard: Pick<ReshardCoordinator, 'run' | 'abort' | 'progress'>
  /** The tokens routes require (API.md section 10.1); absent: every route is open. */
  readonly tokens?: NodeTokens
}

/** Where the node is in its life, beyond what membership and replication say. */
export interface NodeHealth {
  /** False until the replica has been rebuilt from the data directory. */
  readonly recovered: boolean
  /** True from SIGTERM on, while the node finishes its work before it exits. */
  readonly draining: boolean
  /** Why the op log stopped (ENOSPC, EIO): the node then takes no writes and is not ready. Null while it works. */
  readonly storageFailure: Error | null
}

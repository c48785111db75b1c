/**
 * A whole cluster in one process: every node built from its in-memory twins (storage and
 * transport), requests sent with inject(). Fast and deterministic enough for most
 * multi-node behaviour; the other test/cluster files cover real processes.
 */
import {pino} from 'pino'
import {peerHeaders} from '../../src/auth/tokens.js'
import type {NodeTokens} from '../../src/http/auth-hooks.js'
import {buildNode, type NodeMeta, type NodeParts} from '../../src/node/build-node.js'
import type {Op} from '../../src/replication/op.js'
import type {SnapshotHeader, SnapshotRecord} from '../../src/replication/replica-store.js'
import {MemoryStorage} from '../../src/storage/memory-storage.js'
import {InMemoryNetwork, type Wait} from '../../src/transport/in-memory-transport.js'

export type Store = MemoryStorage<SnapshotHeader, SnapshotRecord, Op, NodeMeta>

/** Node settings beyond address, view and shard count. */
export interface NodeExtras {
  /** Build the node with the test-only fault injection seam (/admin/faults). */
  faultInjection?: boolean
  /** Tokens the node requires, and sends to its peers (as a real node does). */
  tokens?: NodeTokens
}

export class InProcessCluster {
  readonly network: InMemoryNetwork
  readonly nodes = new Map<string, NodeParts>()
  readonly storage = new Map<string, Store>()

  /** `wait`: the clock calls to paused nodes run out on (a test's ManualClock; real time by default). */
  constructor(wait?: Wait) {
    this.network = new InMemoryNetwork(wait)
  }

  static async start(count: number, shards: number, options: NodeExtras = {}, wait?: Wait): Promise<InProcessCluster> {
    const cluster = new InProcessCluster(wait)
    const view = Array.from({length: count}, (_, i) => `127.0.0.${i + 2}:8085`)
    await Promise.all(view.map((address) => cluster.startNode(address, view, shards, undefined, options)))
    return cluster
  }

  get addresses(): string[] {
    return [...this.nodes.keys()]
  }

  async startNode(address: string, view: string[] | null, shardCount: number | null, storage?: Store, extras: NodeExtras = {}): Promise<NodeParts> {
    const store = storage ?? new MemoryStorage()
    this.storage.set(address, store)
    const transport = this.network.transport(address, extras.tokens ? peerHeaders(extras.tokens) : undefined)
    const node = await buildNode({address, view, shardCount, ...extras}, store, transport, pino({level: 'silent'}))
    await node.app.ready()
    this.network.register(address, node.app)
    this.nodes.set(address, node)
    await node.start()
    return node
  }

  /** Like SIGKILL: the node disappears with whatever its storage holds. */
  async kill(address: string): Promise<Store> {
    const node = this.nodes.get(address)
    this.network.unregister(address)
    this.nodes.delete(address)
    await node?.close()
    return (this.storage.get(address) as Store).reopen()
  }

  async request(address: string, method: 'GET' | 'PUT' | 'DELETE', url: string, body?: unknown) {
    const node = this.nodes.get(address)
    if (!node) throw new Error(`no node ${address}`)
    const res = await node.app.inject({method, url, payload: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : {'content-type': 'application/json'}})
    return {status: res.statusCode, body: res.json() as Record<string, any>}
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.close()))
    this.nodes.clear()
  }
}

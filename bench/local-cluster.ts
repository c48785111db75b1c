/**
 * A local kvs cluster for one measurement: the product's own local cluster (`kvs cluster
 * up`, src/cli/local-cluster.ts) with its registry in a temp directory of the caller's
 * Scope, so nodes start, restart and stop exactly as an operator's do, by recorded pid,
 * and nothing outlives the bench.
 */
import {readFile} from 'node:fs/promises'
import type {ClientTransport} from '../src/client/transport.js'
import {findFreePort} from '../src/cli/free-port.js'
import {clusterDown, clusterUp, startDetachedNode, stopNode, type LocalContext} from '../src/cli/local-cluster.js'
import {LocalRegistry} from '../src/cli/local-registry.js'
import {isRunning} from '../src/cli/node-process.js'
import {resolveNodeOptions} from '../src/node/options.js'
import {waitFor} from '../src/wait-for.js'
import {nodeAddresses, nodeEnv} from './cluster-plan.js'
import type {FsyncPolicy} from './options.js'
import {parseVmRssBytes} from './scaling-math.js'
import type {Scope} from './scope.js'

export interface LocalClusterOptions {
  nodes: number
  shards: number
  fsync: FsyncPolicy | null
  /** The kvs package root: bin/run.js is started from here. */
  repoRoot: string
  /** When set, nodes run with --cpu-prof and write their profiles here. */
  cpuProfDir: string | null
}

export class LocalCluster {
  private constructor(
    private readonly ctx: LocalContext,
    readonly addresses: string[],
    private readonly options: LocalClusterOptions,
    /** Every pid this cluster started, by address: an interrupted bench kills them without waiting. */
    private readonly pids: Map<string, number>,
  ) {}

  /**
   * Starts every node and resolves once each answers with a view that lists them all.
   * `client` reaches the nodes as the kvs CLI does; the caller closes it.
   */
  static async start(scope: Scope, client: ClientTransport, options: LocalClusterOptions): Promise<LocalCluster> {
    const hosts = nodeAddresses(options.nodes, 0).map((address) => address.split(':')[0])
    const ctx: LocalContext = {
      registry: new LocalRegistry(scope.tempDir('kvs-bench-')),
      transport: client,
      packageRoot: options.repoRoot,
      nodeExecArgv: options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [],
      nodeEnv: nodeEnv(process.env),
    }
    const layout = {firstAddress: hosts[0], nodes: options.nodes, shards: options.shards, port: await findFreePort(hosts)}
    const pids = new Map<string, number>()
    // A clusterUp that fails stops what it started; afterwards the scope stops the nodes.
    const up = await clusterUp(ctx, layout, (address, view, dataDir) => nodeOptions(options, {address, view, dataDir, shardCount: options.shards}), () => {})
    for (const node of up.nodes) pids.set(node.address, node.pid)
    scope.track({stop: () => clusterDown(ctx, false), kill: () => killAll(pids)})
    return new LocalCluster(ctx, up.nodes.map((n) => n.address), options, pids)
  }

  /** Restarts `address` on its data directory; resolves with when it was started, once it answers. */
  async startNode(address: string): Promise<{startedAt: number}> {
    const startedAt = performance.now()
    const started = await startDetachedNode(this.ctx, nodeOptions(this.options, {address, view: null, dataDir: this.ctx.registry.node(address).dataDir, shardCount: null}))
    this.pids.set(address, started.pid)
    return {startedAt}
  }

  /** SIGTERM (SIGKILL after 10 s) and wait for the exit; the data directory stays. */
  async stopNode(address: string): Promise<void> {
    await stopNode(this.ctx, address)
    this.pids.delete(address)
  }

  /** Stops every node and removes the data directories (they can be large). */
  async stop(): Promise<void> {
    await clusterDown(this.ctx, true)
  }

  async rssBytes(address: string): Promise<number> {
    return parseVmRssBytes(await readFile(`/proc/${await this.pid(address)}/status`, 'utf8'))
  }

  /**
   * Polls `probe` against a running node; fails at once with the node's log tail if the
   * node exits meanwhile, instead of waiting out the timeout.
   */
  async poll<T>(address: string, what: string, probe: () => Promise<T>, timeoutMs: number): Promise<NonNullable<T>> {
    const pid = await this.pid(address)
    const exited = async () => ((await isRunning(pid)) ? null : new Error(`node ${address} exited; its log ends:\n${await this.logTail(address)}`))
    return (await waitFor(probe, {timeoutMs, what: `${address}: ${what}`, failure: exited})) as NonNullable<T>
  }

  private async pid(address: string): Promise<number> {
    const pid = await this.ctx.registry.readPid(address)
    if (pid === null) throw new Error(`${address} is not running`)
    return pid
  }

  private async logTail(address: string, lines = 20): Promise<string> {
    const text = await readFile(this.ctx.registry.node(address).logFile, 'utf8').catch(() => '')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  }
}

/** The node's settings: the measured layout, and the bench's fsync policy or the node's default. */
function nodeOptions(options: LocalClusterOptions, node: {address: string; view: string[] | null; dataDir: string; shardCount: number | null}) {
  const flags = {address: node.address, view: node.view?.join(','), shardCount: node.shardCount ?? undefined, dataDir: node.dataDir}
  return resolveNodeOptions(flags, {KVS_FSYNC: options.fsync ?? undefined})
}

/** SIGKILLs every pid, for an interrupted bench, which cannot wait. */
function killAll(pids: Map<string, number>): void {
  for (const pid of pids.values()) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

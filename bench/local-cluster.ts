/**
 * A local kvs cluster of real node processes on loopback addresses, one port shared by all
 * nodes, one data directory each. Nodes are started as the conformance harness starts them
 * (`node bin/run.js node start` from the repository root, configured by environment) and
 * stopped by pid. Everything lives in the caller's Scope, so nothing outlives the bench.
 */
import {mkdirSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {join} from 'node:path'
import {KvsError} from '../src/errors.js'
import {isLoopbackAddress, nodeAddresses, nodeEnv, firstNodeHost} from './cluster-plan.js'
import {NodeApi, pollUntil} from './node-api.js'
import type {FsyncPolicy} from './options.js'
import {findFreePort} from './ports.js'
import {ProcessHandle} from './process-handle.js'
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

/** Nodes must answer within about 2 s (API.md); a loaded 2-core host gets more slack. */
const readyTimeoutMs = 30_000

export class LocalCluster {
  readonly addresses: string[]
  private readonly handles = new Map<string, ProcessHandle>()

  private constructor(
    private readonly scope: Scope,
    private readonly api: NodeApi,
    private readonly options: LocalClusterOptions,
    private readonly root: string,
    port: number,
  ) {
    this.addresses = nodeAddresses(options.nodes, port)
    for (const address of this.addresses) {
      if (!isLoopbackAddress(address)) throw new RangeError(`not a loopback address: ${address}`)
      mkdirSync(this.dataDir(address), {recursive: true})
    }
  }

  /** Starts every node and resolves once each answers with a view that lists them all. */
  static async start(scope: Scope, api: NodeApi, options: LocalClusterOptions): Promise<LocalCluster> {
    const hosts = Array.from({length: options.nodes}, (_, i) => `127.0.0.${firstNodeHost + i}`)
    const port = await findFreePort(hosts)
    const cluster = new LocalCluster(scope, api, options, scope.tempDir('kvs-bench-'), port)
    for (const address of cluster.addresses) cluster.startNode(address)
    await Promise.all(cluster.addresses.map((address) => cluster.waitForFullView(address)))
    return cluster
  }

  /** Starts (or restarts) `address` on its data directory; returns its process. */
  startNode(address: string): ProcessHandle {
    const running = this.handles.get(address)
    if (running && running.exitStatus === null) throw new Error(`${address} is already running`)
    const profile = this.options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${this.options.cpuProfDir}`] : []
    const handle = ProcessHandle.start(
      process.execPath,
      [...profile, join(this.options.repoRoot, 'bin', 'run.js'), 'node', 'start'],
      {
        cwd: this.options.repoRoot,
        logPath: join(this.root, `${address.replace(':', '_')}.log`),
        env: nodeEnv(process.env, {
          address,
          view: this.addresses,
          shardCount: this.options.shards,
          dataDir: this.dataDir(address),
          fsync: this.options.fsync,
        }),
      },
    )
    this.handles.set(address, this.scope.track(handle))
    return handle
  }

  /** Stops every node and removes the data directories (they can be large). */
  async stop(): Promise<void> {
    await Promise.all(this.addresses.map((address) => this.stopNode(address)))
    await rm(this.root, {recursive: true, force: true})
  }

  /** SIGTERM (SIGKILL after 10 s) and wait for the exit; the data directory stays. */
  async stopNode(address: string): Promise<void> {
    await this.process(address).stop()
  }

  process(address: string): ProcessHandle {
    const handle = this.handles.get(address)
    if (!handle) throw new Error(`no node ${address} in this cluster`)
    return handle
  }

  /** Milliseconds from the node's spawn until it answers GET /key-value-store-view. */
  async waitForAnswer(address: string): Promise<number> {
    await this.poll(address, 'an answer to GET /key-value-store-view', async () => (await this.api.view(address)) ?? null)
    return performance.now() - this.process(address).startedAt
  }

  /**
   * Polls `probe` against a running node; fails at once with the node's log tail if the
   * node exits meanwhile, instead of waiting out the timeout.
   */
  async poll<T>(address: string, what: string, probe: () => Promise<T | null>, timeoutMs = readyTimeoutMs): Promise<T> {
    const handle = this.process(address)
    return pollUntil(`${address}: ${what}`, probe, {
      timeoutMs,
      failure: async () => (handle.exitStatus ? this.exitedError(address) : null),
    })
  }

  private async waitForFullView(address: string): Promise<void> {
    await this.poll(address, `a view listing all ${this.addresses.length} nodes`, async () => {
      const view = await this.api.view(address)
      return view !== null && this.addresses.every((a) => view.includes(a)) ? view : null
    })
  }

  private async exitedError(address: string): Promise<KvsError> {
    const handle = this.process(address)
    const exit = handle.exitStatus
    return new KvsError(
      'UNAVAILABLE',
      // The log goes with the bench's temp directory, so its tail travels in the message.
      `node ${address} exited (code ${exit?.code}, signal ${exit?.signal}); its log ends:\n${await handle.logTail()}`,
      {address, code: exit?.code ?? null, signal: exit?.signal ?? null},
    )
  }

  private dataDir(address: string): string {
    return join(this.root, address.replace(':', '_'), 'data')
  }
}

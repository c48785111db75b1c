/**
 * Harness for cluster tests against real kvs node processes on loopback addresses
 * (127.0.0.2, 127.0.0.3, ..., all on one port; or `localhost` on distinct ports, a DNS
 * name as in API.md section 10.3), each with its own temp data directory and log file. Processes are only ever signalled by the pid this harness spawned, and
 * every child still alive when the test process exits is SIGKILLed.
 *
 * All HTTP here follows /work/shared/API.md; every request has an explicit timeout.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {closeSync, openSync, readFileSync, writeSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Agent, request} from 'undici'

import {findFreePort} from '../../src/cli/free-port.js'
import type {FsyncPolicy} from '../../src/storage/types.js'
import {waitFor} from '../../src/wait-for.js'
import {History, type Operation, type OperationKind} from './history.js'

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const runScript = join(repoRoot, 'bin', 'run.js')

export type {FsyncPolicy} from '../../src/storage/types.js'

export interface ClusterOptions {
  /** Initial members, started with SHARD_COUNT. */
  readonly nodes: number
  readonly shards: number
  /** Extra addresses (after the members) reserved on the same port, for newcomers. */
  readonly spares?: number
  /** KVS_FSYNC for every node this cluster starts. */
  readonly fsync?: FsyncPolicy
  /** Extra environment for every node this cluster starts. */
  readonly env?: Readonly<Record<string, string>>
  /** How long each node may take to answer GET /key-value-store-view (default 30 s: loaded CI machines are slow). */
  readonly readyTimeoutMs?: number
  /** 'ip' (default): 127.0.0.2:P, 127.0.0.3:P, ...; 'localhost': localhost:P1, localhost:P2, ... (names that resolve to loopback). */
  readonly naming?: 'ip' | 'localhost'
}

export interface StartOptions {
  /** VIEW; omitted: the node is started without VIEW (a restart from its data directory). */
  readonly view?: readonly string[]
  /** SHARD_COUNT; omitted or null: not set (a newcomer, or a restart from its data directory). */
  readonly shardCount?: number | null
  /** 'same' (default when the address ran before) keeps its data directory; 'fresh' makes a new one. */
  readonly dataDir?: 'same' | 'fresh'
  readonly env?: Readonly<Record<string, string>>
  /** Wait until the node answers GET /key-value-store-view (default true). */
  readonly waitReady?: boolean
}

export interface NodeInfo {
  readonly address: string
  readonly pid: number
  readonly dataDir: string
  readonly logFile: string
  readonly running: boolean
  readonly paused: boolean
  /** The exit code once the process has exited by itself (null while running or when ended by a signal). */
  readonly exitCode: number | null
}

interface ManagedNode {
  address: string
  child: ChildProcess
  dataDir: string
  logFile: string
  exited: Promise<void>
  running: boolean
  paused: boolean
}

/** Children of every cluster in this process, killed if the test process ends first. */
const liveChildren = new Set<ChildProcess>()
const killChildren = () => {
  for (const child of liveChildren) child.kill('SIGKILL')
}
process.on('exit', killChildren)
// A signal ends the process without 'exit': kill the children, then let the signal act.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killChildren()
    process.kill(process.pid, signal)
  })
}

/** Starts `nodes` members on 127.0.0.2.. (or localhost) and waits until every one answers. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const count = options.nodes + (options.spares ?? 0)
  let addresses: string[]
  if (options.naming === 'localhost') {
    const first = await findFreePort(['127.0.0.1'], {span: count})
    addresses = Array.from({length: count}, (_, i) => `localhost:${first + i}`)
  } else {
    const ips = Array.from({length: count}, (_, i) => loopbackIp(i))
    const port = await findFreePort(ips)
    addresses = ips.map((ip) => `${ip}:${port}`)
  }
  const root = await mkdtemp(join(tmpdir(), 'kvs-cluster-'))
  const cluster = new Cluster(root, addresses, options)
  try {
    await Promise.all(cluster.addresses.map((a) => cluster.startNode(a, {view: cluster.addresses, shardCount: options.shards})))
  } catch (error) {
    await cluster.stopAll()
    throw error
  }
  return cluster
}

export class Cluster {
  /** The initial members, sorted as API.md places them (member i in shard i mod N + 1). */
  readonly addresses: readonly string[]
  /** Addresses reserved for newcomers (same port, free when the cluster started). */
  readonly spares: readonly string[]
  readonly shardCount: number
  private readonly nodes = new Map<string, ManagedNode>()

  constructor(
    private readonly root: string,
    allAddresses: readonly string[],
    private readonly options: ClusterOptions,
  ) {
    this.addresses = allAddresses.slice(0, options.nodes)
    this.spares = allAddresses.slice(options.nodes)
    this.shardCount = options.shards
  }

  node(address: string): NodeInfo {
    const n = this.managed(address)
    return {address, pid: n.child.pid as number, dataDir: n.dataDir, logFile: n.logFile, running: n.running, paused: n.paused, exitCode: n.child.exitCode}
  }

  /** Addresses whose process is running and not paused. */
  get live(): string[] {
    return [...this.nodes.values()].filter((n) => n.running && !n.paused).map((n) => n.address)
  }

  /**
   * Starts (or restarts) the node at `address`. The log file of an address is appended
   * across restarts, each start marked by a header line.
   */
  async startNode(address: string, options: StartOptions = {}): Promise<NodeInfo> {
    assertLoopback(address)
    const previous = this.nodes.get(address)
    if (previous?.running) throw new Error(`${address} is already running (pid ${previous.child.pid})`)
    const dataDir =
      previous && (options.dataDir ?? 'same') === 'same'
        ? previous.dataDir
        : await mkdtemp(join(this.root, `data-${address.replace(/[.:]/g, '_')}-`))
    const logFile = join(this.root, `${address.replace(/[.:]/g, '_')}.log`)
    const env: Record<string, string> = {
      ...filteredParentEnv(),
      ...this.options.env,
      ...options.env,
      SOCKET_ADDRESS: address,
      KVS_DATA_DIR: dataDir,
    }
    if (options.view) env.VIEW = options.view.join(',')
    if (options.shardCount !== undefined && options.shardCount !== null) env.SHARD_COUNT = String(options.shardCount)
    if (this.options.fsync) env.KVS_FSYNC = this.options.fsync

    const log = openSync(logFile, 'a')
    const shown = ['SOCKET_ADDRESS', 'VIEW', 'SHARD_COUNT', 'KVS_DATA_DIR', 'KVS_FSYNC'].filter((k) => env[k] !== undefined)
    writeSync(log, `\n=== ${new Date().toISOString()} start ${shown.map((k) => `${k}=${env[k]}`).join(' ')}\n`)
    const child = spawn(process.execPath, [runScript, 'node', 'start'], {cwd: repoRoot, env, stdio: ['ignore', log, log]})
    closeSync(log)
    if (child.pid === undefined) throw new Error(`could not spawn a node for ${address}`)
    liveChildren.add(child)
    const node: ManagedNode = {address, child, dataDir, logFile, running: true, paused: false, exited: Promise.resolve()}
    node.exited = new Promise((done) =>
      child.once('exit', () => {
        node.running = false
        node.paused = false
        liveChildren.delete(child)
        done()
      }),
    )
    this.nodes.set(address, node)

    if (options.waitReady ?? true) {
      const outcome = await waitFor(
        async () => {
          if (!node.running) return 'exited'
          // A node started with a client token answers only with it.
          const headers: Record<string, string> = env.KVS_TOKEN ? {authorization: `Bearer ${env.KVS_TOKEN.split(',')[0]}`} : {}
          return (await http(address, 'GET', '/key-value-store-view', undefined, {timeoutMs: 1000, headers})).status === 200 && 'ready'
        },
        {timeoutMs: this.options.readyTimeoutMs ?? 30_000, intervalMs: 100, what: `${address} to answer GET /key-value-store-view`},
      )
      if (outcome === 'exited') {
        throw new Error(`${address} exited (code ${child.exitCode}, signal ${child.signalCode}) before answering\n${this.logTail(address)}`)
      }
    }
    return this.node(address)
  }

  /**
   * Sends `signal` and waits until the process exits. A SIGTERM that has not ended the
   * process after 10 s is followed by SIGKILL, as the conformance harness does.
   */
  async kill(address: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const node = this.managed(address)
    if (!node.running) return
    node.child.kill(signal)
    // A stopped process only acts on SIGTERM once continued.
    if (node.paused) node.child.kill('SIGCONT')
    if (signal === 'SIGTERM') {
      const escalate = setTimeout(() => node.child.kill('SIGKILL'), 10_000)
      await node.exited
      clearTimeout(escalate)
    } else {
      await node.exited
    }
  }

  /** SIGSTOP: the node keeps accepting TCP connections but answers nothing. */
  pause(address: string): void {
    const node = this.managed(address)
    if (!node.running) throw new Error(`cannot pause ${address}: not running`)
    node.child.kill('SIGSTOP')
    node.paused = true
  }

  resume(address: string): void {
    const node = this.managed(address)
    if (!node.running) throw new Error(`cannot resume ${address}: not running`)
    node.child.kill('SIGCONT')
    node.paused = false
  }

  /** The last `lines` lines of the node's log (every start of that address). */
  logTail(address: string, lines = 40): string {
    const node = this.nodes.get(address)
    if (!node) return `(${address} was never started)`
    try {
      const text = readFileSync(node.logFile, 'utf8').trimEnd().split('\n')
      return [`--- log of ${address} (${node.logFile}), last ${lines} lines ---`, ...text.slice(-lines)].join('\n')
    } catch (error) {
      return `(no log for ${address}: ${(error as Error).message})`
    }
  }

  /** Log tails of every node ever started, for a failing test's report. */
  logTails(lines = 40): string {
    return [...this.nodes.keys()].map((a) => this.logTail(a, lines)).join('\n')
  }

  /** Continues paused nodes, SIGTERMs every node (SIGKILL after 10 s), removes the temp dirs. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.keys()].map((a) => this.kill(a, 'SIGTERM')))
    await rm(this.root, {recursive: true, force: true})
  }

  private managed(address: string): ManagedNode {
    const node = this.nodes.get(address)
    if (!node) throw new Error(`${address} was never started by this cluster`)
    return node
  }
}

/** 127.0.0.2 for i = 0, 127.0.0.3 for i = 1, ... */
function loopbackIp(i: number): string {
  if (i > 252) throw new Error('at most 253 loopback addresses')
  return `127.0.0.${i + 2}`
}

/** Tests only ever talk to 127.0.0.0/8 or localhost (which /etc/hosts resolves to loopback), never to another DNS name. */
export function assertLoopback(address: string): void {
  if (!/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost):\d{1,5}$/.test(address)) throw new Error(`refusing a non-loopback address: ${address}`)
}

/** The parent's environment minus kvs variables, so a developer's shell cannot leak into nodes. */
function filteredParentEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(KVS_|SOCKET_ADDRESS$|VIEW$|SHARD_COUNT$)/.test(k)) env[k] = v
  }
  return env
}

export interface HttpAnswer {
  readonly status: number
  readonly body: Record<string, unknown>
}

/** Keep-alive pool for all test requests; per-request deadlines come from `timeoutMs`. */
const dispatcher = new Agent({keepAliveTimeout: 2_000, connect: {timeout: 2_000}})

/**
 * One JSON request to a node. GET may carry a body (API.md sends causal-metadata on GET).
 * Rejects on a network error, on `timeoutMs` elapsing (default 5 s) and on a non-JSON body.
 */
export async function http(
  address: string,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  {timeoutMs = 5_000, headers = {}}: {timeoutMs?: number; headers?: Record<string, string>} = {},
): Promise<HttpAnswer> {
  assertLoopback(address)
  const started = performance.now()
  const describe = `${method} http://${address}${path}${body === undefined ? '' : ` ${JSON.stringify(body)}`}`
  let status: number
  let text: string
  try {
    const answer = await request(`http://${address}${path}`, {
      method,
      dispatcher,
      headers: {...headers, ...(body === undefined ? {} : {'content-type': 'application/json'})},
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    })
    status = answer.statusCode
    text = await answer.body.text()
  } catch (error) {
    const elapsed = Math.round(performance.now() - started)
    throw new Error(`${describe}: no answer after ${elapsed} ms (timeout ${timeoutMs} ms): ${(error as Error).message}`, {cause: error})
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(`${describe}: ${status} with a body that is not JSON: ${text.slice(0, 200)}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${describe}: ${status} with a body that is not a JSON object: ${text.slice(0, 200)}`)
  }
  return {status, body: parsed as Record<string, unknown>}
}

/** Shard owning `key` among `shardCount` shards (API.md section 2): an oracle independent of src/. */
export function shardOfKey(key: string, shardCount: number): number {
  let sum = 0
  for (let i = 0; i < key.length; i++) sum += key.charCodeAt(i)
  return (sum % shardCount) + 1
}

/** Names in the view's order (README, "Node names"), for the names tests use: IPv4 by number, then names, one host's names by port. */
export function sortedNames(addresses: readonly string[]): string[] {
  const key = (a: string): Array<number | string> => {
    const ipv4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/.exec(a)
    if (ipv4) return [0, ...ipv4.slice(1).map(Number)]
    const [, host, port] = /^(.*):(\d+)$/.exec(a) as RegExpExecArray
    return [1, host, Number(port)]
  }
  return [...addresses].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1
    return 0
  })
}

/** Initial members of each shard (API.md section 2): the view in order, node i in shard (i mod N) + 1. */
export function initialShards(addresses: readonly string[], shardCount: number): Map<number, string[]> {
  const shards = new Map<number, string[]>()
  sortedNames(addresses).forEach((a, i) => shards.set((i % shardCount) + 1, [...(shards.get((i % shardCount) + 1) ?? []), a]))
  return shards
}

export interface SessionAnswer extends HttpAnswer {
  readonly op: Operation
}

/**
 * A causal client (API.md section 7): the first request sends "" as causal-metadata,
 * every later one echoes the latest causal-metadata received. Every request is recorded
 * in `history`, answered or not; a request with no answer (timeout, network error) is
 * recorded with status null and then rethrown.
 */
export class Session {
  metadata: unknown = ''

  constructor(
    readonly name: string,
    readonly history: History,
    private readonly timeoutMs = 6_000,
  ) {}

  put(key: string, value: string, {node}: {node: string}): Promise<SessionAnswer> {
    return this.send('put', key, value, node)
  }

  get(key: string, {node}: {node: string}): Promise<SessionAnswer> {
    return this.send('get', key, undefined, node)
  }

  delete(key: string, {node}: {node: string}): Promise<SessionAnswer> {
    return this.send('delete', key, undefined, node)
  }

  private async send(kind: OperationKind, key: string, value: string | undefined, node: string): Promise<SessionAnswer> {
    const method = kind === 'put' ? 'PUT' : kind === 'get' ? 'GET' : 'DELETE'
    const metadataSent = this.metadata
    const body = value === undefined ? {'causal-metadata': metadataSent} : {value, 'causal-metadata': metadataSent}
    const start = performance.now()
    const base = {client: this.name, kind, key, node, start, metadataSent}
    let answer: HttpAnswer
    try {
      answer = await http(node, method, `/key-value-store/${encodeURIComponent(key)}`, body, {timeoutMs: this.timeoutMs})
    } catch (error) {
      const message = (error as Error).message
      this.history.record({...base, value: value ?? null, status: null, end: performance.now(), metadataReceived: undefined, error: message})
      throw error
    }
    const metadataReceived = answer.body['causal-metadata']
    if (metadataReceived !== undefined) this.metadata = metadataReceived
    const read = kind === 'get' ? (typeof answer.body.value === 'string' && answer.status === 200 ? answer.body.value : null) : (value ?? null)
    const op = this.history.record({...base, value: read, status: answer.status, end: performance.now(), metadataReceived})
    return {...answer, op}
  }
}

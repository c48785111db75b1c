/**
 * The local cluster: nodes this machine runs in the background on loopback addresses,
 * started, listed and stopped through the registry (pid files, never process names).
 *
 * What a failure leaves behind: a start that fails stops every node it started (by pid)
 * and clears their pid files; data directories stay until `cluster down --purge`.
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {isKvsError, KvsError} from '../errors.js'
import {fetchView, KvsClient} from '../client/kvs-client.js'
import type {ClientTransport} from '../client/transport.js'
import type {NodeOptions} from '../node/options.js'
import {isFeasibleShardCount} from '../placement/placement.js'
import {waitFor} from '../wait-for.js'
import type {ClusterLayout, ClusterRecord, LocalRegistry} from './local-registry.js'
import {consecutiveLoopbackAddresses} from './loopback.js'
import {isKvsNode, isRunning, spawnDetachedNode, stopProcess} from './node-process.js'

export interface LocalContext {
  registry: LocalRegistry
  transport: ClientTransport
  /** The kvs package root: nodes run `bin/run.js` from here, as the conformance harness does. */
  packageRoot: string
  /** Flags for Node itself in every node started (the benchmark's --cpu-prof); none by default. */
  nodeExecArgv?: readonly string[]
  /** The environment nodes start with; this process's by default. */
  nodeEnv?: NodeJS.ProcessEnv
}

export interface StartedNode {
  address: string
  pid: number
  dataDir: string
  logFile: string
}

export interface StoppedNode {
  address: string
  /** The recorded pid, or null when none was recorded. */
  pid: number | null
  /** The last signal sent; null when the process had already exited. */
  signal: 'SIGTERM' | 'SIGKILL' | null
}

export interface LocalNode {
  address: string
  /** Pid of the running process; null when it is not running. */
  pid: number | null
  /** Up when the process runs and answers GET /key-value-store-view. */
  state: 'up' | 'down'
  dataDir: string
  logFile: string
}

export interface ClusterUpResult {
  clusterId: string
  nodes: StartedNode[]
  shards: Array<{shardId: number; members: string[]}>
}

export interface ClusterDownResult {
  stopped: StoppedNode[]
  /** The id of the purged cluster; null without --purge or when there was none. */
  purged: string | null
}

/** Nodes answer within about 2 s (API.md); a loaded 2-core machine starting six gets slack. */
const answerTimeoutMs = 60_000
const pollMs = 200

/** Starts one node in the background and resolves once it answers. */
export async function startDetachedNode(ctx: LocalContext, options: NodeOptions): Promise<StartedNode> {
  await refuseRunning(ctx, [options.address])
  await ctx.registry.ensureCluster(null)
  const [started] = await startAll(ctx, [options], () => {})
  return started
}

/**
 * Starts `layout.nodes` nodes on consecutive loopback addresses and resolves once each
 * answers and sees all the others; a stopped cluster with the same layout restarts on
 * its data.
 */
export async function clusterUp(
  ctx: LocalContext,
  layout: ClusterLayout,
  nodeOptions: (address: string, view: string[], dataDir: string) => NodeOptions,
  onProgress: (text: string) => void,
): Promise<ClusterUpResult> {
  const addresses = consecutiveLoopbackAddresses(layout.firstAddress, layout.nodes, layout.port)
  if (!isFeasibleShardCount(layout.nodes, layout.shards)) {
    throw new KvsError('USAGE', `${layout.nodes} nodes cannot form ${layout.shards} shards of at least two nodes each`, {...layout})
  }
  const registered = await ctx.registry.list()
  await refuseRunning(ctx, registered.map((n) => n.address))
  const existing = await ctx.registry.cluster()
  if (registered.length > 0 && !sameLayout(existing, layout)) {
    throw new KvsError(
      'CONFLICT',
      `A stopped local cluster with another layout has data in ${ctx.registry.root}; remove it with \`kvs cluster down --purge\``,
      {root: ctx.registry.root, layout: existing?.layout ?? null},
    )
  }
  const record = await ctx.registry.ensureCluster(layout)
  const options = addresses.map((a) => nodeOptions(a, addresses, ctx.registry.node(a).dataDir))
  const nodes = await startAll(ctx, options, (answering) => onProgress(`Starting ${addresses.length} nodes: ${answering}/${addresses.length} answering`))
  try {
    await waitForFullView(ctx, addresses, (complete) => onProgress(`Waiting for every view to list every node: ${complete}/${addresses.length}`))
  } catch (error) {
    await Promise.all(nodes.map((n) => stopRegistered(ctx, n.address)))
    throw error
  }
  onProgress('Reading the shard layout')
  const client = new KvsClient({nodes: addresses, transport: ctx.transport})
  const {shardIds} = await client.shardIds()
  const shards = await Promise.all(shardIds.map(async (shardId) => ({shardId, members: (await client.shardMembers(shardId)).members})))
  return {clusterId: record.id, nodes, shards}
}

/** Stops every registered node (in parallel); with `purge`, removes all their files too. */
export async function clusterDown(ctx: LocalContext, purge: boolean): Promise<ClusterDownResult> {
  const registered = await ctx.registry.list()
  const stopped = await Promise.all(registered.map((n) => stopRegistered(ctx, n.address)))
  const record = await ctx.registry.cluster()
  if (!purge) return {stopped, purged: null}
  await ctx.registry.purge()
  return {stopped, purged: record?.id ?? null}
}

/** Stops one registered node: SIGTERM by its recorded pid, SIGKILL after 10 s. */
export async function stopNode(ctx: LocalContext, address: string): Promise<StoppedNode> {
  if (!(await ctx.registry.has(address))) {
    throw new KvsError('NOT_FOUND', `No node at ${address} was started from this machine (see \`kvs node list\`)`, {address})
  }
  return stopRegistered(ctx, address)
}

export async function listNodes(ctx: LocalContext): Promise<LocalNode[]> {
  const registered = await ctx.registry.list()
  return Promise.all(
    registered.map(async (node) => {
      const recorded = await ctx.registry.readPid(node.address)
      const pid = recorded !== null && (await isRunning(recorded)) ? recorded : null
      const answers = pid !== null && (await fetchView(ctx.transport, node.address).then(() => true, () => false))
      return {address: node.address, pid, state: answers ? 'up' : 'down', dataDir: node.dataDir, logFile: node.logFile} as const
    }),
  )
}

// ---- starting ------------------------------------------------------------------------

async function startAll(ctx: LocalContext, options: NodeOptions[], onAnswering: (count: number) => void): Promise<StartedNode[]> {
  const runScript = join(ctx.packageRoot, 'bin', 'run.js')
  const started: Array<{node: StartedNode; exited: Promise<string>}> = []
  try {
    for (const option of options) {
      const registered = await ctx.registry.prepare(option.address)
      const child = spawnDetachedNode(runScript, nodeArgs(option), {
        cwd: ctx.packageRoot,
        logFile: registered.logFile,
        execArgv: ctx.nodeExecArgv,
        env: ctx.nodeEnv,
        settings: tokenEnvironment(option),
      })
      const exited = new Promise<string>((resolve) => {
        child.once('error', (error) => resolve(error.message))
        child.once('exit', (code, signal) => resolve(`exit code ${code ?? signal}`))
      })
      if (child.pid === undefined) throw new KvsError('NODE_START_FAILED', `Could not start a node for ${option.address}: ${await exited}`)
      await ctx.registry.writePid(option.address, child.pid)
      started.push({node: {address: option.address, pid: child.pid, dataDir: option.dataDir, logFile: registered.logFile}, exited})
    }
    let answering = 0
    onAnswering(answering)
    const waits = started.map(async ({node, exited}) => {
      await waitUntilAnswering(ctx, node, exited)
      onAnswering(++answering)
    })
    const failure = (await Promise.allSettled(waits)).find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failure) throw failure.reason
    return started.map((s) => s.node)
  } catch (error) {
    await Promise.all(started.map(({node}) => stopRegistered(ctx, node.address)))
    throw error
  }
}

function nodeArgs(options: NodeOptions): string[] {
  const args = ['--address', options.address, '--data-dir', options.dataDir, '--fsync', options.fsync]
  if (options.listen) args.push('--listen', options.listen)
  if (options.view) args.push('--view', options.view.join(','))
  if (options.shardCount !== null) args.push('--shard-count', String(options.shardCount))
  if (options.faultInjection) args.push('--fault-injection')
  return args
}

/** The node's tokens as the variables it reads them from. */
function tokenEnvironment(options: NodeOptions): Record<string, string> {
  const env: Record<string, string> = {}
  if (options.tokens.client) env.KVS_TOKEN = options.tokens.client.setting()
  if (options.tokens.cluster) env.KVS_CLUSTER_TOKEN = options.tokens.cluster.setting()
  return env
}

async function waitUntilAnswering(ctx: LocalContext, node: StartedNode, exited: Promise<string>): Promise<void> {
  let exit: string | null = null
  void exited.then((code) => {
    exit = code
  })
  let refused: Error | null = null
  const stopped = async () =>
    refused ??
    (exit === null
      ? null
      : new KvsError('NODE_START_FAILED', `${node.address} stopped (${exit}) before answering:
${await logTail(node.logFile)}`, {
          address: node.address,
          exit,
          logFile: node.logFile,
        }))
  const answers = () =>
    fetchView(ctx.transport, node.address, 1_000).then(
      () => true,
      (error: unknown) => {
        // It answers, but wants another token: waiting will not change that.
        if (isKvsError(error) && error.code === 'UNAUTHORIZED') refused = error
        return false
      },
    )
  await waitFor(answers, {timeoutMs: answerTimeoutMs, intervalMs: pollMs, what: `${node.address} to answer`, failure: stopped}).catch((error: unknown) => {
    if (isKvsError(error) && error.code === 'UNAVAILABLE') {
      throw new KvsError('NODE_START_FAILED', `${node.address} did not answer within ${answerTimeoutMs / 1000} s (log: ${node.logFile})`, {
        address: node.address,
        logFile: node.logFile,
      })
    }
    throw error
  })
}

async function waitForFullView(ctx: LocalContext, addresses: string[], onProgress: (complete: number) => void): Promise<void> {
  let complete = 0
  const everyViewFull = async () => {
    const views = await Promise.all(addresses.map((a) => fetchView(ctx.transport, a).catch(() => [] as string[])))
    complete = views.filter((view) => addresses.every((a) => view.includes(a))).length
    onProgress(complete)
    return complete === addresses.length
  }
  await waitFor(everyViewFull, {timeoutMs: answerTimeoutMs, intervalMs: pollMs, what: 'every view to list every node'}).catch(() => {
    throw new KvsError('NODE_START_FAILED', `Only ${complete} of ${addresses.length} nodes list every node in their view`, {complete})
  })
}

async function logTail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

// ---- stopping ------------------------------------------------------------------------

async function refuseRunning(ctx: LocalContext, addresses: string[]): Promise<void> {
  for (const address of addresses) {
    const pid = await ctx.registry.readPid(address)
    if (pid !== null && (await isRunning(pid)) && (await isKvsNode(pid))) {
      throw new KvsError('CONFLICT', `${address} is already running (pid ${pid}); stop it with \`kvs node stop ${address}\` or \`kvs cluster down\``, {
        address,
        pid,
      })
    }
  }
}

async function stopRegistered(ctx: LocalContext, address: string): Promise<StoppedNode> {
  const pid = await ctx.registry.readPid(address)
  let signal: StoppedNode['signal'] = null
  // A recorded pid that now belongs to another program (reused after a reboot) is left alone.
  if (pid !== null && (await isRunning(pid)) && (await isKvsNode(pid))) signal = await stopProcess(pid)
  await ctx.registry.clearPid(address)
  return {address, pid, signal}
}

function sameLayout(record: ClusterRecord | null, layout: ClusterLayout): boolean {
  const old = record?.layout
  return (
    !!old &&
    old.firstAddress === layout.firstAddress &&
    old.nodes === layout.nodes &&
    old.shards === layout.shards &&
    old.port === layout.port
  )
}

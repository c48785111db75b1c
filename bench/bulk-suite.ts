/**
 * The bulk suite: `kvs load` and `kvs dump` as whole commands (wall clock from spawn to
 * exit, CLI start-up included) against 4 nodes in 2 shards, then memory per key and the
 * restart time of one node holding its share of the loaded keys. `--suite bulk` runs the
 * throughput suite first, so the single-key figures come from the same run.
 */
import {spawn} from 'node:child_process'
import {closeSync, openSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fetchAdminStatus} from '../src/client/kvs-client.js'
import {KvsError} from '../src/errors.js'
import type {BenchContext} from './context.js'
import {bytesPerKey as perKey, waitBudgetMs} from './scaling-math.js'
import {rate} from './stats.js'
import {startMeasuredCluster, throughputNodes, throughputShards} from './throughput-suite.js'
import {keyName, valueFor} from './workload.js'

/** Issue 14's targets, at `targetKeys` keys loaded (restart: at `restartTargetKeys`). */
export const bulkTargets = {loadKeysPerSec: 100_000, dumpKeysPerSec: 200_000, maxBytesPerKey: 200, maxRestartMs: 5_000}
export const targetKeys = 200_000
export const restartTargetKeys = 1_000_000

export interface CommandFigure {
  ms: number
  keysPerSec: number
}

export interface BulkReport {
  inputs: {nodes: number; shards: number; keys: number; valueBytes: number}
  load: CommandFigure
  /** `keys`: lines kvs dump printed (every key loaded, and only those). */
  dump: CommandFigure & {keys: number}
  /**
   * RSS growth per key of one node: right after the load (load-time garbage included), and
   * after its restart on the same data (the data set alone), which the target is judged on.
   */
  memory: {
    node: string
    keysOnNode: number
    rssBeforeBytes: number
    rssAfterLoadBytes: number
    bytesPerKey: number
    rssAfterRestartBytes: number
    bytesPerKeyAfterRestart: number
  }
  restart: {node: string; keysOnNode: number; answerMs: number; readyMs: number}
  targets: Array<{name: string; target: string; actual: number; pass: boolean | null}>
}

export async function runBulk(ctx: BenchContext): Promise<BulkReport> {
  const {options, progress} = ctx
  const status = (node: string) => fetchAdminStatus(ctx.client, node)
  const keys = options.bulkKeys
  const dir = ctx.scope.tempDir('kvs-bench-bulk-')
  const input = join(dir, 'keys.ndjson')
  writeFileSync(input, ndjsonOf(keys, options.valueBytes))

  progress(`bulk: starting ${throughputNodes} nodes in ${throughputShards} shards`)
  const cluster = await startMeasuredCluster(ctx)
  const [node, peer] = [cluster.addresses[0], cluster.addresses[2]]
  const rssBeforeBytes = await cluster.rssBytes(node)
  const nodes = cluster.addresses.join(',')
  const cli = (args: string[], stdout: number | 'ignore' = 'ignore') => runCli(ctx.repoRoot, join(dir, 'home'), [...args, '--node', nodes, '--no-session'], stdout)

  progress(`bulk: kvs load of ${keys} keys of ${options.valueBytes} B`)
  const loadMs = await cli(['load', input])
  const target = (await status(peer)).appliedWrites
  await cluster.poll(node, `appliedWrites to reach ${target}`, async () => (await status(node)).appliedWrites >= target, waitBudgetMs(keys))
  const keysOnNode = (await status(node)).keys
  const rssAfterLoadBytes = await cluster.rssBytes(node)

  progress(`bulk: kvs dump of ${keys} keys`)
  const output = join(dir, 'dump.ndjson')
  const fd = openSync(output, 'w')
  let dumpMs: number
  try {
    dumpMs = await cli(['dump'], fd)
  } finally {
    closeSync(fd)
  }
  const dumped = countLines(output)
  if (dumped !== keys) throw new KvsError('INTERNAL', `kvs dump printed ${dumped} lines after a load of ${keys} keys`)

  progress(`bulk: restarting ${node} with ${keysOnNode} keys on disk`)
  await cluster.stopNode(node)
  const {startedAt} = await cluster.startNode(node)
  const answerMs = performance.now() - startedAt
  await cluster.poll(node, `all ${keysOnNode} keys after restart`, async () => (await status(node)).keys >= keysOnNode, waitBudgetMs(keys))
  const readyMs = performance.now() - startedAt
  const rssAfterRestartBytes = await cluster.rssBytes(node)
  await cluster.stop()

  const bytesPerKey = perKey(rssBeforeBytes, rssAfterLoadBytes, keysOnNode)
  const bytesPerKeyAfterRestart = perKey(rssBeforeBytes, rssAfterRestartBytes, keysOnNode)
  const load = {ms: loadMs, keysPerSec: rate(keys, loadMs / 1000)}
  const dump = {ms: dumpMs, keysPerSec: rate(keys, dumpMs / 1000), keys: dumped}
  const judged = keys >= targetKeys
  return {
    inputs: {nodes: throughputNodes, shards: throughputShards, keys, valueBytes: options.valueBytes},
    load,
    dump,
    memory: {node, keysOnNode, rssBeforeBytes, rssAfterLoadBytes, bytesPerKey, rssAfterRestartBytes, bytesPerKeyAfterRestart},
    restart: {node, keysOnNode, answerMs, readyMs},
    targets: [
      {name: 'kvs load keys/s', target: `>= ${bulkTargets.loadKeysPerSec}`, actual: load.keysPerSec, pass: judged ? load.keysPerSec >= bulkTargets.loadKeysPerSec : null},
      {name: 'kvs dump keys/s', target: `>= ${bulkTargets.dumpKeysPerSec}`, actual: dump.keysPerSec, pass: judged ? dump.keysPerSec >= bulkTargets.dumpKeysPerSec : null},
      {
        name: 'memory B/key',
        target: `<= ${bulkTargets.maxBytesPerKey} after a restart`,
        actual: bytesPerKeyAfterRestart,
        pass: judged ? bytesPerKeyAfterRestart <= bulkTargets.maxBytesPerKey : null,
      },
      {
        name: 'restart ms',
        target: `<= ${bulkTargets.maxRestartMs} at ${restartTargetKeys} keys`,
        actual: readyMs,
        pass: keys >= restartTargetKeys ? readyMs <= bulkTargets.maxRestartMs : null,
      },
    ],
  }
}

function ndjsonOf(keys: number, valueBytes: number): string {
  const lines: string[] = new Array(keys)
  for (let i = 0; i < keys; i++) lines[i] = `{"key":"${keyName(i)}","value":${JSON.stringify(valueFor(i, valueBytes))}}\n`
  return lines.join('')
}

function countLines(file: string): number {
  const text = readFileSync(file, 'utf8')
  let n = 0
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++
  return n
}

/** Runs the kvs CLI to its end; resolves with its wall clock in ms, rejects when it exits non-zero. */
function runCli(repoRoot: string, home: string, args: string[], stdout: number | 'ignore'): Promise<number> {
  const started = performance.now()
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'run.js'), ...args], {
    env: {...process.env, KVS_HOME: home},
    stdio: ['ignore', stdout, 'pipe'],
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => {
      const ms = performance.now() - started
      if (code === 0) resolve(ms)
      else reject(new KvsError('INTERNAL', `kvs ${args[0]} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`))
    })
  })
}

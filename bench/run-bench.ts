/**
 * The bench engine: runs the selected suites and returns the report. Everything it starts
 * (nodes, the baseline, temp directories) is stopped and removed before it returns or
 * throws. Throws KvsError when a suite cannot run (a node exits, a load PUT fails); slow
 * or failing figures are reported, not thrown.
 */
import {mkdirSync} from 'node:fs'
import {cpus, loadavg, platform, release, totalmem} from 'node:os'
import {HttpTransport} from '../src/client/transport.js'
import {UndiciTransport} from '../src/transport/undici-transport.js'
import type {BenchContext} from './context.js'
import {runBulk} from './bulk-suite.js'
import type {BenchOptions} from './options.js'
import {summarizeTargets, type BenchReport, type HostInfo} from './report.js'
import {runScaling} from './scaling-suite.js'
import {Scope} from './scope.js'
import {runThroughput} from './throughput-suite.js'

export interface BenchEnvironment {
  /** The kvs package root: nodes run `<repoRoot>/bin/run.js node start` from there. */
  repoRoot: string
  /** The command line, recorded in the report. */
  command: string
  progress: (line: string) => void
}

export async function runBench(options: BenchOptions, env: BenchEnvironment): Promise<BenchReport> {
  const startedAt = new Date().toISOString()
  const host = hostInfo()
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, {recursive: true})
  const transport = new UndiciTransport({connections: options.loadConcurrency})
  const client = new HttpTransport()
  try {
    return await Scope.run(async (scope) => {
      const ctx: BenchContext = {
        options,
        scope,
        transport,
        client,
        repoRoot: env.repoRoot,
        progress: env.progress,
      }
      const throughput = options.suite === 'scaling' ? null : await runThroughput(ctx)
      const scaling = options.suite === 'scaling' || options.suite === 'all' ? await runScaling(ctx) : null
      const bulk = options.suite === 'bulk' || options.suite === 'all' ? await runBulk(ctx) : null
      return {
        kind: 'kvs-bench-report',
        version: 1,
        command: env.command,
        startedAt,
        finishedAt: new Date().toISOString(),
        host,
        options,
        throughput,
        scaling,
        bulk,
        targets: summarizeTargets(throughput, bulk),
      }
    })
  } finally {
    await transport.close()
    await client.close()
  }
}

function hostInfo(): HostInfo {
  const cores = cpus()
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: totalmem(),
    node: process.version,
    platform: `${platform()} ${release()}`,
    loadAverage: loadavg()[0],
  }
}

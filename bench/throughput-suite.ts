/**
 * The throughput suite: kvs (4 nodes, 2 shards), the bare Fastify baseline and, with
 * `--reference`, the reference cluster of kvs's layout, all pre-filled with the same keys,
 * each scenario at each connection count, run after run.
 */
import type {BenchContext} from './context.js'
import {loadKeys} from './loader.js'
import {runLoad, type LoadRunSpec} from './load-run.js'
import {LocalCluster} from './local-cluster.js'
import {compareScenario, type ThroughputReport} from './report.js'
import type {RunFigures} from './stats.js'
import {scenarios, type Scenario} from './workload.js'
import {startBaseline, startReference} from './yardsticks.js'

/** The cluster: 4 nodes in 2 shards, so every shard has 2 members. */
export const throughputNodes = 4
export const throughputShards = 2

/** The kvs cluster the throughput and bulk figures are measured on (throughputNodes in throughputShards). */
export function startMeasuredCluster(ctx: BenchContext): Promise<LocalCluster> {
  const {options} = ctx
  return LocalCluster.start(ctx.scope, ctx.client, {
    nodes: throughputNodes,
    shards: throughputShards,
    fsync: options.fsync,
    repoRoot: ctx.repoRoot,
    cpuProfDir: options.cpuProfDir,
  })
}

export async function runThroughput(ctx: BenchContext): Promise<ThroughputReport> {
  const {options, progress} = ctx
  progress(`throughput: starting ${throughputNodes} nodes in ${throughputShards} shards and the baseline`)
  const cluster = await startMeasuredCluster(ctx)
  const baseline = await startBaseline(ctx.scope, ctx.transport)
  const reference = options.reference ? await startReference(ctx.scope, ctx.transport, throughputNodes, throughputShards) : null
  const targets = {kvs: cluster.addresses, baseline: [baseline], reference}

  progress(`throughput: pre-filling ${options.keys} keys of ${options.valueBytes} B`)
  const fill = (addresses: readonly string[]) =>
    loadKeys(ctx.transport, {
      targets: addresses,
      from: 0,
      count: options.keys,
      valueBytes: options.valueBytes,
      concurrency: options.loadConcurrency,
    })
  const kvsFill = await fill(targets.kvs)
  const baselineFill = await fill(targets.baseline)
  const referenceFill = reference ? await fill(reference) : null
  const prefill = {
    keys: options.keys,
    valueBytes: options.valueBytes,
    kvsMs: kvsFill.ms,
    baselineMs: baselineFill.ms,
    referenceMs: referenceFill?.ms ?? null,
    kvsRetries: kvsFill.retries,
  }

  const spec = (addresses: readonly string[], scenario: Scenario, connections: number, seed: number): LoadRunSpec => ({
    addresses,
    scenario,
    connections,
    durationSec: options.durationSec,
    amount: options.requestsPerRun,
    keys: options.keys,
    valueBytes: options.valueBytes,
    seed,
  })

  if (options.warmupSec > 0) {
    progress(`throughput: warming up each target for ${options.warmupSec} s`)
    const connections = Math.max(...options.connections)
    for (const addresses of [targets.baseline, targets.kvs, ...(reference ? [reference] : [])]) {
      await runLoad({...spec(addresses, 'mix', connections, 0), durationSec: options.warmupSec, amount: null})
    }
  }

  // Runs are the outer loop so that drift of the host over the run (thermal, other load)
  // touches every scenario alike; the baseline and kvs alternate within each scenario.
  const cases = scenarios.flatMap((scenario) => options.connections.map((connections) => ({scenario, connections})))
  const kvsRuns: RunFigures[][] = cases.map(() => [])
  const baselineRuns: RunFigures[][] = cases.map(() => [])
  const referenceRuns: RunFigures[][] = cases.map(() => [])
  for (let run = 0; run < options.runs; run++) {
    for (const [i, {scenario, connections}] of cases.entries()) {
      const seed = run * 1000 + i + 1
      const base = await runLoad(spec(targets.baseline, scenario, connections, seed))
      const kvs = await runLoad(spec(targets.kvs, scenario, connections, seed))
      const ref = reference ? await runLoad(spec(reference, scenario, connections, seed)) : null
      baselineRuns[i].push(base)
      kvsRuns[i].push(kvs)
      if (ref) referenceRuns[i].push(ref)
      progress(
        `throughput: run ${run + 1}/${options.runs} ${scenario} x${connections}: ` +
          `kvs ${Math.round(kvs.requestsPerSec)} req/s (${kvs.errors + kvs.non2xx} failed), ` +
          `baseline ${Math.round(base.requestsPerSec)} req/s` +
          (ref ? `, reference ${Math.round(ref.requestsPerSec)} req/s` : ''),
      )
    }
  }

  await cluster.stop()
  return {
    nodes: cluster.addresses,
    shards: throughputShards,
    baseline,
    reference,
    prefill,
    scenarios: cases.map(({scenario, connections}, i) =>
      compareScenario(scenario, connections, kvsRuns[i], baselineRuns[i], reference ? referenceRuns[i] : null),
    ),
  }
}

/**
 * The bench report: one typed document, written as JSON and rendered as markdown.
 * Building it from measured figures is pure.
 */
import type {BulkReport} from './bulk-suite.js'
import type {BenchOptions} from './options.js'
import {ratio, summarizeRuns, type RunFigures, type ScenarioFigures} from './stats.js'
import {checkTargets, type TargetCheck} from './targets.js'
import type {Scenario} from './workload.js'

export interface HostInfo {
  cpus: number
  cpuModel: string
  totalMemoryBytes: number
  node: string
  platform: string
  /** 1-minute load average when the bench started: other work on the host skews every figure. */
  loadAverage: number
}

export interface ScenarioComparison {
  scenario: Scenario
  connections: number
  kvs: ScenarioFigures
  baseline: ScenarioFigures
  /** kvs / baseline; above 1 is better for req/s, below 1 is better for latency. */
  ratio: {requestsPerSec: number | null; p50: number | null; p99: number | null}
  /**
   * kvs / baseline req/s of each run, paired as they were measured (one right after the
   * other): how much the host moved the figure the target is checked on.
   */
  runRatios: Array<number | null>
  target: TargetCheck
  /** The reference cluster's figures, when it was measured (`--reference`). */
  reference: ReferenceComparison | null
}

/** The reference cluster (reference-app.ts) against kvs and the baseline, in the same runs. */
export interface ReferenceComparison {
  figures: ScenarioFigures
  /** reference / baseline req/s: what the layout alone costs on this host. */
  toBaseline: number | null
  /** kvs / reference req/s: what kvs's own work costs on top of its layout. */
  kvsToReference: number | null
  /** kvs / reference req/s of each run, paired as measured. */
  runRatios: Array<number | null>
}

export interface ThroughputReport {
  nodes: string[]
  shards: number
  baseline: string
  /** The reference cluster's processes; null when it was not measured. */
  reference: string[] | null
  /** `kvsRetries`: pre-fill PUTs kvs answered 503 (or not at all) and were sent again. */
  prefill: {keys: number; valueBytes: number; kvsMs: number; baselineMs: number; referenceMs: number | null; kvsRetries: number}
  scenarios: ScenarioComparison[]
}

export interface MemoryFigure {
  inputs: {nodes: number; shards: number; keysLoaded: number; valueBytes: number}
  node: string
  /** Live keys the measured node holds (GET /admin/status "keys"). */
  keysOnNode: number
  loadMs: number
  /** Load PUTs answered 503 (or not at all) and sent again; zero on a healthy cluster. */
  loadRetries: number
  rssBeforeBytes: number
  rssAfterLoadBytes: number
  /** (RSS after load - RSS before) / keys on the node. */
  bytesPerKey: number
  /** RSS after restarting on the same data: the data set without load-time garbage. */
  rssAfterRestartBytes: number
  bytesPerKeyAfterRestart: number
}

export interface RestartFigure {
  inputs: {keysOnDisk: number; valueBytes: number}
  node: string
  /** From spawn until GET /key-value-store-view answers. */
  answerMs: number
  /** From spawn until the node holds every key and serves a GET of a loaded key. */
  readyMs: number
}

export interface CatchUpFigure {
  inputs: {nodes: number; shards: number; missedWrites: number}
  node: string
  /** From restart until the node answers HTTP. */
  answerMs: number
  /** From restart until its appliedWrites equals its peer's. */
  caughtUpMs: number
  writesPerSec: number
  /** Write PUTs answered 503 (or not at all) and sent again. */
  loadRetries: number
}

export interface ReshardFigure {
  inputs: {nodes: number; fromShards: number; toShards: number; keys: number}
  /** Keys that at least one node must receive under the new layout. */
  keysMoved: number
  /** Until the reshard request was answered. */
  responseMs: number
  /** Until every node reports the new shard count and the key counts add up to all keys. */
  settledMs: number
  keysMovedPerSec: number
  /** Keys of the data set per second of the reshard request: how fast a data set of this size is resharded. */
  keysPerSec: number
  /** How long the cutover held writes, as the coordinator reported it (ms); null if it did not. */
  pauseMs: number | null
  /** Client requests (GET and PUT of loaded keys) sent while the reshard ran, one each at a time per lane. */
  traffic: {requests: number; failed: number; longestMs: number}
  /** Load PUTs answered 503 (or not at all) and sent again. */
  loadRetries: number
}

export interface ScalingReport {
  memory: MemoryFigure
  restart: RestartFigure
  catchUp: CatchUpFigure[]
  reshard: ReshardFigure[]
}

export interface BenchReport {
  kind: 'kvs-bench-report'
  version: 1
  /** The command line that produced it, for the README. */
  command: string
  startedAt: string
  finishedAt: string
  host: HostInfo
  options: BenchOptions
  throughput: ThroughputReport | null
  scaling: ScalingReport | null
  /** Absent from reports written before the bulk suite existed. */
  bulk?: BulkReport | null
  targets: {checked: number; passed: number; pass: boolean}
  /** Where the report was written; absent until it is. */
  files?: {json: string; markdown: string}
}

/** One scenario at one connection count, from the runs of kvs, of the baseline and (if measured) of the reference. */
export function compareScenario(
  scenario: Scenario,
  connections: number,
  kvsRuns: readonly RunFigures[],
  baselineRuns: readonly RunFigures[],
  referenceRuns: readonly RunFigures[] | null = null,
): ScenarioComparison {
  const kvs = summarizeRuns(kvsRuns)
  const baseline = summarizeRuns(baselineRuns)
  const requestsRatio = ratio(kvs.requestsPerSec, baseline.requestsPerSec)
  const reference = referenceRuns && referenceRuns.length > 0 ? summarizeRuns(referenceRuns) : null
  return {
    scenario,
    connections,
    kvs,
    baseline,
    ratio: {
      requestsPerSec: requestsRatio,
      p50: ratio(kvs.p50Ms, baseline.p50Ms),
      p99: ratio(kvs.p99Ms, baseline.p99Ms),
    },
    runRatios: pairedRatios(kvsRuns, baselineRuns),
    target: checkTargets(scenario, connections, kvs, requestsRatio),
    reference:
      reference && referenceRuns
        ? {
            figures: reference,
            toBaseline: ratio(reference.requestsPerSec, baseline.requestsPerSec),
            kvsToReference: ratio(kvs.requestsPerSec, reference.requestsPerSec),
            runRatios: pairedRatios(kvsRuns, referenceRuns),
          }
        : null,
  }
}

/** a / b req/s of each run, paired as they were measured. */
function pairedRatios(a: readonly RunFigures[], b: readonly RunFigures[]): Array<number | null> {
  return a.slice(0, b.length).map((run, i) => ratio(run.requestsPerSec, b[i].requestsPerSec))
}

/**
 * Counts every scenario's target check, and the bulk targets judged at this size; a report
 * without either passes 0 of 0.
 */
export function summarizeTargets(throughput: ThroughputReport | null, bulk: BulkReport | null = null): BenchReport['targets'] {
  const checks = [...(throughput?.scenarios.map((s) => s.target) ?? []), ...(bulk?.targets.filter((t) => t.pass !== null) ?? [])]
  const passed = checks.filter((check) => check.pass).length
  return {checked: checks.length, passed, pass: passed === checks.length}
}

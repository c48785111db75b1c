/**
 * The short markdown rendering of a bench report (for stdout, bench-results/ and the
 * README). Pure.
 */
import type {BulkReport} from './bulk-suite.js'
import type {BenchReport, ScalingReport, ScenarioComparison, ThroughputReport} from './report.js'
import type {BenchOptions} from './options.js'

const scenarioNames = {get: 'GET', put: 'PUT', mix: '90/10 GET/PUT'} as const

export function renderMarkdown(report: BenchReport): string {
  const {host} = report
  const lines = [
    `## kvs bench, ${report.startedAt}`,
    '',
    `\`${report.command}\` on ${host.cpus} x ${host.cpuModel}, node ${host.node}, ${host.platform}, ` +
      `load average ${host.loadAverage.toFixed(2)} at start` +
      (report.options.smoke ? ' (smoke run: figures are not meaningful)' : ''),
  ]
  if (report.throughput) lines.push('', ...throughputSection(report.throughput, report.options))
  if (report.scaling) lines.push('', ...scalingSection(report.scaling, report.options))
  if (report.bulk) lines.push('', ...bulkSection(report.bulk, report.options))
  if (report.throughput || report.bulk) {
    lines.push('', `Targets: ${report.targets.passed} of ${report.targets.checked} ${report.bulk ? 'scenarios and bulk figures' : 'scenarios'} pass.`)
  }
  return lines.join('\n') + '\n'
}

function throughputSection(t: ThroughputReport, options: BenchOptions): string[] {
  const length =
    options.requestsPerRun === null ? `${options.durationSec} s` : `${options.requestsPerRun} requests`
  const runs = options.runs === 1 ? `1 run of ${length}` : `median of ${options.runs} runs of ${length}`
  return [
    `### Throughput: ${t.nodes.length} nodes in ${t.shards} shards vs bare Fastify + Map (${t.baseline})`,
    '',
    `${t.prefill.keys} keys of ${t.prefill.valueBytes} B pre-filled (kvs ${seconds(t.prefill.kvsMs)}` +
      `${retried(t.prefill.kvsRetries)}, baseline ${seconds(t.prefill.baselineMs)}` +
      `${t.prefill.referenceMs === null ? '' : `, reference ${seconds(t.prefill.referenceMs)}`}); fsync ${options.fsync ?? 'node default'}; ${runs}; ` +
      'ratios are kvs / baseline.',
    '',
    '| scenario | conns | kvs req/s | baseline req/s | req/s ratio | ratio per run | kvs p50 ms (ratio) | kvs p99 ms (ratio) ' +
      '| errors + non-2xx | ratio target | 0 errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...t.scenarios.map(scenarioRow),
    ...(t.reference ? referenceSection(t) : []),
  ]
}

/** The reference cluster's table: what the layout costs, and what kvs adds to it. */
function referenceSection(t: ThroughputReport): string[] {
  const rows = t.scenarios.flatMap((s) => {
    const r = s.reference
    if (!r) return []
    const cells = [
      scenarioNames[s.scenario],
      String(s.connections),
      Math.round(r.figures.requestsPerSec).toString(),
      times(r.toBaseline),
      times(r.kvsToReference),
      r.runRatios.map((x) => (x === null ? 'n/a' : x.toFixed(2))).join(' / '),
      String(r.figures.errors + r.figures.non2xx),
    ]
    return [`| ${cells.join(' | ')} |`]
  })
  return [
    '',
    `Reference: ${t.reference?.length} processes (${t.reference?.join(', ')}) of kvs's layout that only route, batch and copy ` +
      '(no clocks, no op log; a write is answered once both members have it), measured in the same runs.',
    '',
    '| scenario | conns | reference req/s | reference / baseline | kvs / reference | kvs / reference per run | reference errors + non-2xx |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ]
}

function scenarioRow(s: ScenarioComparison): string {
  const ratioTarget = s.target.requestsRatio
  const cells = [
    scenarioNames[s.scenario],
    String(s.connections),
    Math.round(s.kvs.requestsPerSec).toString(),
    Math.round(s.baseline.requestsPerSec).toString(),
    times(s.ratio.requestsPerSec),
    s.runRatios.map((r) => (r === null ? 'n/a' : r.toFixed(2))).join(' / '),
    `${s.kvs.p50Ms.toFixed(2)} (${times(s.ratio.p50)})`,
    `${s.kvs.p99Ms.toFixed(2)} (${times(s.ratio.p99)})`,
    String(s.kvs.errors + s.kvs.non2xx),
    ratioTarget ? `>= ${ratioTarget.min}x: ${passFail(ratioTarget.pass)}` : '-',
    passFail(s.target.errors.pass),
  ]
  return `| ${cells.join(' | ')} |`
}

function bulkSection(b: BulkReport, options: BenchOptions): string[] {
  const {inputs, memory, restart} = b
  return [
    `### Bulk: kvs load and kvs dump of ${inputs.keys} keys of ${inputs.valueBytes} B, ${inputs.nodes} nodes in ${inputs.shards} shards`,
    '',
    `Whole commands, wall clock from spawn to exit; fsync ${options.fsync ?? 'node default'}. Memory and restart: ${memory.node} with ${memory.keysOnNode} keys.`,
    '',
    '| figure | measured | target | pass |',
    '| --- | ---: | --- | --- |',
    `| kvs load | ${Math.round(b.load.keysPerSec)} keys/s (${seconds(b.load.ms)}) | >= 100000 keys/s | ${verdict(b.targets[0].pass)} |`,
    `| kvs dump | ${Math.round(b.dump.keysPerSec)} keys/s (${seconds(b.dump.ms)}, ${b.dump.keys} lines) | >= 200000 keys/s | ${verdict(b.targets[1].pass)} |`,
    `| memory | ${Math.round(memory.bytesPerKeyAfterRestart)} B/key after a restart, ${Math.round(memory.bytesPerKey)} right after the load ` +
      `(RSS ${mib(memory.rssBeforeBytes)} -> ${mib(memory.rssAfterLoadBytes)}, ${mib(memory.rssAfterRestartBytes)} after restart) | <= 200 B/key | ${verdict(b.targets[2].pass)} |`,
    `| restart | ${seconds(restart.readyMs)} to every key (answers after ${seconds(restart.answerMs)}) | <= 5 s at 1000000 keys | ${verdict(b.targets[3].pass)} |`,
  ]
}

function verdict(pass: boolean | null): string {
  return pass === null ? 'not judged at this size' : passFail(pass)
}

function scalingSection(s: ScalingReport, options: BenchOptions): string[] {
  const {memory: m, restart} = s
  const rows: string[][] = [
    [
      'memory',
      `${m.inputs.keysLoaded} keys of ${m.inputs.valueBytes} B loaded; ${m.inputs.nodes} nodes, ${m.inputs.shards} shard(s); ` +
        `${m.node} holds ${m.keysOnNode}`,
      `${Math.round(m.bytesPerKey)} B/key after load (RSS ${mib(m.rssBeforeBytes)} -> ${mib(m.rssAfterLoadBytes)}); ` +
        `${Math.round(m.bytesPerKeyAfterRestart)} B/key after restart (RSS ${mib(m.rssAfterRestartBytes)}); ` +
        `loaded in ${seconds(m.loadMs)}${retried(m.loadRetries)}`,
    ],
    [
      'restart',
      `${restart.node} with ${restart.inputs.keysOnDisk} keys of ${restart.inputs.valueBytes} B on disk`,
      `answers after ${seconds(restart.answerMs)}; all keys served after ${seconds(restart.readyMs)}`,
    ],
  ]
  for (const c of s.catchUp) {
    rows.push([
      'catch-up',
      `${c.node} missed ${c.inputs.missedWrites} writes; ${c.inputs.nodes} nodes, ${c.inputs.shards} shard(s)`,
      `answers after ${seconds(c.answerMs)}; caught up after ${seconds(c.caughtUpMs)} ` +
        `(${Math.round(c.writesPerSec)} writes/s)${retried(c.loadRetries)}`,
    ])
  }
  for (const r of s.reshard) {
    rows.push([
      'reshard',
      `${r.inputs.keys} keys; ${r.inputs.nodes} nodes, ${r.inputs.fromShards} -> ${r.inputs.toShards} shards`,
      `answered after ${seconds(r.responseMs)} (${Math.round(r.keysPerSec)} keys/s of the data set); ` +
        `${r.keysMoved} keys changed shard, settled after ${seconds(r.settledMs)} (${Math.round(r.keysMovedPerSec)} keys/s); ` +
        `writes held ${r.pauseMs === null ? '?' : `${r.pauseMs} ms`}; during it ${r.traffic.requests} client requests, ` +
        `${r.traffic.failed} failed, longest ${Math.round(r.traffic.longestMs)} ms${retried(r.loadRetries)}`,
    ])
  }
  return [
    `### Scaling (fsync ${options.fsync ?? 'node default'})`,
    '',
    '| figure | inputs | result |',
    '| --- | --- | --- |',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ]
}

/** Retried load PUTs are worth a look (a node answered 503), so they show when there are any. */
function retried(retries: number): string {
  return retries > 0 ? `; ${retries} load PUTs retried` : ''
}

function times(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(2)}x`
}

function passFail(pass: boolean): string {
  return pass ? 'pass' : 'FAIL'
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}

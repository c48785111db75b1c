import {join, resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {KvsCommand} from '../src/cli/kvs-command.js'
import type {HumanOutput} from '../src/cli/printer.js'
import {renderMarkdown} from '../bench/markdown.js'
import {fsyncPolicies, fullDefaults as full, resolveOptions, smokeDefaults as smoke, suites} from '../bench/options.js'
import type {BenchReport} from '../bench/report.js'
import {writeReport} from '../bench/report-files.js'
import {KvsError} from '../src/errors.js'

export default class Bench extends KvsCommand<BenchReport> {
  static override summary = 'Benchmark a local kvs cluster against bare Fastify, and measure scaling'
  static override description =
    'Starts local clusters on 127.0.0.2 and up, measures GET, PUT and a 90/10 mix at each connection count ' +
    '(with a bare Fastify server as the baseline in the same run), and optionally memory, restart, catch-up and ' +
    'reshard figures. Writes a JSON report and a markdown table to --out.'

  static override examples = [
    '<%= config.bin %> bench',
    '<%= config.bin %> bench --runs 1 --duration 2',
    '<%= config.bin %> bench --connections 64 --reference',
    '<%= config.bin %> bench --suite scaling --memory-keys 100000 --reshard-keys 10000,100000',
    '<%= config.bin %> bench --suite bulk --runs 1',
    '<%= config.bin %> bench --smoke --json',
  ]

  // No oclif defaults: resolveOptions picks the full or the smoke default for what is not given.
  static override flags = {
    suite: Flags.string({options: [...suites], description: `what to measure [default: ${full.suite}]`}),
    smoke: Flags.boolean({description: 'tiny sizes and a few hundred requests: checks that everything works'}),
    connections: Flags.string({description: `comma-separated connection counts [default: ${full.connections}]`}),
    duration: Flags.integer({description: `seconds per timed run [default: ${full.durationSec}]`}),
    requests: Flags.integer({description: `requests per run instead of a duration [smoke: ${smoke.requestsPerRun}]`}),
    runs: Flags.integer({description: `runs per scenario; the median is reported [default: ${full.runs}]`}),
    warmup: Flags.integer({description: `seconds of untimed load on each target first [default: ${full.warmupSec}]`}),
    keys: Flags.integer({description: `keys pre-filled for the throughput runs [default: ${full.keys}]`}),
    fsync: Flags.string({options: [...fsyncPolicies], description: "nodes' fsync policy [default: the node's]"}),
    'memory-keys': Flags.integer({description: `keys loaded for the memory and restart figures [default: ${full.memoryKeys}]`}),
    'catchup-writes': Flags.string({description: `missed writes, one catch-up figure each [default: ${full.catchUpWrites}]`}),
    'reshard-keys': Flags.string({description: `keys, one reshard figure each [default: ${full.reshardKeys}]`}),
    'load-concurrency': Flags.integer({description: `PUTs in flight while loading keys [default: ${full.loadConcurrency}]`}),
    'bulk-keys': Flags.integer({description: `keys of kvs load and kvs dump in the bulk suite [default: ${full.bulkKeys}]`}),
    'cpu-prof': Flags.directory({description: 'run nodes with --cpu-prof, writing profiles to this directory'}),
    reference: Flags.boolean({
      description:
        'also measure a reference cluster of the same layout that only routes, batches and copies (no clocks, no log): ' +
        'kvs / reference is what kvs adds to its layout',
    }),
    out: Flags.directory({description: 'where the report files go [default: bench-results/ in the kvs root]'}),
  }

  protected async execute(): Promise<BenchReport> {
    const {flags} = await this.parse(Bench)
    const options = resolveOptions({...flags, 'cpu-prof': flags['cpu-prof'] && resolve(flags['cpu-prof'])})
    const spinner = await this.spin('Starting the bench')
    const {runBench} = await loadHarness()
    const report = await runBench(options, {
      repoRoot: this.config.root,
      command: ['kvs bench', ...this.argv].join(' '),
      progress: (line) => spinner.update(line),
    })
    return writeReport(report, flags.out ? resolve(flags.out) : join(this.config.root, 'bench-results'))
  }

  protected present(report: BenchReport): HumanOutput {
    return {kind: 'raw', text: `${renderMarkdown(report)}\nReport: ${report.files?.json}, ${report.files?.markdown}\n`}
  }
}

/** The harness loads its load generator, a dev dependency: say so instead of a stack trace. */
async function loadHarness(): Promise<typeof import('../bench/run-bench.js')> {
  try {
    return await import('../bench/run-bench.js')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error
    throw new KvsError('USAGE', `kvs bench needs the development dependencies (npm ci without --omit=dev): ${(error as Error).message}`)
  }
}

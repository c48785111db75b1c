/**
 * Bench settings: the defaults of a full run and of a smoke run, and how flags override
 * them. Pure; a bad value is a KvsError 'USAGE' naming the flag.
 */
import {KvsError} from '../src/errors.js'
import type {FsyncPolicy} from '../src/storage/types.js'

/** `bulk` also runs `throughput`, so the single-key figures come from the same run. */
export type Suite = 'throughput' | 'scaling' | 'bulk' | 'all'
export const suites: readonly Suite[] = ['throughput', 'scaling', 'bulk', 'all']

export type {FsyncPolicy} from '../src/storage/types.js'
export const fsyncPolicies: readonly FsyncPolicy[] = ['always', 'interval', 'never']

export interface BenchOptions {
  suite: Suite
  smoke: boolean
  /** Connection counts; each scenario is measured at every one. */
  connections: number[]
  /** Seconds per timed run; unused when `requestsPerRun` is set. */
  durationSec: number
  /** A fixed number of requests per run instead of a duration (smoke runs). */
  requestsPerRun: number | null
  /** Timed runs per scenario; the report gives their median. */
  runs: number
  /** Untimed load on each target before the first run, so both are JIT-warm. */
  warmupSec: number
  /** Keys pre-filled before the throughput runs (and read and overwritten by them). */
  keys: number
  valueBytes: number
  /** KVS_FSYNC for the nodes; null leaves the node's default. */
  fsync: FsyncPolicy | null
  /** Keys loaded before reading RSS and restarting a node. */
  memoryKeys: number
  /** Writes missed by a stopped node, one catch-up figure each. */
  catchUpWrites: number[]
  /** Keys loaded before a reshard, one reshard figure each. */
  reshardKeys: number[]
  /** PUTs in flight while loading keys. */
  loadConcurrency: number
  /** Keys written by `kvs load` and read by `kvs dump` in the bulk suite. */
  bulkKeys: number
  /** Start nodes with --cpu-prof, writing profiles here; null for no profiling. */
  cpuProfDir: string | null
  /** Also measure the reference cluster (reference-app.ts) in every run. */
  reference: boolean
}

export const fullDefaults: BenchOptions = {
  suite: 'throughput',
  smoke: false,
  connections: [1, 64],
  // 3 runs x 3 scenarios x 2 connection counts x 2 targets x 4 s keeps a full throughput
  // run under three minutes, prefill and warm-up included.
  durationSec: 4,
  requestsPerRun: null,
  runs: 3,
  warmupSec: 2,
  keys: 10_000,
  valueBytes: 100,
  fsync: null,
  memoryKeys: 1_000_000,
  catchUpWrites: [10_000, 100_000],
  reshardKeys: [100_000, 1_000_000],
  loadConcurrency: 64,
  bulkKeys: 200_000,
  cpuProfDir: null,
  reference: false,
}

/** A smoke run checks that every part works, with a few hundred requests in all. */
export const smokeDefaults: BenchOptions = {
  ...fullDefaults,
  smoke: true,
  requestsPerRun: 64,
  runs: 1,
  warmupSec: 0,
  keys: 200,
  memoryKeys: 2_000,
  catchUpWrites: [100, 200],
  reshardKeys: [500, 1_000],
  loadConcurrency: 16,
  bulkKeys: 2_000,
}

/** Flags as the command parsed them; lists arrive as comma-separated strings. */
export interface BenchFlags {
  suite?: string
  smoke?: boolean
  connections?: string
  duration?: number
  requests?: number
  runs?: number
  warmup?: number
  keys?: number
  fsync?: string
  'memory-keys'?: number
  'catchup-writes'?: string
  'reshard-keys'?: string
  'load-concurrency'?: number
  'bulk-keys'?: number
  'cpu-prof'?: string
  reference?: boolean
}

export function resolveOptions(flags: BenchFlags): BenchOptions {
  const base = flags.smoke ? smokeDefaults : fullDefaults
  return {
    ...base,
    suite: flags.suite === undefined ? base.suite : oneOf('suite', flags.suite, suites),
    connections: flags.connections === undefined ? base.connections : intList('connections', flags.connections),
    durationSec: flags.duration === undefined ? base.durationSec : positive('duration', flags.duration),
    requestsPerRun: flags.requests === undefined ? base.requestsPerRun : positiveInt('requests', flags.requests),
    runs: flags.runs === undefined ? base.runs : positiveInt('runs', flags.runs),
    warmupSec: flags.warmup === undefined ? base.warmupSec : nonNegative('warmup', flags.warmup),
    keys: flags.keys === undefined ? base.keys : positiveInt('keys', flags.keys),
    fsync: flags.fsync === undefined ? base.fsync : oneOf('fsync', flags.fsync, fsyncPolicies),
    memoryKeys: flags['memory-keys'] === undefined ? base.memoryKeys : positiveInt('memory-keys', flags['memory-keys']),
    catchUpWrites:
      flags['catchup-writes'] === undefined ? base.catchUpWrites : intList('catchup-writes', flags['catchup-writes']),
    reshardKeys: flags['reshard-keys'] === undefined ? base.reshardKeys : intList('reshard-keys', flags['reshard-keys']),
    loadConcurrency:
      flags['load-concurrency'] === undefined
        ? base.loadConcurrency
        : positiveInt('load-concurrency', flags['load-concurrency']),
    bulkKeys: flags['bulk-keys'] === undefined ? base.bulkKeys : positiveInt('bulk-keys', flags['bulk-keys']),
    cpuProfDir: flags['cpu-prof'] ?? base.cpuProfDir,
    reference: flags.reference ?? base.reference,
  }
}

function usage(flag: string, expected: string, got: unknown): KvsError {
  return new KvsError('USAGE', `--${flag} must be ${expected}, got ${JSON.stringify(got)}`, {flag, got})
}

function positiveInt(flag: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw usage(flag, 'a positive integer', value)
  return value
}

function positive(flag: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw usage(flag, 'a positive number', value)
  return value
}

function nonNegative(flag: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw usage(flag, 'zero or a positive number', value)
  return value
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw usage(flag, `one of ${allowed.join(', ')}`, value)
  return value as T
}

/** "1,64" -> [1, 64]; every item a positive integer, at least one item. */
export function intList(flag: string, text: string): number[] {
  const items = text.split(',').map((item) => item.trim())
  const numbers = items.map(Number)
  if (items.some((item) => !/^\d+$/.test(item)) || numbers.some((n) => n < 1)) {
    throw usage(flag, 'a comma-separated list of positive integers', text)
  }
  return numbers
}

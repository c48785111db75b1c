/**
 * How long one `kvs get` takes, wall clock, against `node -e 0` measured in the same run:
 * the two are interleaved run by run so load from other processes hits both alike, and the
 * figure is the ratio of their medians. Needs a running cluster: the local one (`kvs
 * cluster up`, KVS_HOME respected) or the nodes in KVS_NODE.
 *
 *   npm run bench:startup [-- RUNS]        (default 15 runs each)
 */
import {spawnSync} from 'node:child_process'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {median} from './stats.js'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const runScript = join(root, 'bin', 'run.js')
const runs = Number(process.argv[2] ?? 15)
const key = 'cli-startup-bench'

function timed(args: string[]): number {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, args, {stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8'})
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  return ms
}

timed([runScript, 'put', key, 'v', '--no-session'])
const get: number[] = []
const bare: number[] = []
for (let i = 0; i < runs; i++) {
  bare.push(timed(['-e', '0']))
  get.push(timed([runScript, 'get', key]))
}
const fmt = (ms: number) => `${ms.toFixed(0)} ms`
console.log(`node -e 0:  median ${fmt(median(bare))} (min ${fmt(Math.min(...bare))}, max ${fmt(Math.max(...bare))})`)
console.log(`kvs get:    median ${fmt(median(get))} (min ${fmt(Math.min(...get))}, max ${fmt(Math.max(...get))})`)
console.log(`ratio kvs get / node -e 0: ${(median(get) / median(bare)).toFixed(2)}x over ${runs} runs each`)

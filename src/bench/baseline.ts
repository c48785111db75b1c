/**
 * Starts the baseline server (baseline-server.ts) as a child process on its own loopback
 * address and waits until it answers.
 */
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {KvsError} from '../errors.js'
import {baselineHost} from './cluster-plan.js'
import {pollUntil, type NodeApi} from './node-api.js'
import {findFreePort} from './ports.js'
import {ProcessHandle} from './process-handle.js'
import type {Scope} from './scope.js'

const readyTimeoutMs = 30_000

/** Returns the baseline's `ip:port` once it answers a key request. */
export async function startBaseline(scope: Scope, api: NodeApi): Promise<string> {
  const port = await findFreePort([baselineHost])
  const address = `${baselineHost}:${port}`
  const handle = scope.track(
    ProcessHandle.start(process.execPath, serverArgs(), {
      cwd: process.cwd(),
      logPath: join(scope.tempDir('kvs-bench-baseline-'), 'baseline.log'),
      env: {...process.env, BASELINE_ADDRESS: address},
    }),
  )
  const answers = async () => ((await api.getStatus(address, 'key0')) > 0 ? address : null)
  await pollUntil(`the baseline at ${address}`, answers, {
    timeoutMs: readyTimeoutMs,
    failure: async () =>
      handle.exitStatus ? new KvsError('INTERNAL', `the baseline exited:\n${await handle.logTail()}`) : null,
  })
  return address
}

/**
 * The server script next to this module: compiled JavaScript in dist/, or the TypeScript
 * source when the CLI itself runs from source (bin/dev.js, under tsx).
 */
function serverArgs(): string[] {
  const here = fileURLToPath(import.meta.url)
  return here.endsWith('.ts')
    ? ['--import', 'tsx', join(dirname(here), 'baseline-server.ts')]
    : [join(dirname(here), 'baseline-server.js')]
}

/**
 * Starts the bench's yardsticks as child processes on their own loopback addresses and
 * waits until they answer: the baseline server (baseline-server.ts) and the reference
 * cluster (reference-server.ts).
 */
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {KvsError} from '../src/errors.js'
import {baselineHost, referenceAddresses} from './cluster-plan.js'
import {pollUntil, type NodeApi} from './node-api.js'
import {findFreePort} from './ports.js'
import {ProcessHandle} from './process-handle.js'
import type {Scope} from './scope.js'

const readyTimeoutMs = 30_000

/** Returns the baseline's `ip:port` once it answers a key request. */
export async function startBaseline(scope: Scope, api: NodeApi): Promise<string> {
  const port = await findFreePort([baselineHost])
  const address = `${baselineHost}:${port}`
  await startServer(scope, api, 'baseline-server', address, {BASELINE_ADDRESS: address})
  return address
}

/** Starts the reference cluster of `nodes` processes in `shards` shards; returns their addresses once all answer. */
export async function startReference(scope: Scope, api: NodeApi, nodes: number, shards: number): Promise<string[]> {
  const hosts = referenceAddresses(nodes, 0).map((address) => address.split(':')[0])
  const addresses = referenceAddresses(nodes, await findFreePort(hosts))
  await Promise.all(
    addresses.map((address) =>
      startServer(scope, api, 'reference-server', address, {
        REFERENCE_ADDRESS: address,
        REFERENCE_VIEW: addresses.join(','),
        REFERENCE_SHARDS: String(shards),
      }),
    ),
  )
  return addresses
}

async function startServer(scope: Scope, api: NodeApi, script: string, address: string, env: Record<string, string>): Promise<void> {
  const handle = scope.track(
    ProcessHandle.start(process.execPath, serverArgs(script), {
      cwd: process.cwd(),
      logPath: join(scope.tempDir(`kvs-bench-${script}-`), `${script}.log`),
      env: {...process.env, ...env},
    }),
  )
  const answers = async () => ((await api.getStatus(address, 'key0')) > 0 ? address : null)
  await pollUntil(`the ${script} at ${address}`, answers, {
    timeoutMs: readyTimeoutMs,
    failure: async () =>
      handle.exitStatus ? new KvsError('INTERNAL', `the ${script} at ${address} exited:\n${await handle.logTail()}`) : null,
  })
}

/**
 * The server script `name` next to this module: compiled JavaScript in dist/, or the
 * TypeScript source when the CLI itself runs from source (bin/dev.js, under tsx).
 */
function serverArgs(name: string): string[] {
  const here = fileURLToPath(import.meta.url)
  return here.endsWith('.ts') ? ['--import', 'tsx', join(dirname(here), `${name}.ts`)] : [join(dirname(here), `${name}.js`)]
}

/**
 * Starts the bench's yardsticks as child processes on their own loopback addresses and
 * waits until they answer: the baseline server (baseline-server.ts) and the reference
 * cluster (reference-server.ts).
 */
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {readFile} from 'node:fs/promises'
import {findFreePort} from '../src/cli/free-port.js'
import {isRunning, spawnDetached, stopProcess} from '../src/cli/node-process.js'
import {KvsError} from '../src/errors.js'
import type {Transport} from '../src/transport/transport.js'
import {waitFor} from '../src/wait-for.js'
import {baselineHost, referenceAddresses} from './cluster-plan.js'
import type {Scope} from './scope.js'

const readyTimeoutMs = 30_000

/** Returns the baseline's `ip:port` once it answers a key request. */
export async function startBaseline(scope: Scope, transport: Transport): Promise<string> {
  const port = await findFreePort([baselineHost])
  const address = `${baselineHost}:${port}`
  await startServer(scope, transport, 'baseline-server', address, {BASELINE_ADDRESS: address})
  return address
}

/** Starts the reference cluster of `nodes` processes in `shards` shards; returns their addresses once all answer. */
export async function startReference(scope: Scope, transport: Transport, nodes: number, shards: number): Promise<string[]> {
  const hosts = referenceAddresses(nodes, 0).map((address) => address.split(':')[0])
  const addresses = referenceAddresses(nodes, await findFreePort(hosts))
  await Promise.all(
    addresses.map((address) =>
      startServer(scope, transport, 'reference-server', address, {
        REFERENCE_ADDRESS: address,
        REFERENCE_VIEW: addresses.join(','),
        REFERENCE_SHARDS: String(shards),
      }),
    ),
  )
  return addresses
}

async function startServer(scope: Scope, transport: Transport, script: string, address: string, env: Record<string, string>): Promise<void> {
  const logFile = join(scope.tempDir(`kvs-bench-${script}-`), `${script}.log`)
  const child = spawnDetached(serverArgs(script), {cwd: process.cwd(), logFile, env: {...process.env, ...env}})
  const pid = child.pid
  if (pid === undefined) throw new KvsError('INTERNAL', `could not start the ${script}`)
  scope.track({stop: () => stopProcess(pid), kill: () => child.kill('SIGKILL')})
  const get = {method: 'GET', path: '/key-value-store/key0', body: '{"causal-metadata":""}', timeoutMs: 2_000} as const
  await waitFor(async () => (await transport.request(address, get)).status > 0, {
    timeoutMs: readyTimeoutMs,
    what: `the ${script} at ${address} to answer`,
    failure: async () =>
      (await isRunning(pid)) ? null : new KvsError('INTERNAL', `the ${script} at ${address} exited:\n${await readFile(logFile, 'utf8').catch(() => '')}`),
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

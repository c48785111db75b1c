/**
 * Finds one TCP port free on several loopback addresses at once, so a local cluster can
 * use the same port on every node (as the conformance harness does).
 */
import {createServer} from 'node:net'
import {KvsError} from '../src/errors.js'
import {candidatePort} from './cluster-plan.js'
import {createRng} from './workload.js'

const attempts = 50

/**
 * A port that could be bound on every one of `hosts` just now. Another process may still
 * take it before the caller binds it; callers start their processes right away.
 */
export async function findFreePort(hosts: readonly string[]): Promise<number> {
  const rng = createRng(process.pid ^ Date.now())
  for (let i = 0; i < attempts; i++) {
    const port = candidatePort(rng)
    if (await freeOnAll(hosts, port)) return port
  }
  throw new KvsError('UNAVAILABLE', `no port free on ${hosts.join(', ')} after ${attempts} tries`, {hosts})
}

async function freeOnAll(hosts: readonly string[], port: number): Promise<boolean> {
  for (const host of hosts) if (!(await canBind(host, port))) return false
  return true
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({host, port, exclusive: true}, () => server.close(() => resolve(true)))
  })
}

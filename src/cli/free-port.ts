/**
 * Finding TCP ports free on loopback hosts, for processes started on this machine: the
 * bench's clusters and yardsticks, and the cluster and CLI tests. A port found free may
 * still be taken by another process before the caller binds it, so callers start their
 * processes right away (and a test that collides with another run is rerun).
 */
import {createServer} from 'node:net'
import {KvsError} from '../errors.js'
import {isLoopbackHost} from './loopback.js'

/** Candidates are drawn from [20000, 60000): clear of well-known services. */
const lowestPort = 20_000
const candidateSpan = 40_000
const attempts = 50

/** A port to try, uniform in [20000, 60000) for `random()` uniform in [0, 1). Pure. */
export function candidatePort(random: () => number): number {
  return lowestPort + Math.floor(random() * candidateSpan)
}

/**
 * The first of `span` consecutive ports (default 1) that could all be bound on every one of
 * `hosts` just now: one port for a cluster of loopback addresses on one port
 * (127.0.0.2:P, 127.0.0.3:P, ...), or a run of ports for names on one host (localhost:P,
 * localhost:P+1, ...). USAGE for a host that is not loopback; UNAVAILABLE after 50 tries.
 */
export async function findFreePort(hosts: readonly string[], {span = 1, random = Math.random}: {span?: number; random?: () => number} = {}): Promise<number> {
  const outside = hosts.find((host) => !isLoopbackHost(host))
  if (outside !== undefined) throw new KvsError('USAGE', `${outside} is not a loopback address`, {host: outside})
  for (let i = 0; i < attempts; i++) {
    const first = candidatePort(random)
    if (await allFree(hosts, first, span)) return first
  }
  throw new KvsError('UNAVAILABLE', `no ${span} consecutive ports free on ${hosts.join(', ')} after ${attempts} tries`, {hosts, span})
}

async function allFree(hosts: readonly string[], first: number, span: number): Promise<boolean> {
  for (let port = first; port < first + span; port++) {
    for (const host of hosts) if (!(await canBind(host, port))) return false
  }
  return true
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({host, port, exclusive: true}, () => server.close(() => resolve(true)))
  })
}

/**
 * Where and how the bench starts its local processes: loopback addresses and the
 * environment of each node. Pure.
 */

/** Nodes live on 127.0.0.2, .3, ...; 127.0.0.1 is left to whatever else runs on the host. */
const firstNodeHost = 2

/** The baseline listens on its own address so it never shares a port with a node. */
export const baselineHost = '127.0.0.100'

/** The reference cluster (reference-app.ts) lives on 127.0.0.101, .102, ... */
export const firstReferenceHost = 101

export function nodeAddresses(count: number, port: number): string[] {
  if (firstNodeHost + count - 1 >= parseInt(baselineHost.split('.')[3], 10)) {
    throw new RangeError(`too many nodes for the loopback plan: ${count}`)
  }
  return Array.from({length: count}, (_, i) => `127.0.0.${firstNodeHost + i}:${port}`)
}

export function referenceAddresses(count: number, port: number): string[] {
  if (firstReferenceHost + count - 1 > 254) throw new RangeError(`too many reference processes for the loopback plan: ${count}`)
  return Array.from({length: count}, (_, i) => `127.0.0.${firstReferenceHost + i}:${port}`)
}

/**
 * The environment nodes start with: the caller's, minus every KVS_ variable (a token or
 * fsync policy set in the operator's shell would change what is measured).
 */
export function nodeEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(base)) if (!name.startsWith('KVS_')) env[name] = value
  return env
}

/**
 * Loopback address arithmetic for local clusters. Pure. Local clusters only ever use
 * 127.0.0.0/8 or the name `localhost` (which /etc/hosts resolves to loopback), so nothing
 * `kvs cluster up` starts is reachable from another machine.
 */
import {KvsError} from '../errors.js'
import {parseNodeName, type NodeName} from '../placement/node-name.js'

const loopbackFirst = ipv4ToNumber('127.0.0.1')
const loopbackLast = ipv4ToNumber('127.255.255.254')

export function ipv4ToNumber(ip: string): number {
  const octets = ip.split('.')
  if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) return Number.NaN
  return octets.reduce((n, o) => n * 256 + Number(o), 0)
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.')
}

/** True for `localhost` and for a usable host address of 127.0.0.0/8 (not the network or broadcast address). */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true
  const n = ipv4ToNumber(host)
  return n >= loopbackFirst && n <= loopbackLast
}

/** The parts of `text` when it is a node name on loopback (127.0.0.0/8, localhost or [::1]); null otherwise. */
export function loopbackNodeName(text: string): NodeName | null {
  const parsed = parseNodeName(text)
  if (!parsed.ok) return null
  const {kind, host} = parsed.value
  return (kind === 'ipv6' ? host === '::1' : isLoopbackHost(host)) ? parsed.value : null
}

/**
 * `count` node names from `firstHost` on loopback: consecutive addresses on one port
 * (127.0.0.2:8085, 127.0.0.3:8085, ...), or for `localhost` consecutive ports
 * (localhost:8085, localhost:8086, ...). USAGE unless all are loopback.
 */
export function consecutiveLoopbackAddresses(firstHost: string, count: number, port: number): string[] {
  if (!isLoopbackHost(firstHost)) {
    throw new KvsError('USAGE', `${firstHost} is not a loopback address: local clusters use 127.0.0.0/8 or localhost only`, {firstHost})
  }
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) throw new KvsError('USAGE', `port ${port} is out of range`, {port})
  if (firstHost.toLowerCase() === 'localhost') {
    if (port + count - 1 > 65535) throw new KvsError('USAGE', `${count} ports from ${port} run past 65535`, {port, count})
    return Array.from({length: count}, (_, i) => `localhost:${port + i}`)
  }
  const first = ipv4ToNumber(firstHost)
  const last = first + count - 1
  if (last > loopbackLast) {
    throw new KvsError('USAGE', `${count} addresses from ${firstHost} run past 127.255.255.254`, {firstHost, count})
  }
  return Array.from({length: count}, (_, i) => `${numberToIpv4(first + i)}:${port}`)
}

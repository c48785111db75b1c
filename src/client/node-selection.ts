/**
 * Which nodes a command talks to, and which causal session it belongs to. Pure.
 *
 * Order of precedence: `--node`, else KVS_NODE, else the nodes of the local cluster
 * (started from this machine). `--node` and KVS_NODE may list several comma-separated
 * addresses, tried in that order; an explicit choice is never silently widened to
 * other nodes, so `--node A` with A down fails instead of answering from elsewhere.
 * An address is `ipv4:port`, `[ipv6]:port` or `hostname:port` (API.md section 10.3);
 * `localhost` means 127.0.0.1, since nodes bind exactly one IPv4 address and `localhost`
 * may resolve to ::1 first.
 */
import {isIPv4, isIPv6} from 'node:net'
import {KvsError} from '../errors.js'
import {sortAddresses} from '../placement/placement.js'

export type SelectionSource = 'flag' | 'env' | 'local'

export interface NodeSelection {
  nodes: string[]
  source: SelectionSource
}

export interface LocalCluster {
  /** Stable for one incarnation of the local cluster (a new one after `cluster down --purge`). */
  id: string
  addresses: readonly string[]
}

export function selectNodes(input: {flag?: string; env?: string; local: readonly string[]}): NodeSelection {
  if (input.flag !== undefined && input.flag.trim() !== '') return {nodes: parseNodeList(input.flag, '--node'), source: 'flag'}
  if (input.env !== undefined && input.env.trim() !== '') return {nodes: parseNodeList(input.env, 'KVS_NODE'), source: 'env'}
  if (input.local.length > 0) return {nodes: [...input.local], source: 'local'}
  throw new KvsError(
    'USAGE',
    'No node to talk to: pass --node <ip:port>, set KVS_NODE, or start a local cluster with `kvs cluster up`',
  )
}

/** Comma-separated `host:port` list, duplicates dropped (after mapping localhost), order kept. */
export function parseNodeList(text: string, origin: string): string[] {
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean)
  const bad = entries.find((n) => nodeAddress(n) === null)
  if (bad !== undefined) throw new KvsError('USAGE', `${origin}: "${bad}" is not a host:port address`, {address: bad})
  if (entries.length === 0) throw new KvsError('USAGE', `${origin} names no node`)
  return [...new Set(entries.map((n) => nodeAddress(n) as string))]
}

const hostnamePattern = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i

/** The address to connect to for `host:port`, or null when it is not one. */
export function nodeAddress(text: string): string | null {
  const m = /^(.*):(\d{1,5})$/.exec(text)
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) return null
  const [, host, port] = m
  if (host.toLowerCase() === 'localhost') return `127.0.0.1:${port}`
  if (host.startsWith('[') && host.endsWith(']')) return isIPv6(host.slice(1, -1)) ? text : null
  if (isIPv4(host)) return text
  // A name of digits and dots that is not an IPv4 address (999.1.1.1) is a typo, not a host name.
  return hostnamePattern.test(host) && !/^[\d.]+$/.test(host) ? text : null
}

/**
 * The session a selection belongs to. Every selection inside the local cluster shares the
 * local cluster's session, so `kvs put --node A` then `kvs get --node B` stay causal; any
 * other selection is identified by its sorted node list (set KVS_NODE to the whole remote
 * cluster to share one session across its nodes).
 */
export function sessionKeyFor(selection: NodeSelection, local: LocalCluster | null): string {
  if (local && selection.nodes.every((n) => local.addresses.includes(n))) return localSessionKey(local.id)
  return `nodes:${sortAddresses(selection.nodes).join(',')}`
}

export const localSessionKey = (clusterId: string): string => `local:${clusterId}`

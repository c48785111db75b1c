/**
 * Which nodes a command talks to, and which causal session it belongs to. Pure.
 *
 * Order of precedence: `--node`, else KVS_NODE, else the nodes of the local cluster
 * (started from this machine). `--node` and KVS_NODE may list several comma-separated
 * addresses, tried in that order; an explicit choice is never silently widened to
 * other nodes, so `--node A` with A down fails instead of answering from elsewhere.
 * An address is a node's name, `ipv4:port`, `[ipv6]:port` or `dnsname:port` (API.md
 * section 10.3), taken in its one spelling; `localhost:9201` stays a name, since a node
 * may be known by it.
 */
import {KvsError} from '../errors.js'
import {parseNodeName} from '../placement/node-name.js'
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
    'No node to talk to: pass --node <host:port>, set KVS_NODE, or start a local cluster with `kvs cluster up`',
  )
}

/** Comma-separated node names, each in its one spelling, duplicates dropped, order kept. */
export function parseNodeList(text: string, origin: string): string[] {
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean)
  if (entries.length === 0) throw new KvsError('USAGE', `${origin} names no node`)
  const names = entries.map((entry) => {
    const parsed = parseNodeName(entry)
    if (!parsed.ok) throw new KvsError('USAGE', `${origin}: "${entry}" is not a host:port name: ${parsed.reason}`, {address: entry})
    return parsed.value.name
  })
  return [...new Set(names)]
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

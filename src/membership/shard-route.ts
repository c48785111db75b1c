/**
 * Where requests for one shard go, computed from the configuration and what heartbeats
 * said of each member (a pure function; Membership caches the result briefly).
 */
import {compareAddresses} from '../placement/placement.js'
import {membersOf, type ClusterConfig} from './cluster-config.js'
import {choosePrimary} from './failure-detector.js'

export interface ShardRoute {
  /** Live members: the primary first, then the other ready ones, then those still copying. */
  readonly members: readonly string[]
  /** The members other than this node, in the same order. */
  readonly peers: readonly string[]
  /** The peers not still copying their data. */
  readonly readyPeers: readonly string[]
  readonly primary: string | null
}

/** What this node knows of a member: alive, done copying, and how many writes it applied. */
export interface MemberHealth {
  up: boolean
  ready: boolean
  applied: number
}

export const noRoute: ShardRoute = {members: [], peers: [], readyPeers: [], primary: null}

export function shardRoute(config: ClusterConfig, shard: number, self: string, health: (member: string) => MemberHealth): ShardRoute {
  const known = membersOf(config, shard).map((address) => ({address, ...health(address)}))
  const live = known.filter((m) => m.up)
  const ready = live.filter((m) => m.ready)
  const primary = choosePrimary(ready.length > 0 ? ready : live)
  const rank = (m: {address: string; ready: boolean}) => (m.address === primary ? 0 : m.ready ? 1 : 2)
  const members = live.sort((a, b) => rank(a) - rank(b) || compareAddresses(a.address, b.address)).map((m) => m.address)
  const peers = members.filter((m) => m !== self)
  const readySet = new Set(ready.map((m) => m.address))
  return {members, peers, readyPeers: peers.filter((m) => readySet.has(m)), primary}
}

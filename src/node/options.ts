/**
 * A node's settings: flags first, then environment (API.md section 1), then defaults.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {TokenSet} from '../auth/tokens.js'
import {isLoopbackHost} from '../cli/loopback.js'
import {kvsPaths} from '../cli/paths.js'
import {KvsError} from '../errors.js'
import type {NodeTokens} from '../http/auth-hooks.js'
import {nameToFileName, parseNodeName} from '../placement/node-name.js'
import {sortAddresses} from '../placement/placement.js'
import type {FsyncPolicy} from '../storage/types.js'

export interface NodeOptions {
  /** The node's name (`ipv4:port`, `[ipv6]:port` or `dnsname:port`, in its one spelling): how peers and clients address it. */
  address: string
  /** What the server binds when that is not the name (KVS_LISTEN, e.g. `0.0.0.0:8085` in a pod); absent: the name. */
  listen?: string
  /** Every node of the initial cluster (this one included), or null when recovering from disk alone. */
  view: string[] | null
  /** Present for a node of the initial cluster; null for a newcomer or a restart from disk. */
  shardCount: number | null
  dataDir: string
  fsync: FsyncPolicy
  /** Test-only: the /admin/faults route that cuts peer traffic (README, Configuration). */
  faultInjection: boolean
  /** A reshard this node coordinates is aborted when its copy has not caught up after this long. */
  reshardTimeoutSeconds: number
  /** What SIGTERM does (README, Configuration): environment only, orchestrators set it. */
  drain: DrainOptions
  /** The client and cluster tokens (API.md section 10.1); null: that kind of route is open. */
  tokens: NodeTokens
}

/** SIGTERM: /readyz turns 503 at once; requests are still served for `delayMs` (time for load balancers to notice), then the server closes and waits for requests in flight up to `timeoutMs` before it cuts them. */
export interface DrainOptions {
  delayMs: number
  timeoutMs: number
}

/** Below the 10 s after which harnesses and Kubernetes's default grace period follow SIGTERM with SIGKILL. */
export const defaultDrain: DrainOptions = {delayMs: 0, timeoutMs: 8000}

export interface NodeFlags {
  address?: string
  listen?: string
  view?: string
  shardCount?: number
  dataDir?: string
  fsync?: string
  faultInjection?: boolean
  reshardTimeout?: number
  tokenFile?: string
  clusterTokenFile?: string
}

/** Ten minutes: about a minute per 5 million keys on a small machine, with room to spare. */
export const defaultReshardTimeoutSeconds = 600

/** The default: written to the OS on every write, fsynced every 100 ms (see README). */
export const defaultFsync: FsyncPolicy = 'interval'

export function resolveNodeOptions(flags: NodeFlags, env: NodeJS.ProcessEnv): NodeOptions {
  const addressText = flags.address ?? env.SOCKET_ADDRESS
  if (!addressText) throw new KvsError('USAGE', 'Set SOCKET_ADDRESS or --address to the host:port this node is known by')
  const address = nodeName(addressText, 'SOCKET_ADDRESS')
  const listenText = flags.listen ?? env.KVS_LISTEN
  const listen = listenText !== undefined && listenText.trim() !== '' ? nodeName(listenText.trim(), 'KVS_LISTEN') : undefined

  const viewText = flags.view ?? env.VIEW
  let view: string[] | null = null
  if (viewText !== undefined && viewText.trim() !== '') {
    const entries = viewText.split(',').map((s) => s.trim()).filter(Boolean)
    view = sortAddresses([...entries.map((e) => nodeName(e, 'VIEW entry')), address])
  }

  const countText = flags.shardCount ?? env.SHARD_COUNT
  let shardCount: number | null = null
  if (countText !== undefined && String(countText).trim() !== '') {
    shardCount = Number(countText)
    if (!Number.isSafeInteger(shardCount) || shardCount < 1) {
      throw new KvsError('USAGE', `SHARD_COUNT must be a positive integer, got "${countText}"`)
    }
    if (!view) throw new KvsError('USAGE', 'SHARD_COUNT needs VIEW: the nodes to place in shards')
  }

  const fsync = (flags.fsync ?? env.KVS_FSYNC ?? defaultFsync) as FsyncPolicy
  if (!['always', 'interval', 'never'].includes(fsync)) {
    throw new KvsError('USAGE', `fsync policy must be always, interval or never, got "${fsync}"`)
  }

  const faultText = env.KVS_FAULT_INJECTION ?? ''
  if (!['', '0', '1'].includes(faultText.trim())) {
    throw new KvsError('USAGE', `KVS_FAULT_INJECTION must be 1 (on) or 0 (off), got "${faultText}"`)
  }
  const faultInjection = flags.faultInjection || faultText.trim() === '1'
  const exposed = [address, listen].find((a) => a !== undefined && !isLoopbackAddress(a))
  if (faultInjection && exposed !== undefined) {
    throw new KvsError('USAGE', `fault injection is for tests on loopback addresses only, and ${exposed} is not one`)
  }

  const timeoutText = flags.reshardTimeout ?? env.KVS_RESHARD_TIMEOUT
  let reshardTimeoutSeconds = defaultReshardTimeoutSeconds
  if (timeoutText !== undefined && String(timeoutText).trim() !== '') {
    reshardTimeoutSeconds = Number(timeoutText)
    if (!Number.isFinite(reshardTimeoutSeconds) || reshardTimeoutSeconds <= 0) {
      throw new KvsError('USAGE', `KVS_RESHARD_TIMEOUT must be a positive number of seconds, got "${timeoutText}"`)
    }
  }

  const drain = {
    delayMs: milliseconds(env, 'KVS_DRAIN_DELAY_MS', defaultDrain.delayMs),
    timeoutMs: milliseconds(env, 'KVS_DRAIN_TIMEOUT_MS', defaultDrain.timeoutMs),
  }

  const tokens = resolveTokens(flags, env)
  const dataDir = flags.dataDir ?? env.KVS_DATA_DIR ?? defaultDataDir(address, env)
  return {address, ...(listen === undefined ? {} : {listen}), view, shardCount, dataDir: path.resolve(dataDir), fsync, faultInjection, reshardTimeoutSeconds, drain, tokens}
}

/** `text` in its one spelling (node-name.ts); USAGE naming `what` and the reason otherwise. */
function nodeName(text: string, what: string): string {
  const parsed = parseNodeName(text)
  if (!parsed.ok) throw new KvsError('USAGE', `${what} "${text}" is not a host:port name: ${parsed.reason}`, {address: text})
  return parsed.value.name
}

/** The node's tokens: each from its file when one is named, else from its variable (README, Security). */
export function resolveTokens(flags: Pick<NodeFlags, 'tokenFile' | 'clusterTokenFile'>, env: NodeJS.ProcessEnv): NodeTokens {
  const tokens = {
    client: readTokens('--token-file', flags.tokenFile ?? env.KVS_TOKEN_FILE, 'KVS_TOKEN', env.KVS_TOKEN),
    cluster: readTokens('--cluster-token-file', flags.clusterTokenFile ?? env.KVS_CLUSTER_TOKEN_FILE, 'KVS_CLUSTER_TOKEN', env.KVS_CLUSTER_TOKEN),
  }
  if (tokens.client && tokens.cluster && tokens.client.overlaps(tokens.cluster)) {
    throw new KvsError('USAGE', 'KVS_TOKEN and KVS_CLUSTER_TOKEN must differ: the client token must never open node-to-node routes')
  }
  return tokens
}

/** A token setting from its file when one is named (the flag, else the *_FILE variable), else from the variable itself. */
function readTokens(fileFlag: string, file: string | undefined, variable: string, value: string | undefined): TokenSet | null {
  if (file === undefined || file.trim() === '') return TokenSet.parse(value, variable)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new KvsError('USAGE', `cannot read ${fileFlag} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  const tokens = TokenSet.parse(text, `${fileFlag} ${file}`)
  if (!tokens) throw new KvsError('USAGE', `${fileFlag} ${file} holds no token`)
  return tokens
}

/** Whether `address` (host:port) is reachable from this machine only: 127.0.0.0/8, localhost or [::1]. */
export function isLoopbackAddress(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(':'))
  return host === 'localhost' || host === '[::1]' || isLoopbackHost(host)
}

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]?.trim() ?? ''
  if (text === '') return fallback
  const ms = Number(text)
  if (!Number.isSafeInteger(ms) || ms < 0) throw new KvsError('USAGE', `${name} must be a whole number of milliseconds >= 0, got "${text}"`)
  return ms
}

/** Under KVS_HOME when it is set, as everything else the CLI keeps (src/cli/paths.ts). */
export function defaultDataDir(address: string, env: NodeJS.ProcessEnv): string {
  return path.join(kvsPaths(env).data, 'nodes', nameToFileName(address))
}

/**
 * A client for the nodes a command talks to: node selection (--node, KVS_NODE, the local
 * cluster) and, for key commands, the causal session. Free of oclif, so the fast path of
 * `kvs get`, `kvs load` and `kvs dump` (fast-path.ts) builds its client exactly as the commands do.
 */
import {KvsClient, type ClientOptions} from '../client/kvs-client.js'
import {selectNodes, sessionKeyFor} from '../client/node-selection.js'
import {noSessionMetadata, SessionStore} from '../client/session.js'
import {clientToken, HttpTransport} from '../client/transport.js'
import {LocalRegistry} from './local-registry.js'
import {kvsPaths, sessionFile} from './paths.js'

export interface ConnectOptions {
  /** The --node flag. */
  node: string | undefined
  /** Read and extend the causal session (key commands without --no-session). */
  session?: boolean
  /** The --timeout flag: each node's deadline in milliseconds. */
  timeout?: number
  /** The --token flag; without it, KVS_TOKEN. */
  token?: string
  onNote: (text: string) => void
}

/** The largest --timeout (one day), well inside what a timer can hold. */
export const maxTimeoutMs = 86_400_000

/** The caller closes the client. */
export async function connectClient(options: ConnectOptions): Promise<KvsClient> {
  return new KvsClient(await clientOptions(options))
}

/** What a client of the selected nodes is built from (KvsClient, BulkClient); the caller closes its transport. */
export async function clientOptions(options: ConnectOptions): Promise<ClientOptions> {
  const paths = kvsPaths()
  const registry = LocalRegistry.at(paths)
  const registered = (await registry.list()).map((n) => n.address)
  const selection = selectNodes({flag: options.node, env: process.env.KVS_NODE, local: registered})
  const record = await registry.cluster()
  const sessionKey = sessionKeyFor(selection, record && {id: record.id, addresses: registered})
  const store = options.session ? new SessionStore(sessionFile(paths)) : null
  return {
    nodes: selection.nodes,
    transport: new HttpTransport({token: clientToken(options.token, process.env)}),
    metadata: store ? await store.load(sessionKey) : noSessionMetadata,
    onMetadata: async (metadata) => {
      await store?.record(sessionKey, metadata)
    },
    onNote: options.onNote,
    timeoutMs: options.timeout,
  }
}

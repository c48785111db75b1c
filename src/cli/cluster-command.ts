/**
 * The base of commands that talk to a cluster: owns `--node` and builds the client with
 * node selection (--node, KVS_NODE, the local cluster) and, for key commands, the causal
 * session.
 */
import {Flags} from '@oclif/core'
import {KvsClient} from '../client/kvs-client.js'
import {selectNodes, sessionKeyFor} from '../client/node-selection.js'
import {noHistory, SessionStore} from '../client/session.js'
import {HttpTransport} from '../client/transport.js'
import {KvsCommand} from './kvs-command.js'
import {LocalRegistry} from './local-registry.js'
import {kvsPaths, sessionFile} from './paths.js'

export const nodeFlag = Flags.string({
  summary: 'Node to talk to (ip:port); a comma-separated list is tried in order.',
  description: 'Default: the KVS_NODE environment variable, else every node of the local cluster (kvs cluster up).',
  helpValue: '<ip:port>',
})

export const sessionFlag = Flags.boolean({
  summary: 'Keep causal metadata across invocations.',
  description: 'On by default. --no-session sends no history and records nothing; `kvs session reset` forgets it.',
  allowNo: true,
  default: true,
})

export abstract class ClusterCommand<T extends object> extends KvsCommand<T> {
  static baseFlags = {node: nodeFlag}

  /** A client for the selected nodes; with `session`, key requests read and extend the causal session. */
  protected async connect(options: {node: string | undefined; session?: boolean}): Promise<KvsClient> {
    const paths = kvsPaths()
    const registry = LocalRegistry.at(paths)
    const registered = (await registry.list()).map((n) => n.address)
    const selection = selectNodes({flag: options.node, env: process.env.KVS_NODE, local: registered})
    const record = await registry.cluster()
    const sessionKey = sessionKeyFor(selection, record && {id: record.id, addresses: registered})
    const store = options.session ? new SessionStore(sessionFile(paths)) : null
    const client = new KvsClient({
      nodes: selection.nodes,
      transport: new HttpTransport(),
      metadata: store ? await store.load(sessionKey) : noHistory,
      onMetadata: async (metadata) => {
        await store?.record(sessionKey, metadata)
      },
      onNote: (text) => this.note(text),
    })
    this.onClose(() => client.close())
    return client
  }
}

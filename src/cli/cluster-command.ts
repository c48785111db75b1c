/**
 * The base of commands that talk to a cluster: owns `--node` and `--timeout` and builds the
 * client (connect.ts) with node selection and, for key commands, the causal session.
 */
import {Flags} from '@oclif/core'
import {BulkClient} from '../client/bulk-client.js'
import type {KvsClient} from '../client/kvs-client.js'
import {clientOptions, connectClient, maxTimeoutMs} from './connect.js'
import {KvsCommand} from './kvs-command.js'

export const nodeFlag = Flags.string({
  summary: 'Node to talk to (host:port); a comma-separated list is tried in order.',
  description: 'Default: the KVS_NODE environment variable, else every node of the local cluster (kvs cluster up).',
  helpValue: '<host:port>',
})

export const timeoutFlag = Flags.integer({
  summary: 'Milliseconds to wait for a node to answer before trying the next.',
  description:
    'Default: 10000 (30000 for view changes and add-member, 120000 for reshard). A node that does not acknowledge the request at all (a paused one) is left after at most 1000 ms, whatever this says.',
  helpValue: '<ms>',
  min: 1,
  max: maxTimeoutMs,
})

export const tokenFlag = Flags.string({
  summary: 'Client token, sent as Authorization: Bearer to nodes that require one.',
  description: 'Default: the KVS_TOKEN environment variable (prefer it: a flag shows in the process list).',
  helpValue: '<token>',
})

export const sessionFlag = Flags.boolean({
  summary: 'Keep causal metadata across invocations.',
  description: 'On by default. --no-session sends no history and records nothing; `kvs session reset` forgets it.',
  allowNo: true,
  default: true,
})

export abstract class ClusterCommand<T extends object> extends KvsCommand<T> {
  static baseFlags = {node: nodeFlag, timeout: timeoutFlag, token: tokenFlag}

  /** A client for the selected nodes; with `session`, key requests read and extend the causal session. */
  protected async connect(options: {node: string | undefined; timeout?: number; session?: boolean; token?: string}): Promise<KvsClient> {
    const client = await connectClient({...options, onNote: (text) => this.note(text)})
    this.onClose(() => client.close())
    return client
  }

  /** A client of the bulk routes (load, dump, scan), over the same nodes and session. */
  protected async connectBulk(options: {node: string | undefined; timeout?: number; session?: boolean; token?: string}): Promise<BulkClient> {
    const client = new BulkClient(await clientOptions({...options, onNote: (text) => this.note(text)}))
    this.onClose(() => client.close())
    return client
  }
}

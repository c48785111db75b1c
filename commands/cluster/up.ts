import {Flags} from '@oclif/core'
import {tokenFlag} from '../../src/cli/cluster-command.js'
import {KvsCommand} from '../../src/cli/kvs-command.js'
import {clusterUp, type ClusterUpResult} from '../../src/cli/local-cluster.js'
import type {HumanOutput} from '../../src/cli/printer.js'
import {resolveNodeOptions, resolveTokens} from '../../src/node/options.js'

/** What the nodes read from the environment: KVS_FSYNC and the tokens (--token wins over KVS_TOKEN and KVS_TOKEN_FILE). */
function nodeVariables(token: string | undefined): NodeJS.ProcessEnv {
  const {KVS_FSYNC, KVS_TOKEN, KVS_TOKEN_FILE, KVS_CLUSTER_TOKEN, KVS_CLUSTER_TOKEN_FILE} = process.env
  const client = token === undefined ? {KVS_TOKEN, KVS_TOKEN_FILE} : {KVS_TOKEN: token}
  return {KVS_FSYNC, KVS_CLUSTER_TOKEN, KVS_CLUSTER_TOKEN_FILE, ...client}
}

export default class ClusterUp extends KvsCommand<ClusterUpResult> {
  static summary = 'Start a local cluster.'
  static description = `Starts --nodes nodes in the background on consecutive loopback addresses (127.0.0.0/8 only), all on one port, or on consecutive ports of localhost (--first-address localhost), with VIEW and SHARD_COUNT set; waits until every node answers and sees every other node, then prints which nodes form each shard. Their pid files, logs and data live in the local registry (KVS_HOME moves it). A cluster that was stopped with \`kvs cluster down\` restarts on its data when started again with the same flags. Commands then talk to it without --node.`

  static examples = [
    {description: 'Six nodes in two shards on 127.0.0.2-127.0.0.7, port 8085.', command: '<%= config.bin %> cluster up'},
    {description: 'A smaller cluster elsewhere on loopback.', command: '<%= config.bin %> cluster up --nodes 4 --shards 1 --first-address 127.0.1.2 --port 9000'},
    {description: 'Four nodes named by a DNS name: localhost:9201-9204.', command: '<%= config.bin %> cluster up --nodes 4 --first-address localhost --port 9201'},
  ]

  static flags = {
    nodes: Flags.integer({summary: 'How many nodes to start.', default: 6, min: 2}),
    shards: Flags.integer({summary: 'How many shards (each needs at least two nodes).', default: 2, min: 1}),
    'first-address': Flags.string({summary: 'Loopback address of the first node, the others following it; or localhost, the others on the following ports.', default: '127.0.0.2', helpValue: '<ip|localhost>'}),
    port: Flags.integer({summary: 'Port every node listens on.', default: 8085, min: 1, max: 65535}),
    token: {...tokenFlag, summary: 'Client token every node requires (sent by this command too); default: KVS_TOKEN.'},
  }

  protected async execute(): Promise<ClusterUpResult> {
    const {flags} = await this.parse(ClusterUp)
    const layout = {firstAddress: flags['first-address'], nodes: flags.nodes, shards: flags.shards, port: flags.port}
    const env = nodeVariables(flags.token)
    const spinner = await this.spin(`Starting ${layout.nodes} nodes`)
    const result = await clusterUp(
      // This command asks the nodes whether they answer: with the token they require.
      this.localContext(resolveTokens({}, env).client?.current),
      layout,
      // Only KVS_FSYNC and the tokens come from the environment: the layout is the flags'.
      (address, view, dataDir) => resolveNodeOptions({address, view: view.join(','), shardCount: layout.shards, dataDir}, env),
      (text) => spinner.update(text),
    )
    spinner.succeed(`${result.nodes.length} nodes up`)
    return result
  }

  protected present(result: ClusterUpResult): HumanOutput {
    return {
      kind: 'table',
      heading: `Local cluster of ${result.nodes.length} nodes in ${result.shards.length} shards`,
      columns: [
        {key: 'shardId', header: 'SHARD', align: 'right'},
        {key: 'members', header: 'MEMBERS'},
      ],
      rows: result.shards.map((s) => ({shardId: s.shardId, members: s.members.join(', ')})),
    }
  }
}

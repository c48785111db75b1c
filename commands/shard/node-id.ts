import type {NodeShardIdResult} from '../../src/client/api-types.js'
import {ClusterCommand} from '../../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

export default class ShardNodeId extends ClusterCommand<NodeShardIdResult> {
  static summary = "Show the shard of a node."
  static description = `Asks the node (--node, else the first selected node that answers) for its own shard ID. A newcomer that no \`kvs shard add-member\` placed yet has none (null).`

  static examples = ['<%= config.bin %> shard node-id --node 127.0.0.3:8085']

  protected async execute(): Promise<NodeShardIdResult> {
    const {flags} = await this.parse(ShardNodeId)
    const client = await this.connect(flags)
    return client.nodeShardId()
  }

  protected present(result: NodeShardIdResult): HumanOutput {
    return lines(result.shardId === null ? `${result.node} is in no shard yet` : `${result.node} is in shard ${result.shardId}`)
  }
}

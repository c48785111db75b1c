import type {ShardIdsResult} from '../../src/client/api-types.js'
import {ClusterCommand} from '../../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

export default class ShardIds extends ClusterCommand<ShardIdsResult> {
  static summary = 'List the shard IDs.'
  static description = 'Every node answers the same list. Prints one ID per line.'
  static examples = ['<%= config.bin %> shard ids', '<%= config.bin %> shard ids --json']

  protected async execute(): Promise<ShardIdsResult> {
    const {flags} = await this.parse(ShardIds)
    const client = await this.connect(flags)
    return client.shardIds()
  }

  protected present(result: ShardIdsResult): HumanOutput {
    return lines(...result.shardIds.map(String))
  }
}

import type {ShardKeyCountResult} from '../../src/client/api-types.js'
import {shardIdArg} from '../../src/cli/args.js'
import {ClusterCommand} from '../../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

export default class ShardKeyCount extends ClusterCommand<ShardKeyCountResult> {
  static summary = 'Count the keys a shard holds.'
  static description = 'Live keys of the shard, as every member reports once replication settled. An unknown shard ID exits with code 3.'
  static examples = ['<%= config.bin %> shard key-count 2']

  static args = {id: shardIdArg}

  protected async execute(): Promise<ShardKeyCountResult> {
    const {args, flags} = await this.parse(ShardKeyCount)
    const client = await this.connect(flags)
    return client.shardKeyCount(args.id)
  }

  protected present(result: ShardKeyCountResult): HumanOutput {
    return lines(`Shard ${result.shardId} holds ${result.keyCount} keys`)
  }
}

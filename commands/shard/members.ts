import type {ShardMembersResult} from '../../src/client/api-types.js'
import {shardIdArg} from '../../src/cli/args.js'
import {ClusterCommand} from '../../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

export default class ShardMembers extends ClusterCommand<ShardMembersResult> {
  static summary = 'List the members of a shard.'
  static description = 'Prints one address per line. An unknown shard ID exits with code 3.'
  static examples = ['<%= config.bin %> shard members 1']

  static args = {id: shardIdArg}

  protected async execute(): Promise<ShardMembersResult> {
    const {args, flags} = await this.parse(ShardMembers)
    const client = await this.connect(flags)
    return client.shardMembers(args.id)
  }

  protected present(result: ShardMembersResult): HumanOutput {
    return lines(...result.members)
  }
}

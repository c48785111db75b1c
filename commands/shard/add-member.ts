import type {AddMemberResult} from '../../src/client/api-types.js'
import {addressArg, shardIdArg} from '../../src/cli/args.js'
import {ClusterCommand} from '../../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

export default class ShardAddMember extends ClusterCommand<AddMemberResult> {
  static summary = 'Place a node in a shard.'
  static description = `For a node that joined the view without a shard (started without SHARD_COUNT): it is added to the shard on every node and copies the shard's keys from an existing member.`

  // One command per example: help wraps a long command with `\` continuations, so two
  // commands in one example would be pasted as one, and the view is written with brace
  // expansion (bash, zsh) because one long word would be cut in the middle.
  static examples = [
    {
      description: 'Next to the default local cluster (127.0.0.2-7), start a seventh node that joins the view without a shard.',
      command: '<%= config.bin %> node start --detach --address 127.0.0.8:8085 --view $(printf %s, 127.0.0.{2..7}:8085)',
    },
    {description: 'Then place it in shard 2.', command: '<%= config.bin %> shard add-member 2 127.0.0.8:8085'},
  ]

  static args = {
    id: shardIdArg,
    address: addressArg('Name (host:port) of the node to place'),
  }

  protected async execute(): Promise<AddMemberResult> {
    const {args, flags} = await this.parse(ShardAddMember)
    const client = await this.connect(flags)
    return client.addMember(args.id, args.address)
  }

  protected present(result: AddMemberResult): HumanOutput {
    return lines(`Added ${result.address} to shard ${result.shardId}`)
  }
}

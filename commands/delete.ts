import {Args} from '@oclif/core'
import type {DeleteResult} from '../src/client/api-types.js'
import {ClusterCommand, sessionFlag} from '../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../src/cli/printer.js'

export default class Delete extends ClusterCommand<DeleteResult> {
  static summary = 'Delete a key.'
  static description = 'Deleting a key that does not exist in your causal past exits with code 3.'
  static examples = ['<%= config.bin %> delete greeting', '<%= config.bin %> delete greeting --json']

  static args = {key: Args.string({required: true, description: 'Key to delete'})}
  static flags = {session: sessionFlag}

  protected async execute(): Promise<DeleteResult> {
    const {args, flags} = await this.parse(Delete)
    const client = await this.connect(flags)
    return client.delete(args.key)
  }

  protected present(result: DeleteResult): HumanOutput {
    return lines(`Deleted ${result.key} from shard ${result.shardId ?? '?'} (via ${result.node})`)
  }
}

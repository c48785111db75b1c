import {Args} from '@oclif/core'
import type {ReshardProgress, ReshardResult} from '../src/client/api-types.js'
import {ClusterCommand} from '../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../src/cli/printer.js'

export default class Reshard extends ClusterCommand<ReshardResult> {
  static summary = 'Change the number of shards.'
  static description = `Re-places every node and key for the new shard count and returns when the keys have moved; reads continue meanwhile and writes pause briefly. Each shard needs at least two nodes: a count the view cannot hold fails with the node's message (exit 1, code BAD_REQUEST) and changes nothing.`

  static examples = ['<%= config.bin %> reshard 3', '<%= config.bin %> reshard 1 --json']

  static args = {count: Args.integer({required: true, min: 1, description: 'New number of shards'})}

  protected async execute(): Promise<ReshardResult> {
    const {args, flags} = await this.parse(Reshard)
    const client = await this.connect(flags)
    const title = `Resharding to ${args.count} shards`
    const spinner = await this.spin(title)
    const result = await client.reshard(args.count, (progress) => spinner.update(progressText(title, progress)))
    spinner.succeed(`${title}: done`)
    return result
  }

  protected present(result: ReshardResult): HumanOutput {
    return lines(`${result.message} (${result.shardCount} shards, via ${result.node})`)
  }
}

function progressText(title: string, progress: ReshardProgress | null): string {
  if (!progress) return title
  return `${title}: ${progress.phase}, ${progress.moved}/${progress.total} keys moved`
}

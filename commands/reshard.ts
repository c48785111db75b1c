import {Args, Flags} from '@oclif/core'
import type {ReshardAbortResult, ReshardResult} from '../src/client/api-types.js'
import {ClusterCommand} from '../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../src/cli/printer.js'
import {phaseLogger, progressLine} from '../src/cli/reshard-progress.js'
import {spinnerEnabled} from '../src/cli/spinner.js'
import {KvsError} from '../src/errors.js'

export default class Reshard extends ClusterCommand<ReshardResult | ReshardAbortResult> {
  static summary = 'Change the number of shards, while clients keep working.'
  static description = `Every node copies the keys of its new shard while the old layout keeps serving reads and writes; then writes are held for a short cutover (the figure is shown at the end) while the last changes move and the new layout is committed. On a terminal a progress bar shows the phase, key copies moved, rate and ETA; elsewhere one line per phase goes to stderr. Each shard needs at least two nodes: a count the view cannot hold fails with the node's message (exit 1, code BAD_REQUEST) and changes nothing. --abort stops a reshard under way (also one whose coordinating node died): the old layout stays in force and nothing is lost.`

  static examples = ['<%= config.bin %> reshard 3', '<%= config.bin %> reshard 1 --json', '<%= config.bin %> reshard --abort']

  static args = {count: Args.integer({required: false, min: 1, description: 'New number of shards'})}

  static flags = {
    abort: Flags.boolean({summary: 'Abort the reshard under way; the old layout stays in force.', default: false}),
  }

  protected async execute(): Promise<ReshardResult | ReshardAbortResult> {
    const {args, flags} = await this.parse(Reshard)
    if (flags.abort && args.count !== undefined) throw new KvsError('USAGE', 'Give either a shard count or --abort, not both')
    if (!flags.abort && args.count === undefined) throw new KvsError('USAGE', 'Missing the new number of shards (or --abort)')
    const client = await this.connect(flags)
    if (flags.abort || args.count === undefined) return client.abortReshard()
    const title = `Resharding to ${args.count} shards`
    const animated = spinnerEnabled(this.jsonEnabled())
    const spinner = await this.spin(title)
    const logPhase = phaseLogger((line) => process.stderr.write(`${line}\n`))
    const result = await client.reshard(args.count, (progress) => (animated ? spinner.update(`${title}: ${progressLine(progress)}`) : logPhase(progress)))
    if (result.progress && !animated) logPhase(result.progress)
    spinner.succeed(`${title}: ${result.progress ? progressLine(result.progress) : 'done'}`)
    return result
  }

  protected present(result: ReshardResult | ReshardAbortResult): HumanOutput {
    if ('aborted' in result) return lines(`${result.message} (via ${result.node})`)
    const held = result.progress?.pauseMs ?? null
    return lines(`${result.message} (${result.shardCount} shards, via ${result.node}${held === null ? '' : `; writes held ${held} ms`})`)
  }
}

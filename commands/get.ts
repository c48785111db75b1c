import {Args, Flags} from '@oclif/core'
import type {GetResult} from '../src/client/api-types.js'
import {ClusterCommand, sessionFlag} from '../src/cli/cluster-command.js'
import {presentGet} from '../src/cli/fast-path.js'
import type {HumanOutput} from '../src/cli/printer.js'

export default class Get extends ClusterCommand<GetResult> {
  static summary = 'Read a key.'
  static description = `Reads the value as of your causal session: a node that has not yet applied a write you have seen waits for it (or pulls it) before answering. A missing key exits with code 3.`

  static examples = [
    {description: 'Read a key.', command: '<%= config.bin %> get greeting'},
    {description: 'Print only the value, exactly as stored (no newline added).', command: '<%= config.bin %> get motd -o value > motd.txt'},
    {description: 'Test for a key in a script (exit code 3 when missing).', command: '<%= config.bin %> get greeting --json || echo "exit $?"'},
  ]

  static args = {key: Args.string({required: true, description: 'Key to read'})}

  static flags = {
    session: sessionFlag,
    output: Flags.string({
      char: 'o',
      summary: 'Print only this field, raw.',
      options: ['value'],
      exclusive: ['json'],
    }),
  }

  private rawValue = false

  protected async execute(): Promise<GetResult> {
    const {args, flags} = await this.parse(Get)
    this.rawValue = flags.output === 'value'
    const client = await this.connect(flags)
    return client.get(args.key)
  }

  protected present(result: GetResult): HumanOutput {
    return presentGet(result, this.rawValue)
  }
}

import {Args} from '@oclif/core'
import type {PutResult} from '../src/client/api-types.js'
import {ClusterCommand, sessionFlag} from '../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../src/cli/printer.js'
import {readStdin} from '../src/cli/stdin.js'

export default class Put extends ClusterCommand<PutResult> {
  static summary = 'Write a key.'
  static description = `Any node accepts any key and forwards it to the key's shard. The answer says whether the key was added (new in your causal past) or updated, and which shard holds it. The causal metadata of the answer is kept in the session, so a later \`kvs get\` (on any node) sees this write.`

  static examples = [
    {description: 'Write a value.', command: '<%= config.bin %> put greeting hello'},
    {description: 'Write a file as the value (read from stdin, kept byte for byte).', command: '<%= config.bin %> put motd - < /etc/motd'},
    {description: 'Write through one node, for a script.', command: '<%= config.bin %> put counter 1 --node 127.0.0.3:8085 --json'},
  ]

  static args = {
    key: Args.string({required: true, description: 'Key, at most 50 characters'}),
    value: Args.string({required: true, description: 'Value; - reads it from stdin'}),
  }

  static flags = {session: sessionFlag}

  protected async execute(): Promise<PutResult> {
    const {args, flags} = await this.parse(Put)
    const value = args.value === '-' ? await readStdin() : args.value
    const client = await this.connect(flags)
    return client.put(args.key, value)
  }

  protected present(result: PutResult): HumanOutput {
    return lines(`${result.created ? 'Added' : 'Updated'} ${result.key} in shard ${result.shardId ?? '?'} (via ${result.node})`)
  }
}

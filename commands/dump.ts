import {Flags} from '@oclif/core'
import type {DumpResult} from '../src/client/bulk-client.js'
import {dumpKeys} from '../src/cli/bulk-commands.js'
import {ClusterCommand, sessionFlag} from '../src/cli/cluster-command.js'
import type {HumanOutput} from '../src/cli/printer.js'

export default class Dump extends ClusterCommand<DumpResult> {
  static summary = 'Write every key and its value to stdout, as NDJSON lines {"key":"…","value":"…"}.'
  static description = `Every write acknowledged before the dump began is in it (each shard is read from one snapshot, taken on its primary when the dump reaches it); writes made during the dump may or may not be. Keys come shard after shard, in no particular order within a shard. The count goes to stderr, so stdout is only the data: \`kvs load\` reads it back (the backup and restore path). A reshard during the dump makes it fail (exit 1); run it again.`

  static examples = [
    {description: 'Back up every key.', command: '<%= config.bin %> dump > backup.ndjson'},
    {description: 'Only the keys starting with user:', command: '<%= config.bin %> dump --prefix user: > users.ndjson'},
  ]

  // stdout is the NDJSON itself: there is no other document to print.
  static enableJsonFlag = false

  static flags = {
    prefix: Flags.string({summary: 'Only keys starting with this.', default: ''}),
    session: sessionFlag,
  }

  protected async execute(): Promise<DumpResult> {
    const {flags} = await this.parse(Dump)
    return dumpKeys(flags.prefix, await this.connectBulk(flags))
  }

  protected present(): HumanOutput {
    return {kind: 'raw', text: ''}
  }
}

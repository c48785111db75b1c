import {Args} from '@oclif/core'
import {loadFile, presentLoad, type LoadCommandResult} from '../src/cli/bulk-commands.js'
import {ClusterCommand, sessionFlag} from '../src/cli/cluster-command.js'
import type {HumanOutput} from '../src/cli/printer.js'
import {spinnerEnabled} from '../src/cli/spinner.js'

export default class Load extends ClusterCommand<LoadCommandResult> {
  static summary = 'Write keys in bulk from NDJSON lines {"key":"…","value":"…"} (a file, or stdin).'
  static description = `The whole input is checked before the first write: a malformed line (not a JSON object, a key that is not a string of 1 to 50 characters, a value that is not a string, another field) stops the command with exit code 2, names the line, and writes nothing. A key given twice is written once, with its last value. Keys travel in batches of 2,000 keys of one shard, four batches at a time, each to its shard's primary when it is among the selected nodes. On a terminal a progress bar shows the keys written. With \`kvs dump\`, the backup and restore path.`

  static examples = [
    {description: 'Load a file.', command: '<%= config.bin %> load keys.ndjson'},
    {description: 'Restore a backup into another cluster.', command: '<%= config.bin %> dump > backup.ndjson && <%= config.bin %> load backup.ndjson --node 127.0.0.12:8085'},
    {description: 'Load from a pipe, for a script.', command: `printf '{"key":"a","value":"1"}\\n' | <%= config.bin %> load - --json`},
  ]

  static args = {file: Args.string({required: false, default: '-', description: 'NDJSON file; - (the default) reads stdin'})}
  static flags = {session: sessionFlag}

  protected async execute(): Promise<LoadCommandResult> {
    const {args, flags} = await this.parse(Load)
    return loadFile(args.file, () => this.connectBulk(flags), (text) => this.spin(text), spinnerEnabled(this.jsonEnabled()))
  }

  protected present(result: LoadCommandResult): HumanOutput {
    return presentLoad(result)
  }
}

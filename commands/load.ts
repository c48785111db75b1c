import {Args} from '@oclif/core'
import type {LoadResult} from '../src/client/bulk-client.js'
import {progressBar, readLoadInput} from '../src/cli/bulk-io.js'
import {ClusterCommand, sessionFlag} from '../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../src/cli/printer.js'
import {spinnerEnabled} from '../src/cli/spinner.js'

export type LoadCommandResult = LoadResult & {source: string; lines: number}

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
    const {records, lines: read} = await readLoadInput(args.file)
    const client = await this.connectBulk(flags)
    const total = records.keys.length
    const animated = spinnerEnabled(this.jsonEnabled())
    const spinner = await this.spin(`Loading ${progressBar(0, total)}`)
    try {
      const result = await client.load(records, (written) => animated && spinner.update(`Loading ${progressBar(written, total)}`))
      spinner.succeed(`Loaded ${progressBar(result.keys, total)}`)
      return {...result, source: args.file, lines: read}
    } finally {
      await client.saveSession()
    }
  }

  protected present(result: LoadCommandResult): HumanOutput {
    const from = result.source === '-' ? 'stdin' : result.source
    return lines(`Loaded ${result.keys} keys from ${from} (${result.lines} lines) in ${result.seconds.toFixed(2)} s: ${result.keysPerSecond} keys/s`)
  }
}

import {Flags} from '@oclif/core'
import type {ScanResult} from '../src/client/bulk-client.js'
import {ClusterCommand, sessionFlag} from '../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../src/cli/printer.js'

export default class Scan extends ClusterCommand<ScanResult> {
  static summary = 'List the keys that start with a prefix, one per line.'
  static description = `Keys come shard after shard, in no particular order within a shard, each once; the scan sees every write acknowledged before it reached the shard, and your own writes (causal session). --limit stops after that many keys (a note on stderr says more match). --json prints one document: {"prefix","keys","truncated"}. No match is not an error (exit 0).`

  static examples = [
    {description: 'Every key starting with user:', command: '<%= config.bin %> scan --prefix user:'},
    {description: 'The first 10, for a script.', command: '<%= config.bin %> scan --prefix user: --limit 10 --json'},
  ]

  static flags = {
    prefix: Flags.string({summary: 'Keys starting with this ("" lists every key).', required: true}),
    limit: Flags.integer({summary: 'Stop after this many keys.', min: 1}),
    session: sessionFlag,
  }

  protected async execute(): Promise<ScanResult> {
    const {flags} = await this.parse(Scan)
    const client = await this.connectBulk(flags)
    const keys: string[] = []
    let truncated = false
    try {
      ;({truncated} = await client.scan({prefix: flags.prefix, values: false, limit: flags.limit}, (page) => {
        for (const key of page) keys.push(key)
      }))
    } finally {
      await client.saveSession()
    }
    if (truncated && !this.jsonEnabled()) this.note(`stopped after --limit ${flags.limit}; more keys may start with "${flags.prefix}"`)
    return {prefix: flags.prefix, keys, truncated}
  }

  protected present(result: ScanResult): HumanOutput {
    return lines(...result.keys)
  }
}

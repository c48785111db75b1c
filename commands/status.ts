import type {StatusResult} from '../src/client/kvs-client.js'
import {ClusterCommand} from '../src/cli/cluster-command.js'
import type {HumanOutput} from '../src/cli/printer.js'
import {exitCodes} from '../src/errors.js'

export default class Status extends ClusterCommand<StatusResult> {
  static summary = 'Show whether the cluster is healthy, node by node.'
  static description = `Reads the configuration from the first node that answers, then asks every configured node for its own status. The verdict is one of:

healthy: every node is up and agrees (exit 0).
degraded: every shard is served, but a node is down, a shard has a single live member, nodes disagree on the epoch, or a reshard is under way (exit 5).
unavailable: no node answered, or some shard has no live member (exit 4).

Under --json the same report is printed whatever the verdict; the exit code tells them apart.`

  static examples = ['<%= config.bin %> status', '<%= config.bin %> status --json', '<%= config.bin %> status >/dev/null || echo "not healthy"']

  protected async execute(): Promise<StatusResult> {
    const {flags} = await this.parse(Status)
    const client = await this.connect(flags)
    await this.spin('Asking every node')
    const result = await client.status()
    // What is open goes to stderr, so the verdict and table on stdout stay as scripts read them.
    if (!this.jsonEnabled()) for (const note of result.notes) this.note(note)
    return result
  }

  protected present(result: StatusResult): HumanOutput {
    const heading = result.reasons.length === 0 ? result.verdict : `${result.verdict}: ${result.reasons.join('; ')}`
    return {
      kind: 'table',
      heading,
      columns: [
        {key: 'address', header: 'ADDRESS'},
        {key: 'shardId', header: 'SHARD', align: 'right'},
        {key: 'primary', header: 'PRIMARY'},
        {key: 'state', header: 'STATE'},
        {key: 'keys', header: 'KEYS', align: 'right'},
        {key: 'epoch', header: 'EPOCH', align: 'right'},
      ],
      rows: result.nodes.map((n) => ({...n})),
    }
  }

  protected exitCodeFor(result: StatusResult): number {
    if (result.verdict === 'healthy') return exitCodes.ok
    return result.verdict === 'degraded' ? exitCodes.degraded : exitCodes.unavailable
  }
}

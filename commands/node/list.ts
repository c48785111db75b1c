import {tokenFlag} from '../../src/cli/cluster-command.js'
import {KvsCommand} from '../../src/cli/kvs-command.js'
import {listNodes, type LocalNode} from '../../src/cli/local-cluster.js'
import type {HumanOutput} from '../../src/cli/printer.js'

interface NodeListResult {
  nodes: LocalNode[]
}

export default class NodeList extends KvsCommand<NodeListResult> {
  static summary = 'List the nodes started from this machine.'
  static description = `Every node in the local registry (kvs cluster up, kvs node start --detach) with its pid, data directory and log file. A node is up when its process runs and answers.`

  static examples = ['<%= config.bin %> node list', '<%= config.bin %> node list --json']

  static flags = {token: tokenFlag}

  protected async execute(): Promise<NodeListResult> {
    const {flags} = await this.parse(NodeList)
    return {nodes: await listNodes(this.localContext(flags.token))}
  }

  protected present(result: NodeListResult): HumanOutput {
    return {
      kind: 'table',
      columns: [
        {key: 'address', header: 'ADDRESS'},
        {key: 'pid', header: 'PID', align: 'right'},
        {key: 'state', header: 'STATE'},
        {key: 'dataDir', header: 'DATA DIR'},
        {key: 'logFile', header: 'LOG'},
      ],
      rows: result.nodes.map((n) => ({...n})),
    }
  }
}

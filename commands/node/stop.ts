import {addressArg} from '../../src/cli/args.js'
import {KvsCommand} from '../../src/cli/kvs-command.js'
import {stopNode, type StoppedNode} from '../../src/cli/local-cluster.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

export default class NodeStop extends KvsCommand<StoppedNode> {
  static summary = 'Stop a node started with --detach or kvs cluster up.'
  static description = `Sends SIGTERM to the pid recorded for the address (SIGKILL after 10 s) and waits for the exit. Only nodes in the local registry can be stopped (any other address exits with code 3, NOT_FOUND); processes are never looked up by name. Its data stays.`

  static examples = ['<%= config.bin %> node stop 127.0.0.3:8085']

  static args = {address: addressArg('Name (host:port) of the node to stop')}

  protected async execute(): Promise<StoppedNode> {
    const {args} = await this.parse(NodeStop)
    const ctx = this.localContext()
    await this.spin(`Stopping ${args.address}`)
    return stopNode(ctx, args.address)
  }

  protected present(result: StoppedNode): HumanOutput {
    if (result.signal === null) return lines(`${result.address} was not running`)
    return lines(`Stopped ${result.address} (pid ${result.pid}, ${result.signal})`)
  }
}

import type {ViewChangeResult} from '../../src/client/api-types.js'
import {addressArg} from '../../src/cli/args.js'
import {ClusterCommand} from '../../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

export default class ViewAdd extends ClusterCommand<ViewChangeResult> {
  static summary = 'Add a node to the view.'
  static description = `The receiving node adds the address to the configuration and tells every other node. An address already in the view fails (exit 1, code CONFLICT). A new node normally announces itself; this is for putting back a node that was removed. To give it a shard, use \`kvs shard add-member\`.`

  static examples = ['<%= config.bin %> view add 127.0.0.8:8085']

  static args = {address: addressArg('Name (host:port) of the node to add')}

  protected async execute(): Promise<ViewChangeResult> {
    const {args, flags} = await this.parse(ViewAdd)
    const client = await this.connect(flags)
    return client.addToView(args.address)
  }

  protected present(result: ViewChangeResult): HumanOutput {
    return lines(`${result.message}: ${result.address}`)
  }
}

import type {ViewChangeResult} from '../../src/client/api-types.js'
import {addressArg} from '../../src/cli/args.js'
import {ClusterCommand} from '../../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

export default class ViewRemove extends ClusterCommand<ViewChangeResult> {
  static summary = 'Remove a node from the view.'
  static description = `The receiving node removes the address from the configuration and tells every other node. An address that is not in the view fails with exit code 3 (code NOT_FOUND).`

  static examples = ['<%= config.bin %> view remove 127.0.0.8:8085']

  static args = {address: addressArg('Name (host:port) of the node to remove')}

  protected async execute(): Promise<ViewChangeResult> {
    const {args, flags} = await this.parse(ViewRemove)
    const client = await this.connect(flags)
    return client.removeFromView(args.address)
  }

  protected present(result: ViewChangeResult): HumanOutput {
    return lines(`${result.message}: ${result.address}`)
  }
}

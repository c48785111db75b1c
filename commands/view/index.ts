import type {ViewResult} from '../../src/client/api-types.js'
import {ClusterCommand} from '../../src/cli/cluster-command.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

export default class View extends ClusterCommand<ViewResult> {
  static summary = 'List the nodes a node currently sees as up.'
  static description = `The view is the configuration's nodes minus those the answering node believes are down; a node that stops answering leaves every view, and reappears when it comes back. Prints one address per line.`

  static examples = ['<%= config.bin %> view', '<%= config.bin %> view --node 127.0.0.4:8085 --json']

  protected async execute(): Promise<ViewResult> {
    const {flags} = await this.parse(View)
    const client = await this.connect(flags)
    return client.view()
  }

  protected present(result: ViewResult): HumanOutput {
    return lines(...result.view)
  }
}

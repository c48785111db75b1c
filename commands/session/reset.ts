import {SessionStore} from '../../src/client/session.js'
import {KvsCommand} from '../../src/cli/kvs-command.js'
import {kvsPaths, sessionFile} from '../../src/cli/paths.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

interface SessionResetResult {
  /** How many clusters' causal histories were forgotten. */
  forgotten: number
  file: string
}

export default class SessionReset extends KvsCommand<SessionResetResult> {
  static summary = 'Forget the causal session.'
  static description = `The client keeps the causal metadata of its last answers per cluster, so consecutive commands see each other's writes. Resetting forgets it for every cluster: the next request starts with no history. Useful after a cluster was rebuilt elsewhere under the same addresses.`

  static examples = ['<%= config.bin %> session reset']

  protected async execute(): Promise<SessionResetResult> {
    await this.parse(SessionReset)
    const store = new SessionStore(sessionFile(kvsPaths()))
    return {forgotten: await store.reset(), file: store.file}
  }

  protected present(result: SessionResetResult): HumanOutput {
    return lines(`Forgot the causal history of ${result.forgotten} cluster${result.forgotten === 1 ? '' : 's'} (${result.file})`)
  }
}

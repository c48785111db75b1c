import {Flags} from '@oclif/core'
import {localSessionKey} from '../../src/client/node-selection.js'
import {SessionStore} from '../../src/client/session.js'
import {KvsCommand} from '../../src/cli/kvs-command.js'
import {clusterDown, type ClusterDownResult} from '../../src/cli/local-cluster.js'
import {kvsPaths, sessionFile} from '../../src/cli/paths.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'

export default class ClusterDown extends KvsCommand<ClusterDownResult> {
  static summary = 'Stop the local cluster.'
  static description = `Stops every node of the local registry by its recorded pid (SIGTERM, SIGKILL after 10 s). Their data stays, so \`kvs cluster up\` with the same flags brings the same cluster back; --purge also removes their data, logs and pid files, and forgets the cluster's causal session.`

  static examples = ['<%= config.bin %> cluster down', '<%= config.bin %> cluster down --purge']

  static flags = {
    purge: Flags.boolean({summary: 'Also remove every node\'s data, log and pid file.'}),
  }

  protected async execute(): Promise<ClusterDownResult> {
    const {flags} = await this.parse(ClusterDown)
    await this.spin('Stopping the local cluster')
    const result = await clusterDown(this.localContext(), flags.purge)
    // The purged cluster's history can only mislead a future cluster.
    if (result.purged) await new SessionStore(sessionFile(kvsPaths())).reset(localSessionKey(result.purged))
    return result
  }

  protected present(result: ClusterDownResult): HumanOutput {
    const stopped = result.stopped.filter((n) => n.signal !== null).length
    return lines(`Stopped ${stopped} of ${result.stopped.length} nodes`, ...(result.purged ? ['Removed their data, logs and pid files'] : []))
  }
}

import {Flags} from '@oclif/core'
import {KvsCommand} from '../../src/cli/kvs-command.js'
import {startDetachedNode, type StartedNode} from '../../src/cli/local-cluster.js'
import {LocalRegistry} from '../../src/cli/local-registry.js'
import {kvsPaths} from '../../src/cli/paths.js'
import {lines, type HumanOutput} from '../../src/cli/printer.js'
import {KvsError} from '../../src/errors.js'
import {runNode} from '../../src/node/daemon.js'
import {canonicalNodeName} from '../../src/placement/node-name.js'
import {resolveNodeOptions} from '../../src/node/options.js'

type NodeStartResult = ({detached: true} & StartedNode) | {detached: false; address: string}

export default class NodeStart extends KvsCommand<NodeStartResult> {
  static summary = 'Run a node.'
  static description = `Runs in the foreground until SIGTERM or SIGINT (then closes gracefully), logging to stdout. The environment alone suffices (SOCKET_ADDRESS, KVS_LISTEN, VIEW, SHARD_COUNT, KVS_DATA_DIR, KVS_FSYNC); flags win over it. A node is known by its name, \`ipv4:port\`, \`[ipv6]:port\` or \`dnsname:port\`, and binds that name unless --listen says what to bind instead. Without SHARD_COUNT the node is a newcomer: it joins the view and waits for \`kvs shard add-member\`.

With --detach the node runs in the background: its pid file, log file and (by default) data directory go to the local registry, and the command returns once the node answers. Stop it with \`kvs node stop <address>\`.`

  static examples = [
    {description: 'Foreground, configured by the environment (as the conformance harness runs it).', command: 'SOCKET_ADDRESS=127.0.0.2:8085 VIEW=127.0.0.2:8085,127.0.0.3:8085 SHARD_COUNT=1 <%= config.bin %> node start'},
    {description: 'In a pod: known by its stable DNS name, listening on every interface.', command: 'SOCKET_ADDRESS=kvs-0.kvs:8085 KVS_LISTEN=0.0.0.0:8085 VIEW=kvs-0.kvs:8085,kvs-1.kvs:8085 SHARD_COUNT=1 <%= config.bin %> node start'},
    {description: 'In the background, as a newcomer to a running cluster.', command: '<%= config.bin %> node start --detach --address 127.0.0.8:8085 --view 127.0.0.2:8085,127.0.0.3:8085'},
  ]

  static flags = {
    address: Flags.string({summary: 'Name the node is known by: ipv4:port, [ipv6]:port or dnsname:port [env: SOCKET_ADDRESS].', helpValue: '<host:port>'}),
    listen: Flags.string({summary: 'What to bind when it is not the name, e.g. 0.0.0.0:8085 [env: KVS_LISTEN; default: the name].', helpValue: '<host:port>'}),
    view: Flags.string({summary: 'Comma-separated names of every node [env: VIEW].', helpValue: '<host:port,...>'}),
    'shard-count': Flags.integer({summary: 'Number of shards of the initial cluster; omit for a newcomer [env: SHARD_COUNT].', min: 1}),
    'data-dir': Flags.string({summary: 'Directory for the node\'s files [env: KVS_DATA_DIR].', helpValue: '<dir>'}),
    fsync: Flags.string({summary: 'When the op log is fsynced [env: KVS_FSYNC].', options: ['always', 'interval', 'never']}),
    'reshard-timeout': Flags.integer({
      summary: 'Seconds a reshard coordinated by this node may copy before it is aborted [env: KVS_RESHARD_TIMEOUT; default 600].',
      min: 1,
    }),
    'token-file': Flags.string({
      summary: 'File holding the client token the node requires on public, /admin and /metrics routes [env: KVS_TOKEN_FILE; or the token itself in KVS_TOKEN].',
      helpValue: '<file>',
    }),
    'cluster-token-file': Flags.string({
      summary: 'File holding the token nodes present to each other [env: KVS_CLUSTER_TOKEN_FILE; or the token itself in KVS_CLUSTER_TOKEN].',
      helpValue: '<file>',
    }),
    detach: Flags.boolean({summary: 'Run in the background, with pid and log files in the local registry.'}),
    'fault-injection': Flags.boolean({
      summary: 'Test only: expose POST /admin/faults, which makes this node refuse peer traffic [env: KVS_FAULT_INJECTION=1].',
      hidden: true,
    }),
  }

  protected async execute(): Promise<NodeStartResult> {
    const {flags} = await this.parse(NodeStart)
    const nodeFlags = {address: flags.address, listen: flags.listen, view: flags.view, shardCount: flags['shard-count'], dataDir: flags['data-dir'], fsync: flags.fsync, faultInjection: flags['fault-injection'], reshardTimeout: flags['reshard-timeout'], tokenFile: flags['token-file'], clusterTokenFile: flags['cluster-token-file']}
    if (!flags.detach) {
      if (this.jsonEnabled()) throw new KvsError('USAGE', '--json needs --detach: a foreground node logs to stdout')
      const options = resolveNodeOptions(nodeFlags, process.env)
      await runNode(options)
      return {detached: false, address: options.address}
    }
    // A detached node keeps its data in the registry unless told otherwise, so purge finds it.
    const address = flags.address ?? process.env.SOCKET_ADDRESS
    const name = address === undefined ? null : canonicalNodeName(address)
    const registryDataDir = name ? LocalRegistry.at(kvsPaths()).node(name).dataDir : undefined
    const options = resolveNodeOptions({...nodeFlags, dataDir: flags['data-dir'] ?? process.env.KVS_DATA_DIR ?? registryDataDir}, process.env)
    // This command asks the node whether it answers: with the node's own client token.
    const ctx = this.localContext(options.tokens.client?.current)
    await this.spin(`Starting ${options.address}`)
    return {detached: true, ...(await startDetachedNode(ctx, options))}
  }

  protected present(result: NodeStartResult): HumanOutput {
    if (!result.detached) return lines()
    return lines(`Started ${result.address} (pid ${result.pid}); log: ${result.logFile}`)
  }
}

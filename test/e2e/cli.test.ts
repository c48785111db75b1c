/**
 * The kvs CLI end to end: the built binary as a process, against a real local cluster that
 * its own `kvs cluster up` starts (six nodes, two shards, on 127.0.0.2-7 and a random port),
 * with exit codes and parsed --json checked for every command, failures included. The
 * tests share the cluster, purged afterwards; each test writes the keys it reads, and a
 * group of tests that changes the cluster (a reshard, a newcomer, a node stopped or
 * paused) sets that up in its own hook and puts the cluster back after, so any test runs
 * alone (--grep) or in any order of the groups.
 */
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {
  AddMemberResult,
  DeleteResult,
  GetResult,
  NodeShardIdResult,
  PutResult,
  ReshardResult,
  ShardIdsResult,
  ShardKeyCountResult,
  ShardMembersResult,
  ViewChangeResult,
  ViewResult,
} from '../../src/client/api-types.js'
import type {StatusResult} from '../../src/client/kvs-client.js'
import type {SessionData} from '../../src/client/session.js'
import type {Failure} from '../../src/cli/failure.js'
import type {ClusterDownResult, ClusterUpResult, LocalNode, StartedNode, StoppedNode} from '../../src/cli/local-cluster.js'
import {waitFor} from '../../src/wait-for.js'
import {findFreePort} from '../../src/cli/free-port.js'
import {assertBuilt, KvsCli} from './kvs-cli.js'

type ErrorDoc = {error: Failure}

describe('kvs CLI end to end', function () {
  this.timeout(120_000)

  let home: string
  let cli: KvsCli
  let port: number
  let nodes: string[]
  let newcomer: string
  const at = (host: number) => `127.0.0.${host}:${port}`

  before(async function () {
    this.timeout(180_000)
    assertBuilt()
    home = await mkdtemp(join(tmpdir(), 'kvs-e2e-'))
    cli = new KvsCli(home)
    port = await findFreePort(Array.from({length: 7}, (_, i) => `127.0.0.${i + 2}`))
    nodes = [2, 3, 4, 5, 6, 7].map(at)
    newcomer = at(8)
    const {code, doc} = await cli.json<ClusterUpResult>(['cluster', 'up', '--nodes', '6', '--shards', '2', '--first-address', '127.0.0.2', '--port', String(port)], {
      timeoutMs: 170_000,
    })
    expect(code, JSON.stringify(doc)).to.equal(0)
    expect(doc.nodes.map((n) => n.address)).to.deep.equal(nodes)
    expect(doc.shards).to.deep.equal([
      {shardId: 1, members: [at(2), at(4), at(6)]},
      {shardId: 2, members: [at(3), at(5), at(7)]},
    ])
  })

  after(async function () {
    this.timeout(120_000)
    if (!cli) return
    const {code, doc} = await cli.json<ClusterDownResult>(['cluster', 'down', '--purge'])
    expect(code, JSON.stringify(doc)).to.equal(0)
    await rm(home, {recursive: true, force: true})
  })

  const session = async (): Promise<SessionData> => JSON.parse(await readFile(join(home, 'config', 'session.json'), 'utf8'))

  describe('help and usage', () => {
    it('kvs --help lists the commands; each command has examples', async () => {
      const top = await cli.run(['--help'])
      expect(top.code).to.equal(0)
      for (const topic of ['cluster', 'node', 'shard', 'view', 'session', 'status', 'put', 'get', 'delete', 'reshard']) {
        expect(top.stdout).to.contain(topic)
      }
      const put = await cli.run(['put', '--help'])
      expect(put.code).to.equal(0)
      expect(put.stdout).to.contain('EXAMPLES')
    })

    it('kvs autocomplete prints setup instructions', async () => {
      const result = await cli.run(['autocomplete', 'bash'])
      expect(result.code).to.equal(0)
      expect(result.stdout).to.contain('autocomplete script bash')
    })

    const usageErrors: string[][] = [
      ['get'],
      ['put', 'only-a-key'],
      ['get', 'k', '--bogus'],
      ['reshard', 'abc'],
      ['reshard', '0'],
      ['reshard'],
      ['reshard', '2', '--abort'],
      ['shard', 'members', 'one'],
      ['view', 'add', 'not-an-address'],
      ['get', 'k', '--node', 'localhost'],
      ['get', 'k', '--timeout', '0'],
      ['status', '--timeout', '1s'],
      ['get', 'k', '-o', 'everything'],
      ['cluster', 'up', '--first-address', '10.0.0.2'],
      ['cluster', 'up', '--nodes', '3', '--shards', '2'],
      ['node', 'start', '--detach'],
      ['node', 'start'],
    ]
    // Independent of each other and of the cluster: run them all at once.
    let usageRuns: Map<string, Promise<{code: number | null; doc: ErrorDoc}>>
    before(() => {
      usageRuns = new Map(usageErrors.map((args) => [args.join(' '), cli.json<ErrorDoc>(args)]))
    })
    for (const args of usageErrors) {
      it(`kvs ${args.join(' ')} is a usage error: exit 2, code USAGE`, async () => {
        const {code, doc} = await (usageRuns.get(args.join(' ')) as Promise<{code: number | null; doc: ErrorDoc}>)
        expect(doc.error.code, doc.error.message).to.equal('USAGE')
        expect(doc.error.exitCode).to.equal(2)
        expect(code).to.equal(2)
      })
    }

    it('a usage error without --json goes to stderr, nothing on stdout', async () => {
      const result = await cli.run(['get'])
      expect(result.code).to.equal(2)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.match(/^Error: Missing 1 required arg/)
    })

    it('-h is help, for kvs and for a command', async () => {
      const top = await cli.run(['-h'])
      expect([top.code, top.stderr]).to.deep.equal([0, ''])
      expect(top.stdout).to.contain('TOPICS')
      for (const args of [['get', '-h'], ['get', 'k', '-h'], ['shard', 'members', '-h']]) {
        const help = await cli.run(args)
        expect([help.code, help.stderr], args.join(' ')).to.deep.equal([0, ''])
        expect(help.stdout).to.contain('USAGE')
      }
    })

    it('a mistyped command is a usage error naming the command meant; under --json one JSON error', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['gett', 'k'])
      expect([code, doc.error.code, doc.error.exitCode]).to.deep.equal([2, 'USAGE', 2])
      expect(doc.error.data).to.deep.equal({command: 'gett', suggestion: 'get'})
      const human = await cli.run(['shard', 'membres', '1'])
      expect([human.code, human.stdout]).to.deep.equal([2, ''])
      expect(human.stderr).to.contain('Did you mean `kvs shard members`?')
    })

    it('node stop of an address never started here exits 3 (NOT_FOUND)', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['node', 'stop', '127.0.0.99:1'])
      expect([code, doc.error.code, doc.error.exitCode]).to.deep.equal([3, 'NOT_FOUND', 3])
    })

    it('the add-member example, pasted into a shell, runs two commands with the whole view', async () => {
      const help = await cli.run(['shard', 'add-member', '--help'])
      const examples = help.stdout.slice(help.stdout.indexOf('EXAMPLES'), help.stdout.indexOf('FLAG DESCRIPTIONS'))
      // What a user copies: every command line without its "$ ", continuation lines included.
      const pasted = examples
        .split('\n')
        .filter((line, i, all) => /^\s+\$ /.test(line) || /\\$/.test(all[i - 1] ?? ''))
        .map((line) => line.replace(/^\s+\$ /, ''))
        .join('\n')
      const shell = spawnSync('bash', ['-c', `kvs() { printf '%s\\n' "$*"; }\n${pasted}`], {encoding: 'utf8'})
      expect(shell.stdout.trim().split('\n')).to.deep.equal([
        'node start --detach --address 127.0.0.8:8085 --view 127.0.0.2:8085,127.0.0.3:8085,127.0.0.4:8085,127.0.0.5:8085,127.0.0.6:8085,127.0.0.7:8085,',
        'shard add-member 2 127.0.0.8:8085',
      ])
    })
  })

  describe('the local cluster', () => {
    it('node list shows every node up with its pid and data directory', async () => {
      const {code, doc} = await cli.json<{nodes: LocalNode[]}>(['node', 'list'])
      expect(code).to.equal(0)
      // A newcomer started by another test may be listed too, stopped.
      const members = doc.nodes.filter((n) => nodes.includes(n.address))
      expect(members.map((n) => [n.address, n.state])).to.deep.equal(nodes.map((n) => [n, 'up']))
      for (const node of members) {
        expect(node.pid).to.be.a('number')
        expect(node.dataDir.startsWith(home)).to.equal(true)
      }
    })

    it('cluster up refuses to start a second cluster over a running one (exit 1)', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['cluster', 'up', '--port', String(port)])
      expect([code, doc.error.code]).to.deep.equal([1, 'CONFLICT'])
    })

    it('status is healthy (exit 0) with one row per node', async () => {
      const {code, doc} = await cli.json<StatusResult>(['status'])
      expect(doc.verdict, doc.reasons.join('; ')).to.equal('healthy')
      expect(code).to.equal(0)
      expect(doc.nodes.map((n) => [n.address, n.state, n.shardId])).to.deep.equal(nodes.map((n, i) => [n, 'up', (i % 2) + 1]))
      expect(doc.nodes.filter((n) => n.primary)).to.have.length(2)
    })

    it('status prints a verdict and a table for humans', async () => {
      const result = await cli.run(['status'])
      expect(result.code).to.equal(0)
      const [verdict, header] = result.stdout.split('\n')
      expect(verdict).to.equal('healthy')
      expect(header.split(/\s+/)).to.deep.equal(['ADDRESS', 'SHARD', 'PRIMARY', 'STATE', 'KEYS', 'EPOCH'])
      // This cluster runs without tokens, and says so.
      expect(result.stderr).to.contain('note: the cluster is open: no client token (KVS_TOKEN) protects any node')
    })
  })

  describe('keys', () => {
    it('put adds, then updates', async () => {
      const first = await cli.json<PutResult>(['put', 'greeting', 'hello'])
      expect(first.code).to.equal(0)
      expect(first.doc).to.include({key: 'greeting', created: true, shardId: 2})
      const second = await cli.json<PutResult>(['put', 'greeting', 'hi'])
      expect(second.doc.created).to.equal(false)
    })

    it('get reads it back; -o value prints only the raw value', async () => {
      expect((await cli.json<PutResult>(['put', 'greeting', 'hi'])).code).to.equal(0)
      const {code, doc} = await cli.json<GetResult>(['get', 'greeting'])
      expect(code).to.equal(0)
      expect(doc).to.include({key: 'greeting', value: 'hi'})
      const raw = await cli.run(['get', 'greeting', '-o', 'value'])
      expect([raw.code, raw.stdout]).to.deep.equal([0, 'hi'])
    })

    it('put - reads the value from stdin, byte for byte', async () => {
      const value = 'two lines\nand ünïcode\n'
      const put = await cli.run(['put', 'motd', '-'], {input: value})
      expect(put.code, put.stderr).to.equal(0)
      const raw = await cli.run(['get', 'motd', '-o', 'value'])
      expect(raw.stdout).to.equal(value)
    })

    it('delete removes it; reading or deleting it again exits 3 (NOT_FOUND)', async () => {
      expect((await cli.json<PutResult>(['put', 'motd', 'to be deleted'])).code).to.equal(0)
      const deleted = await cli.json<DeleteResult>(['delete', 'motd'])
      expect([deleted.code, deleted.doc.key]).to.deep.equal([0, 'motd'])
      const get = await cli.json<ErrorDoc>(['get', 'motd'])
      expect([get.code, get.doc.error.code, get.doc.error.message]).to.deep.equal([3, 'NOT_FOUND', 'Key does not exist'])
      const again = await cli.json<ErrorDoc>(['delete', 'motd'])
      expect([again.code, again.doc.error.code]).to.deep.equal([3, 'NOT_FOUND'])
    })

    it('a missing key exits 3 without --json too, with the error on stderr', async () => {
      const result = await cli.run(['get', 'never-written'])
      expect(result.code).to.equal(3)
      expect(result.stdout).to.equal('')
      expect(result.stderr).to.contain('Key does not exist')
    })

    it('get prints the same, success or failure, whether or not it takes the fast path', async () => {
      expect((await cli.json<PutResult>(['put', 'greeting', 'hi'])).code).to.equal(0)
      // KVS_CONTENT_TYPE=json is --json to oclif, and keeps kvs get off its fast path.
      for (const key of ['greeting', 'never-written']) {
        const fast = await cli.run(['get', key, '--json'])
        const oclif = await cli.run(['get', key], {env: {KVS_CONTENT_TYPE: 'json'}})
        expect([oclif.code, oclif.stdout], key).to.deep.equal([fast.code, fast.stdout])
      }
    })

    it('--node accepts localhost:PORT, a name (nothing listens on 127.0.0.1 here)', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['get', 'greeting', '--node', `LocalHost:${port}`])
      expect([code, doc.error.code]).to.deep.equal([4, 'UNAVAILABLE'])
      expect(doc.error.data.tried).to.deep.equal([{node: `localhost:${port}`, reason: 'ECONNREFUSED'}])
    })

    it('a key longer than 50 characters is refused by the node (exit 1, BAD_REQUEST)', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['put', 'k'.repeat(51), 'v'])
      expect([code, doc.error.code, doc.error.message]).to.deep.equal([1, 'BAD_REQUEST', 'Key is too long'])
    })
  })

  describe('the causal session', () => {
    it('a write through one node is read through another, carried by the session file', async () => {
      const put = await cli.json<PutResult>(['put', 'causal', 'v1', '--node', at(2)])
      expect(put.code).to.equal(0)
      const get = await cli.json<GetResult>(['get', 'causal', '--node', at(7)])
      expect([get.code, get.doc.value, get.doc.node]).to.deep.equal([0, 'v1', at(7)])
      const clusters = Object.keys((await session()).clusters)
      expect(clusters).to.have.length(1)
      expect(clusters[0]).to.match(/^local:/)
    })

    it('--no-session neither reads nor changes the session file', async () => {
      expect((await cli.json<PutResult>(['put', 'with-session', 'x'])).code).to.equal(0)
      const before = await readFile(join(home, 'config', 'session.json'), 'utf8')
      const put = await cli.json<PutResult>(['put', 'sessionless', 'x', '--no-session'])
      expect(put.code).to.equal(0)
      expect(await readFile(join(home, 'config', 'session.json'), 'utf8')).to.equal(before)
    })

    it('two concurrent puts leave a valid session file that holds both writes', async () => {
      const keys = ['key0', 'key1'] // in shards 2 and 1 of two (code unit sums 377 and 378)
      const results = await Promise.all(keys.map((key) => cli.json<PutResult>(['put', key, 'concurrent'])))
      expect(results.map((r) => r.code)).to.deep.equal([0, 0])
      const entries = Object.values((await session()).clusters)
      expect(entries).to.have.length(1)
      const metadata = entries[0].metadata as {clocks: Record<string, unknown>}
      expect(Object.keys(metadata.clocks).sort()).to.deep.equal(['1', '2'])
    })

    it('session reset forgets it', async () => {
      expect((await cli.json<PutResult>(['put', 'with-session', 'x'])).code).to.equal(0)
      const {code, doc} = await cli.json<{forgotten: number}>(['session', 'reset'])
      expect([code, doc.forgotten]).to.deep.equal([0, 1])
      expect((await session()).clusters).to.deep.equal({})
    })
  })

  describe('view and shards', () => {
    it('view lists every node', async () => {
      const {code, doc} = await cli.json<ViewResult>(['view'])
      expect(code).to.equal(0)
      expect([...doc.view].sort()).to.deep.equal([...nodes].sort())
    })

    it('view add of a node already in the view fails (exit 1, CONFLICT)', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['view', 'add', at(3)])
      expect([code, doc.error.code, doc.error.message]).to.deep.equal([1, 'CONFLICT', 'Socket address already exists in the view'])
    })

    it('view remove of a node not in the view exits 3', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['view', 'remove', at(99)])
      expect([code, doc.error.code, doc.error.message]).to.deep.equal([3, 'NOT_FOUND', 'Socket address does not exist in the view'])
    })

    it('shard ids, members, node-id and key-count agree with the layout', async () => {
      const ids = await cli.json<ShardIdsResult>(['shard', 'ids'])
      expect([ids.code, ids.doc.shardIds]).to.deep.equal([0, [1, 2]])
      const members = await cli.json<ShardMembersResult>(['shard', 'members', '2'])
      expect(members.doc.members).to.deep.equal([at(3), at(5), at(7)])
      const nodeId = await cli.json<NodeShardIdResult>(['shard', 'node-id', '--node', at(5)])
      expect(nodeId.doc).to.deep.equal({shardId: 2, node: at(5)})
      const count = await cli.json<ShardKeyCountResult>(['shard', 'key-count', '1'])
      expect(count.code).to.equal(0)
      expect(count.doc.keyCount).to.be.a('number')
    })

    it('an unknown shard id exits 3', async () => {
      for (const args of [['shard', 'members', '9'], ['shard', 'key-count', '9']]) {
        const {code, doc} = await cli.json<ErrorDoc>(args)
        expect([code, doc.error.code]).to.deep.equal([3, 'NOT_FOUND'])
      }
    })
  })

  describe('reshard', () => {
    it('refuses a shard count the nodes cannot hold, with the message of the node (exit 1)', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['reshard', '4'])
      expect([code, doc.error.code, doc.error.message]).to.deep.equal([
        1,
        'BAD_REQUEST',
        'Not enough nodes to provide fault-tolerance with the given shard count!',
      ])
      const ids = await cli.json<ShardIdsResult>(['shard', 'ids'])
      expect(ids.doc.shardIds).to.deep.equal([1, 2])
    })

    it('--abort with no reshard under way says so and exits 0', async () => {
      const {code, doc} = await cli.json<{aborted: boolean; message: string}>(['reshard', '--abort'])
      expect([code, doc.aborted, doc.message]).to.deep.equal([0, false, 'No reshard was under way'])
    })

    it('reshards to three shards and back; keys written before stay readable where they moved', async () => {
      // Its code units sum to 1593: shard 2 of two, shard 1 of three.
      const put = await cli.json<PutResult>(['put', 'moved-by-reshard', 'kept'])
      expect([put.code, put.doc.shardId]).to.deep.equal([0, 2])
      const {code, doc} = await cli.json<ReshardResult>(['reshard', '3'])
      expect([code, doc.message, doc.shardCount]).to.deep.equal([0, 'Resharding done successfully', 3])
      expect(doc.progress).to.include({phase: 'done'})
      expect(doc.progress?.pauseMs).to.be.a('number')
      const ids = await cli.json<ShardIdsResult>(['shard', 'ids'])
      expect(ids.doc.shardIds).to.deep.equal([1, 2, 3])
      const get = await cli.json<GetResult>(['get', 'moved-by-reshard'])
      expect([get.code, get.doc.value, get.doc.shardId]).to.deep.equal([0, 'kept', 1])
      const back = await cli.json<ReshardResult>(['reshard', '2'])
      expect([back.code, back.doc.shardCount]).to.deep.equal([0, 2])
      const again = await cli.json<GetResult>(['get', 'moved-by-reshard'])
      expect([again.code, again.doc.value, again.doc.shardId]).to.deep.equal([0, 'kept', 2])
    })
  })

  describe('a newcomer', () => {
    let started: {code: number | null; doc: StartedNode & {detached: boolean}}
    before(async () => {
      started = await cli.json<StartedNode & {detached: boolean}>(['node', 'start', '--detach', '--address', newcomer, '--view', nodes.join(',')])
      expect(started.code, JSON.stringify(started.doc)).to.equal(0)
      await waitFor(async () => (await cli.json<ViewResult>(['view', '--node', at(2)])).doc.view.includes(newcomer), {
        timeoutMs: 20_000,
        intervalMs: 500,
        what: 'the newcomer in the view of 127.0.0.2',
      })
    })
    after(async () => {
      // Out of the view (and so of its shard) and stopped: the cluster is the six nodes again.
      const removed = await cli.json<ViewChangeResult>(['view', 'remove', newcomer])
      expect(removed.code, JSON.stringify(removed.doc)).to.equal(0)
      expect((await cli.json<StoppedNode>(['node', 'stop', newcomer])).code).to.equal(0)
    })

    it('node start --detach starts it in the background; it joins the view without a shard', async () => {
      expect(started.doc).to.include({detached: true, address: newcomer})
      expect(started.doc.pid).to.be.a('number')
      const nodeId = await cli.json<NodeShardIdResult>(['shard', 'node-id', '--node', newcomer])
      expect(nodeId.doc.shardId).to.equal(null)
    })

    it('node start --detach refuses an address that is already running (exit 1)', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['node', 'start', '--detach', '--address', newcomer])
      expect([code, doc.error.code]).to.deep.equal([1, 'CONFLICT'])
    })

    it('shard add-member places it', async () => {
      const {code, doc} = await cli.json<AddMemberResult>(['shard', 'add-member', '1', newcomer])
      expect([code, doc.shardId, doc.address]).to.deep.equal([0, 1, newcomer])
      const nodeId = await cli.json<NodeShardIdResult>(['shard', 'node-id', '--node', newcomer])
      expect(nodeId.doc.shardId).to.equal(1)
      const members = await cli.json<ShardMembersResult>(['shard', 'members', '1', '--node', at(3)])
      expect(members.doc.members).to.include(newcomer)
    })

    it('view remove and view add take it out of the view and back', async () => {
      const removed = await cli.json<ViewChangeResult>(['view', 'remove', newcomer])
      expect([removed.code, removed.doc.message]).to.deep.equal([0, 'Replica deleted successfully from the view'])
      expect((await cli.json<ViewResult>(['view'])).doc.view).to.not.include(newcomer)
      const added = await cli.json<ViewChangeResult>(['view', 'add', newcomer])
      expect([added.code, added.doc.message]).to.deep.equal([0, 'Replica added successfully to the view'])
      expect((await cli.json<ViewResult>(['view'])).doc.view).to.include(newcomer)
    })
  })

  describe('a node down', () => {
    let stopped: {code: number | null; doc: StoppedNode}
    before(async () => {
      expect((await cli.json<PutResult>(['put', 'greeting', 'hi'])).code).to.equal(0)
      stopped = await cli.json<StoppedNode>(['node', 'stop', at(2)])
    })
    after(async () => {
      if ((await cli.json<{nodes: LocalNode[]}>(['node', 'list'])).doc.nodes.find((n) => n.address === at(2))?.state !== 'up') {
        expect((await cli.json<StartedNode>(['node', 'start', '--detach', '--address', at(2)])).code).to.equal(0)
      }
      await waitFor(async () => (await cli.run(['status'])).code === 0, {timeoutMs: 60_000, intervalMs: 500, what: 'status to exit 0'})
    })

    it('node stop sends SIGTERM to the recorded pid', async () => {
      expect([stopped.code, stopped.doc.address, stopped.doc.signal]).to.deep.equal([0, at(2), 'SIGTERM'])
      const list = await cli.json<{nodes: LocalNode[]}>(['node', 'list'])
      expect(list.doc.nodes.find((n) => n.address === at(2))).to.include({state: 'down', pid: null})
    })

    it('stopping it again is not an error', async () => {
      const {code, doc} = await cli.json<StoppedNode>(['node', 'stop', at(2)])
      expect([code, doc.signal]).to.deep.equal([0, null])
    })

    it('commands fail over to the next node and say so on stderr', async () => {
      const {code, doc, stderr} = await cli.json<GetResult>(['get', 'greeting'])
      expect([code, doc.value]).to.deep.equal([0, 'hi'])
      expect(doc.node).to.not.equal(at(2))
      expect(stderr).to.contain(`${at(2)} did not answer`)
    })

    it('--node naming only the stopped node exits 4 (UNAVAILABLE)', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['get', 'greeting', '--node', at(2)])
      expect([code, doc.error.code]).to.deep.equal([4, 'UNAVAILABLE'])
      expect(doc.error.data.tried).to.deep.equal([{node: at(2), reason: 'ECONNREFUSED'}])
    })

    it('status is degraded (exit 5) and shows the node down', async () => {
      const {code, doc} = await cli.json<StatusResult>(['status'])
      expect([code, doc.verdict]).to.deep.equal([5, 'degraded'])
      expect(doc.nodes.find((n) => n.address === at(2))?.state).to.equal('down')
    })

    it('node start --detach restarts it on its data; status becomes healthy again', async () => {
      const {code, doc} = await cli.json<StartedNode>(['node', 'start', '--detach', '--address', at(2)])
      expect(code, JSON.stringify(doc)).to.equal(0)
      await waitFor(async () => (await cli.run(['status'])).code === 0, {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: 'status to exit 0',
      })
      const get = await cli.json<GetResult>(['get', 'greeting', '--node', at(2)])
      expect([get.code, get.doc.value]).to.deep.equal([0, 'hi'])
    })
  })

  describe('a node paused (SIGSTOP)', () => {
    let pid: number | null = null
    const resume = () => {
      if (pid !== null) process.kill(pid, 'SIGCONT')
      pid = null
    }
    before(async () => {
      expect((await cli.json<PutResult>(['put', 'greeting', 'hi'])).code).to.equal(0)
      const list = await cli.json<{nodes: LocalNode[]}>(['node', 'list'])
      pid = list.doc.nodes.find((n) => n.address === at(2))?.pid ?? null
      expect(pid).to.be.a('number')
      process.kill(pid as number, 'SIGSTOP')
    })
    after(resume)

    it('is left after the acknowledgement deadline: reads and writes go to the next node, said on stderr', async () => {
      const via = `${at(2)},${at(4)}`
      const get = await cli.json<GetResult>(['get', 'greeting', '--node', via])
      expect([get.code, get.doc.value, get.doc.node]).to.deep.equal([0, 'hi', at(4)])
      expect(get.stderr).to.contain(`${at(2)} did not answer (no acknowledgement within 1000 ms); trying ${at(4)}`)
      const put = await cli.json<PutResult>(['put', 'while-paused', 'v1', '--node', via])
      expect([put.code, put.doc.node]).to.deep.equal([0, at(4)])
    })

    it('--timeout bounds the wait too: a write to the paused node alone exits 4', async () => {
      const {code, doc} = await cli.json<ErrorDoc>(['put', 'never', 'v', '--node', at(2), '--timeout', '300'])
      expect([code, doc.error.code]).to.deep.equal([4, 'UNAVAILABLE'])
      expect(doc.error.data.tried).to.deep.equal([{node: at(2), reason: 'no acknowledgement within 300 ms'}])
    })

    it('once resumed, it never applies the writes it was not sent: the later value stays', async () => {
      const via = `${at(2)},${at(4)}`
      expect((await cli.json<PutResult>(['put', 'while-paused', 'v1', '--node', via])).code).to.equal(0)
      expect((await cli.json<PutResult>(['put', 'while-paused', 'v2', '--node', at(4)])).code).to.equal(0)
      expect((await cli.json<ErrorDoc>(['put', 'never', 'v', '--node', at(2), '--timeout', '300'])).code).to.equal(4)
      resume()
      await waitFor(
        async () => {
          const get = await cli.json<GetResult>(['get', 'while-paused', '--node', at(2)])
          return get.code === 0 && get.doc.value === 'v2'
        },
        {timeoutMs: 30_000, intervalMs: 500, what: 'the paused node to read while-paused = v2'},
      )
      const never = await cli.json<ErrorDoc>(['get', 'never', '--node', at(2)])
      expect([never.code, never.doc.error.code]).to.deep.equal([3, 'NOT_FOUND'])
    })
  })
})

import {expect} from 'chai'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {ClusterUpResult} from '../../src/cli/local-cluster.js'
import {findFreePort} from '../../src/cli/free-port.js'
import {assertBuilt, KvsCli} from './kvs-cli.js'

/**
 * The CLI against a local cluster that requires tokens: `kvs cluster up` hands KVS_TOKEN and
 * KVS_CLUSTER_TOKEN to its nodes, commands send KVS_TOKEN (or --token), and a command
 * without it exits 6 saying that a token is needed.
 */
describe('kvs CLI with tokens, end to end', function () {
  this.timeout(120_000)
  const tokens = {KVS_TOKEN: 'cli-client-token-0123456789', KVS_CLUSTER_TOKEN: 'cli-cluster-token-0123456789'}
  let home: string
  let cli: KvsCli
  let nodes: string[]

  before(async function () {
    this.timeout(180_000)
    assertBuilt()
    home = await mkdtemp(join(tmpdir(), 'kvs-e2e-tokens-'))
    cli = new KvsCli(home)
    const port = await findFreePort(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'])
    nodes = [2, 3, 4, 5].map((host) => `127.0.0.${host}:${port}`)
    const up = await cli.json<ClusterUpResult>(['cluster', 'up', '--nodes', '4', '--shards', '2', '--first-address', '127.0.0.2', '--port', String(port)], {
      env: tokens,
      timeoutMs: 170_000,
    })
    expect(up.code, JSON.stringify(up.doc)).to.equal(0)
    expect(up.doc.nodes.map((n) => n.address)).to.deep.equal(nodes)
  })

  after(async function () {
    this.timeout(120_000)
    if (!cli) return
    const down = await cli.json(['cluster', 'down', '--purge'])
    expect(down.code, JSON.stringify(down.doc)).to.equal(0)
    await rm(home, {recursive: true, force: true})
  })

  it('commands with KVS_TOKEN work; the nodes require it and say so in status', async () => {
    expect((await cli.run(['put', 'k', 'v'], {env: tokens})).code).to.equal(0)
    const get = await cli.run(['get', 'k'], {env: tokens})
    expect([get.code, get.stdout]).to.deep.equal([0, 'k = v\n'])
    const status = await cli.run(['status'], {env: tokens})
    expect(status.code, status.stderr).to.equal(0)
    expect(status.stdout.split('\n')[0]).to.equal('healthy')
    expect(status.stderr, 'a cluster with both tokens is not open').not.to.contain('open')
    const list = await cli.json<{nodes: Array<{state: string}>}>(['node', 'list'], {env: tokens})
    expect(list.doc.nodes.map((n) => n.state)).to.deep.equal(['up', 'up', 'up', 'up'])
  })

  it('without a token a command exits 6 and says that a token is needed; --json gives the error as JSON', async () => {
    const refused = await cli.run(['put', 'k', 'w', '--node', nodes[0]])
    expect(refused.code).to.equal(6)
    expect(refused.stdout).to.equal('')
    expect(refused.stderr).to.equal(
      `Error: ${nodes[0]} needs a valid client token (This node requires a client token: send Authorization: Bearer <token>): set KVS_TOKEN or pass --token\n`,
    )
    const json = await cli.json<{error: {code: string; exitCode: number; message: string}}>(['get', 'k'])
    expect(json.code).to.equal(6)
    expect(json.doc.error).to.deep.include({code: 'UNAUTHORIZED', exitCode: 6})
    expect(json.doc.error.message).to.match(/needs a valid client token .*: set KVS_TOKEN or pass --token$/)
    // Nothing was written by the refused put.
    const get = await cli.run(['get', 'k', '--token', tokens.KVS_TOKEN])
    expect([get.code, get.stdout]).to.deep.equal([0, 'k = v\n'])
  })
})

/**
 * The CLI with nodes named by a DNS name (API.md section 10.3): `kvs cluster up
 * --first-address localhost` starts four nodes on consecutive ports of localhost, and the
 * commands address them by those names, in any spelling. The cluster is purged afterwards.
 */
import {expect} from 'chai'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {GetResult, PutResult, ViewResult} from '../../src/client/api-types.js'
import type {Failure} from '../../src/cli/failure.js'
import type {SessionData} from '../../src/client/session.js'
import type {ClusterDownResult, ClusterUpResult, LocalNode} from '../../src/cli/local-cluster.js'
import {findFreePort} from '../../src/cli/free-port.js'
import {assertBuilt, KvsCli} from './kvs-cli.js'

describe('kvs CLI with nodes named localhost:<port>', function () {
  this.timeout(120_000)

  let home: string
  let cli: KvsCli
  let names: string[]

  before(async function () {
    this.timeout(180_000)
    assertBuilt()
    home = await mkdtemp(join(tmpdir(), 'kvs-e2e-names-'))
    cli = new KvsCli(home)
    const port = await findFreePort(['127.0.0.1'], {span: 4})
    names = [0, 1, 2, 3].map((i) => `localhost:${port + i}`)
    const {code, doc} = await cli.json<ClusterUpResult>(['cluster', 'up', '--nodes', '4', '--shards', '2', '--first-address', 'LocalHost', '--port', String(port)], {timeoutMs: 170_000})
    expect(code, JSON.stringify(doc)).to.equal(0)
    expect(doc.nodes.map((n) => n.address)).to.deep.equal(names)
    expect(doc.shards).to.deep.equal([
      {shardId: 1, members: [names[0], names[2]]},
      {shardId: 2, members: [names[1], names[3]]},
    ])
  })

  after(async function () {
    this.timeout(120_000)
    if (!cli) return
    const {code, doc} = await cli.json<ClusterDownResult>(['cluster', 'down', '--purge'])
    expect(code, JSON.stringify(doc)).to.equal(0)
    expect(doc.stopped.map((n) => n.address)).to.have.members(names)
    await rm(home, {recursive: true, force: true})
  })

  it('node list finds the nodes by their names in the local registry', async () => {
    const {code, doc} = await cli.json<{nodes: LocalNode[]}>(['node', 'list'])
    expect(code).to.equal(0)
    expect(doc.nodes.map((n) => [n.address, n.state])).to.deep.equal(names.map((n) => [n, 'up']))
  })

  it('writes through one node named in upper case and reads through the local cluster, in one causal session', async () => {
    const put = await cli.json<PutResult>(['put', 'greeting', 'hi', '--node', names[1].toUpperCase()])
    expect(put.code, JSON.stringify(put.doc)).to.equal(0)
    const get = await cli.json<GetResult>(['get', 'greeting'])
    expect([get.code, get.doc.value]).to.deep.equal([0, 'hi'])
    const session = JSON.parse(await readFile(join(home, 'config', 'session.json'), 'utf8')) as SessionData
    expect(Object.keys(session.clusters)).to.have.length(1)
    const view = await cli.json<ViewResult>(['view', '--node', names[3]])
    expect(view.doc.view).to.deep.equal(names)
  })

  it('refuses names that are not host:port with the reason (exit 2)', async () => {
    for (const [args, reason] of [
      [['view', 'add', 'kvs_1:8085'], /labels of 1-63/],
      [['get', 'k', '--node', 'localhost:0'], /port must be 1-65535/],
      [['cluster', 'up', '--first-address', 'kvs-0.example.org'], /127\.0\.0\.0\/8 or localhost only/],
    ] as const) {
      const {code, doc} = await cli.json<{error: Failure}>(args)
      expect([code, doc.error.code], args.join(' ')).to.deep.equal([2, 'USAGE'])
      expect(doc.error.message).to.match(reason)
    }
  })
})

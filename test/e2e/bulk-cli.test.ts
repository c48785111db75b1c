/**
 * `kvs load`, `kvs dump` and `kvs scan` end to end: the built binary against a local
 * cluster that its own `kvs cluster up` starts (4 nodes, 2 shards, 127.0.0.2-5 on a random
 * port), with exit codes, stdout and parsed --json checked, failures included.
 */
import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {LoadResult, ScanResult} from '../../src/client/bulk-client.js'
import type {Failure} from '../../src/cli/failure.js'
import type {ClusterUpResult} from '../../src/cli/local-cluster.js'
import {findFreePort} from '../../src/cli/free-port.js'
import {assertBuilt, KvsCli} from './kvs-cli.js'

type ErrorDoc = {error: Failure}

const ndjson = (entries: ReadonlyArray<readonly [string, string]>) => entries.map(([key, value]) => `${JSON.stringify({key, value})}\n`).join('')

describe('kvs load, dump and scan end to end', function () {
  this.timeout(120_000)
  let home: string
  let cli: KvsCli
  let port: number

  before(async function () {
    this.timeout(180_000)
    assertBuilt()
    home = await mkdtemp(join(tmpdir(), 'kvs-bulk-e2e-'))
    cli = new KvsCli(home)
    port = await findFreePort(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'])
    const up = await cli.json<ClusterUpResult>(['cluster', 'up', '--nodes', '4', '--shards', '2', '--first-address', '127.0.0.2', '--port', String(port)], {timeoutMs: 170_000})
    expect(up.code, JSON.stringify(up.doc)).to.equal(0)
  })
  after(async function () {
    this.timeout(120_000)
    if (!cli) return
    const down = await cli.run(['cluster', 'down', '--purge'])
    expect(down.code, down.stderr).to.equal(0)
    await rm(home, {recursive: true, force: true})
  })

  const users = Array.from({length: 120}, (_, i) => [`user:${i}`, `name ${i}`] as const)

  it('load writes a file and says how many keys (exit 0); a key given twice keeps its last value', async () => {
    const file = join(home, 'users.ndjson')
    await writeFile(file, ndjson([...users, ['user:0', 'first'], ['user:0', 'name 0']]) + '\n')
    const human = await cli.run(['load', file])
    expect(human.code, human.stderr).to.equal(0)
    expect(human.stdout).to.match(/^Loaded 120 keys from .*users\.ndjson \(123 lines\) in [\d.]+ s: \d+ keys\/s\n$/)
    const {code, doc} = await cli.json<LoadResult & {lines: number}>(['load', file])
    expect(code).to.equal(0)
    expect(doc).to.include({keys: 120, lines: 123})
  })

  it('load - reads stdin', async () => {
    const {code, doc} = await cli.json<LoadResult>(['load', '-'], {input: ndjson([['piped:a', 'A'], ['piped:b', 'B']])})
    expect(code).to.equal(0)
    expect(doc.keys).to.equal(2)
    const get = await cli.run(['get', 'piped:b', '-o', 'value'])
    expect(get.stdout).to.equal('B')
  })

  it('a malformed line exits 2, names its number, and writes nothing', async () => {
    const text = ndjson([['bad:1', 'x'], ['bad:2', 'y']]) + '{"key":"bad:3","value":3}\n'
    const human = await cli.run(['load', '-'], {input: text})
    expect(human.code).to.equal(2)
    expect(human.stderr).to.contain('Line 3 is malformed: "value" must be a string')
    const {code, doc} = await cli.json<ErrorDoc>(['load', '-'], {input: text})
    expect(code).to.equal(2)
    expect(doc.error).to.deep.include({code: 'USAGE', exitCode: 2, data: {line: 3}})
    const scan = await cli.json<ScanResult>(['scan', '--prefix', 'bad:'])
    expect(scan.doc.keys).to.deep.equal([])
  })

  it('a file that cannot be read exits 2', async () => {
    const {code, doc} = await cli.json<ErrorDoc>(['load', join(home, 'missing.ndjson')])
    expect(code).to.equal(2)
    expect(doc.error.message).to.match(/Cannot read .*missing\.ndjson: ENOENT/)
  })

  it('scan prints one key per line, --json one document, --limit stops early', async () => {
    const all = await cli.run(['scan', '--prefix', 'user:'])
    expect(all.code, all.stderr).to.equal(0)
    expect(all.stdout.split('\n').filter(Boolean).sort()).to.deep.equal(users.map(([k]) => k).sort())
    const {code, doc} = await cli.json<ScanResult>(['scan', '--prefix', 'user:1'])
    expect(code).to.equal(0)
    expect(doc).to.deep.equal({prefix: 'user:1', keys: doc.keys, truncated: false})
    expect([...doc.keys].sort()).to.deep.equal(users.map(([k]) => k).filter((k) => k.startsWith('user:1')).sort())
    const limited = await cli.run(['scan', '--prefix', 'user:', '--limit', '5'])
    expect(limited.code).to.equal(0)
    expect(limited.stdout.split('\n').filter(Boolean)).to.have.length(5)
    expect(limited.stderr).to.contain('stopped after --limit 5')
    const none = await cli.run(['scan', '--prefix', 'nobody:'])
    expect(none).to.deep.include({code: 0, stdout: ''})
  })

  it('scan without --prefix or with a bad --limit is a usage error (exit 2)', async () => {
    expect((await cli.run(['scan'])).code).to.equal(2)
    expect((await cli.run(['scan', '--prefix', 'a', '--limit', '0'])).code).to.equal(2)
  })

  it('dump prints every key as NDJSON on stdout and the count on stderr', async () => {
    const dump = await cli.run(['dump', '--prefix', 'user:'])
    expect(dump.code, dump.stderr).to.equal(0)
    const lines = dump.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as {key: string; value: string})
    expect(new Map(lines.map((l) => [l.key, l.value]))).to.deep.equal(new Map(users))
    expect(lines).to.have.length(users.length)
    expect(dump.stderr).to.match(/Dumped 120 keys/)
    const everything = await cli.run(['dump'])
    expect(everything.stdout.split('\n').filter(Boolean).length).to.equal(users.length + 2)
  })

  it('load and dump do the same whether or not they take the fast path (oclif not loaded)', async () => {
    // KVS_CONTENT_TYPE=json is --json to oclif and keeps load off the fast path; so does an empty --prefix= for dump.
    const file = join(home, 'both-paths.ndjson')
    await writeFile(file, ndjson([['both:a', 'A'], ['both:b', 'B']]))
    const untimed = (stdout: string) => ({...JSON.parse(stdout), seconds: 0, keysPerSecond: 0})
    const fastLoad = await cli.run(['load', file, '--json'])
    const oclifLoad = await cli.run(['load', file], {env: {KVS_CONTENT_TYPE: 'json'}})
    expect([fastLoad.code, untimed(fastLoad.stdout)]).to.deep.equal([oclifLoad.code, untimed(oclifLoad.stdout)])
    expect(untimed(fastLoad.stdout)).to.include({keys: 2, lines: 2})
    const malformed = {input: '{"key":"x"}\n'}
    const fastBad = await cli.run(['load', '-', '--json'], malformed)
    const oclifBad = await cli.run(['load', '-'], {...malformed, env: {KVS_CONTENT_TYPE: 'json'}})
    expect([fastBad.code, fastBad.stdout]).to.deep.equal([oclifBad.code, oclifBad.stdout])
    expect(fastBad.code).to.equal(2)
    const fastDump = await cli.run(['dump'])
    const oclifDump = await cli.run(['dump', '--prefix='])
    const sorted = (stdout: string) => stdout.split('\n').filter(Boolean).sort()
    expect([fastDump.code, sorted(fastDump.stdout)]).to.deep.equal([oclifDump.code, sorted(oclifDump.stdout)])
    expect(sorted(fastDump.stdout)).to.include('{"key":"both:b","value":"B"}')
    for (const dump of [fastDump, oclifDump]) expect(dump.stderr).to.match(/^Dumped \d+ keys \(\d+ bytes\) in [\d.]+ s: \d+ keys\/s\n$/)
  })

  it('dump has no --json (stdout is the data): usage error', async () => {
    expect((await cli.run(['dump', '--json'])).code).to.equal(2)
  })

  it('no node answering exits 4 for each command', async () => {
    const nowhere = `127.0.0.9:${port}`
    for (const args of [['load', '-'], ['dump'], ['scan', '--prefix', 'a']]) {
      const res = await cli.run([...args, '--node', nowhere], {input: ndjson([['a', 'b']])})
      expect(res.code, `${args[0]}: ${res.stderr}`).to.equal(4)
    }
  })

  it('every bulk command has --help with examples', async () => {
    for (const command of ['load', 'dump', 'scan']) {
      const help = await cli.run([command, '--help'])
      expect(help.code).to.equal(0)
      expect(help.stdout).to.contain('EXAMPLES')
    }
  })
})

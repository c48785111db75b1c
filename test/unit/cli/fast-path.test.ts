import {expect} from 'chai'
import {parseFastLine, parseGetLine, type GetLine} from '../../../src/cli/fast-path.js'

const line = (key: string, rest: Partial<GetLine> = {}): GetLine => ({key, json: false, session: true, raw: false, ...rest})

describe('kvs get fast path: parseGetLine', () => {
  const runs: Array<[string[], GetLine]> = [
    [['k'], line('k')],
    [['k', '--json'], line('k', {json: true})],
    [['--json', 'k'], line('k', {json: true})],
    [['k', '--node', '127.0.0.2:1'], line('k', {node: '127.0.0.2:1'})],
    [['k', '--node=localhost:1,127.0.0.3:1'], line('k', {node: 'localhost:1,127.0.0.3:1'})],
    [['k', '--timeout', '250'], line('k', {timeout: 250})],
    [['k', '--timeout=86400000'], line('k', {timeout: 86_400_000})],
    [['k', '--no-session'], line('k', {session: false})],
    [['k', '--session'], line('k')],
    [['k', '-o', 'value'], line('k', {raw: true})],
    [['k', '--output=value', '--no-session'], line('k', {raw: true, session: false})],
  ]
  for (const [argv, expected] of runs) {
    it(`runs: get ${argv.join(' ')}`, () => expect(parseGetLine(argv, {})).to.deep.equal(expected))
  }

  // Each of these is left to oclif, which prints help or the usage error.
  const leftToOclif: string[][] = [
    [],
    ['--help'],
    ['k', '-h'],
    ['a', 'b'],
    ['-'],
    ['--', 'k'],
    ['k', '--bogus'],
    ['k', '--json', '--json'],
    ['k', '--json=true'],
    ['k', '--node'],
    ['k', '--node', '--json'],
    ['k', '--node='],
    ['k', '--node', 'a:1', '--node', 'b:1'],
    ['k', '--timeout', '0'],
    ['k', '--timeout', '1.5'],
    ['k', '--timeout', '1s'],
    ['k', '--timeout', '86400001'],
    ['k', '--session', '--no-session'],
    ['k', '-o', 'everything'],
    ['k', '-o', 'value', '--json'],
    ['k', '-ovalue'],
  ]
  for (const argv of leftToOclif) {
    it(`leaves to oclif: get ${argv.join(' ')}`, () => expect(parseGetLine(argv, {})).to.equal(null))
  }

  it('leaves to oclif a --json switched on by KVS_CONTENT_TYPE', () => {
    expect(parseGetLine(['k'], {KVS_CONTENT_TYPE: 'json'})).to.equal(null)
  })
})

describe('kvs load and dump fast path: parseFastLine', () => {
  const flags = {json: false, session: true}
  const runs: Array<[string[], unknown]> = [
    [['load'], {command: 'load', file: '-', ...flags}],
    [['load', '-'], {command: 'load', file: '-', ...flags}],
    [['load', 'keys.ndjson', '--json', '--no-session'], {command: 'load', file: 'keys.ndjson', ...flags, json: true, session: false}],
    [['load', '--node=127.0.0.2:1', 'keys.ndjson', '--timeout', '500'], {command: 'load', file: 'keys.ndjson', ...flags, node: '127.0.0.2:1', timeout: 500}],
    [['dump'], {command: 'dump', prefix: '', ...flags}],
    [['dump', '--prefix', 'user:', '--token', 't'], {command: 'dump', prefix: 'user:', ...flags, token: 't'}],
    [['dump', '--prefix=a b', '--no-session'], {command: 'dump', prefix: 'a b', ...flags, session: false}],
  ]
  for (const [argv, expected] of runs) {
    it(`runs: ${argv.join(' ')}`, () => expect(parseFastLine(argv, {}, () => false)).to.deep.equal(expected))
  }

  const leftToOclif: string[][] = [
    ['load', 'a.ndjson', 'b.ndjson'],
    ['load', '-', '-'],
    ['load', '--help'],
    ['load', '-h'],
    ['load', '--prefix', 'a'],
    ['load', '-o', 'value'],
    ['dump', '--json'],
    ['dump', 'extra'],
    ['dump', '--prefix='],
    ['dump', '--prefix', 'a', '--prefix', 'b'],
    ['dump', '--prefix', '-a'],
    ['scan', '--prefix', 'a'],
    ['put', 'k', 'v'],
    [],
  ]
  for (const argv of leftToOclif) {
    it(`leaves to oclif: ${argv.join(' ') || '(nothing)'}`, () => expect(parseFastLine(argv, {}, () => false)).to.equal(null))
  }

  it('leaves to oclif a load that draws a progress bar (a terminal, no --json)', () => {
    const onTerminal = (json: boolean) => !json
    expect(parseFastLine(['load', 'k.ndjson'], {}, onTerminal)).to.equal(null)
    expect(parseFastLine(['load', 'k.ndjson', '--json'], {}, onTerminal)).to.deep.include({command: 'load', json: true})
    expect(parseFastLine(['dump'], {}, onTerminal)).to.deep.include({command: 'dump'})
  })
})

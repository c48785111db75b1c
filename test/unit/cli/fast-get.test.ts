import {expect} from 'chai'
import {parseGetLine, type GetLine} from '../../../src/cli/fast-get.js'

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

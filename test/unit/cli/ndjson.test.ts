import {expect} from 'chai'
import fc from 'fast-check'
import {progressBar} from '../../../src/cli/bulk-io.js'
import {formatLine, LineSplitter, LoadRecords, maxLineChars, parseLine} from '../../../src/cli/ndjson.js'
import {isKvsError} from '../../../src/errors.js'

/** Every line of `chunks` (split as given), as the splitter numbers them. */
function splitAll(chunks: string[]): Array<[string, number]> {
  const out: Array<[string, number]> = []
  const splitter = new LineSplitter()
  for (const c of chunks) splitter.push(c, (text, line) => out.push([text, line]))
  splitter.end((text, line) => out.push([text, line]))
  return out
}

function failure(run: () => unknown): {message: string; code: string; line: unknown} {
  try {
    run()
  } catch (error) {
    if (isKvsError(error)) return {message: error.message, code: error.code, line: error.data.line}
    throw error
  }
  throw new Error('expected a failure')
}

describe('NDJSON of kvs load and dump', () => {
  it('reads a record per line; blank lines are skipped', () => {
    expect(parseLine('{"key":"a","value":"1"}', 1)).to.deep.equal({key: 'a', value: '1'})
    expect(parseLine('  {"value":"","key":"b"}  ', 2)).to.deep.equal({key: 'b', value: ''})
    expect(parseLine('   ', 3)).to.equal(null)
  })

  const bad: Array<[string, RegExp]> = [
    ['{"key":"a","value":"1"', /not JSON/],
    ['["a","1"]', /not a JSON object/],
    ['"a"', /not a JSON object/],
    ['{"value":"1"}', /"key" must be a string/],
    ['{"key":5,"value":"1"}', /"key" must be a string/],
    ['{"key":"","value":"1"}', /1 to 50 characters \(it has 0\)/],
    [`{"key":"${'k'.repeat(51)}","value":"1"}`, /1 to 50 characters \(it has 51\)/],
    ['{"key":"a"}', /"value" must be a string/],
    ['{"key":"a","value":null}', /"value" must be a string/],
    ['{"key":"a","value":"1","ttl":5}', /unknown field "ttl"/],
    [`{"key":"a","value":"${'x'.repeat(maxLineChars)}"}`, /longer than/],
  ]
  for (const [text, why] of bad) {
    it(`names the line and the reason for ${text.slice(0, 40)}`, () => {
      const f = failure(() => parseLine(text, 17))
      expect(f.code).to.equal('USAGE')
      expect(f.line).to.equal(17)
      expect(f.message).to.match(/^Line 17 is malformed: /)
      expect(f.message).to.match(why)
    })
  }

  it('accepts a key of exactly 50 characters', () => {
    expect(parseLine(`{"key":"${'k'.repeat(50)}","value":"v"}`, 1)?.key).to.have.length(50)
  })

  it('numbers lines from 1, blank ones included, whatever the chunking; CRLF and a last line without newline', () => {
    const text = 'a\r\n\nb\nc'
    expect(splitAll([text])).to.deep.equal([['a', 1], ['', 2], ['b', 3], ['c', 4]])
    fc.assert(
      fc.property(fc.array(fc.string({unit: fc.constantFrom('x', 'y', '\n', '\r\n')}), {maxLength: 20}), fc.integer({min: 1, max: 7}), (parts, size) => {
        const whole = parts.join('')
        const chunks: string[] = []
        for (let i = 0; i < whole.length; i += size) chunks.push(whole.slice(i, i + size))
        expect(splitAll(chunks)).to.deep.equal(splitAll([whole]))
      }),
    )
  })

  it('refuses a line that grows past the limit before it ends, naming it', () => {
    const splitter = new LineSplitter()
    splitter.push('{"key":"a","value":"1"}\n', () => {})
    const f = failure(() => {
      for (let i = 0; i < 20; i++) splitter.push('x'.repeat(100_000), () => {})
    })
    expect(f.line).to.equal(2)
    expect(f.message).to.match(/longer than/)
  })

  it('reads any line exactly as JSON.parse and the checks read it, the canonical form without JSON.parse included', () => {
    const piece = fc.oneof(fc.string(), fc.constantFrom('"', '\\', '\\"', '","value":"', '"}', '\t', '\u0001', '{"key":"'))
    const lineArb = fc.oneof(
      fc.tuple(fc.array(piece, {maxLength: 3}), fc.array(piece, {maxLength: 3})).map(([k, v]) => `{"key":"${k.join('')}","value":"${v.join('')}"}`),
      fc.tuple(fc.string({maxLength: 60}), fc.string()).map(([k, v]) => formatLine(k, v).trimEnd()),
    )
    const viaJson = (text: string) => {
      try {
        const r = JSON.parse(text)
        return typeof r.key === 'string' && r.key.length >= 1 && r.key.length <= 50 && typeof r.value === 'string' && Object.keys(r).length === 2 ? {key: r.key, value: r.value} : 'refused'
      } catch {
        return 'refused'
      }
    }
    const viaParseLine = (text: string) => {
      try {
        return parseLine(text, 1)
      } catch {
        return 'refused'
      }
    }
    fc.assert(
      fc.property(lineArb, (text) => {
        expect(viaParseLine(text), text).to.deep.equal(viaJson(text))
      }),
      {numRuns: 2000},
    )
  })

  it('writes a line exactly as JSON.stringify would, whatever the characters (lone surrogates included)', () => {
    const text = fc.oneof(fc.string(), fc.string({unit: 'binary'}), fc.string({unit: fc.constantFrom('a', '"', '\\', '\n', '\u0001', '\ud800', '\udc00', '\u00e9')}))
    fc.assert(
      fc.property(text, text, (key, value) => {
        expect(formatLine(key, value)).to.equal(`${JSON.stringify({key, value})}\n`)
      }),
      {numRuns: 2000},
    )
  })

  it('a dumped line reads back as the same record, whatever the characters', () => {
    fc.assert(
      fc.property(fc.string({minLength: 1, maxLength: 50}), fc.string(), (key, value) => {
        const line = formatLine(key, value)
        expect(line.endsWith('\n')).to.equal(true)
        expect(splitAll([line]).map(([text, n]) => parseLine(text, n))).to.deep.equal([{key, value}])
      }),
    )
  })

  it('keeps a load\'s records as a Map would: each key once, with its last value', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.string()), {maxLength: 40}), (records) => {
        const collected = new LoadRecords()
        for (const [key, value] of records) collected.add(key, value)
        const {keys, values} = collected.finish()
        const model = new Map(records)
        expect(new Set(keys).size).to.equal(keys.length)
        expect(new Map(keys.map((k, i) => [k, values[i]]))).to.deep.equal(model)
      }),
    )
  })

  it('writes the progress bar\'s counts as en-US does (200,000)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        const [done, total] = a <= b ? [a, b] : [b, a]
        expect(progressBar(done, total)).to.match(new RegExp(` ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} keys$`))
      }),
    )
  })

  it('draws a progress bar in proportion', () => {
    expect(progressBar(0, 200, 10)).to.equal('[----------] 0% 0/200 keys')
    expect(progressBar(100, 200, 10)).to.equal('[#####-----] 50% 100/200 keys')
    expect(progressBar(200_000, 200_000, 4)).to.equal('[####] 100% 200,000/200,000 keys')
    expect(progressBar(0, 0, 4)).to.equal('[####] 100% 0/0 keys')
  })
})

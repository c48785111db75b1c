import {expect} from 'chai'
import {formatCell, renderHuman, renderJson, renderTable} from '../../../src/cli/printer.js'

describe('printer', () => {
  it('pads columns to their widest cell, right-aligns where asked, trims line ends', () => {
    const text = renderTable(
      [
        {key: 'address', header: 'ADDRESS'},
        {key: 'keys', header: 'KEYS', align: 'right'},
        {key: 'note', header: 'NOTE'},
      ],
      [
        {address: '127.0.0.2:8085', keys: 300, note: null},
        {address: '127.0.0.10:8085', keys: 7, note: 'x'},
      ],
    )
    expect(text).to.equal(
      ['ADDRESS          KEYS  NOTE', '127.0.0.2:8085    300  -', '127.0.0.10:8085     7  x', ''].join('\n'),
    )
  })

  it('a table with no rows still has its header', () => {
    expect(renderTable([{key: 'a', header: 'A'}], [])).to.equal('A\n')
  })

  const cells: Array<[Parameters<typeof formatCell>[0], string]> = [
    [null, '-'],
    [true, 'yes'],
    [false, 'no'],
    [0, '0'],
    ['', ''],
  ]
  for (const [value, text] of cells) {
    it(`cell ${JSON.stringify(value)} reads ${JSON.stringify(text)}`, () => {
      expect(formatCell(value)).to.equal(text)
    })
  }

  it('lines end with a newline each; none prints nothing', () => {
    expect(renderHuman({kind: 'lines', lines: ['a', 'b']})).to.equal('a\nb\n')
    expect(renderHuman({kind: 'lines', lines: []})).to.equal('')
  })

  it('a raw value is written exactly, with no newline added', () => {
    expect(renderHuman({kind: 'raw', text: 'two\nlines'})).to.equal('two\nlines')
  })

  it('a table heading goes above the table', () => {
    expect(renderHuman({kind: 'table', heading: 'healthy', columns: [{key: 'a', header: 'A'}], rows: [{a: 1}]})).to.equal('healthy\nA\n1\n')
  })

  it('JSON output is one parseable document', () => {
    const doc = {error: {code: 'NOT_FOUND', data: {key: 'k'}}}
    const text = renderJson(doc)
    expect(JSON.parse(text)).to.deep.equal(doc)
    expect(text.endsWith('}\n')).to.equal(true)
  })
})

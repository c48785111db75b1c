import {expect} from 'chai'

import {checkCopyPage, copyPageBytes, CopyPageBuilder, type CopyPage} from '../../../src/replication/copy-page.js'
import {ShardState} from '../../../src/replication/shard-state.js'

const A = '127.0.0.2:8085'
const B = '127.0.0.3:8085'

describe('reshard copy pages', () => {
  it('carry keys by column, each origin once', () => {
    const b = new CopyPageBuilder()
    b.add('x', '1', 10, A)
    b.add('y', null, 11, B)
    b.add('z', '3', 12, A)
    expect(b.page).to.deep.equal({keys: ['x', 'y', 'z'], values: ['1', null, '3'], ts: [10, 11, 12], origins: [A, B], origin: [0, 1, 0]})
  })

  it('say when they reached their byte budget', () => {
    const b = new CopyPageBuilder()
    const value = 'v'.repeat(1024 * 1024)
    let added = 0
    while (!b.full) {
      b.add(`k${added}`, value, 1, A)
      added++
    }
    expect(added).to.equal(Math.ceil(copyPageBytes / (value.length + 2 + 32)))
  })

  const good = (): CopyPage => ({keys: ['x'], values: ['1'], ts: [10], origins: [A], origin: [0]})
  const bad: Array<[string, (p: CopyPage) => unknown]> = [
    ['columns of different lengths', (p) => ({...p, ts: []})],
    ['an origin index past the origins listed', (p) => ({...p, origin: [1]})],
    ['a negative origin index', (p) => ({...p, origin: [-1]})],
    ['a key that is not a string', (p) => ({...p, keys: [5]})],
    ['a value that is a number', (p) => ({...p, values: [5]})],
    ['a timestamp past 2^53', (p) => ({...p, ts: [2 ** 53]})],
    ['a fractional timestamp', (p) => ({...p, ts: [1.5]})],
    ['origins that are not strings', (p) => ({...p, origins: [7]})],
    ['a column that is not an array', (p) => ({...p, values: 'x'})],
    ['more origins than a shard could have had', (p) => ({...p, origins: Array.from({length: 1025}, (_, i) => `127.0.0.1:${i + 1}`)})],
  ]
  for (const [name, spoil] of bad) {
    it(`are refused, and nothing installed, with ${name}`, () => {
      const state = new ShardState(1, 2)
      expect(() => state.mergeMoved(spoil(good()) as CopyPage)).to.throw('A copy page is malformed')
      expect(state.versions.size).to.equal(0)
    })
  }

  it('install as moved versions, last writer wins, and tell the highest timestamp', () => {
    const state = new ShardState(1, 2)
    state.mergeMoved({keys: ['x', 'y'], values: ['old', 'y1'], ts: [10, 30], origins: [A], origin: [0, 0]})
    const highest = state.mergeMoved({keys: ['x', 'y'], values: ['new', 'y0'], ts: [20, 5], origins: [B], origin: [0, 0]})
    expect(highest).to.equal(20)
    expect(state.get('x')).to.deep.equal({value: 'new', ts: 20, origin: B, seq: 0, other: null})
    expect(state.get('y')?.value).to.equal('y1')
    expect(() => checkCopyPage(good())).not.to.throw()
  })
})

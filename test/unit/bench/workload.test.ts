import {expect} from 'chai'
import fc from 'fast-check'

import {shardForKey} from '../../../src/placement/placement.js'
import {
  createRng,
  getBody,
  keyName,
  keyNames,
  putBody,
  requestStream,
  valueFor,
  type BenchRequest,
  type Scenario,
} from '../../../bench/workload.js'

function draw(scenario: Scenario, count: number, keys = 1000, seed = 7): BenchRequest[] {
  const next = requestStream(scenario, keys, 100, createRng(seed))
  return Array.from({length: count}, next)
}

const keyOf = (request: BenchRequest) => request.path.slice('/key-value-store/'.length)

describe('bench workload', () => {
  it('makes values of exactly the asked size, different per key', () => {
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.integer({min: 1, max: 500}), (index, bytes) => {
        const value = valueFor(index, bytes)
        expect(Buffer.byteLength(value, 'utf8')).to.equal(bytes)
      }),
    )
    expect(valueFor(1, 100)).to.not.equal(valueFor(2, 100))
  })

  it('names keys key0, key1, ... within the 50-character limit', () => {
    expect([...keyNames(0, 3)]).to.deep.equal(['key0', 'key1', 'key2'])
    expect(keyName(999_999_999).length).to.be.at.most(50)
  })

  it('draws the same stream from the same seed, a different one from another', () => {
    expect(draw('mix', 200, 1000, 1)).to.deep.equal(draw('mix', 200, 1000, 1))
    expect(draw('mix', 200, 1000, 1)).to.not.deep.equal(draw('mix', 200, 1000, 2))
  })

  it('sends GETs with an empty causal history as a JSON body', () => {
    const requests = draw('get', 500)
    expect(requests.every((r) => r.method === 'GET' && r.body === getBody)).to.equal(true)
    expect(JSON.parse(getBody)).to.deep.equal({'causal-metadata': ''})
  })

  it("sends PUTs of each key's own 100-byte value", () => {
    for (const request of draw('put', 500)) {
      expect(request.method).to.equal('PUT')
      const index = Number(keyOf(request).slice('key'.length))
      expect(request.body).to.equal(putBody(valueFor(index, 100)))
      expect(JSON.parse(request.body)).to.deep.equal({value: valueFor(index, 100), 'causal-metadata': ''})
    }
  })

  it('mixes about 90 % GETs and 10 % PUTs', () => {
    const puts = draw('mix', 20_000).filter((r) => r.method === 'PUT').length
    expect(puts / 20_000).to.be.within(0.09, 0.11)
  })

  it('draws only pre-filled keys, about evenly over the shards', () => {
    const requests = draw('get', 20_000, 10_000)
    const indexes = requests.map((r) => Number(keyOf(r).slice(3)))
    expect(Math.min(...indexes)).to.be.at.least(0)
    expect(Math.max(...indexes)).to.be.below(10_000)
    const shard1 = requests.filter((r) => shardForKey(keyOf(r), 2) === 1).length
    expect(shard1 / requests.length).to.be.within(0.45, 0.55)
  })

  it('rejects an empty key range', () => {
    expect(() => requestStream('get', 0, 100, createRng(1))).to.throw(RangeError)
  })
})

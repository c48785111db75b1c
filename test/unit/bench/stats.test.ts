import {expect} from 'chai'

import {median, rate, ratio, summarizeRuns, type RunFigures} from '../../../bench/stats.js'

const run = (requestsPerSec: number, p50Ms: number, p99Ms: number, errors = 0, non2xx = 0): RunFigures => ({
  requestsPerSec,
  p50Ms,
  p99Ms,
  requests: 100,
  errors,
  non2xx,
})

describe('bench stats', () => {
  const medians: [number[], number][] = [
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1], 10],
  ]
  for (const [values, expected] of medians) {
    it(`median of ${JSON.stringify(values)} is ${expected}`, () => expect(median(values)).to.equal(expected))
  }

  it('has no median of nothing', () => {
    expect(() => median([])).to.throw(RangeError)
  })

  it('takes each figure median on its own and sums the failures', () => {
    const figures = summarizeRuns([run(100, 1, 9, 0, 2), run(300, 3, 7), run(200, 2, 8, 1, 0)])
    expect(figures).to.include({requestsPerSec: 200, p50Ms: 2, p99Ms: 8, requests: 300, errors: 1, non2xx: 2})
    expect(figures.runs).to.have.length(3)
  })

  it('gives no ratio against a zero baseline', () => {
    expect(ratio(50, 100)).to.equal(0.5)
    expect(ratio(50, 0)).to.equal(null)
  })

  it('computes a rate, zero for no time', () => {
    expect(rate(1000, 4)).to.equal(250)
    expect(rate(1000, 0)).to.equal(0)
  })
})

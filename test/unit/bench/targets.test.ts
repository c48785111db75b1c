import {expect} from 'chai'

import {summarizeRuns} from '../../../bench/stats.js'
import {checkTargets} from '../../../bench/targets.js'
import type {Scenario} from '../../../bench/workload.js'

const figures = (failures: number) =>
  summarizeRuns([{requestsPerSec: 1, p50Ms: 1, p99Ms: 1, requests: 1, errors: failures, non2xx: 0}])

describe('bench targets', () => {
  const table: [Scenario, number, number | null, number, boolean, number | null][] = [
    // scenario, connections, ratio, failures, pass, ratio target
    ['get', 64, 0.5, 0, true, 0.5],
    ['get', 64, 0.49, 0, false, 0.5],
    ['put', 64, 0.3, 0, true, 0.3],
    ['put', 64, 0.29, 0, false, 0.3],
    ['put', 64, null, 0, false, 0.3],
    ['mix', 64, 0.01, 0, true, null],
    ['get', 1, 0.01, 0, true, null],
    ['get', 64, 0.9, 1, false, 0.5],
    ['mix', 1, 0.9, 3, false, null],
  ]
  for (const [scenario, connections, ratio, failures, pass, min] of table) {
    it(`${scenario} x${connections} at ratio ${ratio} with ${failures} failures: ${pass ? 'pass' : 'fail'}`, () => {
      const check = checkTargets(scenario, connections, figures(failures), ratio)
      expect(check.pass).to.equal(pass)
      expect(check.requestsRatio?.min ?? null).to.equal(min)
      expect(check.errors).to.deep.equal({max: 0, actual: failures, pass: failures === 0})
    })
  }
})

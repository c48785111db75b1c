import {expect} from 'chai'

import type {ReshardProgress} from '../../../src/client/api-types.js'
import {phaseLogger, progressLine} from '../../../src/cli/reshard-progress.js'

const progress = (over: Partial<ReshardProgress>): ReshardProgress => ({
  epoch: 2,
  phase: 'copying',
  moved: 0,
  total: 0,
  keysPerSecond: 0,
  etaSeconds: null,
  pauseMs: null,
  startedAt: 0,
  ...over,
})

describe('reshard progress display', () => {
  it('draws the phase, a bar, key copies, the rate and the ETA or the hold time', () => {
    const table: Array<[Partial<ReshardProgress>, string]> = [
      [{}, 'copying  [------------------------]  0/0 keys  0 keys/s  ETA ?'],
      [{moved: 12_000, total: 48_000, keysPerSecond: 95_000, etaSeconds: 1}, 'copying  [######------------------]  12,000/48,000 keys  95,000 keys/s  ETA 1 s'],
      [{phase: 'cutover', moved: 48_000, total: 48_000, keysPerSecond: 90_000}, 'cutover  [########################]  48,000/48,000 keys  90,000 keys/s'],
      [{phase: 'done', moved: 48_000, total: 48_000, keysPerSecond: 90_000, pauseMs: 42}, 'done     [########################]  48,000/48,000 keys  90,000 keys/s  writes held 42 ms'],
    ]
    for (const [over, line] of table) expect(progressLine(progress(over))).to.equal(line)
  })

  it('off a terminal, prints one line per phase', () => {
    const printed: string[] = []
    const log = phaseLogger((line) => printed.push(line))
    for (const p of [progress({}), progress({moved: 5, total: 10}), progress({phase: 'cutover'}), progress({phase: 'cutover'}), progress({phase: 'done'})]) log(p)
    expect(printed.map((l) => l.split(/\s+/)[1])).to.deep.equal(['copying', 'cutover', 'done'])
  })
})

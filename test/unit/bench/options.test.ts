import {expect} from 'chai'

import {KvsError, exitCodes} from '../../../src/errors.js'
import {intList, resolveOptions} from '../../../bench/options.js'

describe('bench options', () => {
  it('defaults to the issue run: 4 s x 3 runs at 1 and 64 connections over 10,000 keys', () => {
    const options = resolveOptions({})
    expect(options).to.include({suite: 'throughput', smoke: false, durationSec: 4, runs: 3, keys: 10_000, valueBytes: 100, reference: false})
    expect(options.connections).to.deep.equal([1, 64])
    expect(options.requestsPerRun).to.equal(null)
    expect(options.fsync).to.equal(null)
    expect(options.memoryKeys).to.equal(1_000_000)
    expect(options.catchUpWrites).to.deep.equal([10_000, 100_000])
    expect(options.reshardKeys).to.deep.equal([100_000, 1_000_000])
  })

  it('makes a smoke run tiny: fixed request counts, one run, small sizes', () => {
    const options = resolveOptions({smoke: true})
    expect(options).to.include({smoke: true, runs: 1, warmupSec: 0})
    expect(options.requestsPerRun).to.be.at.most(100)
    expect(options.keys).to.be.at.most(1000)
    expect(options.memoryKeys).to.be.at.most(10_000)
    expect(Math.max(...options.catchUpWrites, ...options.reshardKeys)).to.be.at.most(10_000)
  })

  it('lets every flag override the defaults, smoke ones included', () => {
    const options = resolveOptions({
      smoke: true,
      suite: 'all',
      connections: '2, 8',
      duration: 1,
      requests: 10,
      runs: 5,
      warmup: 0,
      keys: 7,
      fsync: 'always',
      'memory-keys': 11,
      'catchup-writes': '3',
      'reshard-keys': '4,5',
      'load-concurrency': 2,
      'cpu-prof': '/tmp/prof',
      reference: true,
    })
    expect(options).to.deep.include({
      suite: 'all',
      connections: [2, 8],
      durationSec: 1,
      requestsPerRun: 10,
      runs: 5,
      keys: 7,
      fsync: 'always',
      memoryKeys: 11,
      catchUpWrites: [3],
      reshardKeys: [4, 5],
      loadConcurrency: 2,
      cpuProfDir: '/tmp/prof',
      reference: true,
    })
  })

  const bad: [string, Parameters<typeof resolveOptions>[0]][] = [
    ['suite', {suite: 'fast'}],
    ['fsync', {fsync: 'sometimes'}],
    ['runs', {runs: 0}],
    ['keys', {keys: 2.5}],
    ['duration', {duration: -1}],
    ['connections', {connections: '1,,64'}],
    ['connections', {connections: '0'}],
    ['reshard-keys', {'reshard-keys': 'many'}],
  ]
  for (const [flag, flags] of bad) {
    it(`rejects ${JSON.stringify(flags)} as a usage error naming --${flag}`, () => {
      let caught: unknown
      try {
        resolveOptions(flags)
      } catch (error) {
        caught = error
      }
      expect(caught).to.be.instanceOf(KvsError)
      expect((caught as KvsError).code).to.equal('USAGE')
      expect((caught as KvsError).exitCode).to.equal(exitCodes.usage)
      expect((caught as KvsError).message).to.contain(`--${flag}`)
    })
  }

  it('parses integer lists', () => {
    expect(intList('x', '1,64')).to.deep.equal([1, 64])
    expect(intList('x', ' 100000 ')).to.deep.equal([100_000])
  })
})

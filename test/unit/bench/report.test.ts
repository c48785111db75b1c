import {expect} from 'chai'

import {renderMarkdown} from '../../../bench/markdown.js'
import {resolveOptions} from '../../../bench/options.js'
import {compareScenario, summarizeTargets, type BenchReport, type ThroughputReport} from '../../../bench/report.js'
import {reportFileStem} from '../../../bench/report-files.js'
import type {RunFigures} from '../../../bench/stats.js'

const run = (requestsPerSec: number, p50Ms: number, p99Ms: number, errors = 0): RunFigures => ({
  requestsPerSec,
  p50Ms,
  p99Ms,
  requests: 1000,
  errors,
  non2xx: 0,
})

function throughput(): ThroughputReport {
  return {
    nodes: ['127.0.0.2:9', '127.0.0.3:9', '127.0.0.4:9', '127.0.0.5:9'],
    shards: 2,
    baseline: '127.0.0.100:9',
    reference: null,
    prefill: {keys: 10_000, valueBytes: 100, kvsMs: 2500, baselineMs: 400, referenceMs: null, kvsRetries: 0},
    scenarios: [
      compareScenario('get', 64, [run(11_000, 5, 20), run(10_000, 6, 22), run(12_000, 4, 21)], [run(20_000, 2, 8)]),
      compareScenario('put', 64, [run(3_000, 20, 60, 2)], [run(15_000, 3, 9)]),
      compareScenario('mix', 1, [run(1_000, 0.5, 1.5)], [run(0, 0, 0)]),
    ],
  }
}

function report(): BenchReport {
  const t = throughput()
  return {
    kind: 'kvs-bench-report',
    version: 1,
    command: 'kvs bench --runs 3',
    startedAt: '2025-03-01T12:34:56.789Z',
    finishedAt: '2025-03-01T12:37:00.000Z',
    host: {cpus: 2, cpuModel: 'Test CPU', totalMemoryBytes: 2 ** 33, node: 'v20.0.0', platform: 'linux 6', loadAverage: 0.25},
    options: resolveOptions({}),
    throughput: t,
    scaling: {
      memory: {
        inputs: {nodes: 2, shards: 1, keysLoaded: 1_000_000, valueBytes: 100},
        node: '127.0.0.3:9',
        keysOnNode: 1_000_000,
        loadMs: 200_000,
        loadRetries: 0,
        rssBeforeBytes: 60 * 2 ** 20,
        rssAfterLoadBytes: 60 * 2 ** 20 + 250_000_000,
        bytesPerKey: 250,
        rssAfterRestartBytes: 60 * 2 ** 20 + 180_000_000,
        bytesPerKeyAfterRestart: 180,
      },
      restart: {inputs: {keysOnDisk: 1_000_000, valueBytes: 100}, node: '127.0.0.3:9', answerMs: 800, readyMs: 3200},
      catchUp: [{inputs: {nodes: 2, shards: 1, missedWrites: 10_000}, node: '127.0.0.3:9', answerMs: 500, caughtUpMs: 1250, writesPerSec: 8000, loadRetries: 0}],
      reshard: [
        {
          inputs: {nodes: 6, fromShards: 2, toShards: 3, keys: 100_000},
          keysMoved: 100_000,
          responseMs: 3900,
          settledMs: 4000,
          keysMovedPerSec: 25_000,
          keysPerSec: 25_641,
          pauseMs: 48,
          traffic: {requests: 5000, failed: 0, longestMs: 120.4},
          loadRetries: 3,
        },
      ],
    },
    targets: summarizeTargets(t),
  }
}

describe('bench report', () => {
  it('compares the median of the kvs runs with the baseline', () => {
    const [get] = throughput().scenarios
    expect(get.kvs.requestsPerSec).to.equal(11_000)
    expect(get.ratio.requestsPerSec).to.equal(0.55)
    expect(get.ratio.p50).to.equal(2.5)
    expect(get.ratio.p99).to.equal(21 / 8)
    expect(get.target.pass).to.equal(true)
  })

  it('fails PUT on its ratio and its errors, and gives no ratio against an idle baseline', () => {
    const [, put, mix] = throughput().scenarios
    expect(put.target.requestsRatio?.pass).to.equal(false)
    expect(put.target.errors.pass).to.equal(false)
    expect(mix.ratio.requestsPerSec).to.equal(null)
    expect(mix.target.requestsRatio).to.equal(null)
  })

  it('gives the ratio of each run against the baseline run measured with it', () => {
    const get = compareScenario('get', 64, [run(10_000, 5, 20), run(12_000, 5, 20), run(9_000, 5, 20)], [run(20_000, 2, 8), run(20_000, 2, 8), run(30_000, 2, 8)])
    expect(get.runRatios).to.deep.equal([0.5, 0.6, 0.3])
    expect(get.ratio.requestsPerSec).to.equal(0.5)
    expect(renderMarkdown({...report(), throughput: {...throughput(), scenarios: [get]}})).to.contain('| 0.50x | 0.50 / 0.60 / 0.30 |')
  })

  it('compares kvs with the reference cluster run by run, and the reference with the baseline', () => {
    const get = compareScenario(
      'get',
      64,
      [run(10_000, 5, 20), run(12_000, 5, 20), run(9_000, 5, 20)],
      [run(20_000, 2, 8), run(20_000, 2, 8), run(30_000, 2, 8)],
      [run(12_500, 4, 10), run(12_000, 4, 10), run(10_000, 4, 10)],
    )
    expect(get.reference?.figures.requestsPerSec).to.equal(12_000)
    expect(get.reference?.toBaseline).to.equal(0.6)
    expect(get.reference?.kvsToReference).to.equal(10_000 / 12_000)
    expect(get.reference?.runRatios).to.deep.equal([0.8, 1, 0.9])
    // The kvs / baseline figures and the target do not depend on the reference.
    expect(get.ratio.requestsPerSec).to.equal(0.5)
    expect(get.target.pass).to.equal(true)
    expect(compareScenario('get', 64, [run(10_000, 5, 20)], [run(20_000, 2, 8)]).reference).to.equal(null)

    const t: ThroughputReport = {
      ...throughput(),
      reference: ['127.0.0.101:9', '127.0.0.102:9', '127.0.0.103:9', '127.0.0.104:9'],
      prefill: {...throughput().prefill, referenceMs: 700},
      scenarios: [get],
    }
    const text = renderMarkdown({...report(), throughput: t})
    expect(text).to.contain('(kvs 2.50 s, baseline 0.40 s, reference 0.70 s)')
    expect(text).to.contain('Reference: 4 processes (127.0.0.101:9, 127.0.0.102:9, 127.0.0.103:9, 127.0.0.104:9)')
    expect(text).to.contain('| GET | 64 | 12000 | 0.60x | 0.83x | 0.80 / 1.00 / 0.90 | 0 |')
    expect(renderMarkdown(report())).to.not.contain('Reference:')
  })

  it('counts passing scenarios', () => {
    expect(summarizeTargets(throughput())).to.deep.equal({checked: 3, passed: 2, pass: false})
    expect(summarizeTargets(null)).to.deep.equal({checked: 0, passed: 0, pass: true})
  })

  it('renders a markdown table with ratios and pass/fail columns', () => {
    const text = renderMarkdown(report())
    expect(text).to.contain('`kvs bench --runs 3` on 2 x Test CPU, node v20.0.0, linux 6, load average 0.25 at start')
    expect(text).to.contain('median of 3 runs of 4 s')
    expect(text).to.contain('| GET | 64 | 11000 | 20000 | 0.55x | 0.55 | 5.00 (2.50x) | 21.00 (2.63x) | 0 | >= 0.5x: pass | pass |')
    expect(text).to.contain('| PUT | 64 | 3000 | 15000 | 0.20x | 0.20 |')
    expect(text).to.contain('>= 0.3x: FAIL | FAIL |')
    expect(text).to.contain('| 90/10 GET/PUT | 1 | 1000 | 0 | n/a | n/a |')
    expect(text).to.contain('Targets: 2 of 3 scenarios pass.')
  })

  it('prints every scaling figure with its inputs', () => {
    const text = renderMarkdown(report())
    expect(text).to.contain('| memory | 1000000 keys of 100 B loaded; 2 nodes, 1 shard(s); 127.0.0.3:9 holds 1000000 | 250 B/key after load')
    expect(text).to.contain('| restart | 127.0.0.3:9 with 1000000 keys of 100 B on disk | answers after 0.80 s; all keys served after 3.20 s |')
    expect(text).to.contain('| catch-up | 127.0.0.3:9 missed 10000 writes; 2 nodes, 1 shard(s) | answers after 0.50 s; caught up after 1.25 s (8000 writes/s) |')
    expect(text).to.contain(
      '| reshard | 100000 keys; 6 nodes, 2 -> 3 shards | answered after 3.90 s (25641 keys/s of the data set); ' +
        '100000 keys changed shard, settled after 4.00 s (25000 keys/s); writes held 48 ms; ' +
        'during it 5000 client requests, 0 failed, longest 120 ms; 3 load PUTs retried |',
    )
    expect(text).to.contain('(kvs 2.50 s, baseline 0.40 s)')
  })

  it('leaves out the sections a suite did not run', () => {
    const text = renderMarkdown({...report(), throughput: null, targets: summarizeTargets(null)})
    expect(text).to.not.contain('Throughput')
    expect(text).to.not.contain('Targets:')
    expect(text).to.contain('Scaling')
  })

  it('names report files by start time and suite, without colons', () => {
    expect(reportFileStem('2025-03-01T12:34:56.789Z', 'all')).to.equal('bench-2025-03-01T12-34-56Z-all')
  })
})

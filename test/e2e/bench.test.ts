import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {BenchReport} from '../../bench/report.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the built CLI (`node bin/run.js ...`) from the repository root, as an operator would. */
function kvs(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'run.js'), ...args], {cwd: repoRoot})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    child.once('error', reject)
    child.once('close', (code) => resolve({code, stdout, stderr}))
  })
}

/** Only checks that the bench works and reports what it should; never how fast anything is. */
/** One run of every suite (as `npm run bench -- --suite all --reference`), read section by section. */
describe('kvs bench --smoke --suite all --reference', function () {
  this.timeout(600_000)
  let out: string
  let report: BenchReport
  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'kvs-bench-e2e-'))
    // One catch-up and one reshard figure (the smoke defaults measure two of each, a cluster
    // apiece): the checks below hold each list to the options, whatever their length.
    report = await bench('all', '--reference', '--catchup-writes', '100', '--reshard-keys', '500')
  })
  after(() => rmSync(out, {recursive: true, force: true}))

  async function bench(suite: string, ...flags: string[]): Promise<BenchReport> {
    const ran = await kvs(['bench', '--smoke', '--json', '--suite', suite, '--out', out, ...flags])
    expect(ran.code, ran.stderr + ran.stdout).to.equal(0)
    const report = JSON.parse(ran.stdout) as BenchReport
    expect(report).to.include({kind: 'kvs-bench-report', version: 1})
    expect(report.command).to.match(/^kvs bench /)
    expect(report.options).to.include({smoke: true, suite})
    const files = report.files!
    expect(existsSync(files.json)).to.equal(true)
    expect(JSON.parse(readFileSync(files.json, 'utf8')).kind).to.equal('kvs-bench-report')
    expect(readFileSync(files.markdown, 'utf8')).to.contain('## kvs bench')
    return report
  }

  it('measures GET, PUT and the mix on kvs, the baseline and the reference cluster, with ratios and targets', () => {
    const throughput = report.throughput!
    expect(throughput.nodes).to.have.length(4)
    expect(throughput.shards).to.equal(2)
    const cases = throughput.scenarios.map((s) => `${s.scenario}x${s.connections}`)
    expect(cases).to.have.members(['getx1', 'getx64', 'putx1', 'putx64', 'mixx1', 'mixx64'])
    for (const s of throughput.scenarios) {
      for (const figures of [s.kvs, s.baseline]) {
        expect(figures.requests).to.be.above(0)
        for (const field of ['requestsPerSec', 'p50Ms', 'p99Ms', 'errors', 'non2xx'] as const) {
          expect(figures[field], field).to.be.a('number')
        }
      }
      expect(s.ratio).to.have.all.keys('requestsPerSec', 'p50', 'p99')
      expect(s.target.errors).to.have.all.keys('max', 'actual', 'pass')
      expect(s.target.pass).to.be.a('boolean')
    }
    const get64 = throughput.scenarios.find((s) => s.scenario === 'get' && s.connections === 64)
    expect(get64?.target.requestsRatio?.min).to.equal(0.5)
    expect(report.targets).to.have.all.keys('checked', 'passed', 'pass')
    expect(throughput.reference).to.have.length(4)
    for (const s of throughput.scenarios) {
      const reference = s.reference!
      expect(reference.figures.requests).to.be.above(0)
      // The reference stores and copies every write: it answers all of them, like kvs.
      expect(reference.figures.errors + reference.figures.non2xx, `${s.scenario}x${s.connections}`).to.equal(0)
      expect(reference.kvsToReference).to.be.a('number')
      expect(reference.runRatios).to.have.length(1)
    }
    expect(readFileSync(report.files!.markdown, 'utf8')).to.contain('| kvs / reference |')
  })

  it('measures memory, restart, catch-up and reshard, each with its inputs', () => {
    const {memory, restart, catchUp, reshard} = report.scaling!
    expect(memory!.inputs.keysLoaded).to.equal(report.options.memoryKeys)
    expect(memory!.keysOnNode).to.equal(report.options.memoryKeys)
    expect(memory!.bytesPerKey).to.be.a('number')
    expect(restart!.inputs.keysOnDisk).to.equal(report.options.memoryKeys)
    expect(restart!.readyMs).to.be.at.least(restart!.answerMs)
    expect(catchUp.map((c) => c.inputs.missedWrites)).to.deep.equal(report.options.catchUpWrites)
    expect(reshard.map((r) => r.inputs.keys)).to.deep.equal(report.options.reshardKeys)
    for (const r of reshard) expect(r.keysMoved).to.be.a('number')
  })

  it('measures kvs load and kvs dump as whole commands, memory and restart, with the single-key figures of the same run', () => {
    expect(report.throughput!.scenarios.length).to.be.above(0)
    const bulk = report.bulk!
    expect(bulk.inputs).to.deep.equal({nodes: 4, shards: 2, keys: report.options.bulkKeys, valueBytes: report.options.valueBytes})
    expect(bulk.dump.keys).to.equal(report.options.bulkKeys)
    expect(bulk.memory.keysOnNode).to.be.above(0)
    expect(bulk.restart.keysOnNode).to.equal(bulk.memory.keysOnNode)
    expect(bulk.restart.readyMs).to.be.at.least(bulk.restart.answerMs)
    for (const figure of [bulk.load, bulk.dump]) expect(figure.keysPerSec).to.be.above(0)
    expect(bulk.targets.map((t) => t.name)).to.deep.equal(['kvs load keys/s', 'kvs dump keys/s', 'memory B/key', 'restart ms'])
    // A smoke run is too small to be judged against the targets.
    for (const t of bulk.targets) expect(t.pass).to.equal(null)
    expect(readFileSync(report.files!.markdown, 'utf8')).to.contain('### Bulk: kvs load and kvs dump')
  })
})

import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {fileURLToPath} from 'node:url'
import {openStorage} from '../../../src/storage/storage.js'
import type {FsyncPolicy} from '../../../src/storage/types.js'
import {collect, recordingLog, tempDir} from './support.js'
import {waitFor} from '../../../src/wait-for.js'

const repo = fileURLToPath(new URL('../../..', import.meta.url))
const fixture = fileURLToPath(new URL('fixtures/append-until-killed.ts', import.meta.url))

describe('a process SIGKILLed while appending', () => {
  for (const fsync of ['always', 'never'] as FsyncPolicy[]) {
    it(`loses no acknowledged entry (fsync '${fsync}')`, async () => {
      const tmp = await tempDir()
      try {
        const child = spawn(process.execPath, ['--import', 'tsx', fixture, tmp.path, fsync], {cwd: repo, stdio: ['ignore', 'pipe', 'pipe']})
        const exited = once(child, 'exit')
        let out = ''
        let err = ''
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
        const acked = () => out.split('\n').slice(0, -1)
        await waitFor(() => acked().length >= 3000 || child.exitCode !== null, {timeoutMs: 20_000, intervalMs: 10, what: '3000 acknowledged appends'})
        child.kill('SIGKILL')
        await exited
        expect(child.signalCode, `the fixture exited by itself: ${err}`).to.equal('SIGKILL')

        const log = recordingLog()
        const storage = await openStorage<never, never, {n: number}, never>({dir: tmp.path, fsync, log})
        try {
          const entries = await collect(storage.recovered.entries)
          expect(entries.map((e) => e.index), 'contiguous from 1').to.deep.equal(entries.map((_, i) => i + 1))
          expect(entries.every((e) => e.entry.n === e.index), 'each entry at its index').to.equal(true)
          const recovered = new Set(entries.map((e) => e.index))
          const lost = acked().map(Number).filter((index) => !recovered.has(index))
          expect(lost, 'acknowledged but not recovered').to.deep.equal([])
          expect(log.warnings.some((w) => w.includes(`process ${child.pid}`)), 'the dead process lock is taken over').to.equal(true)
        } finally {
          await storage.close()
        }
      } finally {
        await tmp.remove()
      }
    })
  }
})

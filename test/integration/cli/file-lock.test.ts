import {expect} from 'chai'
import {mkdtemp, rm, utimes, writeFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {withFileLock} from '../../../src/client/file-lock.js'
import {isKvsError} from '../../../src/errors.js'

describe('withFileLock', () => {
  let dir: string
  let lock: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kvs-lock-'))
    lock = join(dir, 'session.json.lock')
  })

  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('runs holders one at a time and removes the lock afterwards', async () => {
    let inside = 0
    let most = 0
    await Promise.all(
      Array.from({length: 8}, () =>
        withFileLock(lock, async () => {
          most = Math.max(most, ++inside)
          await new Promise((resolve) => setImmediate(resolve))
          inside--
        }),
      ),
    )
    expect(most).to.equal(1)
    expect(existsSync(lock)).to.equal(false)
  })

  it('releases the lock when the holder throws', async () => {
    const failing = withFileLock(lock, async () => {
      throw new Error('boom')
    })
    await failing.then(
      () => expect.fail('should have thrown'),
      (error: Error) => expect(error.message).to.equal('boom'),
    )
    expect(existsSync(lock)).to.equal(false)
  })

  it('breaks a lock abandoned by a process that died holding it', async () => {
    await writeFile(lock, '999999')
    const old = new Date(Date.now() - 60_000)
    await utimes(lock, old, old)
    expect(await withFileLock(lock, async () => 'ran', {staleMs: 1_000})).to.equal('ran')
  })

  it('gives up on a lock that stays held', async () => {
    await writeFile(lock, '1')
    let caught: unknown
    try {
      await withFileLock(lock, async () => 'ran', {waitMs: 50, staleMs: 60_000})
    } catch (error) {
      caught = error
    }
    expect(isKvsError(caught) && caught.code).to.equal('INTERNAL')
  })
})

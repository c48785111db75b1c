import {expect} from 'chai'
import {isKvsError} from '../../src/errors.js'
import {waitFor} from '../../src/wait-for.js'

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let calls = 0
    expect(await waitFor(() => (++calls === 3 ? 'ready' : ''), {timeoutMs: 2000, intervalMs: 1, what: 'x'})).to.equal('ready')
  })

  it('names what it waited for and the last value seen, as UNAVAILABLE', async () => {
    const failure = await waitFor(() => 0, {timeoutMs: 50, intervalMs: 10, what: 'the moon'}).catch((e: Error) => e)
    expect(isKvsError(failure) && failure.code).to.equal('UNAVAILABLE')
    expect((failure as Error).message).to.match(/waiting for the moon; last: value 0/)
  })

  it('counts a thrown error as "not yet" and reports it', async () => {
    const failure = await waitFor(
      () => {
        throw new Error('refused')
      },
      {timeoutMs: 50, intervalMs: 10, what: 'a node'},
    ).catch((e: Error) => e)
    expect((failure as Error).message).to.match(/last: error refused/)
  })

  it('ends at once with the error `failure` returns, without trying again', async () => {
    let tries = 0
    const died = new Error('the node exited')
    const failure = await waitFor(() => ++tries > 100, {timeoutMs: 60_000, intervalMs: 1, what: 'x', failure: () => (tries === 2 ? died : null)}).catch((e: Error) => e)
    expect([failure, tries]).to.deep.equal([died, 2])
  })
})

import {expect} from 'chai'

import {Batcher} from '../../src/transport/batcher.js'

/** A sendBatch whose calls the test completes by hand, recording what each call carried. */
function manualSender<T>() {
  const calls: Array<{items: T[]; finish: (results: string[]) => void; fail: (error: Error) => void}> = []
  const send = (items: T[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({items, finish: resolve, fail: reject})
    })
  return {calls, send}
}

/** Lets queued promise callbacks and the batcher's setImmediate run. */
const turn = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

describe('batcher', () => {
  it('sends items of one event-loop turn together, and answers each with its own result', async () => {
    const {calls, send} = manualSender<number>()
    const batcher = new Batcher(send, 1)
    const answers = [1, 2, 3].map((n) => batcher.send(n))
    await turn()
    expect(calls.map((c) => c.items)).to.deep.equal([[1, 2, 3]])
    calls[0].finish(['a', 'b', 'c'])
    expect(await Promise.all(answers)).to.deep.equal(['a', 'b', 'c'])
  })

  it('queues items while maxInFlight calls are on the wire, then sends them as one batch, in order', async () => {
    const {calls, send} = manualSender<number>()
    const batcher = new Batcher(send, 1)
    const first = batcher.send(1)
    await turn()
    const later = [2, 3, 4].map((n) => batcher.send(n))
    await turn()
    expect(calls).to.have.length(1)
    calls[0].finish(['one'])
    expect(await first).to.equal('one')
    await turn()
    expect(calls.map((c) => c.items)).to.deep.equal([[1], [2, 3, 4]])
    calls[1].finish(['two', 'three', 'four'])
    expect(await Promise.all(later)).to.deep.equal(['two', 'three', 'four'])
  })

  it('keeps up to maxInFlight calls on the wire at once', async () => {
    const {calls, send} = manualSender<number>()
    const batcher = new Batcher(send, 2)
    void batcher.send(1)
    await turn()
    void batcher.send(2)
    await turn()
    void batcher.send(3)
    await turn()
    expect(calls.map((c) => c.items)).to.deep.equal([[1], [2]])
    calls[0].finish(['x'])
    await turn()
    expect(calls.map((c) => c.items)).to.deep.equal([[1], [2], [3]])
  })

  it('rejects every item of a failed call, and sends later items in a new call', async () => {
    const {calls, send} = manualSender<number>()
    const batcher = new Batcher(send, 1)
    const failed = [1, 2].map((n) => batcher.send(n).then(() => 'ok', (error: Error) => error.message))
    await turn()
    const next = batcher.send(3)
    calls[0].fail(new Error('peer gone'))
    expect(await Promise.all(failed)).to.deep.equal(['peer gone', 'peer gone'])
    await turn()
    expect(calls.map((c) => c.items)).to.deep.equal([[1, 2], [3]])
    calls[1].finish(['back'])
    expect(await next).to.equal('back')
  })

  it('splits a long queue into batches of at most maxBatch items', async () => {
    const {calls, send} = manualSender<number>()
    const batcher = new Batcher(send, 1, 2)
    const answers = [1, 2, 3, 4, 5].map((n) => batcher.send(n))
    await turn()
    calls[0].finish(['1', '2'])
    await turn()
    calls[1].finish(['3', '4'])
    await turn()
    calls[2].finish(['5'])
    expect(calls.map((c) => c.items)).to.deep.equal([[1, 2], [3, 4], [5]])
    expect(await Promise.all(answers)).to.deep.equal(['1', '2', '3', '4', '5'])
  })

  it('counts items by their size when given one: an item larger than maxBatch goes alone', async () => {
    const {calls, send} = manualSender<number>()
    const batcher = new Batcher(send, 1, 10, (n: number) => n)
    const answers = [3, 4, 20, 5, 6].map((n) => batcher.send(n))
    for (const results of [['3', '4'], ['20'], ['5'], ['6']]) {
      await turn()
      calls.at(-1)!.finish(results)
    }
    expect(calls.map((c) => c.items)).to.deep.equal([[3, 4], [20], [5], [6]])
    expect(await Promise.all(answers)).to.deep.equal(['3', '4', '20', '5', '6'])
  })
})

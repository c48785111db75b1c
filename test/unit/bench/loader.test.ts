import {expect} from 'chai'

import {KvsError} from '../../../src/errors.js'
import type {PeerRequest, PeerResponse, Transport} from '../../../src/transport/transport.js'
import {loadKeys} from '../../../bench/loader.js'
import {putBody, valueFor} from '../../../bench/workload.js'

/** A transport that answers from a script and records what it was sent. */
class ScriptedTransport implements Transport {
  readonly sent: {peer: string; req: PeerRequest}[] = []
  inFlight = 0
  maxInFlight = 0

  constructor(private readonly answer: (peer: string, req: PeerRequest, attempt: number) => PeerResponse) {}

  async request(peer: string, req: PeerRequest): Promise<PeerResponse> {
    this.sent.push({peer, req})
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    await new Promise((resolve) => setImmediate(resolve))
    this.inFlight--
    const attempt = this.sent.filter((s) => s.req.path === req.path).length
    return this.answer(peer, req, attempt)
  }

  async close(): Promise<void> {}
}

const ok = (): PeerResponse => ({status: 201, text: '{}'})

describe('bench loader', () => {
  it('PUTs every key once, round-robin over the targets, with bounded concurrency', async () => {
    const transport = new ScriptedTransport(ok)
    const result = await loadKeys(transport, {targets: ['a', 'b'], from: 10, count: 20, valueBytes: 100, concurrency: 4})
    expect(result.retries).to.equal(0)
    expect(transport.sent).to.have.length(20)
    expect(transport.maxInFlight).to.equal(4)
    const paths = transport.sent.map((s) => s.req.path).sort()
    expect(new Set(paths).size).to.equal(20)
    const key12 = transport.sent.find((s) => s.req.path === '/key-value-store/key12')
    expect(key12?.peer).to.equal('a')
    expect(key12?.req).to.include({method: 'PUT', body: putBody(valueFor(12, 100))})
    expect(key12?.req.timeoutMs).to.be.above(0)
    expect(transport.sent.find((s) => s.req.path === '/key-value-store/key13')?.peer).to.equal('b')
  })

  it('retries a busy (503) or unreachable node, and counts the retries', async () => {
    const transport = new ScriptedTransport((peer, _req, attempt) => {
      if (attempt === 1) return {status: 503, text: '{}'}
      if (attempt === 2) throw new KvsError('PEER_UNAVAILABLE', 'refused', {peer})
      return ok()
    })
    const result = await loadKeys(transport, {targets: ['a'], from: 0, count: 3, valueBytes: 10, concurrency: 3})
    expect(transport.sent).to.have.length(9)
    expect(result.retries).to.equal(6)
  })

  it('fails on any other answer, naming the key and status', async () => {
    const transport = new ScriptedTransport(() => ({status: 400, text: '{"error":"Key is too long"}'}))
    let caught: unknown
    try {
      await loadKeys(transport, {targets: ['a'], from: 0, count: 5, valueBytes: 10, concurrency: 1})
    } catch (error) {
      caught = error
    }
    expect(caught).to.be.instanceOf(KvsError)
    expect((caught as KvsError).data).to.deep.include({key: 'key0', status: 400})
    expect(transport.sent).to.have.length(1)
  })
})

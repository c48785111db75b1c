/**
 * The contract of the peer transport (src/transport/transport.ts), as one suite run against
 * every implementation: the real undici transport over loopback and the in-memory twin.
 * Each implementation supplies a fixture that serves the suite's peer app and can pause it
 * the way SIGSTOP pauses a node: calls are accepted and not answered until it resumes.
 */
import {expect} from 'chai'
import Fastify, {type FastifyInstance} from 'fastify'
import {isKvsError} from '../../src/errors.js'
import type {PeerRequest, Transport} from '../../src/transport/transport.js'

export interface TransportFixture {
  readonly transport: Transport
  /** Where the peer app answers. */
  readonly peer: string
  /** An address nobody serves. */
  readonly nobody: string
  /** The peer holds every call, from now until resume(). */
  pause(): void
  resume(): void
  /** The clock call deadlines are kept on. */
  now(): number
  /** Lets `ms` milliseconds pass on that clock. */
  advance(ms: number): Promise<void>
  close(): Promise<void>
}

/** `serve` gets the peer app (routes declared, not yet ready) and returns a fixture serving it. */
export type MakeTransportFixture = (app: FastifyInstance) => Promise<TransportFixture>

export function describeTransportContract(name: string, serve: MakeTransportFixture): void {
  describe(`${name} obeys the transport contract`, function () {
    let fixture: TransportFixture
    beforeEach(async () => {
      fixture = await serve(peerApp())
    })
    afterEach(async () => {
      fixture.resume()
      await fixture.close()
    })

    const call = (req: Partial<PeerRequest> = {}) =>
      fixture.transport.request(fixture.peer, {method: 'POST', path: '/echo', body: '{"a":1}', timeoutMs: 2_000, ...req})

    it('delivers method, path, headers and JSON body, and returns the status and body the peer sent', async () => {
      const answer = await call({headers: {'x-extra': 'yes'}})
      expect(answer.status).to.equal(409)
      expect(JSON.parse(answer.text)).to.deep.equal({method: 'POST', url: '/echo', type: 'application/json', extra: 'yes', body: {a: 1}})
    })

    it('returns a large body whole, and a call without a body sends none', async () => {
      const answer = await call({method: 'GET', path: '/big', body: undefined})
      expect(answer.status).to.equal(200)
      expect(JSON.parse(answer.text)).to.deep.equal({big: 'x'.repeat(100_000), type: null})
    })

    it('rejects with PEER_UNAVAILABLE when nobody serves the address', async () => {
      const error = await fixture.transport.request(fixture.nobody, {method: 'GET', path: '/big', timeoutMs: 2_000}).catch((e: unknown) => e)
      expect(isKvsError(error) && error.code).to.equal('PEER_UNAVAILABLE')
    })

    it('gives up on a paused peer with PEER_UNAVAILABLE at the deadline, never before', async () => {
      fixture.pause()
      const start = fixture.now()
      let settled = false
      const pending = call({timeoutMs: 300}).finally(() => (settled = true))
      pending.catch(() => undefined)
      await fixture.advance(250)
      expect(settled, 'settled before its deadline').to.equal(false)
      await fixture.advance(100)
      const error = await pending.catch((e: unknown) => e)
      expect(isKvsError(error) && error.code).to.equal('PEER_UNAVAILABLE')
      expect(fixture.now() - start).to.be.at.least(300)
    })

    it('answers a call to a paused peer that resumes before the deadline', async () => {
      fixture.pause()
      let settled = false
      const pending = call({timeoutMs: 5_000}).finally(() => (settled = true))
      await fixture.advance(50)
      expect(settled, 'answered while paused').to.equal(false)
      fixture.resume()
      expect((await pending).status).to.equal(409)
    })
  })
}

function peerApp(): FastifyInstance {
  const app = Fastify()
  app.post('/echo', async (req, reply) => {
    reply.code(409)
    return {method: req.method, url: req.url, type: req.headers['content-type'], extra: req.headers['x-extra'], body: req.body}
  })
  app.get('/big', async (req) => ({big: 'x'.repeat(100_000), type: req.headers['content-type'] ?? null}))
  return app
}

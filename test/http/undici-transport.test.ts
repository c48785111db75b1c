import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {expect} from 'chai'
import {isKvsError} from '../../src/errors.js'
import {UndiciTransport} from '../../src/transport/undici-transport.js'
import {setTimeout as sleep} from 'node:timers/promises'

import {describeTransportContract} from '../support/transport-contract.js'
import {waitFor} from '../../src/wait-for.js'

describeTransportContract('UndiciTransport over loopback', async (app) => {
  let held: {released: Promise<void>; release(): void} | null = null
  // Paused like SIGSTOP: the connection is accepted, the request read, and nothing answered.
  app.addHook('onRequest', async () => {
    await held?.released
  })
  await app.listen({host: '127.0.0.1', port: 0})
  const transport = new UndiciTransport()
  return {
    transport,
    peer: `127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    nobody: await closedAddress(),
    pause() {
      let release = () => {}
      const released = new Promise<void>((resolve) => (release = resolve))
      held ??= {released, release}
    },
    resume() {
      held?.release()
      held = null
    },
    now: () => Date.now(),
    advance: (ms) => sleep(ms),
    async close() {
      await transport.close()
      await app.close()
    },
  }
})

/** A loopback address where nothing listens (a port just closed). */
async function closedAddress(): Promise<string> {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  return `127.0.0.1:${port}`
}

/**
 * The peer transport against a real HTTP server on loopback: what it returns, and that every
 * call ends by its deadline whatever the peer does (a paused peer accepts and never answers).
 */
describe('UndiciTransport', function () {
  let server: Server
  let peer: string
  let handle: (req: IncomingMessage, res: ServerResponse, body: string) => void
  const hung = new Set<ServerResponse>()
  let transport: UndiciTransport

  before(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => (body += chunk))
      req.on('end', () => handle(req, res, body))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    peer = `127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  beforeEach(() => {
    transport = new UndiciTransport({connections: 1})
  })
  afterEach(async () => {
    for (const res of hung) res.destroy()
    hung.clear()
    await transport.close()
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const expectUnavailable = async (call: Promise<unknown>, pattern: RegExp) => {
    const error = await call.then(
      () => expect.fail('the call should have failed'),
      (e: unknown) => e,
    )
    expect(isKvsError(error) && error.code).to.equal('PEER_UNAVAILABLE')
    expect((error as Error).message).to.match(pattern)
  }

  it('reuses one connection for calls one after another', async () => {
    const ports = new Set<number>()
    handle = (req, res) => {
      ports.add(req.socket.remotePort as number)
      res.end('{}')
    }
    for (let i = 0; i < 5; i++) expect((await transport.request(peer, {method: 'GET', path: '/', timeoutMs: 2000})).status).to.equal(200)
    expect(ports.size).to.equal(1)
  })

  it('gives up on a call still waiting for a socket behind a hung one, at its own deadline', async () => {
    handle = (_req, res) => hung.add(res)
    // One socket per peer here: the second call waits in the pool the whole time.
    let firstSettled = false
    const first = transport.request(peer, {method: 'POST', path: '/', body: '{}', timeoutMs: 5000})
    first.catch(() => undefined).finally(() => (firstSettled = true))
    await waitFor(() => hung.size === 1, {timeoutMs: 5000, intervalMs: 5, what: 'the first call to reach the peer'})
    await expectUnavailable(transport.request(peer, {method: 'POST', path: '/', body: '{}', timeoutMs: 200}), /did not answer/)
    expect(firstSettled, 'the queued call ended before the call ahead of it').to.equal(false)
    expect(hung.size, 'the queued call was never sent').to.equal(1)
  })
})

import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {expect} from 'chai'
import {isKvsError} from '../../src/errors.js'
import {UndiciTransport} from '../../src/transport/undici-transport.js'
import {waitFor} from '../support/cluster.js'

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

  it('sends method, path, headers and JSON body, and returns status and the whole body sent in several chunks', async () => {
    let seen: {method?: string; url?: string; type?: string; extra?: string; body: string} = {body: ''}
    handle = (req, res, body) => {
      seen = {method: req.method, url: req.url, type: req.headers['content-type'], extra: req.headers['x-extra'] as string, body}
      res.writeHead(409, {'content-type': 'application/json'})
      res.write('{"part":"')
      setImmediate(() => res.end(`${'x'.repeat(100_000)}"}`))
    }
    const res = await transport.request(peer, {method: 'POST', path: '/internal/x', body: '{"a":1}', timeoutMs: 2000, headers: {'x-extra': 'yes'}})
    expect(seen).to.deep.equal({method: 'POST', url: '/internal/x', type: 'application/json', extra: 'yes', body: '{"a":1}'})
    expect(res.status).to.equal(409)
    expect(JSON.parse(res.text)).to.deep.equal({part: 'x'.repeat(100_000)})
  })

  it('reuses one connection for calls one after another', async () => {
    const ports = new Set<number>()
    handle = (req, res) => {
      ports.add(req.socket.remotePort as number)
      res.end('{}')
    }
    for (let i = 0; i < 5; i++) expect((await transport.request(peer, {method: 'GET', path: '/', timeoutMs: 2000})).status).to.equal(200)
    expect(ports.size).to.equal(1)
  })

  it('gives up on a peer that accepts the call and never answers, at the deadline', async () => {
    handle = (_req, res) => hung.add(res)
    await expectUnavailable(transport.request(peer, {method: 'POST', path: '/', body: '{}', timeoutMs: 200}), /did not answer/)
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

  it('reports a refused connection as PEER_UNAVAILABLE', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    await expectUnavailable(transport.request(`127.0.0.1:${port}`, {method: 'GET', path: '/', timeoutMs: 2000}), /did not answer/)
  })
})

import {createServer, type Server} from 'node:http'
import {createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket} from 'node:net'
import {expect} from 'chai'
import {HttpTransport} from '../../src/client/transport.js'
import {failureOf} from '../support/failure-of.js'

/**
 * The CLI's transport against real sockets on loopback: a running node acknowledges and
 * answers; a paused one (a socket that accepts and never writes) is given up before its
 * deadline as undelivered, and got no body; one that acknowledged and then stalls counts as
 * delivered.
 */
describe('HttpTransport (the CLI client)', () => {
  let transport: HttpTransport
  const servers: Array<Server | TcpServer> = []
  const sockets = new Set<Socket>()

  beforeEach(() => {
    transport = new HttpTransport()
  })
  afterEach(async () => {
    await transport.close()
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
  })

  async function listen(server: Server | TcpServer): Promise<string> {
    servers.push(server)
    server.on('connection', (socket: Socket) => sockets.add(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  it('sends the JSON body once the node acknowledged, and returns status and JSON answer', async () => {
    const node = await listen(
      createServer((req, res) => {
        let body = ''
        req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
        req.on('end', () => {
          res.writeHead(201, {'content-type': 'application/json'})
          res.end(JSON.stringify({echo: JSON.parse(body), method: req.method, url: req.url, expect: req.headers.expect}))
        })
      }),
    )
    const answer = await transport.send(node, {method: 'PUT', path: '/key-value-store/a%2Fb', body: {value: 'v'}, timeoutMs: 5_000})
    expect(answer).to.deep.equal({
      status: 201,
      body: {echo: {value: 'v'}, method: 'PUT', url: '/key-value-store/a%2Fb', expect: '100-continue'},
    })
  })

  it('a node that accepts the connection and never answers (paused) is given up as undelivered, and got no body', async () => {
    let received = ''
    const node = await listen(createTcpServer((socket) => socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk))))
    const error = await failureOf(transport.send(node, {method: 'PUT', path: '/k', body: {value: 'secret'}, timeoutMs: 60_000}))
    expect([error.code, error.data.delivered]).to.deep.equal(['PEER_UNAVAILABLE', false])
    expect(error.data.reason).to.equal('no acknowledgement within 1000 ms')
    expect(received).to.contain('PUT /k HTTP/1.1')
    expect(received).not.to.contain('secret')
  })

  it('a node that acknowledged and then stalls is given up at the deadline as delivered', async () => {
    const node = await listen(createTcpServer((socket) => socket.once('data', () => socket.write('HTTP/1.1 100 Continue\r\n\r\n'))))
    const error = await failureOf(transport.send(node, {method: 'PUT', path: '/k', body: {value: 'v'}, timeoutMs: 1_500}))
    expect([error.code, error.data.delivered, error.data.reason]).to.deep.equal(['PEER_UNAVAILABLE', true, 'no answer within 1500 ms'])
  })

  it('a refused connection is undelivered', async () => {
    const node = await listen(createTcpServer())
    await new Promise((resolve) => (servers.pop() as TcpServer).close(resolve))
    const error = await failureOf(transport.send(node, {method: 'GET', path: '/k', timeoutMs: 5_000}))
    expect([error.code, error.data.delivered, error.data.reason]).to.deep.equal(['PEER_UNAVAILABLE', false, 'ECONNREFUSED'])
  })

  it('an answer that is not a JSON object is INTERNAL', async () => {
    const node = await listen(createServer((_req, res) => res.end('<html>')))
    const error = await failureOf(transport.send(node, {method: 'GET', path: '/', timeoutMs: 5_000}))
    expect(error.code).to.equal('INTERNAL')
  })
})

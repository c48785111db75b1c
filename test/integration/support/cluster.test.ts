import {expect} from 'chai'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import {assertLoopback, http, initialShards, Session, shardOfKey} from '../../support/cluster.js'
import {History} from '../../support/history.js'

/** A fake node on 127.0.0.2 whose answers the test scripts; records what it received. */
async function fakeNode(answer: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{server: Server; address: string; bodies: string[]}> {
  const bodies: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      bodies.push(body)
      answer(req, body, res)
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.2', done))
  return {server, address: `127.0.0.2:${(server.address() as AddressInfo).port}`, bodies}
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body))
}

describe('cluster harness', () => {
  const servers: Server[] = []
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections()
      server.close()
    }
  })

  describe('placement oracle (API.md section 2)', () => {
    it('splits key0..key599 evenly over 2 and 3 shards', () => {
      const keys = Array.from({length: 600}, (_, i) => `key${i}`)
      for (const n of [2, 3]) {
        const counts = new Map<number, number>()
        for (const k of keys) counts.set(shardOfKey(k, n), (counts.get(shardOfKey(k, n)) ?? 0) + 1)
        expect([...counts.keys()].sort()).to.deep.equal(Array.from({length: n}, (_, i) => i + 1))
        expect([...counts.values()]).to.deep.equal(Array(n).fill(600 / n))
      }
    })

    it('places sorted nodes round-robin, numerically by address', () => {
      const view = ['127.0.0.10:1', '127.0.0.2:1', '127.0.0.9:1', '127.0.0.3:1']
      expect(Object.fromEntries(initialShards(view, 2))).to.deep.equal({
        1: ['127.0.0.2:1', '127.0.0.9:1'],
        2: ['127.0.0.3:1', '127.0.0.10:1'],
      })
    })

    it('places IPv4 before names, and names of one host by port', () => {
      const view = ['localhost:10000', 'localhost:9201', '127.0.0.3:1', 'localhost:9300']
      expect(Object.fromEntries(initialShards(view, 2))).to.deep.equal({
        1: ['127.0.0.3:1', 'localhost:9300'],
        2: ['localhost:9201', 'localhost:10000'],
      })
    })
  })

  describe('http', () => {
    it('sends a JSON body with GET and parses the answer', async () => {
      const node = await fakeNode((req, body, res) => json(res, 200, {method: req.method, body: JSON.parse(body)}))
      servers.push(node.server)
      const answer = await http(node.address, 'GET', '/key-value-store/k', {'causal-metadata': ''})
      expect(answer.status).to.equal(200)
      expect(answer.body).to.deep.equal({method: 'GET', body: {'causal-metadata': ''}})
    })

    it('gives up on a node that never answers, after the timeout', async () => {
      const node = await fakeNode(() => {})
      servers.push(node.server)
      const failure = await http(node.address, 'GET', '/hang', undefined, {timeoutMs: 300}).catch((e: Error) => e)
      expect((failure as Error).message).to.match(/GET http:\/\/127\.0\.0\.2:\d+\/hang: no answer after \d+ ms \(timeout 300 ms\)/)
    })

    it('rejects an answer that is not JSON', async () => {
      const node = await fakeNode((_req, _body, res) => res.writeHead(500).end('<html>'))
      servers.push(node.server)
      const failure = await http(node.address, 'GET', '/', undefined).catch((e: Error) => e)
      expect((failure as Error).message).to.match(/500 with a body that is not JSON: <html>/)
    })

    it('refuses addresses outside 127.0.0.0/8, and every DNS name but localhost', async () => {
      for (const address of ['10.0.0.1:8085', 'kvs-0.kvs:8085', 'localhost.example.org:8085', '[::1]:8085', 'localhost']) {
        const failure = await http(address, 'GET', '/').catch((e: Error) => e)
        expect((failure as Error).message, address).to.match(/non-loopback/)
      }
      expect(() => assertLoopback('localhost:8085')).to.not.throw()
      expect(() => assertLoopback('127.0.0.2:8085')).to.not.throw()
    })
  })

  describe('Session', () => {
    it('sends "" first, then echoes the latest causal-metadata, and records every operation', async () => {
      let served = 0
      const node = await fakeNode((req, _body, res) => {
        served++
        if (req.method === 'GET') json(res, 404, {doesExist: false, error: 'Key does not exist', message: 'Error in GET'})
        else json(res, 201, {message: 'Added successfully', 'causal-metadata': {n: served}, 'shard-id': 1})
      })
      servers.push(node.server)
      const history = new History()
      const session = new Session('alice', history)
      await session.put('k', 'alice:1', {node: node.address})
      await session.get('k', {node: node.address})
      await session.put('k', 'alice:2', {node: node.address})
      expect(node.bodies.map((b) => JSON.parse(b))).to.deep.equal([
        {value: 'alice:1', 'causal-metadata': ''},
        {'causal-metadata': {n: 1}},
        {value: 'alice:2', 'causal-metadata': {n: 1}},
      ])
      expect(history.operations.map((op) => [op.client, op.kind, op.key, op.value, op.status, op.node])).to.deep.equal([
        ['alice', 'put', 'k', 'alice:1', 201, node.address],
        ['alice', 'get', 'k', null, 404, node.address],
        ['alice', 'put', 'k', 'alice:2', 201, node.address],
      ])
      expect(history.operations[2].metadataReceived).to.deep.equal({n: 3})
    })

    it('records a request that got no answer with status null, then rethrows', async () => {
      const node = await fakeNode(() => {})
      servers.push(node.server)
      const history = new History()
      const failure = await new Session('bob', history, 200).put('k', 'bob:1', {node: node.address}).catch((e: Error) => e)
      expect(failure).to.be.instanceOf(Error)
      expect(history.operations).to.have.length(1)
      expect(history.operations[0]).to.include({client: 'bob', kind: 'put', value: 'bob:1', status: null})
      expect(history.operations[0].error).to.match(/no answer/)
    })
  })
})

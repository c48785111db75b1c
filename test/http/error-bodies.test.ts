import {expect} from 'chai'
import {request} from 'node:http'
import type {AddressInfo} from 'node:net'
import {KvsError} from '../../src/errors.js'
import {errorAnswer} from '../../src/http/error-answer.js'
import {TokenSet} from '../../src/auth/tokens.js'
import {InProcessCluster} from '../cluster/in-process-cluster.js'

describe('error bodies', function () {
  this.timeout(30_000)

  describe('5xx answers carry a code and a generic message, never internals', () => {
    const cases: Array<[string, unknown, {status: number; body: Record<string, string>}]> = [
      [
        'an internal error naming a path',
        new KvsError('INTERNAL', 'the op log in /var/lib/kvs/log is closed'),
        {status: 500, body: {message: 'Error in PUT', error: 'Internal error', code: 'INTERNAL'}},
      ],
      [
        'a failed disk',
        new KvsError('STORAGE_FAILED', 'op log write in /data/log failed: ENOSPC'),
        {status: 503, body: {message: 'Error in PUT', error: 'This node cannot write to its disk: it takes no writes until its disk is fixed and it is restarted', code: 'STORAGE_FAILED'}},
      ],
      [
        'a peer that did not answer',
        new KvsError('PEER_UNAVAILABLE', '127.0.0.3:8085 did not answer: connect ECONNREFUSED'),
        {status: 503, body: {message: 'Error in PUT', error: 'Unable to satisfy request: a peer node did not answer', code: 'PEER_UNAVAILABLE'}},
      ],
      [
        'a corrupt log',
        new KvsError('CORRUPT_LOG', 'op log segment /data/log/1.seg at byte 10'),
        {status: 500, body: {message: 'Error in PUT', error: 'Internal error', code: 'CORRUPT_LOG'}},
      ],
      ['a plain Error', new Error('EACCES: /etc/secret'), {status: 500, body: {message: 'Error in PUT', error: 'Internal error', code: 'INTERNAL'}}],
      [
        'an unavailable cluster (its message is written for clients)',
        new KvsError('UNAVAILABLE', 'A majority of the cluster did not accept the change'),
        {status: 503, body: {message: 'Error in PUT', error: 'A majority of the cluster did not accept the change', code: 'UNAVAILABLE'}},
      ],
      ['a 4xx, unchanged', new KvsError('BAD_REQUEST', 'Key is too long'), {status: 400, body: {message: 'Key is too long', error: 'Key is too long'}}],
    ]
    for (const [name, error, expected] of cases) {
      it(name, () => expect(errorAnswer('PUT', error)).to.deep.equal(expected))
    }
  })

  describe('oversized bodies over a real socket', () => {
    let cluster: InProcessCluster
    let port: number
    const token = 'client-token-0123456789'
    before(async () => {
      cluster = await InProcessCluster.start(2, 1, {tokens: {client: TokenSet.parse(token, 'KVS_TOKEN'), cluster: null}})
      const app = cluster.nodes.get('127.0.0.2:8085')!.app
      await app.listen({host: '127.0.0.1', port: 0})
      port = (app.server.address() as AddressInfo).port
    })
    after(async () => cluster.stop())

    /**
     * Sends `bytes` of body the way a simple client does (all at once, no Expect:
     * 100-continue), and reports the answer and any error of the exchange (EPIPE, reset).
     */
    const send = (method: string, path: string, bytes: number, headers: Record<string, string> = {}) =>
      new Promise<{status: number; body: unknown; error: string | null}>((resolve) => {
        const body = Buffer.alloc(bytes, 'a')
        let answer = {status: 0, body: null as unknown}
        let error: string | null = null
        const req = request({host: '127.0.0.1', port, method, path, headers: {'content-type': 'application/json', 'content-length': body.length, ...headers}}, (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => (text += chunk))
          res.on('end', () => (answer = {status: res.statusCode ?? 0, body: JSON.parse(text)}))
        })
        req.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message))
        req.on('close', () => setImmediate(() => resolve({...answer, error})))
        req.end(body)
      })

    for (const [method, path] of [['DELETE', '/key-value-store/k'], ['PUT', '/key-value-store/k'], ['DELETE', '/key-value-store-view']]) {
      it(`answers a 5 MB ${method} ${path} with a 413 the client reads (no EPIPE)`, async () => {
        const answer = await send(method, path, 5 * 1024 * 1024, {authorization: `Bearer ${token}`})
        expect(answer).to.deep.equal({status: 413, body: {message: `Error in ${method}`, error: 'Request body is too large'}, error: null})
      })
    }

    it('answers a 5 MB body without a token with a 401 the client reads', async () => {
      const answer = await send('DELETE', '/key-value-store/k', 5 * 1024 * 1024)
      expect([answer.status, answer.error]).to.deep.equal([401, null])
      expect(answer.body).to.include({message: 'Unauthorized'})
    })
  })
})

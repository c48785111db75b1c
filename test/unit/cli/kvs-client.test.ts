import {expect} from 'chai'
import {KvsClient} from '../../../src/client/kvs-client.js'
import type {NodeAnswer, NodeRequest, ClientTransport} from '../../../src/client/transport.js'
import {KvsError} from '../../../src/errors.js'
import {failureOf} from '../../support/failure-of.js'

type Script = (node: string, request: NodeRequest) => NodeAnswer | 'refused' | 'silent'

/** A transport that answers from a script and remembers every request. */
class ScriptedTransport implements ClientTransport {
  readonly sent: Array<{node: string; request: NodeRequest}> = []
  constructor(private readonly script: Script) {}

  async send(node: string, request: NodeRequest): Promise<NodeAnswer> {
    this.sent.push({node, request})
    const outcome = this.script(node, request)
    if (outcome === 'refused') throw new KvsError('PEER_UNAVAILABLE', `${node} refused`, {node, reason: 'ECONNREFUSED', delivered: false})
    if (outcome === 'silent') throw new KvsError('PEER_UNAVAILABLE', `${node} timed out`, {node, reason: 'timeout', delivered: true})
    return outcome
  }

  async close(): Promise<void> {}
}

const ok = (status: number, body: Record<string, unknown>): NodeAnswer => ({status, body})

describe('KvsClient', () => {
  it('tries nodes in order, notes each failover, and reports who answered', async () => {
    const transport = new ScriptedTransport((node) => (node === 'C' ? ok(200, {message: 'View retrieved successfully', view: 'A,B,C'}) : 'refused'))
    const notes: string[] = []
    const client = new KvsClient({nodes: ['A', 'B', 'C'], transport, onNote: (n) => notes.push(n)})
    const result = await client.view()
    expect(result).to.deep.equal({view: ['A', 'B', 'C'], node: 'C'})
    expect(transport.sent.map((s) => s.node)).to.deep.equal(['A', 'B', 'C'])
    expect(notes).to.deep.equal(['A did not answer (ECONNREFUSED); trying B', 'B did not answer (ECONNREFUSED); trying C'])
  })

  it('moves on after a 503, which changed nothing', async () => {
    const transport = new ScriptedTransport((node) =>
      node === 'A' ? ok(503, {error: 'Unable to satisfy request', message: 'Error in GET'}) : ok(200, {value: 'v', 'shard-id': 1}),
    )
    const result = await new KvsClient({nodes: ['A', 'B'], transport}).get('k')
    expect(result).to.deep.equal({key: 'k', value: 'v', shardId: 1, node: 'B'})
  })

  it('fails UNAVAILABLE, naming every node tried, when none answers', async () => {
    const transport = new ScriptedTransport(() => 'silent')
    const error = await failureOf(new KvsClient({nodes: ['A', 'B'], transport}).get('k'))
    expect(error.code).to.equal('UNAVAILABLE')
    expect(error.exitCode).to.equal(4)
    expect(error.data.tried).to.deep.equal([
      {node: 'A', reason: 'timeout'},
      {node: 'B', reason: 'timeout'},
    ])
  })

  it('does not resend a configuration change that may have reached a silent node', async () => {
    const transport = new ScriptedTransport((node) => (node === 'A' ? 'silent' : ok(200, {message: 'Resharding done successfully'})))
    const error = await failureOf(new KvsClient({nodes: ['A', 'B'], transport}).reshard(2))
    expect(error.code).to.equal('UNAVAILABLE')
    expect(transport.sent.filter((s) => s.request.path === '/key-value-store-shard/reshard').map((s) => s.node)).to.deep.equal(['A'])
  })

  it('does resend a configuration change that surely never left', async () => {
    const transport = new ScriptedTransport((node) => (node === 'A' ? 'refused' : ok(200, {message: 'Resharding done successfully'})))
    const result = await new KvsClient({nodes: ['A', 'B'], transport}).reshard(2)
    expect(result).to.deep.equal({shardCount: 2, message: 'Resharding done successfully', node: 'B', progress: null})
  })

  it('a reshard result carries the coordinator figures of that reshard, not of an earlier one', async () => {
    const done = {epoch: 5, phase: 'done', moved: 10, total: 10, keysPerSecond: 100, etaSeconds: 0, pauseMs: 40}
    for (const [before, expected] of [
      [4, done],
      [5, null],
    ] as const) {
      let reshardSent = false
      const transport = new ScriptedTransport((_node, request) => {
        if (request.path === '/key-value-store-shard/reshard') {
          reshardSent = true
          return ok(200, {message: 'Resharding done successfully'})
        }
        return ok(200, {epoch: reshardSent ? 5 : before, reshard: reshardSent ? done : null, nodes: []})
      })
      const result = await new KvsClient({nodes: ['A'], transport}).reshard(2, () => {})
      expect(result.progress, `epoch before: ${before}`).to.deep.equal(expected)
    }
  })

  it('timeoutMs (--timeout) replaces the deadline of every kind of request', async () => {
    const transport = new ScriptedTransport((_node, request) =>
      request.path.endsWith('reshard') ? ok(200, {message: 'Resharding done successfully'}) : ok(200, {value: 'v'}),
    )
    const client = new KvsClient({nodes: ['A'], transport, timeoutMs: 250})
    await client.get('k')
    await client.reshard(2)
    expect(transport.sent.map((s) => [s.request.path, s.request.timeoutMs])).to.deep.equal([
      ['/key-value-store/k', 250],
      ['/key-value-store-shard/reshard', 250],
      // The coordinator's figures of the reshard, read once it answered.
      ['/admin/status', 250],
    ])
  })

  it('a missing key is NOT_FOUND (exit 3) with the node message', async () => {
    const transport = new ScriptedTransport(() => ok(404, {doesExist: false, error: 'Key does not exist', message: 'Error in GET'}))
    const error = await failureOf(new KvsClient({nodes: ['A'], transport}).get('k'))
    expect([error.code, error.message, error.exitCode]).to.deep.equal(['NOT_FOUND', 'Key does not exist', 3])
  })

  it('an impossible reshard is BAD_REQUEST with the message of the node', async () => {
    const message = 'Not enough nodes to provide fault-tolerance with the given shard count!'
    const transport = new ScriptedTransport(() => ok(400, {message}))
    const error = await failureOf(new KvsClient({nodes: ['A'], transport}).reshard(9))
    expect([error.code, error.message, error.exitCode]).to.deep.equal(['BAD_REQUEST', message, 1])
  })

  it('threads causal metadata: sends the session, keeps and reports each answer', async () => {
    const m1 = {epoch: 1, clocks: {1: {A: 1}}}
    const m2 = {epoch: 1, clocks: {1: {A: 2}}}
    const transport = new ScriptedTransport((_node, request) => {
      const sent = (request.body as {'causal-metadata': unknown})['causal-metadata']
      return ok(201, {message: 'Added successfully', 'causal-metadata': sent === '' ? m1 : m2, 'shard-id': 1})
    })
    const recorded: unknown[] = []
    const client = new KvsClient({nodes: ['A'], transport, onMetadata: async (m) => void recorded.push(m)})
    await client.put('a', '1')
    await client.put('b', '2')
    const bodies = transport.sent.map((s) => s.request.body)
    expect(bodies).to.deep.equal([
      {value: '1', 'causal-metadata': ''},
      {value: '2', 'causal-metadata': m1},
    ])
    expect(recorded).to.deep.equal([m1, m2])
    expect(client.metadata).to.deep.equal(m2)
  })

  it('percent-encodes keys in the path and sends GET bodies', async () => {
    const transport = new ScriptedTransport(() => ok(200, {value: 'v'}))
    await new KvsClient({nodes: ['A'], transport, metadata: {epoch: 1, clocks: {}}}).get('a/b c')
    expect(transport.sent[0].request).to.include({method: 'GET', path: '/key-value-store/a%2Fb%20c'})
    expect(transport.sent[0].request.body).to.deep.equal({'causal-metadata': {epoch: 1, clocks: {}}})
  })

  it('status reports unreachable nodes as down instead of failing', async () => {
    const nodes = [
      {address: 'A', state: 'up', shardId: 1, primary: true},
      {address: 'B', state: 'down', shardId: 1, primary: false},
    ]
    const transport = new ScriptedTransport((node) =>
      node === 'A'
        ? ok(200, {address: 'A', epoch: 1, shardId: 1, shardCount: 1, primary: true, keys: 2, appliedWrites: 2, nodes, reshard: null})
        : 'refused',
    )
    const status = await new KvsClient({nodes: ['A'], transport}).status()
    expect(status.verdict).to.equal('degraded')
    expect(status.node).to.equal('A')
    expect(status.nodes.map((n) => [n.address, n.state])).to.deep.equal([
      ['A', 'up'],
      ['B', 'down'],
    ])
  })
})

import {expect} from 'chai'
import type {FastifyInstance} from 'fastify'

import {buildReferenceApp} from '../../../bench/reference-app.js'
import {initialConfig, membersOf} from '../../../src/membership/cluster-config.js'
import {shardForKey} from '../../../src/placement/placement.js'
import {InMemoryNetwork} from '../../../src/transport/in-memory-transport.js'

const view = ['127.0.0.101:9', '127.0.0.102:9', '127.0.0.103:9', '127.0.0.104:9']
const config = initialConfig(view, 2)

/** A key of `shard`, and nodes inside and outside that shard. */
function keyOf(shard: number): {key: string; members: readonly string[]; outsider: string} {
  for (let i = 0; ; i++) {
    const key = `key${i}`
    if (shardForKey(key, 2) === shard) {
      const members = membersOf(config, shard)
      return {key, members, outsider: view.find((n) => !members.includes(n)) as string}
    }
  }
}

describe('bench reference cluster', () => {
  let network: InMemoryNetwork
  let apps: Map<string, FastifyInstance>

  beforeEach(() => {
    network = new InMemoryNetwork()
    apps = new Map(view.map((self) => [self, buildReferenceApp({self, view, shardCount: 2}, network.transport(self))]))
    for (const [address, app] of apps) network.register(address, app)
  })
  afterEach(async () => {
    for (const app of apps.values()) await app.close()
  })

  const send = (node: string, method: 'GET' | 'PUT', key: string, body: unknown) =>
    (apps.get(node) as FastifyInstance).inject({
      method,
      url: `/key-value-store/${key}`,
      payload: JSON.stringify(body),
      headers: {'content-type': 'application/json'},
    })

  it('stores a write on every member of its shard before answering, whichever node took it', async () => {
    const {key, members, outsider} = keyOf(2)
    const added = await send(outsider, 'PUT', key, {value: 'v1', 'causal-metadata': ''})
    expect(added.statusCode).to.equal(201)
    expect(added.json()).to.deep.equal({message: 'Added successfully', 'causal-metadata': '', 'shard-id': 2, replaced: false})
    // A member answers a read of its own shard from its own Map: each one must have the value.
    for (const member of members) {
      const read = await send(member, 'GET', key, {'causal-metadata': ''})
      expect(read.statusCode, member).to.equal(200)
      expect(read.json().value).to.equal('v1')
    }
    const updated = await send(members[1], 'PUT', key, {value: 'v2', 'causal-metadata': ''})
    expect(updated.statusCode).to.equal(200)
    expect(updated.json().message).to.equal('Updated successfully')
    expect((await send(members[0], 'GET', key, {'causal-metadata': ''})).json().value).to.equal('v2')
  })

  it('forwards reads of another shard and relays the answer', async () => {
    const {key, outsider} = keyOf(1)
    expect((await send(outsider, 'GET', key, {'causal-metadata': ''})).statusCode).to.equal(404)
    await send(outsider, 'PUT', key, {value: 'v', 'causal-metadata': ''})
    const read = await send(outsider, 'GET', key, {'causal-metadata': {epoch: 1}})
    expect(read.statusCode).to.equal(200)
    expect(read.json()).to.deep.equal({message: 'Retrieved successfully', value: 'v', 'causal-metadata': {epoch: 1}, 'shard-id': 1, doesExist: true})
  })

  it('sends reads that wait for the same peer together', async () => {
    const {key, outsider} = keyOf(1)
    await send(outsider, 'PUT', key, {value: 'v', 'causal-metadata': ''})
    let forwards = 0
    network.intercept((call, deliver) => {
      if (call.req.path === '/forward') forwards++
      return deliver()
    })
    const reads = await Promise.all(Array.from({length: 20}, () => send(outsider, 'GET', key, {'causal-metadata': ''})))
    expect(reads.map((r) => r.statusCode)).to.deep.equal(reads.map(() => 200))
    expect(forwards).to.be.above(0).and.below(20)
  })

  it('answers 503 when the key shard cannot be reached', async () => {
    const {key, members, outsider} = keyOf(2)
    for (const member of members) network.unregister(member)
    const put = await send(outsider, 'PUT', key, {value: 'v', 'causal-metadata': ''})
    expect(put.statusCode).to.equal(503)
    expect(put.json()).to.deep.equal({error: 'Unable to satisfy request', message: 'Error in PUT'})
    expect((await send(outsider, 'GET', key, {'causal-metadata': ''})).statusCode).to.equal(503)
  })

  it('refuses bad writes as kvs does', async () => {
    const {key, members} = keyOf(1)
    expect((await send(members[0], 'PUT', key, {'causal-metadata': ''})).json()).to.deep.equal({error: 'Value is missing', message: 'Error in PUT'})
    expect((await send(members[0], 'PUT', key, {value: 3})).json().error).to.equal('Value must be a string')
    expect((await send(members[0], 'PUT', 'k'.repeat(51), {value: 'v'})).json().error).to.equal('Key is too long')
    expect((await send(members[0], 'GET', key, {'causal-metadata': ''})).statusCode).to.equal(404)
  })
})

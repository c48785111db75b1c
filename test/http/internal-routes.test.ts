import {expect} from 'chai'
import {injectJson} from './inject-json.js'
import {InProcessCluster} from '../cluster/in-process-cluster.js'

/** POST /internal/forward: the batch of key requests one node forwards to another. */
describe('forwarded key requests (POST /internal/forward)', function () {
  let cluster: InProcessCluster
  const node = '127.0.0.2:8085'

  before(async () => {
    cluster = await InProcessCluster.start(2, 1)
  })
  after(async () => cluster.stop())

  const post = (payload: string) => injectJson(cluster.nodes.get(node)!.app, 'POST', '/internal/forward', payload)
  const keyCount = async () => (await cluster.request(node, 'GET', '/key-value-store-shard/shard-id-key-count/1')).body['shard-id-key-count']
  const later = () => Date.now() + 5000
  const item = (over: Record<string, unknown>) => ({method: 'PUT', key: 'k', value: 'v', meta: null, hops: 1, deadline: later(), ...over})

  const bad: Array<{name: string; payload: unknown}> = [
    {name: 'no requests field', payload: {}},
    {name: 'an unknown method', payload: {requests: [item({method: 'PATCH'})]}},
    {name: 'a 51-character key', payload: {requests: [item({key: 'k'.repeat(51)})]}},
    {name: 'zero hops (not forwarded)', payload: {requests: [item({hops: 0})]}},
    {name: 'metadata as a string', payload: {requests: [item({meta: 'x'})]}},
    {name: 'a number value', payload: {requests: [item({value: 5})]}},
    {name: 'a missing deadline', payload: {requests: [{method: 'GET', key: 'k', meta: null, hops: 1}]}},
    {name: 'an empty request id', payload: {requests: [item({rid: ''})]}},
    {name: 'a 65-character request id', payload: {requests: [item({rid: 'r'.repeat(65)})]}},
  ]
  for (const c of bad) {
    it(`answers 400 to ${c.name} and changes nothing`, async () => {
      const before = await keyCount()
      const res = await post(JSON.stringify(c.payload))
      expect(res.status).to.equal(400)
      expect(res.body.error).to.be.a('string')
      expect(await keyCount()).to.equal(before)
    })
  }

  it('answers each request of a batch with the status and body the key route gives', async () => {
    const res = await post(JSON.stringify({requests: [item({key: 'fa'}), item({method: 'GET', key: 'nothing', value: undefined}), item({method: 'PUT', key: 'fb', value: 'w'})]}))
    expect(res.status).to.equal(200)
    const answers = res.body.answers as Array<{status: number; body: string}>
    expect(answers.map((a) => a.status)).to.deep.equal([201, 404, 201])
    const bodies = answers.map((a) => JSON.parse(a.body) as Record<string, unknown>)
    expect(bodies[0]).to.include({message: 'Added successfully', 'shard-id': 1, replaced: false})
    expect(bodies[1]).to.include({doesExist: false, error: 'Key does not exist', message: 'Error in GET'})
    const read = await cluster.request(node, 'GET', '/key-value-store/fb', {'causal-metadata': bodies[2]['causal-metadata']})
    expect(read.body).to.include({value: 'w', doesExist: true})
  })

  it('answers a request id it already carried out from that write, without writing again', async () => {
    const applied = () => cluster.nodes.get(node)!.replicator.summary().applied
    const send = async () => {
      const res = await post(JSON.stringify({requests: [item({key: 'once', value: 'a', rid: 'client-request-1'})]}))
      return (res.body.answers as Array<{status: number; body: string}>)[0]
    }
    const first = await send()
    expect(first.status, first.body).to.equal(201)
    const writes = applied()
    const retry = await send()
    expect(retry.status, retry.body).to.equal(201)
    expect(applied(), 'writes applied after the retry').to.equal(writes)
    const read = await cluster.request(node, 'GET', '/key-value-store/once', {'causal-metadata': JSON.parse(retry.body)['causal-metadata']})
    expect(read.body).to.include({value: 'a', doesExist: true})
  })

  it('refuses, unapplied, a forwarded write whose deadline has passed', async () => {
    const before = await keyCount()
    const res = await post(JSON.stringify({requests: [item({key: 'late', deadline: Date.now() - 1})]}))
    expect((res.body.answers as Array<{status: number}>)[0].status).to.equal(503)
    expect(await keyCount()).to.equal(before)
  })
})

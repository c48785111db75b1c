import {expect} from 'chai'
import {injectJson} from './inject-json.js'
import {InProcessCluster} from '../cluster/in-process-cluster.js'

/** Bad input on every public route: a clear 4xx, JSON, no stack trace, nothing changed. */
describe('public routes reject bad input', function () {
  let cluster: InProcessCluster
  const node = '127.0.0.2:8085'

  before(async () => {
    cluster = await InProcessCluster.start(2, 1)
  })
  after(async () => cluster.stop())

  const raw = (method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: string, contentType = 'application/json') =>
    injectJson(cluster.nodes.get(node)!.app, method, url, payload, {contentType})

  const keyCount = async () => (await cluster.request(node, 'GET', '/key-value-store-shard/shard-id-key-count/1')).body['shard-id-key-count']

  const cases: Array<{name: string; method: 'GET' | 'PUT' | 'DELETE'; url: string; payload?: string; status: number; body: Record<string, unknown>}> = [
    {name: 'a 51-character key', method: 'PUT', url: `/key-value-store/${'k'.repeat(51)}`, payload: '{"value":"v","causal-metadata":""}', status: 400, body: {error: 'Key is too long', message: 'Error in PUT'}},
    {name: 'key too long is checked before a missing value', method: 'PUT', url: `/key-value-store/${'k'.repeat(51)}`, payload: '{"causal-metadata":""}', status: 400, body: {error: 'Key is too long', message: 'Error in PUT'}},
    {name: 'a missing value', method: 'PUT', url: '/key-value-store/a', payload: '{"causal-metadata":""}', status: 400, body: {error: 'Value is missing', message: 'Error in PUT'}},
    {name: 'a null value', method: 'PUT', url: '/key-value-store/a', payload: '{"value":null}', status: 400, body: {error: 'Value is missing', message: 'Error in PUT'}},
    {name: 'a number value', method: 'PUT', url: '/key-value-store/a', payload: '{"value":5}', status: 400, body: {error: 'Value must be a string', message: 'Error in PUT'}},
    {name: 'an object value', method: 'PUT', url: '/key-value-store/a', payload: '{"value":{"x":1}}', status: 400, body: {error: 'Value must be a string', message: 'Error in PUT'}},
    {name: 'malformed JSON', method: 'PUT', url: '/key-value-store/a', payload: '{"value":', status: 400, body: {message: 'Error in PUT'}},
    {name: 'a JSON array body', method: 'PUT', url: '/key-value-store/a', payload: '["v"]', status: 400, body: {message: 'Error in PUT'}},
    {name: 'malformed causal metadata', method: 'PUT', url: '/key-value-store/a', payload: '{"value":"v","causal-metadata":{"epoch":"x"}}', status: 400, body: {message: 'Error in PUT'}},
    {name: 'malformed causal metadata on GET', method: 'GET', url: '/key-value-store/a', payload: '{"causal-metadata":[1]}', status: 400, body: {message: 'Error in GET'}},
    {name: 'malformed JSON on GET', method: 'GET', url: '/key-value-store/a', payload: '{oops', status: 400, body: {}},
    {name: 'a shard count as a string', method: 'PUT', url: '/key-value-store-shard/reshard', payload: '{"shard-count":"1"}', status: 400, body: {}},
    {name: 'a fractional shard count', method: 'PUT', url: '/key-value-store-shard/reshard', payload: '{"shard-count":1.5}', status: 400, body: {}},
    {name: 'a zero shard count', method: 'PUT', url: '/key-value-store-shard/reshard', payload: '{"shard-count":0}', status: 400, body: {}},
    {name: 'a shard count in an array', method: 'PUT', url: '/key-value-store-shard/reshard', payload: '{"shard-count":[1]}', status: 400, body: {}},
    {name: 'a socket address that is not host:port', method: 'PUT', url: '/key-value-store-view', payload: '{"socket-address":"nowhere"}', status: 400, body: {}},
    {name: 'an unbracketed IPv6 socket address', method: 'PUT', url: '/key-value-store-view', payload: '{"socket-address":"::1:8085"}', status: 400, body: {}},
    {name: 'a socket address with an underscore', method: 'DELETE', url: '/key-value-store-view', payload: '{"socket-address":"kvs_1.kvs:8085"}', status: 400, body: {}},
    {name: 'add-member of a name without a port', method: 'PUT', url: '/key-value-store-shard/add-member/1', payload: '{"socket-address":"kvs-1.kvs"}', status: 400, body: {}},
    {name: 'a socket address as a number', method: 'PUT', url: '/key-value-store-view', payload: '{"socket-address":5}', status: 400, body: {}},
    {name: 'an unknown shard id', method: 'GET', url: '/key-value-store-shard/shard-id-members/9', status: 404, body: {error: 'Shard ID does not exist', message: 'Error in GET'}},
    {name: 'a non-numeric shard id', method: 'GET', url: '/key-value-store-shard/shard-id-key-count/abc', status: 404, body: {error: 'Shard ID does not exist'}},
    {name: 'add-member to an unknown shard', method: 'PUT', url: '/key-value-store-shard/add-member/7', payload: '{"socket-address":"127.0.0.9:8085"}', status: 404, body: {error: 'Shard ID does not exist', message: 'Error in PUT'}},
    {name: 'an unknown route', method: 'GET', url: '/nothing/here', status: 404, body: {}},
    {name: 'an oversized body', method: 'PUT', url: '/key-value-store/a', payload: JSON.stringify({value: 'x'.repeat(2 * 1024 * 1024)}), status: 413, body: {}},
  ]

  for (const c of cases) {
    it(`answers ${c.status} to ${c.name} and changes nothing`, async () => {
      const before = await keyCount()
      const res = await raw(c.method, c.url, c.payload)
      expect(res.status).to.equal(c.status)
      expect(res.body).to.include(c.body)
      expect(res.body).to.satisfy((b: Record<string, unknown>) => typeof b.message === 'string' || typeof b.error === 'string')
      expect(await keyCount()).to.equal(before)
    })
  }

  it('accepts a 50-character key, an empty-string value, and a body without content type', async () => {
    const put = await raw('PUT', `/key-value-store/${'k'.repeat(50)}`, '{"value":"","causal-metadata":null}')
    expect(put.status).to.equal(201)
    const get = await raw('GET', `/key-value-store/${'k'.repeat(50)}`, JSON.stringify({'causal-metadata': put.body['causal-metadata']}), 'text/plain')
    expect(get.status).to.equal(200)
    expect(get.body.value).to.equal('')
  })

  it('reads GET bodies and accepts GET without any body', async () => {
    const put = await cluster.request(node, 'PUT', '/key-value-store/g', {value: 'x', 'causal-metadata': ''})
    expect(put.status).to.equal(201)
    const noBody = await raw('GET', '/key-value-store/g')
    expect(noBody.status).to.equal(200)
    const stale = {epoch: 1, clocks: {'1': {'127.0.0.2:8085': 999}}}
    const waits = await raw('GET', '/key-value-store/g', JSON.stringify({'causal-metadata': stale}))
    // The node cannot have seen write 999: the body was read and honoured.
    expect(waits.status).to.equal(503)
    expect(waits.body).to.deep.equal({error: 'Unable to satisfy request', message: 'Error in GET', code: 'UNAVAILABLE'})
  })

  it('answers the exact messages for a key lifecycle', async () => {
    const add = await cluster.request(node, 'PUT', '/key-value-store/life', {value: '1', 'causal-metadata': ''})
    expect(add.status).to.equal(201)
    expect(add.body).to.include({message: 'Added successfully', 'shard-id': 1})
    const upd = await cluster.request(node, 'PUT', '/key-value-store/life', {value: '2', 'causal-metadata': add.body['causal-metadata']})
    expect(upd.status).to.equal(200)
    expect(upd.body.message).to.equal('Updated successfully')
    const del = await cluster.request(node, 'DELETE', '/key-value-store/life', {'causal-metadata': upd.body['causal-metadata']})
    expect(del.status).to.equal(200)
    expect(del.body.message).to.equal('Deleted successfully')
    const gone = await cluster.request(node, 'GET', '/key-value-store/life', {'causal-metadata': del.body['causal-metadata']})
    expect(gone.status).to.equal(404)
    expect(gone.body).to.include({doesExist: false, error: 'Key does not exist', message: 'Error in GET'})
    const delAgain = await cluster.request(node, 'DELETE', '/key-value-store/life', {'causal-metadata': del.body['causal-metadata']})
    expect(delAgain.status).to.equal(404)
    expect(delAgain.body).to.include({doesExist: false, error: 'Key does not exist', message: 'Error in DELETE'})
    const again = await cluster.request(node, 'PUT', '/key-value-store/life', {value: '3', 'causal-metadata': del.body['causal-metadata']})
    expect(again.status).to.equal(201)
  })

  it('answers view conflicts with the exact 404 messages', async () => {
    const dup = await cluster.request(node, 'PUT', '/key-value-store-view', {'socket-address': '127.0.0.3:8085'})
    expect(dup.status).to.equal(404)
    expect(dup.body).to.deep.equal({error: 'Socket address already exists in the view', message: 'Error in PUT'})
    const missing = await cluster.request(node, 'DELETE', '/key-value-store-view', {'socket-address': '127.0.0.99:8085'})
    expect(missing.status).to.equal(404)
    expect(missing.body).to.deep.equal({error: 'Socket address does not exist in the view', message: 'Error in DELETE'})
  })

  it('takes DNS and IPv6 names in view bodies, in their one spelling, and says why a name is refused', async () => {
    const dns = await cluster.request(node, 'DELETE', '/key-value-store-view', {'socket-address': 'KVS-9.Kvs:8085'})
    expect(dns.status).to.equal(404)
    expect(dns.body).to.deep.equal({error: 'Socket address does not exist in the view', message: 'Error in DELETE'})
    const ipv6 = await cluster.request(node, 'DELETE', '/key-value-store-view', {'socket-address': '[::1]:8085'})
    expect(ipv6.status).to.equal(404)
    const dup = await cluster.request(node, 'PUT', '/key-value-store-view', {'socket-address': '127.0.0.3:8085'})
    expect(dup.status).to.equal(404)
    const bad = await cluster.request(node, 'PUT', '/key-value-store-view', {'socket-address': 'kvs-1.kvs:0'})
    expect(bad.status).to.equal(400)
    expect(JSON.stringify(bad.body)).to.match(/host:port.*port must be 1-65535/)
  })
})

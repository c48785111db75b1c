import {expect} from 'chai'
import type {FastifyInstance} from 'fastify'

import {buildBaselineApp} from '../../../bench/baseline-app.js'

describe('bench baseline app', () => {
  let app: FastifyInstance
  beforeEach(() => {
    app = buildBaselineApp()
  })
  afterEach(() => app.close())

  const send = (method: 'GET' | 'PUT', key: string, body: unknown) =>
    app.inject({method, url: `/key-value-store/${key}`, payload: JSON.stringify(body), headers: {'content-type': 'application/json'}})

  it('answers a missing key as kvs does', async () => {
    const res = await send('GET', 'nope', {'causal-metadata': ''})
    expect(res.statusCode).to.equal(404)
    expect(res.json()).to.deep.equal({doesExist: false, error: 'Key does not exist', message: 'Error in GET'})
  })

  it('adds, updates and reads a key with kvs answer shapes', async () => {
    const added = await send('PUT', 'k', {value: 'v1', 'causal-metadata': ''})
    expect(added.statusCode).to.equal(201)
    expect(added.json()).to.deep.equal({message: 'Added successfully', 'causal-metadata': '', 'shard-id': 1})
    const updated = await send('PUT', 'k', {value: 'v2', 'causal-metadata': ''})
    expect(updated.statusCode).to.equal(200)
    expect(updated.json().message).to.equal('Updated successfully')
    const read = await send('GET', 'k', {'causal-metadata': ''})
    expect(read.statusCode).to.equal(200)
    expect(read.json()).to.deep.equal({message: 'Retrieved successfully', value: 'v2', 'causal-metadata': ''})
  })

  it('parses the GET body, as kvs must for the causal metadata', async () => {
    await send('PUT', 'k', {value: 'v', 'causal-metadata': ''})
    const read = await send('GET', 'k', {'causal-metadata': {epoch: 1}})
    expect(read.json()['causal-metadata']).to.deep.equal({epoch: 1})
  })

  const bad: [string, unknown, string][] = [
    ['k'.repeat(51), {value: 'v'}, 'Key is too long'],
    ['k', {'causal-metadata': ''}, 'Value is missing'],
    ['k', {value: null}, 'Value is missing'],
    ['k', {value: 5}, 'Value must be a string'],
  ]
  for (const [key, body, error] of bad) {
    it(`rejects PUT ${key.length > 10 ? '<51 chars>' : key} ${JSON.stringify(body)}: ${error}`, async () => {
      const res = await send('PUT', key, body)
      expect(res.statusCode).to.equal(400)
      expect(res.json()).to.deep.equal({error, message: 'Error in PUT'})
    })
  }

  it('accepts a 50-character key', async () => {
    expect((await send('PUT', 'k'.repeat(50), {value: ''})).statusCode).to.equal(201)
  })
})

import {expect} from 'chai'
import {consecutiveLoopbackAddresses, isLoopbackHost, loopbackNodeName} from '../../../src/cli/loopback.js'
import {isKvsError} from '../../../src/errors.js'

describe('loopback addresses', () => {
  it('counts up from the first address, carrying into the next octet', () => {
    expect(consecutiveLoopbackAddresses('127.0.0.254', 4, 9000)).to.deep.equal([
      '127.0.0.254:9000',
      '127.0.0.255:9000',
      '127.0.1.0:9000',
      '127.0.1.1:9000',
    ])
  })

  it('counts up ports from localhost', () => {
    expect(consecutiveLoopbackAddresses('LocalHost', 3, 9201)).to.deep.equal(['localhost:9201', 'localhost:9202', 'localhost:9203'])
  })

  const hosts: Array<[string, boolean]> = [
    ['localhost', true],
    ['LOCALHOST', true],
    ['localhost.example.org', false],
    ['kvs-0.kvs', false],
    ['[::1]', false],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['127.0.0.0', false],
    ['127.255.255.255', false],
    ['128.0.0.1', false],
    ['10.0.0.2', false],
    ['127.0.0', false],
    ['127.0.0.256', false],
  ]
  for (const [host, loopback] of hosts) {
    it(`${host} is ${loopback ? '' : 'not '}a usable loopback host`, () => {
      expect(isLoopbackHost(host)).to.equal(loopback)
    })
  }

  const refused: Array<[string, number, number]> = [
    ['10.0.0.2', 2, 8085],
    ['127.255.255.250', 6, 8085],
    ['127.0.0.2', 2, 0],
    ['localhost', 3, 65534],
    ['example.org', 2, 8085],
  ]
  for (const [first, count, port] of refused) {
    it(`refuses ${count} addresses from ${first} on port ${port} as a usage error`, () => {
      let caught: unknown
      try {
        consecutiveLoopbackAddresses(first, count, port)
      } catch (error) {
        caught = error
      }
      expect(isKvsError(caught) && caught.code).to.equal('USAGE')
    })
  }

  it('reads a loopback node name into what to bind, and refuses other names', () => {
    expect(loopbackNodeName('127.0.0.100:9001')).to.deep.equal({kind: 'ipv4', host: '127.0.0.100', port: 9001, name: '127.0.0.100:9001'})
    expect(loopbackNodeName('LocalHost:9001')).to.deep.equal({kind: 'dns', host: 'localhost', port: 9001, name: 'localhost:9001'})
    expect(loopbackNodeName('[0::1]:9001')).to.deep.equal({kind: 'ipv6', host: '::1', port: 9001, name: '[::1]:9001'})
    for (const other of ['10.0.0.2:9001', '[::2]:9001', 'kvs-0.kvs:9001', '127.0.0.100', '127.0.0.100:0', '']) expect(loopbackNodeName(other), other).to.equal(null)
  })
})

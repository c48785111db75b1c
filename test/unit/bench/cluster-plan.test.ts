import {expect} from 'chai'

import {candidatePort, isLoopbackAddress, nodeAddresses, nodeEnv, referenceAddresses} from '../../../bench/cluster-plan.js'
import {createRng} from '../../../bench/workload.js'

describe('bench cluster plan', () => {
  it('puts nodes on 127.0.0.2 and up, one port for all', () => {
    expect(nodeAddresses(4, 8085)).to.deep.equal(['127.0.0.2:8085', '127.0.0.3:8085', '127.0.0.4:8085', '127.0.0.5:8085'])
    expect(() => nodeAddresses(200, 8085)).to.throw(RangeError)
  })

  it('puts the reference cluster on 127.0.0.101 and up, clear of the nodes and the baseline', () => {
    expect(referenceAddresses(4, 9)).to.deep.equal(['127.0.0.101:9', '127.0.0.102:9', '127.0.0.103:9', '127.0.0.104:9'])
    expect(() => referenceAddresses(200, 9)).to.throw(RangeError)
  })

  const addresses: [string, boolean][] = [
    ['127.0.0.2:8085', true],
    ['127.255.255.254:1', true],
    ['128.0.0.1:8085', false],
    ['10.0.0.1:8085', false],
    ['127.0.0.256:8085', false],
    ['127.0.0.2', false],
  ]
  for (const [address, loopback] of addresses) {
    it(`${address} is ${loopback ? '' : 'not '}a loopback address`, () => {
      expect(isLoopbackAddress(address)).to.equal(loopback)
    })
  }

  it("gives a node its own settings and drops the operator's KVS_ variables", () => {
    const env = nodeEnv(
      {PATH: '/bin', KVS_TOKEN: 'secret', KVS_FSYNC: 'never', KVS_NODE: '1.2.3.4:1'},
      {address: '127.0.0.2:9', view: ['127.0.0.2:9', '127.0.0.3:9'], shardCount: 2, dataDir: '/tmp/d', fsync: null},
    )
    expect(env).to.deep.equal({
      PATH: '/bin',
      SOCKET_ADDRESS: '127.0.0.2:9',
      VIEW: '127.0.0.2:9,127.0.0.3:9',
      SHARD_COUNT: '2',
      KVS_DATA_DIR: '/tmp/d',
    })
  })

  it('passes an fsync policy when one is asked for', () => {
    const env = nodeEnv({}, {address: 'a', view: ['a'], shardCount: 1, dataDir: '/d', fsync: 'always'})
    expect(env.KVS_FSYNC).to.equal('always')
  })

  it('tries ports in [20000, 60000)', () => {
    const rng = createRng(3)
    for (let i = 0; i < 1000; i++) expect(candidatePort(rng)).to.be.within(20000, 59999)
  })
})

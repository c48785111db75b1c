import {expect} from 'chai'

import {nodeAddresses, nodeEnv, referenceAddresses} from '../../../bench/cluster-plan.js'

describe('bench cluster plan', () => {
  it('puts nodes on 127.0.0.2 and up, one port for all', () => {
    expect(nodeAddresses(4, 8085)).to.deep.equal(['127.0.0.2:8085', '127.0.0.3:8085', '127.0.0.4:8085', '127.0.0.5:8085'])
    expect(() => nodeAddresses(200, 8085)).to.throw(RangeError)
  })

  it('puts the reference cluster on 127.0.0.101 and up, clear of the nodes and the baseline', () => {
    expect(referenceAddresses(4, 9)).to.deep.equal(['127.0.0.101:9', '127.0.0.102:9', '127.0.0.103:9', '127.0.0.104:9'])
    expect(() => referenceAddresses(200, 9)).to.throw(RangeError)
  })

  it("starts nodes without the operator's KVS_ variables", () => {
    expect(nodeEnv({PATH: '/bin', KVS_TOKEN: 'secret', KVS_FSYNC: 'never', KVS_NODE: '1.2.3.4:1'})).to.deep.equal({PATH: '/bin'})
  })
})

import {expect} from 'chai'

import {candidatePort} from '../../../src/cli/free-port.js'

describe('free-port candidates', () => {
  it('tries ports in [20000, 60000), spread over the whole range', () => {
    expect([0, 0.5, 0.999_999].map((r) => candidatePort(() => r))).to.deep.equal([20000, 40000, 59999])
  })
})

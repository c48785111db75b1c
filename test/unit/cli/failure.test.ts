import {Errors} from '@oclif/core'
import {expect} from 'chai'
import {toFailure} from '../../../src/cli/failure.js'
import {KvsError} from '../../../src/errors.js'

describe('toFailure: the --json error object and the exit code', () => {
  it('a KvsError keeps its code, message, exit code and data', () => {
    expect(toFailure(new KvsError('NOT_FOUND', 'Key does not exist', {key: 'k'}))).to.deep.equal({
      code: 'NOT_FOUND',
      message: 'Key does not exist',
      exitCode: 3,
      data: {key: 'k'},
    })
  })

  it("oclif's parse errors are usage errors (exit 2)", () => {
    const failure = toFailure(new Errors.CLIError('Missing 1 required arg'))
    expect([failure.code, failure.exitCode]).to.deep.equal(['USAGE', 2])
  })

  it('anything else is INTERNAL (exit 1)', () => {
    expect(toFailure(new TypeError('boom'))).to.deep.equal({code: 'INTERNAL', message: 'boom', exitCode: 1, data: {}})
  })
})

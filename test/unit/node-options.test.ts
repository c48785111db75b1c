import {expect} from 'chai'
import {resolveNodeOptions} from '../../src/node/options.js'

describe('node options: fault injection (test only)', () => {
  const env = {SOCKET_ADDRESS: '127.0.0.2:8085', KVS_DATA_DIR: '/tmp/kvs-options-test'}

  it('is off by default', () => {
    expect(resolveNodeOptions({}, env).faultInjection).to.equal(false)
    expect(resolveNodeOptions({}, {...env, KVS_FAULT_INJECTION: '0'}).faultInjection).to.equal(false)
  })

  it('is on with KVS_FAULT_INJECTION=1 or --fault-injection', () => {
    expect(resolveNodeOptions({}, {...env, KVS_FAULT_INJECTION: '1'}).faultInjection).to.equal(true)
    expect(resolveNodeOptions({faultInjection: true}, env).faultInjection).to.equal(true)
  })

  it('refuses any other value of KVS_FAULT_INJECTION', () => {
    expect(() => resolveNodeOptions({}, {...env, KVS_FAULT_INJECTION: 'yes'})).to.throw(/KVS_FAULT_INJECTION must be 1 \(on\) or 0 \(off\), got "yes"/)
  })
})

describe('node options: the data directory', () => {
  const address = '127.0.0.2:8085'

  it('is under KVS_HOME when it is set, as the rest of what the CLI keeps', () => {
    expect(resolveNodeOptions({address}, {KVS_HOME: '/tmp/kvs-home'}).dataDir).to.equal('/tmp/kvs-home/data/nodes/127.0.0.2_8085')
  })

  it('KVS_DATA_DIR and --data-dir win over it', () => {
    expect(resolveNodeOptions({address}, {KVS_HOME: '/tmp/kvs-home', KVS_DATA_DIR: '/tmp/d1'}).dataDir).to.equal('/tmp/d1')
    expect(resolveNodeOptions({address, dataDir: '/tmp/d2'}, {KVS_HOME: '/tmp/kvs-home', KVS_DATA_DIR: '/tmp/d1'}).dataDir).to.equal('/tmp/d2')
  })
})

describe('node options: the reshard timeout', () => {
  const env = {SOCKET_ADDRESS: '127.0.0.2:8085', KVS_DATA_DIR: '/tmp/kvs-options-test'}

  it('is 600 s unless KVS_RESHARD_TIMEOUT or --reshard-timeout says otherwise', () => {
    expect(resolveNodeOptions({}, env).reshardTimeoutSeconds).to.equal(600)
    expect(resolveNodeOptions({}, {...env, KVS_RESHARD_TIMEOUT: '2.5'}).reshardTimeoutSeconds).to.equal(2.5)
    expect(resolveNodeOptions({reshardTimeout: 30}, {...env, KVS_RESHARD_TIMEOUT: '2'}).reshardTimeoutSeconds).to.equal(30)
  })

  it('refuses what is not a positive number of seconds', () => {
    for (const bad of ['0', '-1', 'soon']) {
      expect(() => resolveNodeOptions({}, {...env, KVS_RESHARD_TIMEOUT: bad}), bad).to.throw(`KVS_RESHARD_TIMEOUT must be a positive number of seconds, got "${bad}"`)
    }
  })
})

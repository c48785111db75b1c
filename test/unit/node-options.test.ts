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

describe('node options: drain on SIGTERM', () => {
  const env = {SOCKET_ADDRESS: '127.0.0.2:8085', KVS_DATA_DIR: '/tmp/kvs-options-test'}

  it('defaults to no delay and an 8 s bound on requests in flight (below the 10 s before SIGKILL)', () => {
    expect(resolveNodeOptions({}, env).drain).to.deep.equal({delayMs: 0, timeoutMs: 8000})
  })

  it('reads KVS_DRAIN_DELAY_MS and KVS_DRAIN_TIMEOUT_MS', () => {
    expect(resolveNodeOptions({}, {...env, KVS_DRAIN_DELAY_MS: '5000', KVS_DRAIN_TIMEOUT_MS: ' 20000 '}).drain).to.deep.equal({delayMs: 5000, timeoutMs: 20000})
  })

  it('refuses what is not a whole number of milliseconds', () => {
    for (const bad of ['-1', '1.5', '5s', 'NaN']) {
      expect(() => resolveNodeOptions({}, {...env, KVS_DRAIN_DELAY_MS: bad}), bad).to.throw(/KVS_DRAIN_DELAY_MS must be a whole number of milliseconds/)
    }
  })
})

describe('node options: names and what the node binds (API.md section 10.3)', () => {
  const dataDir = '/tmp/kvs-options-test'

  it('takes IPv4, [IPv6] and DNS names in their one spelling, and sorts the view the same on every node', () => {
    const options = resolveNodeOptions({}, {SOCKET_ADDRESS: 'KVS-1.kvs:8085', VIEW: 'kvs-10.kvs:8085,[0::1]:8085, KVS-1.KVS:8085,10.0.0.2:8085,kvs-2.kvs:8085', KVS_DATA_DIR: dataDir})
    expect(options.address).to.equal('kvs-1.kvs:8085')
    expect(options.view).to.deep.equal(['10.0.0.2:8085', '[::1]:8085', 'kvs-1.kvs:8085', 'kvs-2.kvs:8085', 'kvs-10.kvs:8085'])
  })

  it('binds the name itself unless KVS_LISTEN or --listen says otherwise (the flag wins)', () => {
    const env = {SOCKET_ADDRESS: 'kvs-0.kvs:8085', KVS_DATA_DIR: dataDir}
    expect(resolveNodeOptions({}, env).listen).to.equal(undefined)
    expect(resolveNodeOptions({}, {...env, KVS_LISTEN: ' '}).listen).to.equal(undefined)
    expect(resolveNodeOptions({}, {...env, KVS_LISTEN: '0.0.0.0:8085'}).listen).to.equal('0.0.0.0:8085')
    expect(resolveNodeOptions({listen: '[::]:9000'}, {...env, KVS_LISTEN: '0.0.0.0:8085'}).listen).to.equal('[::]:9000')
  })

  it('refuses a name, a VIEW entry or a listen address that is not host:port, saying why', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{SOCKET_ADDRESS: 'kvs-0.kvs'}, /SOCKET_ADDRESS "kvs-0.kvs" is not a host:port name: no :port/],
      [{SOCKET_ADDRESS: '::1:8085'}, /needs brackets/],
      [{SOCKET_ADDRESS: '127.0.0.2:8085', VIEW: '127.0.0.2:8085,kvs_1:8085'}, /VIEW entry "kvs_1:8085" is not a host:port name/],
      [{SOCKET_ADDRESS: '127.0.0.2:8085', KVS_LISTEN: '0.0.0.0'}, /KVS_LISTEN "0.0.0.0" is not a host:port name: no :port/],
    ]
    for (const [env, message] of cases) expect(() => resolveNodeOptions({}, {...env, KVS_DATA_DIR: dataDir}), JSON.stringify(env)).to.throw(message)
  })

  it('names the default data directory after the name, as before for IPv4', () => {
    expect(resolveNodeOptions({address: 'Localhost:9201'}, {KVS_HOME: '/tmp/kvs-home'}).dataDir).to.equal('/tmp/kvs-home/data/nodes/localhost_9201')
    expect(resolveNodeOptions({address: '[::1]:9201'}, {KVS_HOME: '/tmp/kvs-home'}).dataDir).to.equal('/tmp/kvs-home/data/nodes/[::1]_9201')
  })
})

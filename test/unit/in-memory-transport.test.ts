import {InMemoryNetwork} from '../../src/transport/in-memory-transport.js'
import {ManualClock} from '../support/manual-clock.js'
import {describeTransportContract} from '../support/transport-contract.js'

describeTransportContract('the in-memory twin on a manual clock', async (app) => {
  const clock = new ManualClock()
  const network = new InMemoryNetwork(clock.wait)
  const peer = '127.0.0.2:8085'
  await app.ready()
  network.register(peer, app)
  return {
    transport: network.transport('127.0.0.3:8085'),
    peer,
    nobody: '127.0.0.4:8085',
    pause: () => network.pause(peer),
    resume: () => network.resume(peer),
    now: () => clock.now(),
    advance: (ms) => clock.advance(ms),
    close: () => app.close(),
  }
})

/** findFreePort against real sockets on loopback. */
import {expect} from 'chai'
import {createServer, type Server} from 'node:net'

import {findFreePort} from '../../../src/cli/free-port.js'

const listen = (host: string, port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({host, port, exclusive: true}, () => resolve(server))
  })
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()))

describe('findFreePort', () => {
  it('finds a run of ports that every host can bind, one after the other', async () => {
    const hosts = ['127.0.0.2', '127.0.0.3']
    const first = await findFreePort(hosts, {span: 3})
    const servers = await Promise.all(hosts.flatMap((host) => [0, 1, 2].map((i) => listen(host, first + i))))
    await Promise.all(servers.map(close))
  })

  it('passes over a port that is taken on one of the hosts', async () => {
    // Two free ports in a row: the first is taken here, the second must be what it finds.
    const taken = await findFreePort(['127.0.0.2', '127.0.0.3'], {span: 2})
    const server = await listen('127.0.0.3', taken)
    try {
      // Candidates come from `random`: the taken port first, then the one after it.
      const draws = [(taken - 20_000) / 40_000, (taken + 1 - 20_000) / 40_000]
      expect(await findFreePort(['127.0.0.2', '127.0.0.3'], {random: () => draws.shift() ?? 0})).to.equal(taken + 1)
    } finally {
      await close(server)
    }
  })

  it('refuses a host that is not loopback, before binding anything', async () => {
    const error = await findFreePort(['127.0.0.2', '10.0.0.1']).catch((e: Error) => e)
    expect(error).to.be.instanceOf(Error)
    expect((error as Error).message).to.equal('10.0.0.1 is not a loopback address')
  })
})

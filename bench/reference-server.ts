/**
 * Entry point of one process of the bench's reference cluster (reference-app.ts): listens
 * on REFERENCE_ADDRESS (a loopback `host:port`), knows REFERENCE_VIEW (comma-separated) and
 * REFERENCE_SHARDS, until SIGTERM.
 */
import {loopbackNodeName} from '../src/cli/loopback.js'
import {UndiciTransport} from '../src/transport/undici-transport.js'
import {buildReferenceApp} from './reference-app.js'

const address = process.env.REFERENCE_ADDRESS ?? ''
const name = loopbackNodeName(address)
const view = (process.env.REFERENCE_VIEW ?? '').split(',').filter(Boolean)
const shardCount = Number(process.env.REFERENCE_SHARDS)
if (!name || !view.includes(address) || !Number.isInteger(shardCount) || shardCount < 1) {
  console.error('REFERENCE_ADDRESS (a loopback host:port, in REFERENCE_VIEW), REFERENCE_VIEW and REFERENCE_SHARDS are required')
  process.exit(2)
}

const transport = new UndiciTransport()
const app = buildReferenceApp({self: address, view, shardCount}, transport)
await app.listen({host: name.host, port: name.port})
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => transport.close())
    .then(() => process.exit(0))
})

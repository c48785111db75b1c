/**
 * Entry point of one process of the bench's reference cluster (reference-app.ts): listens
 * on REFERENCE_ADDRESS (`ip:port`), knows REFERENCE_VIEW (comma-separated) and
 * REFERENCE_SHARDS, until SIGTERM.
 */
import {UndiciTransport} from '../src/transport/undici-transport.js'
import {buildReferenceApp} from './reference-app.js'

const address = process.env.REFERENCE_ADDRESS ?? ''
const match = /^([\d.]+):(\d+)$/.exec(address)
const view = (process.env.REFERENCE_VIEW ?? '').split(',').filter(Boolean)
const shardCount = Number(process.env.REFERENCE_SHARDS)
if (!match || !view.includes(address) || !Number.isInteger(shardCount) || shardCount < 1) {
  console.error('REFERENCE_ADDRESS (ip:port, in REFERENCE_VIEW), REFERENCE_VIEW and REFERENCE_SHARDS are required')
  process.exit(2)
}

const transport = new UndiciTransport()
const app = buildReferenceApp({self: address, view, shardCount}, transport)
await app.listen({host: match[1], port: Number(match[2])})
process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => transport.close())
    .then(() => process.exit(0))
})

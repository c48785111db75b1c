/**
 * Entry point of the baseline process: listens on BASELINE_ADDRESS (a loopback `host:port`)
 * until SIGTERM. Started by the bench as a separate process so it gets its own event loop,
 * as a kvs node does.
 */
import {loopbackNodeName} from '../src/cli/loopback.js'
import {buildBaselineApp} from './baseline-app.js'

const address = process.env.BASELINE_ADDRESS ?? ''
const name = loopbackNodeName(address)
if (!name) {
  console.error(`BASELINE_ADDRESS must be a loopback host:port, got "${address}"`)
  process.exit(2)
}

const app = buildBaselineApp()
await app.listen({host: name.host, port: name.port})
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})

/**
 * Entry point of the baseline process: listens on BASELINE_ADDRESS (`ip:port`) until
 * SIGTERM. Started by the bench as a separate process so it gets its own event loop, as
 * a kvs node does.
 */
import {buildBaselineApp} from './baseline-app.js'

const address = process.env.BASELINE_ADDRESS ?? ''
const match = /^([\d.]+):(\d+)$/.exec(address)
if (!match) {
  console.error(`BASELINE_ADDRESS must be ip:port, got "${address}"`)
  process.exit(2)
}

const app = buildBaselineApp()
await app.listen({host: match[1], port: Number(match[2])})
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})

/**
 * One timed load run with autocannon against a set of addresses. Connections are spread
 * over the addresses round-robin (autocannon's URL list), so 64 connections on 4 nodes
 * are 16 per node; 1 connection reaches only the first address, and half its keys still
 * belong to the other shard, which is the mix every node serves.
 */
import {createHistogram} from 'node:perf_hooks'
import autocannon from 'autocannon'
import {rate, type RunFigures} from './stats.js'
import {createRng, requestStream, type Scenario} from './workload.js'

export interface LoadRunSpec {
  addresses: readonly string[]
  scenario: Scenario
  connections: number
  /** Seconds; ignored when `amount` is set. */
  durationSec: number
  /** A fixed number of requests instead of a duration. */
  amount: number | null
  keys: number
  valueBytes: number
  /** Same seed, same request sequence: kvs and the baseline get identical streams. */
  seed: number
}

/** A request with no answer after this long counts as an error (a timeout). */
const requestTimeoutSec = 10

export function runLoad(spec: LoadRunSpec): Promise<RunFigures> {
  const next = requestStream(spec.scenario, spec.keys, spec.valueBytes, createRng(spec.seed))
  // autocannon's own latency histogram has 1 ms resolution, too coarse on loopback where
  // p50 is often below 1 ms; this one records microseconds.
  const latencyUs = createHistogram()
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.addresses.map((address) => `http://${address}`),
        connections: spec.connections,
        ...(spec.amount === null ? {duration: spec.durationSec} : {amount: spec.amount}),
        timeout: requestTimeoutSec,
        headers: {'content-type': 'application/json'},
        requests: [{setupRequest: (request) => ({...request, ...next()})}],
      },
      (error, result) => {
        if (error) return reject(error)
        resolve({
          requestsPerSec: rate(result.requests.total, result.duration),
          p50Ms: latencyUs.count === 0 ? 0 : latencyUs.percentile(50) / 1000,
          p99Ms: latencyUs.count === 0 ? 0 : latencyUs.percentile(99) / 1000,
          requests: result.requests.total,
          // autocannon counts timeouts among its errors.
          errors: result.errors,
          non2xx: result.non2xx,
        })
      },
    )
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)))
    })
  })
}

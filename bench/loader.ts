/**
 * Loads keys through the public API: PUT /key-value-store/<key> with a fresh causal
 * history, `concurrency` requests in flight, spread round-robin over `targets`.
 */
import {KvsError} from '../src/errors.js'
import type {Transport} from '../src/transport/transport.js'
import {keyName, keyPath, putBody, valueFor} from './workload.js'

/** A PUT waits for its shard peers (each call at most about 2 s), so allow a few of those. */
const putTimeoutMs = 10_000
const attemptsPerKey = 5
const retryDelayMs = 100

export interface LoadSpec {
  /** Addresses the PUTs are spread over. */
  targets: readonly string[]
  /** Keys keyName(from) .. keyName(from + count - 1). */
  from: number
  count: number
  valueBytes: number
  concurrency: number
}

export interface LoadResult {
  ms: number
  /** PUTs sent again after a 503 or an unreachable node: zero on a healthy cluster. */
  retries: number
}

/**
 * Writes every key of `spec`. A 503 or an unreachable node is retried (a node may be
 * briefly busy or electing) and counted; any other answer outside 2xx fails the load with
 * the key, status and body, leaving earlier keys written.
 */
export async function loadKeys(transport: Transport, spec: LoadSpec): Promise<LoadResult> {
  const started = performance.now()
  let retries = 0
  let next = spec.from
  const end = spec.from + spec.count
  const worker = async () => {
    for (let index = next++; index < end; index = next++) {
      // Awaited before the +=, which would otherwise add to a value read before the await.
      const retried = await putWithRetry(transport, spec.targets[index % spec.targets.length], index, spec.valueBytes)
      retries += retried
    }
  }
  await Promise.all(Array.from({length: Math.min(spec.concurrency, spec.count)}, worker))
  return {ms: performance.now() - started, retries}
}

/** Resolves with the number of retries it took. */
async function putWithRetry(transport: Transport, target: string, index: number, valueBytes: number): Promise<number> {
  const key = keyName(index)
  const body = putBody(valueFor(index, valueBytes))
  for (let attempt = 1; ; attempt++) {
    let failure: KvsError
    let retryable: boolean
    try {
      const answer = await transport.request(target, {method: 'PUT', path: keyPath(key), body, timeoutMs: putTimeoutMs})
      if (answer.status === 200 || answer.status === 201) return attempt - 1
      failure = new KvsError('INTERNAL', `PUT ${key} on ${target} answered ${answer.status}: ${answer.text}`, {
        key,
        target,
        status: answer.status,
      })
      retryable = answer.status === 503
    } catch (error) {
      if (!(error instanceof KvsError)) throw error
      failure = error
      retryable = error.code === 'PEER_UNAVAILABLE'
    }
    if (!retryable || attempt === attemptsPerKey) throw failure
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt))
  }
}

/**
 * What the bench sends: key names, values, and the request stream of each scenario.
 * Pure and deterministic for a given seed, so a run can be repeated request for request.
 */

export type Scenario = 'get' | 'put' | 'mix'

export const scenarios: readonly Scenario[] = ['get', 'put', 'mix']

/** Share of PUTs in each scenario; the rest are GETs. `mix` is the 90/10 GET/PUT. */
export const putFraction: Record<Scenario, number> = {get: 0, put: 1, mix: 0.1}

export interface BenchRequest {
  method: 'GET' | 'PUT'
  path: string
  body: string
}

/** Every request starts a fresh causal history, as the first request of a client does. */
export const getBody = JSON.stringify({'causal-metadata': ''})

export const keyName = (index: number): string => `key${index}`

export function* keyNames(from: number, count: number): Generator<string> {
  for (let i = from; i < from + count; i++) yield keyName(i)
}

export const keyPath = (key: string): string => `/key-value-store/${key}`

export const putBody = (value: string): string => JSON.stringify({value, 'causal-metadata': ''})

const filler = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * The value stored under key `index`: exactly `bytes` ASCII characters (so also `bytes`
 * UTF-8 bytes), starting with the index so values differ and a wrong answer is visible.
 */
export function valueFor(index: number, bytes: number): string {
  const prefix = `v${index}-`
  let value = prefix
  while (value.length < bytes) value += filler
  return value.slice(0, bytes)
}

/** A seeded generator of floats in [0, 1) (mulberry32): fast, and identical on every run. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Returns a function producing the next request of `scenario` over keys 0..keys-1, each
 * key equally likely. Keys are spread over every shard by the placement rule, so every
 * node receives requests for its own shard and requests it must forward, in the ratio a
 * real client mix would produce. Paths and PUT bodies are built once per key, because the
 * load generator shares the CPU with the servers and should spend as little as possible.
 */
export function requestStream(
  scenario: Scenario,
  keys: number,
  valueBytes: number,
  rng: () => number,
): () => BenchRequest {
  if (!Number.isInteger(keys) || keys < 1) throw new RangeError(`keys must be a positive integer, got ${keys}`)
  const paths: string[] = []
  const putBodies: string[] = []
  for (let i = 0; i < keys; i++) paths.push(keyPath(keyName(i)))
  const puts = putFraction[scenario]
  return () => {
    const index = Math.floor(rng() * keys)
    if (puts > 0 && (puts === 1 || rng() < puts)) {
      putBodies[index] ??= putBody(valueFor(index, valueBytes))
      return {method: 'PUT', path: paths[index], body: putBodies[index]}
    }
    return {method: 'GET', path: paths[index], body: getBody}
  }
}

/**
 * The part of autocannon 8's programmatic API that the bench uses. autocannon ships no
 * types and @types/autocannon is not a dependency, so the used surface is declared here.
 */
declare module 'autocannon' {
  import type {EventEmitter} from 'node:events'

  interface RequestParams {
    method?: string
    path?: string
    body?: string | Buffer
    headers?: Record<string, string>
    [other: string]: unknown
  }

  interface RequestSpec extends RequestParams {
    /** Called before every send; returns the request to send (falsy restarts the list). */
    setupRequest?: (request: RequestParams, context: Record<string, unknown>) => RequestParams | null
  }

  interface Options {
    /** Several URLs: connection i goes to url[i % url.length]. */
    url: string | string[]
    connections?: number
    /** Seconds; ignored when `amount` is given. */
    duration?: number
    amount?: number
    /** Per-request timeout in seconds. */
    timeout?: number
    pipelining?: number
    headers?: Record<string, string>
    requests?: RequestSpec[]
  }

  interface Histogram {
    average: number
    mean: number
    p50: number
    p99: number
    total: number
    [other: string]: number
  }

  interface Result {
    /** Seconds, with 10 ms resolution. */
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    mismatches: number
    resets: number
    '2xx': number
    statusCodeStats: Record<string, {count: number}>
    requests: Histogram
    latency: Histogram
  }

  interface Instance extends EventEmitter {
    stop(): void
  }

  type Callback = (error: Error | null, result: Result) => void

  function autocannon(options: Options, callback: Callback): Instance
  export default autocannon
  export type {Callback, Instance, Options, RequestParams, RequestSpec, Result}
}

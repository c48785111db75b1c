/**
 * The one way kvs and its tests wait for something outside their control (a node to answer,
 * a replica to catch up, a process to exit): poll a condition until it holds or a deadline
 * passes. Nothing here sleeps for a fixed time and assumes the thing happened.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import {KvsError} from './errors.js'

export interface WaitOptions {
  readonly timeoutMs: number
  /** Pause between tries; default 50 ms. */
  readonly intervalMs?: number
  /** What is awaited, for the error on timeout ("every member to hold key7"). */
  readonly what: string
  /** Asked before every try: an error returned here ends the wait at once (the node died). */
  readonly failure?: () => Error | null | Promise<Error | null>
}

/** What a condition's value is once it counts as holding. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>

/**
 * Calls `condition` until it returns a truthy value, and returns that value. A condition
 * that throws counts as "not yet" (a starting node refuses connections). On the deadline,
 * rejects with KvsError 'UNAVAILABLE' naming `what` and the last value or error seen.
 */
export async function waitFor<T>(condition: () => Promise<T> | T, {timeoutMs, intervalMs = 50, what, failure}: WaitOptions): Promise<Truthy<T>> {
  const deadline = performance.now() + timeoutMs
  let last = 'nothing yet'
  for (;;) {
    const failed = await failure?.()
    if (failed) throw failed
    try {
      const value = await condition()
      if (value) return value as Truthy<T>
      last = `value ${inspectShort(value)}`
    } catch (error) {
      last = `error ${(error as Error).message}`
    }
    const left = deadline - performance.now()
    if (left <= 0) throw new KvsError('UNAVAILABLE', `timed out after ${timeoutMs} ms waiting for ${what}; last: ${last}`, {what})
    await sleep(Math.min(intervalMs, left))
  }
}

function inspectShort(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 500 ? `${text.slice(0, 500)}...` : text
}

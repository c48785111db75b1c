/**
 * A clock that moves only when a test moves it, for the in-memory twins' deadlines: what
 * waits on it is due once `advance` has carried `now` to its time, never before.
 */
import {setImmediate as turn} from 'node:timers/promises'

export class ManualClock {
  private nowMs = 0
  private readonly timers: Array<{at: number; fire(): void}> = []

  now(): number {
    return this.nowMs
  }

  /** Resolves once the clock has been advanced by `ms` from now (an InMemoryNetwork Wait). */
  readonly wait = (ms: number): Promise<void> =>
    new Promise((fire) => {
      this.timers.push({at: this.nowMs + ms, fire})
    })

  /**
   * Lets pending work settle, moves the clock by `ms`, fires what became due in time
   * order, and lets their continuations run before resolving.
   */
  async advance(ms: number): Promise<void> {
    await turn()
    this.nowMs += ms
    const due = this.timers.filter((t) => t.at <= this.nowMs).sort((a, b) => a.at - b.at)
    for (const timer of due) {
      this.timers.splice(this.timers.indexOf(timer), 1)
      timer.fire()
    }
    await turn()
  }

  /** Advances `stepMs` at a time until `work` settles, for at most `limitMs` of this clock; returns its outcome. */
  async runUntil<T>(work: Promise<T>, {stepMs = 10, limitMs = 60_000}: {stepMs?: number; limitMs?: number} = {}): Promise<T> {
    let settled = false
    void work.then(
      () => (settled = true),
      () => (settled = true),
    )
    for (let moved = 0; !settled && moved < limitMs; moved += stepMs) await this.advance(stepMs)
    return work
  }
}

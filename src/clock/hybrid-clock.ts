/**
 * A hybrid logical clock: timestamps are wall-clock microseconds, bumped past every
 * timestamp observed, so a write always gets a larger stamp than anything it causally
 * follows even when machine clocks disagree. Used only to order concurrent writes.
 */
export class HybridClock {
  private last = 0

  constructor(private readonly wallMicros: () => number = () => Date.now() * 1000) {}

  now(): number {
    this.last = Math.max(this.wallMicros(), this.last + 1)
    return this.last
  }

  observe(timestamp: number): void {
    if (timestamp > this.last) this.last = timestamp
  }
}

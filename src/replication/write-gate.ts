/**
 * Holds a replica's new writes while a reshard's cutover runs (see reshard-participant.ts):
 * close() stops new writes from starting and resolves once the writes already under way
 * are done; open() lets the held ones go on. Writes call enter() and leave() around their
 * work. Held writes give up after `maxHoldMs` with UNAVAILABLE (503, retryable).
 */
import {KvsError} from '../errors.js'

export class WriteGate {
  private closed: Promise<void> | null = null
  private release: (() => void) | null = null
  private inflight = 0
  private drained: Array<() => void> = []

  constructor(private readonly maxHoldMs = 30_000) {}

  get isClosed(): boolean {
    return this.closed !== null
  }

  /** Closes the gate; resolves once no write is under way. */
  async close(): Promise<void> {
    if (!this.closed) this.closed = new Promise((resolve) => (this.release = resolve))
    if (this.inflight > 0) await new Promise<void>((resolve) => this.drained.push(resolve))
  }

  open(): void {
    this.release?.()
    this.closed = null
    this.release = null
  }

  /** Resolves once the gate is open (UNAVAILABLE after `maxHoldMs`). */
  async passed(): Promise<void> {
    const gate = this.closed
    if (!gate) return
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KvsError('UNAVAILABLE', 'Unable to satisfy request', {reason: 'resharding'})), this.maxHoldMs)
    })
    try {
      await Promise.race([gate, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** A write starts: call only when the gate is open, with no await since checking it. */
  enter(): void {
    this.inflight++
  }

  leave(): void {
    this.inflight--
    if (this.inflight === 0) for (const d of this.drained.splice(0)) d()
  }
}

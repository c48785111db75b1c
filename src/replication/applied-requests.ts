/**
 * Which forwarded client requests a replica has applied, by request id, so that a write
 * retried on another member (its first forward timed out, though it was applied and
 * replicated) is answered from the op already written instead of being written again.
 * A second copy would carry a newer timestamp and overwrite writes made since that
 * causally follow the first. Only the most recent `capacity` ids are kept: a retry comes
 * within the forwarding budget of a few seconds.
 */
import {randomBytes} from 'node:crypto'

/** Request ids one node makes: a random prefix per process, then a counter. */
export class RequestIds {
  private readonly prefix = `${randomBytes(6).toString('base64url')}.`
  private count = 0

  next(): string {
    return `${this.prefix}${(this.count++).toString(36)}`
  }
}

export interface AppliedRequest {
  /** The op that carried out the request. */
  readonly origin: string
  readonly seq: number
  /** Whether the key held a value at this replica just before that op. */
  readonly existed: boolean
}

export class AppliedRequests {
  private readonly byId = new Map<string, AppliedRequest>()

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`)
  }

  get size(): number {
    return this.byId.size
  }

  /** Records the first op that carried out `id`; a second op for it (a retry that wrote anyway) changes nothing. */
  record(id: string, applied: AppliedRequest): void {
    if (this.byId.has(id)) return
    this.byId.set(id, applied)
    // Maps iterate in insertion order: the first id is the oldest.
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value as string)
  }

  get(id: string): AppliedRequest | undefined {
    return this.byId.get(id)
  }
}

/** A forwarded batch part a replica applied: its group's last write and its ops' statuses. */
export interface AppliedBatch {
  readonly origin: string
  /** Sequence number of the group's last write. */
  readonly seq: number
  readonly statuses: readonly number[]
}

/**
 * Which forwarded batch parts a replica has applied, by request id (see AppliedRequests):
 * a part retried on another member is answered from the statuses its coordinator gave.
 * Bounded by the statuses held, oldest parts first: a part has up to 10,000 ops.
 */
export class AppliedBatches {
  private readonly byId = new Map<string, AppliedBatch>()
  private held = 0

  constructor(readonly maxStatuses: number) {}

  record(id: string, applied: AppliedBatch): void {
    if (this.byId.has(id)) return
    this.byId.set(id, applied)
    this.held += applied.statuses.length
    for (const [oldest, batch] of this.byId) {
      if (this.held <= this.maxStatuses || this.byId.size === 1) break
      this.byId.delete(oldest)
      this.held -= batch.statuses.length
    }
  }

  get(id: string): AppliedBatch | undefined {
    return this.byId.get(id)
  }
}

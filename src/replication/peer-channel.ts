/**
 * Sends ops to one peer in batches: while one batch is on the wire, new ops queue and go
 * together in the next. One batch in flight per peer keeps ops in order and amortizes the
 * round trip when many writes wait for the same peer.
 */
import type {Transport} from '../transport/transport.js'
import type {Op} from './op.js'

interface Waiting {
  op: Op
  done: (acked: boolean) => void
}

export class PeerChannel {
  private queue: Waiting[] = []
  private busy = false

  constructor(
    private readonly self: string,
    private readonly peer: string,
    private readonly transport: Transport,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves true once the peer applied `op`, false if it did not answer in time. */
  send(op: Op): Promise<boolean> {
    return new Promise((resolve) => {
      this.queue.push({op, done: resolve})
      if (!this.busy) void this.flush()
    })
  }

  private async flush(): Promise<void> {
    this.busy = true
    while (this.queue.length > 0) {
      const batch = this.queue
      this.queue = []
      let acked = false
      try {
        const res = await this.transport.request(this.peer, {
          method: 'POST',
          path: '/internal/replicate',
          body: JSON.stringify({from: this.self, ops: batch.map((w) => w.op)}),
          timeoutMs: this.timeoutMs,
        })
        acked = res.status === 200
      } catch {
        // A peer that is down or paused: it catches up from our log when it is back.
      }
      for (const w of batch) w.done(acked)
    }
    this.busy = false
  }
}

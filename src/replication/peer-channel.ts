/**
 * Sends ops to one peer in batches, one batch in flight: ops that wait for the same peer
 * share a round trip, and arrive in the order they were sent. A group of writes (a batch
 * route's part, op-group.ts) travels whole, in one call.
 */
import {Batcher} from '../transport/batcher.js'
import type {PeerClient} from '../protocol/peer-client.js'
import {halveGroup, writesInAll, type Update} from './op-group.js'

/** Writes per call, unless one group alone is larger. */
const maxWritesPerCall = 1024

export class PeerChannel {
  private readonly batcher: Batcher<readonly Update[], boolean>

  constructor(self: string, peer: string, peers: PeerClient, timeoutMs: number) {
    this.batcher = new Batcher(
      async (items) => {
        let acked = false
        const updates = items.flat()
        const writes = writesInAll(updates)
        try {
          // A large group takes its receiver longer to log and apply.
          acked = await peers.replicate(peer, self, updates, halveGroup, timeoutMs + writes / 10)
        } catch {
          // A peer that is down or paused: it catches up from our log when it is back.
        }
        return items.map(() => acked)
      },
      1,
      maxWritesPerCall,
      writesInAll,
    )
  }

  /** Resolves true once the peer applied every op and group of `updates` (sent in one call), false if it did not answer in time. */
  sendAll(updates: readonly Update[]): Promise<boolean> {
    return updates.length === 0 ? Promise.resolve(true) : this.batcher.send(updates)
  }
}

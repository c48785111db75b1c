/**
 * Sends ops to one peer in batches, one batch in flight: ops that wait for the same peer
 * share a round trip, and arrive in the order they were sent.
 */
import {Batcher} from '../transport/batcher.js'
import type {PeerClient} from '../protocol/peer-client.js'
import type {Op} from './op.js'

export class PeerChannel {
  private readonly batcher: Batcher<Op, boolean>

  constructor(self: string, peer: string, peers: PeerClient, timeoutMs: number) {
    this.batcher = new Batcher(async (ops) => {
      let acked = false
      try {
        acked = await peers.replicate(peer, self, ops, timeoutMs)
      } catch {
        // A peer that is down or paused: it catches up from our log when it is back.
      }
      return ops.map(() => acked)
    }, 1)
  }

  /** Resolves true once the peer applied `op`, false if it did not answer in time. */
  send(op: Op): Promise<boolean> {
    return this.batcher.send(op)
  }
}

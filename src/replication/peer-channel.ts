/**
 * Sends ops to one peer in batches, one batch in flight: ops that wait for the same peer
 * share a round trip, and arrive in the order they were sent. A group of ops (a batch
 * route's part) travels whole, in one call.
 */
import {Batcher} from '../transport/batcher.js'
import type {PeerClient} from '../protocol/peer-client.js'
import type {Op} from './op.js'

/** Ops per call, unless one group alone is larger. */
const maxOpsPerCall = 1024

export class PeerChannel {
  private readonly batcher: Batcher<readonly Op[], boolean>

  constructor(self: string, peer: string, peers: PeerClient, timeoutMs: number) {
    this.batcher = new Batcher(
      async (groups) => {
        let acked = false
        try {
          const ops = groups.flat()
          // A large group takes its receiver longer to log and apply.
          acked = await peers.replicate(peer, self, ops, timeoutMs + ops.length / 10)
        } catch {
          // A peer that is down or paused: it catches up from our log when it is back.
        }
        return groups.map(() => acked)
      },
      1,
      maxOpsPerCall,
      (group) => group.length,
    )
  }

  /** Resolves true once the peer applied `op`, false if it did not answer in time. */
  send(op: Op): Promise<boolean> {
    return this.batcher.send([op])
  }

  /** As send(), for every op of `ops` in one call. */
  sendAll(ops: readonly Op[]): Promise<boolean> {
    return ops.length === 0 ? Promise.resolve(true) : this.batcher.send(ops)
  }
}

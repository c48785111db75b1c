/**
 * Counts missed heartbeats at the peer-call seam, so membership needs no metrics code: a
 * heartbeat is a call of the protocol's heartbeat route, missed when it fails or is
 * answered other than 200.
 */
import {peerPrefix, peerRoutes} from '../protocol/messages.js'
import type {PeerRequest, PeerResponse, Transport, TransportStats} from '../transport/transport.js'
import type {NodeMetrics} from './node-metrics.js'

const heartbeatPath = peerPrefix + peerRoutes.heartbeat.path

export class HeartbeatWatch implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly metrics: Pick<NodeMetrics, 'heartbeatMissed'>,
  ) {}

  async request(peer: string, req: PeerRequest): Promise<PeerResponse> {
    if (req.path !== heartbeatPath) return this.inner.request(peer, req)
    try {
      const res = await this.inner.request(peer, req)
      if (res.status !== 200) this.metrics.heartbeatMissed(peer)
      return res
    } catch (error) {
      this.metrics.heartbeatMissed(peer)
      throw error
    }
  }

  stats(): TransportStats | null {
    return this.inner.stats?.() ?? null
  }

  /** The inner transport is shared with the rest of the node, which closes it. */
  async close(): Promise<void> {}
}

/**
 * Test-only fault injection at the peer-call seam, for partition tests on machines without
 * iptables. Off unless the node is started with --fault-injection (KVS_FAULT_INJECTION=1).
 *
 * A node told to refuse some peers (or to isolate itself from every peer) fails its own
 * calls to them at once with PEER_UNAVAILABLE, as a refused connection would, and refuses
 * their calls to it with 503 before anything is read or changed (http/fault-routes.ts).
 * Client requests are still served: only peer traffic is cut. `slowCalls` delays this
 * node's peer calls to paths with a prefix, so a test can act in the middle of a slow step
 * (a reshard's copy, say).
 *
 * Peers all connect from 127.0.0.1 on loopback, so the source address does not say who
 * calls: with the opt-in, every outbound peer call names its sender in `fromHeader`.
 * Refusing a peer by address therefore needs that peer to run with the opt-in as well;
 * `isolate` refuses every peer call (peer routes, forwarded key requests) regardless.
 */
import {KvsError} from '../errors.js'
import type {PeerRequest, PeerResponse, Transport, TransportStats} from './transport.js'

/** Names the calling node on every peer call of a node running with fault injection. */
export const fromHeader = 'x-kvs-from'

export interface FaultState {
  /** Refuse all peer traffic, both ways. */
  isolate: boolean
  /** Peers (node names) whose traffic is refused, both ways. */
  refusePeers: string[]
  /** This node's outbound peer calls to paths starting with `path` wait `ms` first. */
  slowCalls: {path: string; ms: number} | null
}

export class PeerFaults {
  private isolated = false
  private refused = new Set<string>()
  private slow: FaultState['slowCalls'] = null
  /** Peer calls refused since start, by direction. */
  readonly refusedCalls = {outbound: 0, inbound: 0}

  constructor(readonly self: string) {}

  get state(): FaultState {
    return {isolate: this.isolated, refusePeers: [...this.refused].sort(), slowCalls: this.slow}
  }

  /** Replaces the faults in force. */
  set(state: Partial<FaultState>): void {
    this.isolated = state.isolate ?? false
    this.refused = new Set((state.refusePeers ?? []).filter((p) => p !== this.self))
    this.slow = state.slowCalls ?? null
  }

  /** How long a call to `path` waits before it is sent. */
  delayOf(path: string): number {
    return this.slow && path.startsWith(this.slow.path) ? this.slow.ms : 0
  }

  heal(): void {
    this.set({})
  }

  /** Whether this node's calls to `peer` fail. */
  refusesOutbound(peer: string): boolean {
    return this.isolated || this.refused.has(peer)
  }

  /**
   * Whether an inbound request is refused: `from` is the caller named by `fromHeader`,
   * `peerCall` whether the request is peer traffic at all (a peer route, or a
   * request another node forwarded).
   */
  refusesInbound(from: string | undefined, peerCall: boolean): boolean {
    if (this.isolated) return peerCall
    return from !== undefined && this.refused.has(from)
  }
}

/** Wraps a transport: calls to refused peers fail at once; the others name their sender. */
export class FaultyTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly faults: PeerFaults,
  ) {}

  async request(peer: string, req: PeerRequest): Promise<PeerResponse> {
    if (this.faults.refusesOutbound(peer)) {
      this.faults.refusedCalls.outbound++
      throw new KvsError('PEER_UNAVAILABLE', `${peer} refused the connection (fault injection)`, {peer})
    }
    const delay = this.faults.delayOf(req.path)
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    return this.inner.request(peer, {...req, headers: {...req.headers, [fromHeader]: this.faults.self}})
  }

  stats(): TransportStats | null {
    return this.inner.stats?.() ?? null
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}

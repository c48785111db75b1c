/**
 * The peer-call seam: how one node calls another. The undici implementation talks HTTP;
 * the in-memory twin calls the peer's Fastify app directly, for single-process tests.
 */

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE'

export interface PeerResponse {
  status: number
  /** The raw JSON body as sent by the peer (relayed unchanged when forwarding). */
  text: string
}

export interface PeerRequest {
  method: Method
  path: string
  /** Already serialized JSON, or undefined for no body. */
  body?: string
  /** Explicit deadline for the whole call; every call has one. */
  timeoutMs: number
  headers?: Record<string, string>
}

export interface Transport {
  /**
   * Calls `peer` (an `ip:port`). Resolves with any HTTP status; rejects with a KvsError
   * 'PEER_UNAVAILABLE' when the peer refused, reset or did not answer within timeoutMs;
   * a timeout is reported no sooner than timeoutMs after the call by the wall clock.
   */
  request(peer: string, req: PeerRequest): Promise<PeerResponse>
  /** Connection counts over every peer, for the operator status (null if not tracked). */
  stats?(): TransportStats | null
  close(): Promise<void>
}

/** Sockets and requests of a transport, summed over its peers (undici pool stats). */
export interface TransportStats {
  /** Peers with a connection pool. */
  peers: number
  /** Open sockets to peers, and those of them idle. */
  connected: number
  free: number
  /** Requests being sent or awaiting an answer, and requests waiting for a socket. */
  running: number
  queued: number
}

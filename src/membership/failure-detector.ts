/**
 * Failure detection from heartbeats, as plain state plus a clock passed in (no timers here).
 * A node is up while it was heard from within `downAfterMs`; a node never heard from is
 * given the same grace from the detector's start, so a cluster that boots together does not
 * see itself as down.
 */
import {compareAddresses} from '../placement/placement.js'
import type {PeerSummaryMessage} from '../protocol/messages.js'

export type NodeState = 'up' | 'down'

/** What a node says about itself in every heartbeat (and heartbeat reply); the schema is the protocol's. */
export type PeerSummary = PeerSummaryMessage

export class FailureDetector {
  private readonly heard = new Map<string, number>()
  private readonly summaries = new Map<string, PeerSummary>()

  constructor(
    private readonly startedAt: number,
    private readonly downAfterMs = 3000,
  ) {}

  heardFrom(summary: PeerSummary, now: number): void {
    this.heard.set(summary.address, now)
    this.summaries.set(summary.address, summary)
  }

  state(address: string, now: number): NodeState {
    const last = this.heard.get(address) ?? this.startedAt
    return now - last < this.downAfterMs ? 'up' : 'down'
  }

  summary(address: string): PeerSummary | undefined {
    return this.summaries.get(address)
  }
}

/**
 * The shard's primary: its live, ready member with the most applied writes, ties broken by
 * the lowest address. Every node computes it from its own view of the heartbeats.
 */
export function choosePrimary(candidates: ReadonlyArray<{address: string; applied: number}>): string | null {
  let best: {address: string; applied: number} | null = null
  for (const c of candidates) {
    if (!best || c.applied > best.applied || (c.applied === best.applied && compareAddresses(c.address, best.address) < 0)) best = c
  }
  return best?.address ?? null
}

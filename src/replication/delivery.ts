/**
 * Causal delivery and conflict resolution, as pure functions.
 */
import type {VectorClock} from '../clock/vector-clock.js'
import {opClock, type Op, type Version} from './op.js'

export type Delivery = 'duplicate' | 'deliverable' | 'blocked'

/**
 * An op is deliverable at a replica whose clock is `clock` when it is the next write of its
 * origin and the replica has applied everything else the op's coordinator had applied.
 */
export function deliveryOf(op: Op, clock: VectorClock): Delivery {
  const have = clock[op.origin] ?? 0
  if (op.seq <= have) return 'duplicate'
  if (op.seq !== have + 1) return 'blocked'
  const needs = opClock(op)
  for (const member in needs) {
    if (member !== op.origin && needs[member] > (clock[member] ?? 0)) return 'blocked'
  }
  return 'deliverable'
}

/**
 * True when `candidate` replaces `current` as a key's value: higher hybrid timestamp, then
 * higher origin address. A total order, the same at every replica, and consistent with
 * causality because a coordinator's clock has observed every write it depends on.
 */
export function supersedes(candidate: Version, current: Version | undefined): boolean {
  return !current || isLater(candidate.ts, candidate.origin, current.ts, current.origin)
}

/** supersedes() on the fields that decide it: (timestamp, origin) after (currentTs, currentOrigin). */
export function isLater(ts: number, origin: string, currentTs: number, currentOrigin: string): boolean {
  if (ts !== currentTs) return ts > currentTs
  return origin > currentOrigin
}

/** Delivers every op of `pending` that became deliverable, in a causal order. */
export function drainDeliverable(pending: Op[], clock: VectorClock, deliver: (op: Op) => VectorClock): Op[] {
  let progressed = true
  let current = clock
  let rest = pending
  while (progressed) {
    progressed = false
    const still: Op[] = []
    for (const op of rest) {
      const d = deliveryOf(op, current)
      if (d === 'deliverable') {
        current = deliver(op)
        progressed = true
      } else if (d === 'blocked') {
        still.push(op)
      }
    }
    rest = still
  }
  return rest
}

/**
 * Causal delivery and conflict resolution, as pure functions.
 */
import type {VectorClock} from '../clock/vector-clock.js'
import {firstClock, lastSeq, type Update} from './op-group.js'
import type {Version} from './op.js'

export type Delivery = 'duplicate' | 'deliverable' | 'blocked'

/**
 * An op is deliverable at a replica whose clock is `clock` when it is the next write of its
 * origin and the replica has applied everything else the op's coordinator had applied. A
 * group (op-group.ts) is deliverable when its first write not applied yet is: the writes
 * after it depend on nothing else new. 'duplicate' when every write of it is applied.
 */
export function deliveryOf(u: Update, clock: VectorClock): Delivery {
  const have = clock[u.origin] ?? 0
  if (lastSeq(u) <= have) return 'duplicate'
  if (u.seq > have + 1) return 'blocked'
  const needs = firstClock(u)
  for (const member in needs) {
    if (member !== u.origin && needs[member] > (clock[member] ?? 0)) return 'blocked'
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

/** Delivers every op (or group) of `pending` that became deliverable, in a causal order. */
export function drainDeliverable<U extends Update>(pending: U[], clock: VectorClock, deliver: (u: U) => VectorClock): U[] {
  let progressed = true
  let current = clock
  let rest = pending
  while (progressed) {
    progressed = false
    const still: U[] = []
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

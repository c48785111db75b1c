/**
 * Vector clocks: member address -> number of that member's writes seen. Pure functions over
 * plain objects; a missing entry means 0, and zero entries are never stored, so two clocks
 * that mean the same thing are deep-equal.
 */

export type VectorClock = Readonly<Record<string, number>>

/** Pointwise maximum. Commutative, associative and idempotent. */
export function mergeClocks(a: VectorClock, b: VectorClock): VectorClock {
  if (a === b) return a
  const out: Record<string, number> = {...a}
  for (const k in b) {
    const v = b[k]
    if (v > (out[k] ?? 0)) out[k] = v
  }
  return out
}

/** True when `a` has seen everything `b` has (a >= b pointwise). */
export function covers(a: VectorClock, b: VectorClock): boolean {
  for (const k in b) {
    if ((a[k] ?? 0) < b[k]) return false
  }
  return true
}

/** Sum of all entries: how many writes this clock has seen. */
export function clockTotal(clock: VectorClock): number {
  let total = 0
  for (const k in clock) total += clock[k]
  return total
}

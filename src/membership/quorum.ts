/**
 * The vote of a configuration change, as pure functions: the nodes of the configuration in
 * force vote (the proposer counts as one yes), and a majority of them commits it.
 */

/** Votes needed among `voters` nodes. */
export function majorityOf(voters: number): number {
  return Math.floor(voters / 2) + 1
}

/**
 * The tally of a proposal made by `self` (a yes) to which `acceptedBy` said yes: only
 * voters count, each once (a node joining with the change does not vote on it).
 */
export function tally(voters: readonly string[], self: string, acceptedBy: readonly string[]): {accepted: number; need: number; reached: boolean} {
  const yes = new Set(acceptedBy.filter((n) => voters.includes(n)))
  yes.add(self)
  const need = majorityOf(voters.length)
  return {accepted: yes.size, need, reached: yes.size >= need}
}

/**
 * The command a mistyped one most likely meant. Pure.
 *
 * oclif hands an unknown command line over as one id, arguments included (`kvs gett k` is
 * `gett:k`), so each leading run of words is compared with every command and the closest
 * wins. (@oclif/plugin-not-found compares the whole id, so it offers `delete` for
 * `kvs gett k`, and on a terminal runs its suggestion when Enter is pressed; kvs only names
 * the suggestion.)
 */

export interface Suggestion {
  /** The words taken for the command, e.g. `gett` of `gett:k`. */
  typed: string
  /** The command id meant, e.g. `get`. */
  command: string
}

/** Closest command to a leading run of `id`'s words, or null when none is close. */
export function suggestCommand(id: string, commands: readonly string[]): Suggestion | null {
  const words = id.split(':')
  let best: (Suggestion & {share: number}) | null = null
  for (let count = words.length; count >= 1; count--) {
    const typed = words.slice(0, count).join(':')
    for (const command of commands) {
      const distance = editDistance(typed, command)
      // Compared as a share of the length: `shard memb` is nearer `shard members` than `shard`
      // is `reshard`. On a tie the fewer words win: the rest are arguments.
      const share = distance / Math.max(typed.length, command.length)
      const better = best === null || share < best.share || (share === best.share && typed.length < best.typed.length)
      if (distance <= closeEnough(typed) && better) best = {typed, command, share}
    }
  }
  return best && {typed: best.typed, command: best.command}
}

/** About one typo in three letters, and at least two (a swap of two letters costs two). */
const closeEnough = (typed: string) => Math.max(2, Math.floor(typed.length / 3))

/** Levenshtein distance: insertions, deletions and substitutions of one character each. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

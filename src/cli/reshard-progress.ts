/**
 * How `kvs reshard` shows a reshard's progress: a bar on a terminal (phase, key copies
 * moved / total, rate, ETA), and one line per phase where nothing animates (CI logs).
 * Pure: the command feeds it what the coordinator reports.
 */
import type {ReshardProgress} from '../client/api-types.js'

const barWidth = 24

/** One line: `copying [######------------------] 12,000/48,000 keys  95,000 keys/s  ETA 1 s`. */
export function progressLine(progress: ReshardProgress): string {
  const {phase, moved, total, keysPerSecond, etaSeconds, pauseMs} = progress
  const fraction = total > 0 ? Math.min(1, moved / total) : phase === 'copying' ? 0 : 1
  const filled = Math.round(fraction * barWidth)
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`
  const parts = [phase.padEnd(7), bar, `${count(moved)}/${count(total)} keys`, `${count(keysPerSecond)} keys/s`]
  if (phase === 'copying') parts.push(etaSeconds === null ? 'ETA ?' : `ETA ${etaSeconds} s`)
  if (pauseMs !== null) parts.push(`writes held ${pauseMs} ms`)
  return parts.join('  ')
}

/**
 * Tells the lines to print off a terminal: one when the phase changes (the first report
 * included), none for later reports of the same phase.
 */
export function phaseLogger(print: (line: string) => void): (progress: ReshardProgress) => void {
  let last: string | null = null
  return (progress) => {
    if (progress.phase === last) return
    last = progress.phase
    print(`reshard ${progressLine(progress)}`)
  }
}

const count = (n: number): string => n.toLocaleString('en-US')

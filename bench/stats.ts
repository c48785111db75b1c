/**
 * Figures of load runs and how several runs of one scenario become one figure. Pure.
 */

/** One timed run of one scenario against one target. */
export interface RunFigures {
  requestsPerSec: number
  p50Ms: number
  p99Ms: number
  /** Completed responses of any status. */
  requests: number
  /** Socket errors and timeouts: requests that got no response. */
  errors: number
  /** Responses with a status outside 2xx. */
  non2xx: number
}

/** The figure reported for a scenario: medians of the runs, and error counts summed. */
export interface ScenarioFigures extends RunFigures {
  runs: RunFigures[]
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Rates and latencies are the median over runs, each taken on its own (the median run of
 * one figure need not be the median run of another). Errors are summed, not medianed: one
 * failing run out of three must still show, since the target is zero errors.
 */
export function summarizeRuns(runs: readonly RunFigures[]): ScenarioFigures {
  if (runs.length === 0) throw new RangeError('no runs to summarize')
  const sum = (pick: (run: RunFigures) => number) => runs.reduce((total, run) => total + pick(run), 0)
  return {
    requestsPerSec: median(runs.map((run) => run.requestsPerSec)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    requests: sum((run) => run.requests),
    errors: sum((run) => run.errors),
    non2xx: sum((run) => run.non2xx),
    runs: [...runs],
  }
}

/** kvs / baseline, or null when the baseline figure is zero (nothing to compare with). */
export function ratio(kvs: number, baseline: number): number | null {
  return baseline > 0 ? kvs / baseline : null
}

/** Requests per second of a run that completed `requests` in `seconds`; 0 for no time. */
export function rate(requests: number, seconds: number): number {
  return seconds > 0 ? requests / seconds : 0
}

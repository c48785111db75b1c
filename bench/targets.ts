/**
 * The performance targets of issue 6, as data, and how a measured scenario is checked
 * against them. Pure.
 */
import type {ScenarioFigures} from './stats.js'
import type {Scenario} from './workload.js'

/** Targets are stated at this many connections; other levels are measured, not judged. */
export const targetConnections = 64

/** Least kvs/baseline req/s ratio: GET >= 0.5x, PUT >= 0.3x bare Fastify. */
export const minRequestsRatio: Partial<Record<Scenario, number>> = {get: 0.5, put: 0.3}

export interface TargetCheck {
  /** Null where no ratio target applies (the mix, and other connection counts). */
  requestsRatio: {min: number; actual: number | null; pass: boolean} | null
  /** Errors plus non-2xx answers of kvs; the target is zero everywhere. */
  errors: {max: 0; actual: number; pass: boolean}
  pass: boolean
}

export function checkTargets(
  scenario: Scenario,
  connections: number,
  kvs: ScenarioFigures,
  requestsRatio: number | null,
): TargetCheck {
  const min = connections === targetConnections ? minRequestsRatio[scenario] : undefined
  const ratioCheck =
    min === undefined ? null : {min, actual: requestsRatio, pass: requestsRatio !== null && requestsRatio >= min}
  const failures = kvs.errors + kvs.non2xx
  const errors = {max: 0 as const, actual: failures, pass: failures === 0}
  return {requestsRatio: ratioCheck, errors, pass: errors.pass && (ratioCheck?.pass ?? true)}
}

/**
 * Any error a command can end with, as the stable shape `--json` prints and the exit code
 * the process ends with (src/errors.ts). oclif's own argument and flag errors are usage
 * errors (exit 2).
 */
import {exitCodes, isKvsError, type ErrorCode} from '../errors.js'
import {renderJson} from './printer.js'

export interface Failure {
  code: ErrorCode
  message: string
  exitCode: number
  data: Record<string, unknown>
}

export function toFailure(error: unknown): Failure {
  if (isKvsError(error)) return {code: error.code, message: error.message, exitCode: error.exitCode, data: error.data}
  if (isOclifError(error)) {
    // oclif parse errors (missing or unexpected arguments, bad flag values) exit 2.
    const exit = error.oclif.exit ?? exitCodes.usage
    return {
      code: exit === exitCodes.usage ? 'USAGE' : 'INTERNAL',
      message: error.message,
      exitCode: exit === exitCodes.usage ? exitCodes.usage : exitCodes.error,
      data: {},
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return {code: 'INTERNAL', message, exitCode: exitCodes.error, data: {}}
}

/** Ends a command with `error`: its exit code, and the JSON error document or one line on stderr. */
export function printFailure(error: unknown, json: boolean): void {
  const failure = toFailure(error)
  process.exitCode = failure.exitCode
  if (json) process.stdout.write(renderJson({error: failure}))
  else process.stderr.write(`Error: ${failure.message}\n`)
}

/**
 * oclif's errors (CLIError and its kin) carry `oclif.exit`. Recognised by shape, so that
 * `kvs get`'s fast path, which never loads oclif, can use this module.
 */
function isOclifError(error: unknown): error is Error & {oclif: {exit?: number}} {
  return error instanceof Error && typeof (error as {oclif?: unknown}).oclif === 'object' && (error as {oclif?: unknown}).oclif !== null
}

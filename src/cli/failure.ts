/**
 * Any error a command can end with, as the stable shape `--json` prints and the exit code
 * the process ends with (src/errors.ts). oclif's own argument and flag errors are usage
 * errors (exit 2).
 */
import {Errors} from '@oclif/core'
import {exitCodes, isKvsError, type ErrorCode} from '../errors.js'

export interface Failure {
  code: ErrorCode
  message: string
  exitCode: number
  data: Record<string, unknown>
}

export function toFailure(error: unknown): Failure {
  if (isKvsError(error)) return {code: error.code, message: error.message, exitCode: error.exitCode, data: error.data}
  if (error instanceof Errors.CLIError) {
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

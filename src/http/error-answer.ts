import type {FastifyError} from 'fastify'
import {isKvsError, type ErrorCode} from '../errors.js'

export interface ErrorBody {
  message: string
  error: string
  /** On 5xx only: the stable code of src/errors.ts. */
  code?: ErrorCode
}

/**
 * What a client may read of a 5xx, by code. The error's own message stays in the node's
 * log: it may name data-directory paths, peers or internals. UNAVAILABLE alone keeps its
 * message, which is written for clients ("A majority of the cluster did not accept the
 * change") and names nothing internal.
 */
const publicMessages: Partial<Record<ErrorCode, string>> = {
  PEER_UNAVAILABLE: 'Unable to satisfy request: a peer node did not answer',
  STORAGE_FAILED: 'This node cannot write to its disk: it takes no writes until its disk is fixed and it is restarted',
}

/** The status and body a failed request is answered with; never a stack trace, never internals on a 5xx. */
export function errorAnswer(method: string, error: unknown): {status: number; body: ErrorBody} {
  const generic = `Error in ${method}`
  if (isKvsError(error)) {
    if (error.status < 500) return {status: error.status, body: {message: error.message, error: error.message}}
    const text = error.code === 'UNAVAILABLE' ? error.message : (publicMessages[error.code] ?? 'Internal error')
    return {status: error.status, body: {message: generic, error: text, code: error.code}}
  }
  const fastifyError = error as FastifyError
  const status = fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500 ? fastifyError.statusCode : 500
  if (status === 500) return {status, body: {message: generic, error: 'Internal error', code: 'INTERNAL'}}
  return {status, body: {message: generic, error: clientMessage(fastifyError)}}
}

function clientMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'Request body is too large'
  if (error.validation) return `Invalid request: ${error.message}`
  return error.message
}

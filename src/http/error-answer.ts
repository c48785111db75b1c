import type {FastifyError} from 'fastify'
import {isKvsError} from '../errors.js'

/** The status and body a failed request is answered with; never a stack trace. */
export function errorAnswer(method: string, error: unknown): {status: number; body: {message: string; error: string}} {
  if (isKvsError(error)) {
    return {status: error.status, body: {message: error.status >= 500 ? `Error in ${method}` : error.message, error: error.message}}
  }
  const fastifyError = error as FastifyError
  const status = fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500 ? fastifyError.statusCode : 500
  if (status === 500) return {status, body: {message: `Error in ${method}`, error: 'Internal error'}}
  return {status, body: {message: `Error in ${method}`, error: clientMessage(fastifyError)}}
}

function clientMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'Request body is too large'
  if (error.validation) return `Invalid request: ${error.message}`
  return error.message
}

import {expect} from 'chai'
import type {FastifyInstance} from 'fastify'

export interface JsonAnswer {
  status: number
  body: Record<string, any>
  headers: Record<string, unknown>
}

/**
 * Sends one request to `app` with inject(), a JSON body when `payload` is given (a string
 * goes as is), and checks what every route must answer: JSON, never a stack trace.
 */
export async function injectJson(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  {contentType = 'application/json', headers = {}}: {contentType?: string; headers?: Record<string, string>} = {},
): Promise<JsonAnswer> {
  const res = await app.inject({
    method,
    url,
    payload: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: {...(payload === undefined ? {} : {'content-type': contentType}), ...headers},
  })
  expect(res.headers['content-type'], `${method} ${url}`).to.match(/application\/json/)
  expect(res.body, 'no stack trace').not.to.match(/at .*\.(ts|js):\d+/)
  return {status: res.statusCode, body: res.json() as Record<string, any>, headers: res.headers}
}

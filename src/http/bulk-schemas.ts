/**
 * Schemas of the public bulk routes: batch and scan (README, "Bulk data"). The peer calls
 * behind them are the protocol's (protocol/messages.ts, batch and scan).
 */
import {limits} from '../protocol/messages.js'

/** Most operations in one batch (a larger one is refused with 400). */
export const maxBatchOps = limits.batchOps
/** Largest batch body in bytes (a larger one is refused with 413). */
export const maxBatchBytes = 16 * 1024 * 1024
/** Most keys in one scan page. */
export const maxScanLimit = limits.scanPage
/** Keys in a scan page when the client names no limit. */
export const defaultScanLimit = 1000

const clock = {type: 'object', additionalProperties: {type: 'integer', minimum: 0}} as const
const metadataAnswer = {type: 'object', properties: {epoch: {type: 'integer'}, clocks: {type: 'object', additionalProperties: clock}}} as const

const batchOp = {
  type: 'object',
  required: ['op', 'key'],
  additionalProperties: false,
  properties: {
    op: {type: 'string', enum: ['put', 'delete', 'get']},
    key: {type: 'string', minLength: 1, maxLength: 50},
    /** A value no larger than one a single PUT can carry, and a peer accepts (protocol limits). */
    value: {type: 'string', maxLength: limits.value},
  },
} as const

const batchOps = {type: 'array', maxItems: maxBatchOps, items: batchOp} as const

/** Puts only, column-wise: the same writes as ops of {op: 'put'}, without an object per key (kvs load sends these). */
const batchPuts = {
  type: 'object',
  required: ['keys', 'values'],
  additionalProperties: false,
  properties: {
    keys: {type: 'array', maxItems: maxBatchOps, items: batchOp.properties.key},
    values: {type: 'array', maxItems: maxBatchOps, items: batchOp.properties.value},
  },
} as const

/** Exactly one of `ops` and `puts` (bulk-routes.ts says so when neither or both are given). */
export const batchBody = {
  type: 'object',
  additionalProperties: false,
  properties: {ops: batchOps, puts: batchPuts, 'causal-metadata': {description: 'As on key routes: "" / null for no history'}},
} as const

const opResult = {type: 'object', properties: {status: {type: 'integer'}, value: {type: 'string'}}} as const

const batchAnswer = {
  type: 'object',
  properties: {
    message: {type: 'string'},
    error: {type: 'string'},
    'causal-metadata': metadataAnswer,
    /** For `ops`: one result per op. */
    results: {type: 'array', items: opResult},
    /** For `puts`: one status per key. */
    statuses: {type: 'array', items: {type: 'integer'}},
  },
} as const

const errorAnswer = {type: 'object', properties: {message: {type: 'string'}, error: {type: 'string'}}} as const

export const batchResponses = {200: batchAnswer, 503: batchAnswer, '4xx': errorAnswer} as const

export const scanBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prefix: {type: 'string', maxLength: 50},
    limit: {type: 'integer', minimum: 1, maximum: maxScanLimit},
    cursor: {type: 'string', minLength: 1, maxLength: 1024},
    values: {type: 'boolean'},
    'causal-metadata': {description: 'As on key routes: "" / null for no history'},
  },
} as const

/** Answers are written with JSON.stringify (columns of strings); the schema documents them. */
export const scanResponses = {
  200: {
    type: 'object',
    properties: {
      message: {type: 'string'},
      keys: {type: 'array', items: {type: 'string'}},
      values: {type: 'array', items: {type: 'string'}},
      cursor: {type: ['string', 'null']},
      'causal-metadata': metadataAnswer,
    },
  },
  '4xx': errorAnswer,
  '5xx': errorAnswer,
} as const

/**
 * Schemas of the bulk routes: the public batch and scan routes (README, "Bulk data") and
 * the peer calls behind them (/internal/batch, /internal/scan).
 */
import {clock} from './schemas.js'

/** Most operations in one batch (a larger one is refused with 400). */
export const maxBatchOps = 10_000
/** Largest batch body in bytes (a larger one is refused with 413). */
export const maxBatchBytes = 16 * 1024 * 1024
/** Most keys in one scan page. */
export const maxScanLimit = 10_000
/** Keys in a scan page when the client names no limit. */
export const defaultScanLimit = 1000

const metadataAnswer = {type: 'object', properties: {epoch: {type: 'integer'}, clocks: {type: 'object', additionalProperties: clock}}} as const
const peerMetadata = {type: ['object', 'null']} as const

const batchOp = {
  type: 'object',
  required: ['op', 'key'],
  additionalProperties: false,
  properties: {
    op: {type: 'string', enum: ['put', 'delete', 'get']},
    key: {type: 'string', minLength: 1, maxLength: 50},
    value: {type: 'string'},
  },
} as const

const batchOps = {type: 'array', maxItems: maxBatchOps, items: batchOp} as const

export const batchBody = {
  type: 'object',
  required: ['ops'],
  additionalProperties: false,
  properties: {ops: batchOps, 'causal-metadata': {description: 'As on key routes: "" / null for no history'}},
} as const

const opResult = {type: 'object', properties: {status: {type: 'integer'}, value: {type: 'string'}}} as const

const batchAnswer = {
  type: 'object',
  properties: {
    message: {type: 'string'},
    error: {type: 'string'},
    'causal-metadata': metadataAnswer,
    results: {type: 'array', items: opResult},
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

export const peerBatchBody = {
  type: 'object',
  required: ['shard', 'layout', 'meta', 'deadline', 'ops'],
  properties: {
    shard: {type: 'integer', minimum: 1},
    layout: {type: 'integer', minimum: 0},
    meta: peerMetadata,
    deadline: {type: 'number'},
    ops: batchOps,
  },
} as const

export const peerBatchResponse = {200: {type: 'object', properties: {results: {type: 'array', items: opResult}, meta: metadataAnswer}}} as const

export const peerScanBody = {
  type: 'object',
  required: ['shard', 'layout', 'meta', 'prefix', 'offset', 'limit', 'maxBytes', 'values'],
  properties: {
    shard: {type: 'integer', minimum: 1},
    layout: {type: 'integer', minimum: 0},
    meta: peerMetadata,
    prefix: {type: 'string', maxLength: 50},
    snapshot: {type: 'string', minLength: 1, maxLength: 64},
    offset: {type: 'integer', minimum: 0},
    limit: {type: 'integer', minimum: 1, maximum: maxScanLimit},
    maxBytes: {type: 'integer', minimum: 1},
    values: {type: 'boolean'},
  },
} as const

export const peerScanResponse = {
  200: {
    type: 'object',
    properties: {
      keys: {type: 'array', items: {type: 'string'}},
      values: {type: 'array', items: {type: 'string'}},
      next: {type: ['integer', 'null']},
      snapshot: {type: 'string'},
      meta: metadataAnswer,
    },
  },
} as const

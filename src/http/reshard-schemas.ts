/** Schemas of the reshard and add-member peer routes (internal-routes.ts) and of the operator's abort. */
import {clock, clusterConfig} from './schemas.js'

const epochOnly = {type: 'object', required: ['epoch'], properties: {epoch: {type: 'integer', minimum: 1}}} as const
const shardClocks = {type: 'object', maxProperties: 10_000, additionalProperties: clock} as const
/** Keys per page or round of a reshard copy (the sender asks for at most this many). */
const copyLimit = {type: 'integer', minimum: 1, maximum: 50_000} as const
const copySource = {
  shard: {type: 'integer', minimum: 1},
  layoutEpoch: {type: 'integer', minimum: 1},
  shardCount: {type: 'integer', minimum: 1},
  target: {type: 'integer', minimum: 1},
  limit: copyLimit,
} as const

/** Keys of a reshard copy, by column (src/replication/copy-page.ts). */
const copyPage = {
  type: 'object',
  required: ['keys', 'values', 'ts', 'origins', 'origin'],
  properties: {
    keys: {type: 'array', items: {type: 'string'}},
    values: {type: 'array', items: {type: ['string', 'null']}},
    ts: {type: 'array', items: {type: 'number'}},
    origins: {type: 'array', items: {type: 'string'}},
    origin: {type: 'array', items: {type: 'integer'}},
  },
} as const

const changesCursor = {
  type: 'object',
  required: ['run', 'at'],
  properties: {run: {type: 'string', maxLength: 16}, at: {type: 'integer', minimum: 0}},
} as const

/** The reshard participant's routes (reshard-participant.ts), called by the coordinator and by receivers. */
export const reshardSchemas = {
  start: {body: clusterConfig, response: okResponse200()},
  progress: {
    body: epochOnly,
    response: {
      200: {
        type: 'object',
        required: ['node', 'phase', 'copied', 'total', 'lastDelta', 'streaming', 'error'],
        properties: {
          node: {type: 'string'},
          phase: {type: 'string', enum: ['copying', 'holding', 'finished']},
          copied: {type: 'integer'},
          total: {type: 'integer'},
          lastDelta: {type: 'integer'},
          streaming: {type: 'boolean'},
          error: {type: ['string', 'null']},
        },
      },
    },
  },
  hold: {
    body: epochOnly,
    response: {200: {type: 'object', required: ['shard', 'clock'], properties: {shard: {type: ['integer', 'null']}, clock}}},
  },
  finish: {
    body: {type: 'object', required: ['epoch', 'need'], properties: {epoch: {type: 'integer', minimum: 1}, need: shardClocks}},
    response: okResponse200(),
  },
  abort: {
    body: {type: 'object', properties: {epoch: {type: 'integer', minimum: 1}}},
    response: {200: {type: 'object', properties: {aborted: {type: 'boolean'}}}},
  },
  snapshot: {
    body: {
      type: 'object',
      required: ['shard', 'layoutEpoch', 'shardCount', 'target', 'offset', 'limit'],
      properties: {...copySource, id: {type: 'string', maxLength: 64}, offset: {type: 'integer', minimum: 0}},
    },
    response: {
      200: {
        type: 'object',
        properties: {id: {type: 'string'}, total: {type: 'integer'}, clock, page: copyPage, done: {type: 'boolean'}},
      },
    },
  },
  changes: {
    body: {
      type: 'object',
      required: ['shard', 'layoutEpoch', 'shardCount', 'target', 'since', 'limit'],
      properties: {...copySource, since: clock, need: clock, cursor: changesCursor},
    },
    response: {
      200: {
        type: 'object',
        properties: {page: copyPage, clock, more: {type: 'boolean'}, cursor: changesCursor, restart: {type: 'boolean'}},
      },
    },
  },
} as const

function okResponse200() {
  return {200: {type: 'object', properties: {ok: {type: 'boolean'}}}} as const
}

export const joinPrepare = {
  body: {
    type: 'object',
    required: ['shard', 'layoutEpoch', 'peers'],
    properties: {
      shard: {type: 'integer', minimum: 1},
      layoutEpoch: {type: 'integer', minimum: 1},
      peers: {type: 'array', maxItems: 1000, items: {type: 'string', minLength: 1, maxLength: 300}},
    },
  },
  response: {200: {type: 'object', required: ['keys'], properties: {keys: {type: 'integer'}}}},
} as const

export const reshardAbortResponse = {
  200: {type: 'object', required: ['message', 'aborted'], properties: {message: {type: 'string'}, aborted: {type: 'boolean'}}},
} as const

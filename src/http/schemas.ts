/**
 * JSON schemas of every route: what it accepts and what it answers. Type coercion is off
 * (app.ts), so `"2"` is not 2 and a number is not a string.
 */

const causalMetadata = {description: 'Opaque causal metadata: "" / null for no history, or the object a node returned'}
const clock = {type: 'object', additionalProperties: {type: 'integer', minimum: 0}} as const
/** Metadata in answers, spelled out so fast-json-stringify writes it without a generic walk. */
const metadataAnswer = {type: 'object', properties: {epoch: {type: 'integer'}, clocks: {type: 'object', additionalProperties: clock}}} as const

export const keyParams = {
  type: 'object',
  required: ['key'],
  properties: {key: {type: 'string', minLength: 1, maxLength: 50}},
} as const

export const keyBody = {
  type: 'object',
  properties: {
    value: {type: ['string', 'null']},
    'causal-metadata': causalMetadata,
  },
} as const

const errorBody = {
  type: 'object',
  properties: {
    message: {type: 'string'},
    error: {type: 'string'},
    /** On 5xx: the stable error code (src/errors.ts); the details are in the node's log. */
    code: {type: 'string'},
    doesExist: {type: 'boolean'},
    'causal-metadata': metadataAnswer,
    'shard-id': {type: 'integer'},
  },
} as const

/** Key answers may be relayed from another node as text; these shapes cover every one. */
export const keyResponses = {
  200: {
    type: 'object',
    properties: {
      message: {type: 'string'},
      value: {type: 'string'},
      'causal-metadata': metadataAnswer,
      'shard-id': {type: 'integer'},
      doesExist: {type: 'boolean'},
      replaced: {type: 'boolean'},
    },
  },
  201: {
    type: 'object',
    properties: {
      message: {type: 'string'},
      'causal-metadata': metadataAnswer,
      'shard-id': {type: 'integer'},
      replaced: {type: 'boolean'},
    },
  },
  '4xx': errorBody,
  '5xx': errorBody,
} as const

export const socketAddressBody = {
  type: 'object',
  required: ['socket-address'],
  properties: {'socket-address': {type: 'string', minLength: 1}},
} as const

export const messageResponses = {
  '2xx': {type: 'object', properties: {message: {type: 'string'}, view: {type: 'string'}}},
  '4xx': errorBody,
  '5xx': errorBody,
} as const

export const shardIdParams = {
  type: 'object',
  required: ['id'],
  properties: {id: {type: 'string', pattern: '^[0-9]{1,9}$'}},
} as const

export const shardCountBody = {
  type: 'object',
  required: ['shard-count'],
  properties: {'shard-count': {type: 'integer', minimum: 1}},
} as const

export const shardResponses = {
  200: {
    type: 'object',
    properties: {
      message: {type: 'string'},
      'shard-ids': {type: 'array', items: {type: 'integer'}},
      'shard-id': {type: ['integer', 'null']},
      'shard-id-members': {type: 'array', items: {type: 'string'}},
      'shard-id-key-count': {type: 'integer'},
    },
  },
  '4xx': errorBody,
  '5xx': errorBody,
} as const

/** POST /admin/reshard/abort (operator-routes.ts). */
export const reshardAbortResponse = {
  200: {type: 'object', required: ['message', 'aborted'], properties: {message: {type: 'string'}, aborted: {type: 'boolean'}}},
} as const

const count = {type: 'integer', minimum: 0} as const

/** What the node process holds: for leak checks after a fault loop (GET /admin/status). */
const processStatus = {
  type: 'object',
  properties: {
    /** Whether a full GC ran just before measuring (?gc=true on a node started with --expose-gc). */
    gc: {type: 'boolean'},
    rssBytes: count,
    heapUsedBytes: count,
    heapTotalBytes: count,
    externalBytes: count,
    /** process.getActiveResourcesInfo() counted by type: what keeps the event loop alive (ref'd timers, sockets, ...). */
    activeResources: {type: 'object', additionalProperties: count},
    /** Client connections open on this node's listening socket. */
    inboundConnections: count,
    /** File descriptors held (sockets, ref'd or not, and files); null where /proc is missing. */
    openFds: {type: ['integer', 'null'], minimum: 0},
    /** Sockets and requests of the peer transport, summed over peers (null if it does not track them). */
    peerSockets: {
      type: ['object', 'null'],
      properties: {peers: count, connected: count, free: count, running: count, queued: count},
    },
    /** Replication queues: ops waiting for their causal past, pulls in flight, requests waiting for writes, state transfers kept. */
    backlog: {
      type: 'object',
      properties: {pendingOps: count, pulls: count, waiters: count, transfers: count},
    },
  },
} as const

export const statusQuery = {
  type: 'object',
  properties: {gc: {type: 'string', enum: ['true', 'false']}},
} as const

export const statusResponse = {
  200: {
    type: 'object',
    properties: {
      address: {type: 'string'},
      /** The configuration epoch (`configEpoch` between nodes; this answer keeps its name). */
      epoch: {type: 'integer'},
      layoutEpoch: {type: 'integer'},
      shardId: {type: ['integer', 'null']},
      shardCount: {type: 'integer'},
      primary: {type: 'boolean'},
      ready: {type: 'boolean'},
      keys: {type: 'integer'},
      appliedWrites: {type: 'integer'},
      nodes: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            address: {type: 'string'},
            state: {type: 'string', enum: ['up', 'down']},
            shardId: {type: ['integer', 'null']},
            primary: {type: 'boolean'},
            /** A peer of this node's shard that let a write's acknowledgement time out: writes stop waiting for it until it acknowledges again. */
            lagging: {type: 'boolean'},
          },
        },
      },
      catchUp: {type: 'object', properties: {ops: {type: 'integer'}, transfers: {type: 'integer'}}},
      /** Which tokens this node requires (API.md section 10.1); false: open. */
      auth: {type: 'object', properties: {client: {type: 'boolean'}, cluster: {type: 'boolean'}}},
      /** The test-only /admin/faults routes exist on this node. */
      faultInjection: {type: 'boolean'},
      /** The op log failed: the node takes no writes (GET /readyz says why). */
      storageFailed: {type: 'boolean'},
      reshard: {
        type: ['object', 'null'],
        properties: {
          epoch: {type: 'integer'},
          phase: {type: 'string', enum: ['copying', 'cutover', 'done', 'aborted']},
          moved: {type: 'integer'},
          total: {type: 'integer'},
          keysPerSecond: {type: 'integer'},
          etaSeconds: {type: ['integer', 'null']},
          pauseMs: {type: ['integer', 'null']},
          startedAt: {type: 'number'},
          error: {type: 'string'},
        },
      },
      /** The reshard this node takes part in as a participant: its own copy toward the new layout. */
      reshardCopy: {
        type: ['object', 'null'],
        properties: {
          epoch: {type: 'integer'},
          phase: {type: 'string'},
          copied: {type: 'integer'},
          total: {type: 'integer'},
          lastDelta: {type: 'integer'},
        },
      },
      process: processStatus,
    },
  },
} as const

const slowCalls = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['path', 'ms'],
  properties: {path: {type: 'string', minLength: 1, maxLength: 200}, ms: {type: 'integer', minimum: 0, maximum: 60_000}},
} as const

/** Test-only fault injection (fault-routes.ts). */
export const faultsBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    isolate: {type: 'boolean'},
    refusePeers: {type: 'array', maxItems: 1000, uniqueItems: true, items: {type: 'string', minLength: 1, maxLength: 64}},
    slowCalls: slowCalls,
  },
} as const

const errorAnswer = {type: 'object', properties: {message: {type: 'string'}, error: {type: 'string'}, code: {type: 'string'}}} as const

export const faultsResponse = {
  200: {
    type: 'object',
    properties: {
      message: {type: 'string'},
      isolate: {type: 'boolean'},
      refusePeers: {type: 'array', items: {type: 'string'}},
      slowCalls,
      refusedCalls: {type: 'object', properties: {outbound: {type: 'integer'}, inbound: {type: 'integer'}}},
    },
  },
  '4xx': errorAnswer,
  '5xx': errorAnswer,
} as const

/** Why GET /readyz answers 503 (health-routes.ts), in the order they are checked. */
export const notReadyReasons = ['storage failed', 'draining', 'recovering', 'not in configuration', 'catching up'] as const

/** GET /livez: the process serves requests. */
export const livezResponse = {
  200: {type: 'object', properties: {status: {type: 'string', enum: ['live']}}},
  '5xx': errorAnswer,
} as const

const readiness = {
  type: 'object',
  properties: {
    status: {type: 'string', enum: ['ready', 'not ready']},
    reason: {type: 'string', enum: notReadyReasons},
    message: {type: 'string'},
    address: {type: 'string'},
    /** The configuration epoch, as in /admin/status. */
    epoch: {type: 'integer'},
    shardId: {type: ['integer', 'null']},
  },
} as const

/** GET /readyz: 200 when the node can serve, 503 with the first reason it cannot. */
export const readyzResponse = {
  200: readiness,
  503: readiness,
} as const

/** GET /metrics: Prometheus text exposition format 0.0.4, not JSON. */
export const metricsResponse = {
  200: {type: 'string', description: 'Prometheus text format (text/plain; version=0.0.4)'},
  /** 401 without the client token, when one is set. */
  '4xx': errorAnswer,
  '5xx': errorAnswer,
} as const

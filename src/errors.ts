/**
 * The one error vocabulary of kvs. Every failure that crosses a module boundary is a
 * KvsError with a stable `code`; the HTTP layer maps it to `status`, the CLI to `exitCode`.
 * `data` names what failed (e.g. `{need: 2, alive: 1}`) and is safe to show to users.
 */
export type ErrorCode =
  | 'BAD_REQUEST' // input failed validation; nothing changed
  | 'NOT_FOUND' // key, shard or route does not exist
  | 'CONFLICT' // a concurrent configuration change holds this epoch
  | 'UNAVAILABLE' // no live member could serve the request in time; safe to retry
  | 'PEER_UNAVAILABLE' // one peer did not answer (connection refused, reset or timed out)
  | 'DATA_DIR_LOCKED' // another process owns the data directory
  | 'CORRUPT_LOG' // the op log is damaged somewhere other than its tail
  | 'STORAGE_FAILED' // the op log could not be written (ENOSPC, EIO): the node takes no more writes
  | 'UNAUTHORIZED' // the node wants a token (KVS_TOKEN) and got none or a wrong one; nothing changed
  | 'USAGE' // the CLI was called with bad arguments
  | 'NODE_START_FAILED' // a node started by the CLI exited or did not answer in time
  | 'INTERNAL'

export const exitCodes = {
  ok: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  unavailable: 4,
  /** `kvs status` only: the cluster serves every shard, but a node is down or a change is under way. */
  degraded: 5,
  /** A node refused the request for want of a valid token (KVS_TOKEN or --token). */
  unauthorized: 6,
} as const

const statusOf: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAVAILABLE: 503,
  PEER_UNAVAILABLE: 503,
  DATA_DIR_LOCKED: 500,
  CORRUPT_LOG: 500,
  STORAGE_FAILED: 503,
  UNAUTHORIZED: 401,
  USAGE: 400,
  NODE_START_FAILED: 500,
  INTERNAL: 500,
}

const exitOf: Record<ErrorCode, number> = {
  BAD_REQUEST: exitCodes.error,
  NOT_FOUND: exitCodes.notFound,
  CONFLICT: exitCodes.error,
  UNAVAILABLE: exitCodes.unavailable,
  PEER_UNAVAILABLE: exitCodes.unavailable,
  DATA_DIR_LOCKED: exitCodes.error,
  CORRUPT_LOG: exitCodes.error,
  STORAGE_FAILED: exitCodes.unavailable,
  UNAUTHORIZED: exitCodes.unauthorized,
  USAGE: exitCodes.usage,
  NODE_START_FAILED: exitCodes.error,
  INTERNAL: exitCodes.error,
}

export class KvsError extends Error {
  readonly code: ErrorCode
  readonly data: Record<string, unknown>

  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(message)
    this.name = 'KvsError'
    this.code = code
    this.data = data
  }

  get status(): number {
    return statusOf[this.code]
  }

  get exitCode(): number {
    return exitOf[this.code]
  }
}

export const isKvsError = (error: unknown): error is KvsError => error instanceof KvsError

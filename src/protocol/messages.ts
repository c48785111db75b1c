/**
 * Every message of the node-to-node protocol, once: each TypeBox schema below is the JSON
 * schema Fastify validates a request with, the TypeScript type both sides use (Static<>),
 * and the validator the peer client checks answers with (peer-client.ts). Bounds are part
 * of the schema: a peer, even a legitimate one, cannot make a node hold or parse more than
 * these limits allow. Checks that need the node's state (its clock, its configuration) are
 * in bounds.ts.
 */
import {Type, type Static, type TSchema} from '@sinclair/typebox'

/** Limits shared by the messages (DESIGN.md section 7). */
export const limits = {
  /** Nodes of a cluster, and so members of a clock and entries of a peer list. */
  nodes: 1024,
  /** Shards of a layout (each needs two nodes). */
  shards: 512,
  address: 300,
  key: 50,
  /** Characters of a value: the public routes' 1 MiB body bounds what a client can write. */
  value: 1024 * 1024,
  /**
   * Epochs count configuration changes, one at a time: no cluster reaches 2^31 of them,
   * and a configuration claiming more is not one a node made.
   */
  epoch: 2 ** 31 - 1,
  /** Ops per replicate batch and per sync answer (the ring keeps at most 100,000). */
  ops: 100_000,
  /** Groups of writes per replicate call (each of at most batchOps writes; the body limit bounds the bytes). */
  groups: 1024,
  /** Items of one forwarded batch. */
  forwards: 4096,
  /** Keys per transfer page and per copy page. */
  page: 100_000,
  requestId: 64,
  /** Characters of an error or identifier a peer sends back. */
  text: 1000,
  /** Operations of one batch (the public batch route refuses more with 400). */
  batchOps: 10_000,
  /** Keys of one scan page. */
  scanPage: 10_000,
  /** Characters of a scan prefix (a key's). */
  prefix: 50,
} as const

const counter = Type.Integer({minimum: 0, maximum: Number.MAX_SAFE_INTEGER})
const positive = Type.Integer({minimum: 1, maximum: Number.MAX_SAFE_INTEGER})
export const epochSchema = Type.Integer({minimum: 1, maximum: limits.epoch})
const shardId = Type.Integer({minimum: 1, maximum: limits.shards})
const address = Type.String({minLength: 1, maxLength: limits.address})
const key = Type.String({minLength: 1, maxLength: limits.key})
const value = Type.String({maxLength: limits.value})
const text = Type.String({maxLength: limits.text})
/** A hybrid timestamp: microseconds, an integer a double holds exactly (bounds.ts checks it is near now). */
const timestamp = Type.Integer({minimum: 0, maximum: Number.MAX_SAFE_INTEGER})
const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
/** A forwarded request's id (see replication/applied-requests.ts). */
const requestId = Type.String({minLength: 1, maxLength: limits.requestId})

/** Record keys: a key outside the pattern is refused (additionalProperties), not ignored. */
const memberKey = Type.String({pattern: `^.{1,${limits.address}}$`})
const shardKey = Type.String({pattern: '^[1-9][0-9]{0,8}$'})
const closed = (maxProperties: number) => ({maxProperties, additionalProperties: false})

/** member -> writes of that member seen. */
export const clockSchema = Type.Record(memberKey, counter, closed(limits.nodes))

/** Causal metadata as nodes exchange it (client metadata is read by clock/causal-metadata.ts). */
export const metadataSchema = Type.Object({
  /** The layout epoch (clients keep this name in their sessions). */
  epoch: Type.Integer({minimum: 0, maximum: limits.epoch}),
  clocks: Type.Record(shardKey, clockSchema, closed(limits.shards)),
})

export const clusterConfigSchema = Type.Object({
  /** Counts every change of the configuration (membership or layout). */
  configEpoch: epochSchema,
  /** Counts layouts: only a reshard advances it; ops and causal metadata carry it as `epoch`. */
  layoutEpoch: epochSchema,
  shardCount: shardId,
  /** Every node of the cluster, sorted; nodes without a shard (newcomers) included. */
  nodes: Type.Array(address, {maxItems: limits.nodes}),
  /** Shard id (as a string key) -> its members, sorted (bounds.ts checks it is a layout of `nodes`). */
  shards: Type.Record(shardKey, Type.Array(address, {maxItems: limits.nodes}), closed(limits.shards)),
})
export type ClusterConfigMessage = Static<typeof clusterConfigSchema>

/** What a node says about itself in every heartbeat and heartbeat answer. */
export const peerSummarySchema = Type.Object({
  address,
  /** The configuration epoch in force there (0 before any): whoever is behind pulls the newer one. */
  configEpoch: Type.Integer({minimum: 0, maximum: limits.epoch}),
  shard: nullable(shardId),
  layoutEpoch: Type.Integer({minimum: 0, maximum: limits.epoch}),
  /** Writes applied to its shard replica: the sum of `clock`. */
  applied: counter,
  clock: clockSchema,
  /** False while it is still copying its shard from peers. */
  ready: Type.Boolean(),
})
export type PeerSummaryMessage = Static<typeof peerSummarySchema>

/** Who wrote a write, and where: `origin`'s `seq`-th write in `shard` of layout `epoch` (as in causal metadata). */
const writeOrigin = {shard: shardId, epoch: epochSchema, origin: address, seq: positive}

export const opSchema = Type.Object({
  ...writeOrigin,
  key,
  value: nullable(value),
  ts: timestamp,
  deps: metadataSchema,
  rid: Type.Optional(requestId),
})
export type OpMessage = Static<typeof opSchema>

/**
 * Consecutive writes of one origin in one shard, column-wise (replication/op-group.ts;
 * groupFault checks that the columns agree): write i is (origin, seq + i) with key keys[i],
 * value values[i] (null deletes), timestamp ts[i], and `deps` with its own entry at seq + i.
 */
export const opGroupSchema = Type.Object({
  ...writeOrigin,
  deps: metadataSchema,
  keys: Type.Array(key, {minItems: 1, maxItems: limits.batchOps}),
  values: Type.Array(nullable(value), {minItems: 1, maxItems: limits.batchOps}),
  ts: Type.Array(timestamp, {minItems: 1, maxItems: limits.batchOps}),
  /**
   * A forwarded batch part's request id, with the status of each of its ops as the
   * coordinator answered them: a replica that applied the group answers a retry of the part
   * from these instead of writing it again (replication/applied-requests.ts).
   */
  rid: Type.Optional(requestId),
  statuses: Type.Optional(Type.Array(Type.Integer({minimum: 100, maximum: 599}), {maxItems: limits.batchOps})),
})
export type OpGroupMessage = Static<typeof opGroupSchema>

/** A key's winning write, as state transfers carry it (see Version in replication/op.ts). */
const compactVersion = Type.Object({value: nullable(value), ts: timestamp, origin: address, seq: counter, other: nullable(metadataSchema)})
/** How versions were sent before they were compact: with the op's whole metadata. */
const legacyVersion = Type.Object({value: nullable(value), ts: timestamp, origin: address, deps: metadataSchema})
export const versionSchema = Type.Union([compactVersion, legacyVersion])
export type VersionMessage = Static<typeof compactVersion>
export type LegacyVersionMessage = Static<typeof legacyVersion>
export type CopyPageMessage = Static<typeof copyPageSchema>
export type ChangesCursorMessage = Static<typeof changesCursorSchema>

/** Keys of a reshard copy, by column (replication/copy-page.ts; checkCopyPage checks the columns agree). */
export const copyPageSchema = Type.Object({
  keys: Type.Array(key, {maxItems: limits.page}),
  values: Type.Array(nullable(value), {maxItems: limits.page}),
  ts: Type.Array(timestamp, {maxItems: limits.page}),
  origins: Type.Array(address, {maxItems: limits.nodes}),
  origin: Type.Array(Type.Integer({minimum: 0, maximum: limits.nodes - 1}), {maxItems: limits.page}),
})

export const changesCursorSchema = Type.Object({run: Type.String({maxLength: 16}), at: counter})

const ok = Type.Object({ok: Type.Boolean()})
/** A reshard is named by the configuration epoch it leads to. */
const reshardOf = Type.Object({configEpoch: epochSchema})

/** A key request as one node forwards it to another (see KeyRequest in replication/key-service.ts). */
export const forwardedRequestSchema = Type.Object({
  method: Type.Union([Type.Literal('GET'), Type.Literal('PUT'), Type.Literal('DELETE')]),
  key,
  value: Type.Optional(value),
  /** The client's metadata as the forwarding node parsed it; parsed again here. */
  meta: nullable(Type.Object({}, {additionalProperties: true})),
  /** Nodes that already forwarded it: loops end after two hops. */
  hops: Type.Integer({minimum: 1, maximum: 2}),
  /** ms since the epoch: the forwarding node gives up then. */
  deadline: Type.Number({minimum: 0, maximum: Number.MAX_SAFE_INTEGER}),
  rid: Type.Optional(requestId),
  /** The layout epoch the forwarding node routed by. */
  layout: Type.Optional(epochSchema),
})

const copySource = {
  shard: shardId,
  layoutEpoch: epochSchema,
  shardCount: shardId,
  target: shardId,
  /** Keys per page or round (the receiver asks for at most this many). */
  limit: Type.Integer({minimum: 1, maximum: 50_000}),
}

const snapshotRequest = Type.Object({
  ...copySource,
  /** Absent for the first page: the source freezes its replica then. */
  id: Type.Optional(Type.String({maxLength: 64})),
  offset: Type.Integer({minimum: 0, maximum: 100_000_000}),
})

const changesRequest = Type.Object({
  ...copySource,
  since: clockSchema,
  /** The source first waits until its replica covers this (the cutover's coverage). */
  need: Type.Optional(clockSchema),
  /** Where the previous answer stopped, given back with its clock. */
  cursor: Type.Optional(changesCursorSchema),
})

/** One operation of a batch (replication/batch.ts): a put carries a value, the others none. */
export const batchOpSchema = Type.Object(
  {op: Type.Union([Type.Literal('put'), Type.Literal('delete'), Type.Literal('get')]), key, value: Type.Optional(value)},
  {additionalProperties: false},
)
/** Client metadata as the sending node parsed it; parsed again by the receiver. */
const clientMetadata = nullable(Type.Object({}, {additionalProperties: true}))
/** The layout epoch the sender routed by (0 before any layout). */
const layout = Type.Integer({minimum: 0, maximum: limits.epoch})

/**
 * Every peer route: its method, its path under `peerPrefix`, the body it accepts and the
 * answer it gives (200 unless said). The routes (http/internal-routes.ts) and the client
 * (peer-client.ts) are both built from this table.
 */
export const peerRoutes = {
  heartbeat: {method: 'POST', path: '/heartbeat', body: peerSummarySchema, answer: peerSummarySchema},
  config: {method: 'GET', path: '/config', body: null, answer: clusterConfigSchema},
  /** Answered 200 when accepted, 409 (the same shape) when not. */
  propose: {
    method: 'POST',
    path: '/config/propose',
    body: clusterConfigSchema,
    answer: Type.Object({accepted: Type.Boolean(), configEpoch: Type.Integer({minimum: 0, maximum: limits.epoch})}),
  },
  commit: {method: 'POST', path: '/config/commit', body: clusterConfigSchema, answer: ok},
  replicate: {
    method: 'POST',
    path: '/replicate',
    /** Single writes and groups, each list in the order written (bounds.ts checks there is something). */
    body: Type.Object({
      from: address,
      ops: Type.Array(opSchema, {maxItems: limits.ops}),
      groups: Type.Optional(Type.Array(opGroupSchema, {maxItems: limits.groups})),
    }),
    answer: ok,
  },
  forward: {
    method: 'POST',
    path: '/forward',
    body: Type.Object({requests: Type.Array(forwardedRequestSchema, {minItems: 1, maxItems: limits.forwards})}),
    /** Each answer's body is the JSON text the key route would have sent, relayed as is. */
    answer: Type.Object({
      answers: Type.Array(Type.Object({status: Type.Integer({minimum: 100, maximum: 599}), body: Type.String({maxLength: 4 * limits.value})}), {
        maxItems: limits.forwards,
      }),
    }),
  },
  sync: {
    method: 'POST',
    path: '/sync',
    body: Type.Object({shard: shardId, epoch: epochSchema, clock: clockSchema, full: Type.Optional(Type.Boolean())}),
    /** The ops the caller lacks, or a state transfer to page through. */
    answer: Type.Union([
      Type.Object({ops: Type.Array(opSchema, {maxItems: limits.ops})}),
      Type.Object({transfer: Type.String({minLength: 1, maxLength: 64}), clock: clockSchema, total: counter}),
    ]),
  },
  transfer: {
    method: 'POST',
    path: '/transfer',
    body: Type.Object({id: Type.String({minLength: 1, maxLength: 64}), offset: Type.Integer({minimum: 0, maximum: 100_000_000}), limit: Type.Integer({minimum: 1, maximum: limits.page})}),
    answer: Type.Object({entries: Type.Array(Type.Tuple([key, versionSchema]), {maxItems: limits.page}), done: Type.Boolean()}),
  },
  /** add-member: the newcomer copies the shard before the configuration names it a member. */
  joinPrepare: {
    method: 'POST',
    path: '/join/prepare',
    body: Type.Object({shard: shardId, layoutEpoch: epochSchema, peers: Type.Array(address, {minItems: 1, maxItems: limits.nodes})}),
    answer: Type.Object({keys: counter}),
  },
  reshardStart: {method: 'POST', path: '/reshard/start', body: clusterConfigSchema, answer: ok},
  reshardProgress: {
    method: 'POST',
    path: '/reshard/progress',
    body: reshardOf,
    answer: Type.Object({
      node: address,
      phase: Type.Union([Type.Literal('copying'), Type.Literal('holding'), Type.Literal('finished')]),
      copied: counter,
      total: counter,
      lastDelta: counter,
      streaming: Type.Boolean(),
      error: nullable(text),
    }),
  },
  reshardHold: {method: 'POST', path: '/reshard/hold', body: reshardOf, answer: Type.Object({shard: nullable(shardId), clock: clockSchema})},
  reshardFinish: {
    method: 'POST',
    path: '/reshard/finish',
    body: Type.Object({configEpoch: epochSchema, need: Type.Record(shardKey, clockSchema, closed(limits.shards))}),
    answer: ok,
  },
  /** Aborts this node's pending reshard of `configEpoch`, and only that one. */
  reshardAbort: {method: 'POST', path: '/reshard/abort', body: reshardOf, answer: Type.Object({aborted: Type.Boolean()})},
  reshardSnapshot: {
    method: 'POST',
    path: '/reshard/snapshot',
    body: snapshotRequest,
    answer: Type.Object({id: Type.String({minLength: 1, maxLength: 64}), total: counter, clock: clockSchema, page: copyPageSchema, done: Type.Boolean()}),
  },
  reshardChanges: {
    method: 'POST',
    path: '/reshard/changes',
    body: changesRequest,
    answer: Type.Union([
      Type.Object({page: copyPageSchema, clock: clockSchema, more: Type.Boolean(), cursor: changesCursorSchema}),
      Type.Object({restart: Type.Literal(true)}),
    ]),
  },
  /** One shard's part of a batch (replication/batch-service.ts), carried out by a member in order. */
  batch: {
    method: 'POST',
    path: '/batch',
    body: Type.Object({
      shard: shardId,
      layout,
      meta: clientMetadata,
      /** ms since the epoch: the sender gives up then, and the member must not apply it later. */
      deadline: Type.Number({minimum: 0, maximum: Number.MAX_SAFE_INTEGER}),
      /** The same on every member the part is sent to: a member that applied it answers from that. */
      rid: Type.Optional(requestId),
      ops: Type.Array(batchOpSchema, {minItems: 1, maxItems: limits.batchOps}),
    }),
    answer: Type.Object({
      results: Type.Array(Type.Object({status: Type.Integer({minimum: 100, maximum: 599}), value: Type.Optional(value)}), {maxItems: limits.batchOps}),
      meta: metadataSchema,
    }),
  },
  /** A page of one shard's scan snapshot (replication/scan-service.ts); 404 once the snapshot expired. */
  scan: {
    method: 'POST',
    path: '/scan',
    body: Type.Object({
      shard: shardId,
      layout,
      meta: clientMetadata,
      prefix: Type.String({maxLength: limits.prefix}),
      /** Absent on the shard's first page: the member takes a snapshot. */
      snapshot: Type.Optional(Type.String({minLength: 1, maxLength: 64})),
      offset: Type.Integer({minimum: 0, maximum: 100_000_000}),
      limit: Type.Integer({minimum: 1, maximum: limits.scanPage}),
      maxBytes: positive,
      values: Type.Boolean(),
    }),
    answer: Type.Object({
      keys: Type.Array(key, {maxItems: limits.scanPage}),
      values: Type.Optional(Type.Array(value, {maxItems: limits.scanPage})),
      next: nullable(counter),
      snapshot: Type.String({minLength: 1, maxLength: 64}),
      meta: metadataSchema,
    }),
  },
} as const

/** Where the peer routes live: every path of `peerRoutes` is under it. */
export const peerPrefix = '/internal'

export type PeerRouteName = keyof typeof peerRoutes
// Resolved once per route, so that generic uses do not instantiate Static<> again and again.
type BodyOf<S> = S extends TSchema ? Static<S> : undefined
type PeerBodies = {[N in PeerRouteName]: BodyOf<(typeof peerRoutes)[N]['body']>}
type PeerAnswers = {[N in PeerRouteName]: Static<(typeof peerRoutes)[N]['answer']>}
/** What route `N` accepts. */
export type PeerBody<N extends PeerRouteName> = PeerBodies[N]
/** What route `N` answers. */
export type PeerAnswer<N extends PeerRouteName> = PeerAnswers[N]

/**
 * Largest body of a replicate or forward batch, on both sides: the route's body limit,
 * and the size the client splits its batches to. One item fits with room to spare (a value
 * of 1 MiB characters is at most 6 MiB of JSON).
 */
export const peerBatchBodyLimit = 16 * 1024 * 1024

export type SnapshotRequest = Static<typeof snapshotRequest>
export type ChangesRequest = Static<typeof changesRequest>
export type ForwardedRequest = Static<typeof forwardedRequestSchema>

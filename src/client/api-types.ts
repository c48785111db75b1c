/**
 * What the client hands back: API.md answers turned into typed, camel-cased results.
 * Every result names the node that answered, because failover may have chosen another.
 */
import type {ReshardPhase, ReshardProgress} from '../membership/reshard-plan.js'

export interface Answered {
  /** The node that produced this answer. */
  node: string
}

export interface PutResult extends Answered {
  key: string
  /** True for 201 (new key in the client's causal past), false for 200 (update). */
  created: boolean
  shardId: number | null
}

export interface GetResult extends Answered {
  key: string
  value: string
  shardId: number | null
}

export interface DeleteResult extends Answered {
  key: string
  shardId: number | null
}

export interface ViewResult extends Answered {
  view: string[]
}

export interface ViewChangeResult extends Answered {
  address: string
  message: string
}

export interface ShardIdsResult extends Answered {
  shardIds: number[]
}

export interface NodeShardIdResult extends Answered {
  /** Null for a newcomer not yet placed by add-member (API.md section 6). */
  shardId: number | null
}

export interface ShardMembersResult extends Answered {
  shardId: number
  members: string[]
}

export interface ShardKeyCountResult extends Answered {
  shardId: number
  keyCount: number
}

export interface AddMemberResult extends Answered {
  shardId: number
  address: string
  message: string
}

export interface ReshardResult extends Answered {
  shardCount: number
  message: string
  /** The coordinator's figures for this reshard (key copies, rate, how long writes were held); null if it did not tell. */
  progress: ReshardProgress | null
}

/** A reshard as its coordinator reports it in /admin/status (`reshard`): the server's own type. */
export type {ReshardPhase, ReshardProgress}

export interface ReshardAbortResult extends Answered {
  aborted: boolean
  message: string
}

/** `GET /admin/status`: one node's own numbers and its belief about every configured node. */
export interface AdminStatus {
  address: string
  /** The configuration epoch (it counts every change; causal metadata's `epoch` is the layout epoch). */
  epoch: number
  shardId: number | null
  shardCount: number
  primary: boolean
  keys: number
  appliedWrites: number
  nodes: Array<{address: string; state: 'up' | 'down'; shardId: number | null; primary: boolean}>
  reshard: ReshardProgress | null
  /** Which tokens the node requires; absent from nodes older than tokens (open). */
  auth?: {client: boolean; cluster: boolean}
  /** The test-only fault routes exist on the node. */
  faultInjection?: boolean
  /** The node's op log failed: it takes no writes. */
  storageFailed?: boolean
}

/**
 * The reshard executor. The plan is the pure `resharded()`; this runs it: every live node
 * prepares (holds writes, sends its keys to their new owners), then the new configuration
 * is committed and each node swaps in its new shard. If any node fails to prepare, every
 * node is told to abort and the old configuration stays in force with no data dropped.
 */
import type {Transport} from '../transport/transport.js'
import {resharded, type ClusterConfig} from './cluster-config.js'
import type {Membership} from './membership.js'

export interface LocalReshard {
  prepareReshard(next: ClusterConfig): Promise<void>
  abortReshard(): void
}

export async function reshard(
  membership: Membership,
  transport: Transport,
  local: LocalReshard,
  shardCount: number,
): Promise<ClusterConfig> {
  const live = membership.view()
  let participants: string[] = []
  const abortAll = async (): Promise<void> => {
    local.abortReshard()
    await Promise.all(
      participants.map((peer) =>
        transport.request(peer, {method: 'POST', path: '/internal/reshard/abort', body: '{}', timeoutMs: 2000}).catch(() => undefined),
      ),
    )
  }
  try {
    return await membership.change(
      (config) => resharded(config, live, shardCount),
      async (next) => {
        participants = live.filter((n) => n !== membership.self)
        await Promise.all([
          local.prepareReshard(next),
          ...participants.map(async (peer) => {
            const res = await transport.request(peer, {
              method: 'POST',
              path: '/internal/reshard/prepare',
              body: JSON.stringify(next),
              timeoutMs: 120_000,
            })
            if (res.status !== 200) throw new Error(`${peer} could not prepare the reshard: ${res.text}`)
          }),
        ])
      },
    )
  } catch (error) {
    await abortAll()
    throw error
  }
}

/** Operator routes (/admin): what `kvs status` shows. */
import type {FastifyInstance} from 'fastify'
import {shardOfNode} from '../membership/cluster-config.js'
import {statusResponse} from './schemas.js'
import type {NodeServices} from './services.js'

export async function operatorRoutes(app: FastifyInstance, {services}: {services: NodeServices}): Promise<void> {
  const {membership, replicator} = services

  app.get('/status', {schema: {response: statusResponse}}, async () => {
    const config = membership.config
    const self = membership.self
    const shard = replicator.shard
    const summary = replicator.summary()
    return {
      address: self,
      epoch: config?.epoch ?? 0,
      layoutEpoch: config?.layoutEpoch ?? 0,
      shardId: shard,
      shardCount: config?.shardCount ?? 0,
      primary: shard !== null && membership.primaryOf(shard) === self,
      ready: replicator.ready,
      keys: replicator.liveKeys,
      appliedWrites: summary.applied,
      nodes: (config?.nodes ?? [self]).map((address) => {
        const nodeShard = config ? shardOfNode(config, address) : null
        return {
          address,
          state: membership.state(address),
          shardId: nodeShard,
          primary: nodeShard !== null && membership.primaryOf(nodeShard) === address,
        }
      }),
      reshard: replicator.reshardProgress,
      catchUp: replicator.catchUp,
    }
  })
}

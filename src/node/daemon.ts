/**
 * The daemon: opens the data directory, builds the node, listens on its address exactly,
 * and closes gracefully on SIGTERM (stop heartbeats, drain requests, flush the log).
 */
import {pino, type Logger} from 'pino'
import type {Op} from '../replication/op.js'
import type {SnapshotHeader, SnapshotRecord} from '../replication/replica-store.js'
import {openStorage} from '../storage/storage.js'
import {UndiciTransport} from '../transport/undici-transport.js'
import {buildNode, type NodeMeta, type NodeParts} from './build-node.js'
import type {NodeOptions} from './options.js'

/** Opens the data directory, builds the node, listens on its address. */
export async function startNode(options: NodeOptions, logger: Logger = defaultLogger()): Promise<NodeParts> {
  const storage = await openStorage<SnapshotHeader, SnapshotRecord, Op, NodeMeta>({dir: options.dataDir, fsync: options.fsync, log: logger})
  let node: NodeParts
  try {
    node = await buildNode(options, storage, new UndiciTransport(), logger)
  } catch (error) {
    await storage.close()
    throw error
  }
  const [host, port] = options.address.split(':')
  try {
    await node.app.listen({host, port: Number(port)})
    logger.info({address: options.address}, 'listening')
  } catch (error) {
    await node.close()
    throw error
  }
  try {
    await node.start()
  } catch (error) {
    await node.close()
    throw error
  }
  return node
}

function defaultLogger(): Logger {
  return pino({level: process.env.KVS_LOG_LEVEL ?? 'info'})
}

/** Runs a node in the foreground until SIGTERM or SIGINT, then closes it gracefully. */
export async function runNode(options: NodeOptions, logger: Logger = defaultLogger()): Promise<void> {
  const node = await startNode(options, logger)
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({signal}, 'stopping')
      resolve()
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
  await node.close()
}

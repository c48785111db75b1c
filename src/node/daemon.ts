/**
 * The daemon: opens the data directory, builds the node, listens on its name (or on
 * KVS_LISTEN when set), and closes gracefully on SIGTERM (stop heartbeats, drain
 * requests, flush the log).
 */
import {pino, type Logger} from 'pino'
import {clusterTokenHeader, peerHeaders} from '../auth/tokens.js'
import {KvsError} from '../errors.js'
import type {Update} from '../replication/op-group.js'
import type {SnapshotHeader, SnapshotRecord} from '../replication/replica-store.js'
import {NodeMetrics} from '../metrics/node-metrics.js'
import {parseNodeName} from '../placement/node-name.js'
import {openStorage} from '../storage/storage.js'
import {UndiciTransport} from '../transport/undici-transport.js'
import {buildNode, type NodeMeta, type NodeParts} from './build-node.js'
import type {NodeOptions} from './options.js'

/** Opens the data directory, builds the node, listens on KVS_LISTEN, else on its name. */
export async function startNode(options: NodeOptions, logger: Logger = defaultLogger()): Promise<NodeParts> {
  const bound = parseNodeName(options.listen ?? options.address)
  if (!bound.ok) throw new KvsError('USAGE', `"${options.listen ?? options.address}" is not a host:port to listen on: ${bound.reason}`)
  // Made before storage so the op log reports its append and fsync durations to it.
  const metrics = new NodeMetrics({processMetrics: true})
  const storage = await openStorage<SnapshotHeader, SnapshotRecord, Update, NodeMeta>({
    dir: options.dataDir,
    fsync: options.fsync,
    log: logger,
    observer: metrics.opLog,
  })
  let node: NodeParts
  try {
    // Every peer call carries the tokens (auth/tokens.ts, peerHeaders), whatever route it calls.
    node = await buildNode(options, storage, new UndiciTransport({headers: peerHeaders(options.tokens)}), logger, {metrics})
  } catch (error) {
    await storage.close()
    throw error
  }
  try {
    await node.app.listen({host: bound.value.host, port: bound.value.port})
    logger.info({address: options.address, listen: bound.value.name}, 'listening')
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

/** EX_SOFTWARE of sysexits.h: an internal error, told apart from a drain that did not finish (1). */
export const exitOnUnhandledRejection = 70

function defaultLogger(): Logger {
  // Nothing logs request headers today; should a request or its headers ever be logged, the tokens are not.
  const redact = ['headers.authorization', `headers["${clusterTokenHeader}"]`, '*.headers.authorization', `*.headers["${clusterTokenHeader}"]`]
  return pino({level: process.env.KVS_LOG_LEVEL ?? 'info', redact})
}

/** Runs a node in the foreground until SIGTERM or SIGINT, then drains it (NodeParts.drain). */
export async function runNode(options: NodeOptions, logger: Logger = defaultLogger()): Promise<void> {
  // A promise nobody awaited failed: some part of the node is in a state nothing handles.
  // Stopping is safer than serving half-alive; the op log holds every acknowledged write.
  process.on('unhandledRejection', (reason) => {
    logger.fatal({err: reason}, 'unhandled promise rejection: stopping the node')
    process.exit(exitOnUnhandledRejection)
  })
  const node = await startNode(options, logger)
  await new Promise<void>((resolve) => {
    let stopping = false
    // Kept installed: a second SIGTERM (an orchestrator's preStop hook and then the kubelet) must not end the drain early.
    const stop = (signal: string) => {
      if (stopping) return logger.info({signal}, 'already draining')
      stopping = true
      logger.info({signal, ...options.drain}, 'stopping: draining')
      resolve()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  // Flushing the log is local and quick; if even that hangs, exit non-zero rather than hang the orchestrator.
  const watchdog = setTimeout(() => {
    logger.error('drain did not finish in time: exiting without a clean close')
    process.exit(1)
  }, options.drain.delayMs + options.drain.timeoutMs + 5000)
  watchdog.unref()
  await node.drain(options.drain)
  clearTimeout(watchdog)
}

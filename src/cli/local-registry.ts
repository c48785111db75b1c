/**
 * The local cluster registry: the nodes this machine started in the background, one
 * directory each under `<data>/local/nodes/<ip>_<port>/` holding `node.pid`, `node.log` and
 * the node's `data/` directory, plus `cluster.json` naming this incarnation of the cluster.
 * The pid file is the only way the CLI ever finds a process to signal.
 */
import {mkdir, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {nameFromFileName, nameToFileName} from '../placement/node-name.js'
import {sortAddresses} from '../placement/placement.js'
import type {KvsPaths} from './paths.js'

export interface RegisteredNode {
  address: string
  dir: string
  pidFile: string
  logFile: string
  dataDir: string
}

/** The layout `kvs cluster up` used, so a later `cluster up` can restart the same cluster. */
export interface ClusterLayout {
  firstAddress: string
  nodes: number
  shards: number
  port: number
}

export interface ClusterRecord {
  /** Names this incarnation: the causal session is kept per id, and purge makes a new one. */
  id: string
  createdAt: string
  /** Absent when the cluster was assembled with `kvs node start --detach` alone. */
  layout: ClusterLayout | null
}

export class LocalRegistry {
  readonly root: string

  constructor(root: string) {
    this.root = root
  }

  static at(paths: KvsPaths): LocalRegistry {
    return new LocalRegistry(join(paths.data, 'local'))
  }

  node(address: string): RegisteredNode {
    const dir = join(this.root, 'nodes', nameToFileName(address))
    return {address, dir, pidFile: join(dir, 'node.pid'), logFile: join(dir, 'node.log'), dataDir: join(dir, 'data')}
  }

  /** Every node ever started here (until purged), in address order. */
  async list(): Promise<RegisteredNode[]> {
    let names: string[]
    try {
      names = await readdir(join(this.root, 'nodes'))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    const addresses = names.map(nameFromFileName).filter((a) => a !== null)
    return sortAddresses(addresses).map((a) => this.node(a))
  }

  async has(address: string): Promise<boolean> {
    return (await this.list()).some((n) => n.address === address)
  }

  async prepare(address: string): Promise<RegisteredNode> {
    const node = this.node(address)
    await mkdir(node.dataDir, {recursive: true})
    return node
  }

  async readPid(address: string): Promise<number | null> {
    try {
      const pid = Number((await readFile(this.node(address).pidFile, 'utf8')).trim())
      return Number.isSafeInteger(pid) && pid > 0 ? pid : null
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }

  async writePid(address: string, pid: number): Promise<void> {
    await writeAtomically(this.node(address).pidFile, `${pid}\n`)
  }

  async clearPid(address: string): Promise<void> {
    await rm(this.node(address).pidFile, {force: true})
  }

  async cluster(): Promise<ClusterRecord | null> {
    try {
      return JSON.parse(await readFile(join(this.root, 'cluster.json'), 'utf8')) as ClusterRecord
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }

  /** The current record, created (with a fresh id) when there is none; `layout` replaces a missing one. */
  async ensureCluster(layout: ClusterLayout | null): Promise<ClusterRecord> {
    const existing = await this.cluster()
    if (existing && (existing.layout || !layout)) return existing
    // The global crypto rather than an import of node:crypto, which every command that reads
    // the registry (kvs get among them) would then load.
    const record: ClusterRecord = existing
      ? {...existing, layout}
      : {id: crypto.randomUUID(), createdAt: new Date().toISOString(), layout}
    await mkdir(this.root, {recursive: true})
    await writeAtomically(join(this.root, 'cluster.json'), `${JSON.stringify(record, null, 2)}\n`)
    return record
  }

  /** Removes every pid file, log and data directory, and the cluster record. */
  async purge(): Promise<void> {
    await rm(this.root, {recursive: true, force: true})
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, text)
  await rename(temp, file)
}

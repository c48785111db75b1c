/**
 * Where the CLI keeps its files. KVS_HOME moves everything under one directory (tests use a
 * temp one so they never touch the user's cluster or session); otherwise env-paths decides.
 */
import envPaths from 'env-paths'
import {join} from 'node:path'

export interface KvsPaths {
  /** The causal session lives here. */
  config: string
  /** The local cluster registry (pid files, logs, node data) lives here. */
  data: string
}

export function kvsPaths(env: NodeJS.ProcessEnv = process.env): KvsPaths {
  const home = env.KVS_HOME
  if (home !== undefined && home !== '') return {config: join(home, 'config'), data: join(home, 'data')}
  const paths = envPaths('kvs', {suffix: ''})
  return {config: paths.config, data: paths.data}
}

export const sessionFile = (paths: KvsPaths): string => join(paths.config, 'session.json')

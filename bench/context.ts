/** What every suite of a bench run shares. */
import type {Transport} from '../src/transport/transport.js'
import type {NodeApi} from './node-api.js'
import type {BenchOptions} from './options.js'
import type {Scope} from './scope.js'

export interface BenchContext {
  options: BenchOptions
  scope: Scope
  transport: Transport
  api: NodeApi
  /** The kvs package root (bin/run.js lives here). */
  repoRoot: string
  /** One line of progress for a human; the CLI sends it to stderr or drops it. */
  progress: (line: string) => void
}

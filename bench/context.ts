/** What every suite of a bench run shares. */
import type {ClientTransport} from '../src/client/transport.js'
import type {Transport} from '../src/transport/transport.js'
import type {BenchOptions} from './options.js'
import type {Scope} from './scope.js'

export interface BenchContext {
  options: BenchOptions
  scope: Scope
  /** Carries the load (undici, as nodes call each other). */
  transport: Transport
  /** Sets up and polls, as the kvs CLI does. */
  client: ClientTransport
  /** The kvs package root (bin/run.js lives here). */
  repoRoot: string
  /** One line of progress for a human; the CLI sends it to stderr or drops it. */
  progress: (line: string) => void
}

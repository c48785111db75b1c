/**
 * The kvs entry point (bin/run.js, bin/dev.js). `kvs get`, `kvs load` and `kvs dump` take
 * their fast path when they can (fast-path.ts); everything else runs in oclif, which is
 * loaded only then.
 *
 * Failures no command caught end the way a command's do (failure.ts): under --json one JSON
 * error document on stdout, else one line on stderr. Those are an unknown command
 * (command-not-found.ts) and errors of the help and autocomplete plugins.
 */
import {printFailure} from './failure.js'
import {parseFastLine, runFast} from './fast-path.js'

export async function main(options: {dir: string; development?: boolean}): Promise<void> {
  const argv = process.argv.slice(2)
  const line = parseFastLine(argv, process.env)
  if (line) return runFast(line)

  const oclif = await import('@oclif/core')
  if (options.development) {
    // What oclif's execute() does for bin/dev.js: run the TypeScript sources, debug output.
    process.env.NODE_ENV = 'development'
    oclif.settings.debug = true
  }
  try {
    await oclif.run(argv, options.dir)
    // Not awaited, as in oclif's execute(): a stdout closed early (`kvs --help | head -1`)
    // never drains, and waiting for it would keep kvs from exiting.
    oclif.flush().catch(() => {})
  } catch (error) {
    // this.exit(n) inside oclif: an exit, not a failure.
    if (error instanceof oclif.Errors.ExitError) process.exitCode = error.oclif.exit
    else printFailure(error, jsonRequested(argv, process.env))
  }
}

/** oclif's rule for --json (Command.jsonEnabled): the flag before any `--`, or KVS_CONTENT_TYPE=json. */
export function jsonRequested(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const end = argv.indexOf('--')
  if ((end === -1 ? argv : argv.slice(0, end)).includes('--json')) return true
  return env.KVS_CONTENT_TYPE?.toLowerCase() === 'json'
}

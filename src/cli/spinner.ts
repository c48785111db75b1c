/**
 * Progress on stderr. The ora spinner only runs when it cannot disturb anything: not under
 * --json and only when stdout and stderr are terminals. Notes (failover) always reach
 * stderr, as one line, without tearing a running spinner.
 */

export interface Spinner {
  update(text: string): void
  /** One line on stderr, kept above the spinner. */
  note(text: string): void
  /** Leaves a final line (✔ text) when animating; silent otherwise. */
  succeed(text: string): void
  stop(): void
}

export function spinnerEnabled(json: boolean): boolean {
  // A terminal of zero columns (a pty nobody sized) makes ora's line clearing loop forever.
  return !json && Boolean(process.stdout.isTTY) && Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0
}

export async function startSpinner(text: string, enabled: boolean): Promise<Spinner> {
  if (!enabled) return quietSpinner
  // Loaded only when shown: `kvs node start` runs the daemon and should not pay for it.
  const {default: ora} = await import('ora')
  // discardStdin off: `kvs put key -` reads the value from stdin.
  const spinner = ora({text, stream: process.stderr, discardStdin: false}).start()
  return {
    update: (next) => {
      spinner.text = next
    },
    note: (line) => {
      spinner.clear()
      process.stderr.write(`${line}\n`)
      spinner.render()
    },
    succeed: (final) => {
      spinner.succeed(final)
    },
    stop: () => {
      spinner.stop()
    },
  }
}

const quietSpinner: Spinner = {
  update: () => {},
  note: (line) => {
    process.stderr.write(`${line}\n`)
  },
  succeed: () => {},
  stop: () => {},
}

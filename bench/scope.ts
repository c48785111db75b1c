/**
 * Everything a bench run created that must not outlive it: processes (a local cluster, a
 * yardstick server) and temporary directories. `close` stops the processes gracefully and
 * removes the directories; if the bench itself is interrupted (SIGINT, SIGTERM), `abort`
 * kills its children by pid and removes the directories synchronously before it exits.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** Processes the scope ends: gracefully, or at once by pid when the bench is interrupted. */
export interface Stoppable {
  stop(): Promise<unknown>
  kill(): void
}

export class Scope {
  private readonly processes = new Set<Stoppable>()
  private readonly dirs: string[] = []

  /** A new empty directory under the system temp dir, removed when the scope closes. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    this.dirs.push(dir)
    return dir
  }

  track(processes: Stoppable): void {
    this.processes.add(processes)
  }

  async close(): Promise<void> {
    await Promise.all([...this.processes].map((p) => p.stop()))
    this.processes.clear()
    await Promise.all(this.dirs.splice(0).map((dir) => rm(dir, {recursive: true, force: true})))
  }

  abort(): void {
    for (const p of this.processes) p.kill()
    for (const dir of this.dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
  }

  /**
   * Runs `body`, closing the scope afterwards whatever happens. While it runs, SIGINT and
   * SIGTERM abort the scope and exit with 128 + the signal number, as a shell would report.
   */
  static async run<T>(body: (scope: Scope) => Promise<T>): Promise<T> {
    const scope = new Scope()
    const onSignal = (signal: NodeJS.Signals) => {
      scope.abort()
      process.exit(signal === 'SIGINT' ? 130 : 143)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      return await body(scope)
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await scope.close()
    }
  }
}

/**
 * The base of every kvs command. A command implements `execute()` (parse, call src/client
 * or the local cluster, return a typed result) and `present()` (how a human sees that
 * result); this class owns the rest:
 *
 * - `--json`: exactly one JSON document on stdout, the result or `{"error": Failure}`;
 * - exit codes (src/errors.ts): 0 ok, 1 error, 2 usage, 3 not found, 4 unavailable,
 *   5 degraded (`kvs status` only), oclif's own parse errors included;
 * - the spinner and notes on stderr;
 * - closing what the command opened, however it ended.
 */
import {Command} from '@oclif/core'
import type {Interfaces} from '@oclif/core'
import {clientToken, HttpTransport} from '../client/transport.js'
import {exitCodes, isKvsError, KvsError} from '../errors.js'
import {printFailure} from './failure.js'
import type {LocalContext} from './local-cluster.js'
import {LocalRegistry} from './local-registry.js'
import {kvsPaths} from './paths.js'
import {renderHuman, renderJson, type HumanOutput} from './printer.js'
import {spinnerEnabled, startSpinner, type Spinner} from './spinner.js'

/** oclif's own bound for parsed flags and arguments (not exported by @oclif/core). */
type ParsedValues = Interfaces.OutputFlags<Interfaces.FlagInput>

export abstract class KvsCommand<T extends object> extends Command {
  static enableJsonFlag = true

  private spinner: Spinner | null = null
  private readonly closers: Array<() => Promise<void>> = []

  /** Does the work; throws a KvsError (or lets oclif's parse errors through) on failure. */
  protected abstract execute(): Promise<T>

  /** The human rendering of a successful result. */
  protected abstract present(result: T): HumanOutput

  /** Exit code for a result that was produced (only `kvs status` makes one non-zero). */
  protected exitCodeFor(_result: T): number {
    return exitCodes.ok
  }

  async run(): Promise<T> {
    const result = await this.execute()
    this.spinner?.stop()
    if (!this.jsonEnabled()) process.stdout.write(renderHuman(this.present(result)))
    const exitCode = this.exitCodeFor(result)
    if (exitCode !== exitCodes.ok) process.exitCode = exitCode
    // oclif prints the returned result with logJson() under --json.
    return result
  }

  /** Everything that goes wrong while parsing the command line is a usage error (exit 2). */
  protected override async parse<F extends ParsedValues, B extends ParsedValues, A extends ParsedValues>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv)
    } catch (error) {
      if (isKvsError(error)) throw error
      throw new KvsError('USAGE', error instanceof Error ? error.message : String(error))
    }
  }

  override logJson(json: unknown): void {
    process.stdout.write(renderJson(json))
  }

  protected override async catch(error: Error): Promise<void> {
    this.spinner?.stop()
    printFailure(error, this.jsonEnabled())
  }

  protected override async finally(error: Error | undefined): Promise<void> {
    this.spinner?.stop()
    for (const close of this.closers.splice(0).reverse()) await close()
    await super.finally(error)
  }

  /** Shows a spinner with `text` until the command ends (nothing under --json or off a terminal). */
  protected async spin(text: string): Promise<Spinner> {
    this.spinner ??= await startSpinner(text, spinnerEnabled(this.jsonEnabled()))
    this.spinner.update(text)
    return this.spinner
  }

  /** One line on stderr, e.g. that a node did not answer and the next one is tried. */
  protected note(text: string): void {
    if (this.spinner) this.spinner.note(`note: ${text}`)
    else process.stderr.write(`note: ${text}\n`)
  }

  /** Runs `close` when the command ends, in reverse order of registration. */
  protected onClose(close: () => Promise<void>): void {
    this.closers.push(close)
  }

  /**
   * The registry and transport that node and cluster commands work with; the transport
   * sends `token` (a --token flag), else KVS_TOKEN.
   */
  protected localContext(token?: string): LocalContext {
    const transport = new HttpTransport({token: clientToken(token, process.env)})
    this.onClose(() => transport.close())
    return {registry: LocalRegistry.at(kvsPaths()), transport, packageRoot: this.config.root}
  }
}

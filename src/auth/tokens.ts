/**
 * The two shared secrets of API.md section 10.1: the cluster token (node-to-node and fault
 * routes) and the client token (public, /admin and /metrics routes). Pure: parsing and the
 * constant-time check; reading env and files is src/node's, the hooks are src/http's.
 *
 * A setting holds one token, or two separated by a comma (or a newline, in a file) while
 * one is rotated: the first is the token this side sends, and both are accepted.
 */
import {createHash, timingSafeEqual} from 'node:crypto'
import {KvsError} from '../errors.js'

/** The header nodes send the cluster token in (the client token goes as `Authorization: Bearer`). */
export const clusterTokenHeader = 'x-kvs-cluster-token'

/** Short tokens can be guessed; 16 characters of a random generator are enough. */
export const minTokenLength = 16

/** Visible ASCII without the comma, which separates the two tokens of a rotation. */
const tokenPattern = /^[\x21-\x2b\x2d-\x7e]+$/

export class TokenSet {
  readonly #tokens: readonly string[]
  readonly #digests: Buffer[]

  /** `tokens`: one or two, the first being the one this side sends. */
  private constructor(tokens: readonly string[]) {
    this.#tokens = tokens
    this.#digests = tokens.map(digest)
  }

  /**
   * Parses a setting (`name` is for messages, e.g. "KVS_TOKEN"); null when it is empty.
   * Throws KvsError 'USAGE' for more than two tokens, a short one, or one with characters a
   * header cannot carry. The message never repeats the token.
   */
  static parse(text: string | undefined, name: string): TokenSet | null {
    const tokens = (text ?? '').split(/[,\n]/).map((t) => t.trim()).filter((t) => t !== '')
    if (tokens.length === 0) return null
    if (tokens.length > 2) throw new KvsError('USAGE', `${name} holds ${tokens.length} tokens: give one, or two while rotating (new,old)`)
    for (const token of tokens) {
      if (token.length < minTokenLength) throw new KvsError('USAGE', `${name}: every token needs at least ${minTokenLength} characters`)
      if (!tokenPattern.test(token)) throw new KvsError('USAGE', `${name}: tokens may hold visible ASCII characters only, no comma or space`)
    }
    return new TokenSet(tokens)
  }

  /** The token this side sends. */
  get current(): string {
    return this.#tokens[0]
  }

  /** 1, or 2 while a rotation is under way. */
  get size(): number {
    return this.#tokens.length
  }

  /**
   * Whether `presented` is one of the accepted tokens. Compares SHA-256 digests with
   * timingSafeEqual, so the time taken says nothing about the tokens, not even their length,
   * and every accepted token is compared every time.
   */
  accepts(presented: string | undefined): boolean {
    if (presented === undefined) return false
    const given = digest(presented)
    let match = false
    for (const expected of this.#digests) match = timingSafeEqual(given, expected) || match
    return match
  }

  /** Whether this set and `other` share a token (the client token must never open peer routes). */
  overlaps(other: TokenSet): boolean {
    return this.#tokens.some((t) => other.accepts(t))
  }

  /** The setting these tokens came from ("new,old"), to hand on to a node started from here: never log it. */
  setting(): string {
    return this.#tokens.join(',')
  }

  /** Never the tokens themselves: a set that reaches a log or a JSON document shows this. */
  toJSON(): string {
    return '[tokens]'
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '')
  return match ? match[1] : undefined
}

/**
 * The headers a node sends on every call to a peer: the cluster token, and the client
 * token too, for the few public routes nodes call on each other (a newcomer's view PUT, a
 * key count asked of the shard's members). Empty when no token is set.
 */
export function peerHeaders(tokens: {client: TokenSet | null; cluster: TokenSet | null}): Record<string, string> {
  const headers: Record<string, string> = {}
  if (tokens.cluster) headers[clusterTokenHeader] = tokens.cluster.current
  if (tokens.client) headers.authorization = `Bearer ${tokens.client.current}`
  return headers
}

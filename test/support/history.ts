/**
 * Recorded client operations and a checker for the causal session guarantees (API.md
 * section 7): read-your-writes, monotonic reads, monotonic writes, writes-follow-reads —
 * together, causal order across keys and shards.
 *
 * The checker needs every PUT value to be unique per key (e.g. `${client}:${seq}`), so
 * that each read names the write it saw. Deletes are writes of "absent"; a read of an
 * absent key may have seen the initial state or any delete of that key.
 *
 * Causal order = session order (only through operations whose answer the client threaded)
 * plus reads-from. A read by client c of key k is stale when c's causal past at the time
 * of the read holds a write w' to k such that what the read returned happens-before w'.
 * Writes that are merely concurrent never make a read stale: the store picks one of them
 * by last-writer-wins, and either answer is causally consistent.
 */

export type OperationKind = 'put' | 'get' | 'delete'

export interface Operation {
  /** Position in the history, unique. */
  readonly id: number
  readonly client: string
  readonly kind: OperationKind
  readonly key: string
  /** put: the value written; get: the value read, null when absent (404); delete: null. */
  readonly value: string | null
  /** HTTP status, or null when no answer came (timeout, connection error). */
  readonly status: number | null
  readonly node: string
  /** Milliseconds (performance.now()) when the request was sent and when it ended. */
  readonly start: number
  readonly end: number
  readonly metadataSent: unknown
  /** The answer's causal-metadata, undefined when the answer had none. */
  readonly metadataReceived: unknown
  /** Why no answer came, when status is null. */
  readonly error?: string
}

/** Operations of every client of one test, in the order they ended. */
export class History {
  private readonly recorded: Operation[] = []

  record(op: Omit<Operation, 'id'>): Operation {
    const withId = {...op, id: this.recorded.length}
    this.recorded.push(withId)
    return withId
  }

  get operations(): readonly Operation[] {
    return this.recorded
  }
}

export type Guarantee =
  | 'read-your-writes'
  | 'monotonic-reads'
  | 'monotonic-writes'
  | 'writes-follow-reads'
  | 'thin-air' // a read returned a value no write to that key ever carried
  | 'causality-cycle' // a read returned a write that causally follows the read itself

export interface Violation {
  readonly guarantee: Guarantee
  readonly read: Operation
  /** One line naming the read, what it returned, and the write that makes it stale. */
  readonly explanation: string
}

/** What an answer tells the checker about an operation. */
type Role =
  | 'write' // acknowledged write: in session order and possibly read by others
  | 'maybe-write' // no definite answer: may have been applied (and read), never threaded
  | 'observation' // a read, or a DELETE that found the key absent (404)
  | 'none' // rejected or failed without effect: ignored

function roleOf(op: Operation): Role {
  const {kind, status} = op
  const answered = status !== null && status < 500
  if (kind === 'get') return status === 200 || status === 404 ? 'observation' : 'none'
  if (kind === 'delete' && status === 404) return 'observation'
  if (answered) return status >= 200 && status < 300 ? 'write' : 'none'
  return 'maybe-write'
}

/** Operations whose answer the client threaded into its next request. */
const isThreaded = (role: Role): boolean => role === 'write' || role === 'observation'

/** Returns every violation found; an empty list means the history is causally consistent. */
export function checkHistory(operations: readonly Operation[]): Violation[] {
  const ops = [...operations].sort((a, b) => a.start - b.start || a.id - b.id)
  const roles = ops.map(roleOf)
  const isWrite = (i: number): boolean => roles[i] === 'write' || roles[i] === 'maybe-write'

  const putByValue = new Map<string, number>()
  const writesOfKey = new Map<string, number[]>()
  ops.forEach((op, i) => {
    if (!isWrite(i)) return
    const sameKey = writesOfKey.get(op.key) ?? []
    sameKey.push(i)
    writesOfKey.set(op.key, sameKey)
    if (op.kind !== 'put') return
    const id = `${op.key}\u0000${op.value}`
    if (putByValue.has(id)) throw new Error(`history: value ${JSON.stringify(op.value)} written twice to ${op.key}; values must be unique`)
    putByValue.set(id, i)
  })
  const writeRead = (i: number): number | undefined =>
    ops[i].kind === 'get' && ops[i].status === 200 ? putByValue.get(`${ops[i].key}\u0000${ops[i].value}`) : undefined

  // The last threaded operation before each one in its session: through it the causal
  // past reaches the client's whole threaded history, because metadata is cumulative.
  const sessionPred = new Array<number>(ops.length).fill(-1)
  const lastThreaded = new Map<string, number>()
  ops.forEach((op, i) => {
    sessionPred[i] = lastThreaded.get(op.client) ?? -1
    if (isThreaded(roles[i])) lastThreaded.set(op.client, i)
  })

  const ancestors = transitiveAncestors(
    ops.map((_, i) => [sessionPred[i], writeRead(i) ?? -1].filter((p) => p >= 0)),
  )
  const before = (a: number, b: number): boolean => ancestors[b].has(a)
  const inPastOf = (j: number, i: number): boolean => sessionPred[i] >= 0 && (j === sessionPred[i] || before(j, sessionPred[i]))

  const violations: Violation[] = []
  ops.forEach((read, i) => {
    if (roles[i] !== 'observation') return
    const seen = writeRead(i)
    if (read.status === 200 && seen === undefined) {
      violations.push({guarantee: 'thin-air', read, explanation: `${describe(read)}, a value never written to ${read.key}`})
      return
    }
    if (seen !== undefined && before(i, seen)) {
      violations.push({
        guarantee: 'causality-cycle',
        read,
        explanation: `${describe(read)}, but that write (${describe(ops[seen])}) causally follows the read`,
      })
      return
    }
    const keyWrites = writesOfKey.get(read.key) ?? []
    const pastWrites = keyWrites.filter((w) => inPastOf(w, i))
    // What the read may have returned: the write it names; for an absent key the initial
    // state (-1, before every write) or any delete of the key.
    const sources = seen !== undefined ? [seen] : [-1, ...keyWrites.filter((w) => ops[w].kind === 'delete')]
    const overwriters = sources.map((source) => pastWrites.filter((w) => w !== source && (source === -1 || before(source, w))))
    if (overwriters.some((ws) => ws.length === 0)) return
    const witness = overwriters.flat().reduce((best, w) => (before(best, w) ? w : best))
    violations.push({
      guarantee: classify(i, witness),
      read,
      explanation: `${describe(read)}, but its causal past holds ${describe(ops[witness])}, which supersedes that`,
    })
  })
  return violations

  /** Names the guarantee by how the overwriting write entered the reader's causal past. */
  function classify(read: number, witness: number): Guarantee {
    if (ops[witness].client === ops[read].client) return 'read-your-writes'
    const writesReadEarlier: number[] = []
    for (let j = sessionPred[read]; j >= 0; j = sessionPred[j]) {
      const u = writeRead(j)
      if (u !== undefined) writesReadEarlier.push(u)
    }
    if (writesReadEarlier.includes(witness)) return 'monotonic-reads'
    const carrier = writesReadEarlier.find((u) => before(witness, u))
    return carrier !== undefined && ops[carrier].client === ops[witness].client ? 'monotonic-writes' : 'writes-follow-reads'
  }
}

function describe(op: Operation): string {
  const what =
    op.kind === 'get'
      ? `read ${op.key} -> ${op.value === null ? 'absent' : JSON.stringify(op.value)}`
      : op.kind === 'put'
        ? `put ${op.key}=${JSON.stringify(op.value)}`
        : `delete ${op.key}${op.status === 404 ? ' -> absent' : ''}`
  return `${op.client} ${what} at ${op.node} (op #${op.id}, ${op.status ?? 'no answer'})`
}

/** Fixed-size set of small integers, one bit each: ancestor sets stay O(n^2 / 32) words. */
class BitSet {
  private readonly words: Uint32Array
  constructor(size: number) {
    this.words = new Uint32Array((size + 31) >>> 5)
  }
  has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0
  }
  /** Adds `i` and every member of `other`; true when something was new. */
  addWith(i: number, other: BitSet): boolean {
    let changed = !this.has(i)
    this.words[i >>> 5] |= 1 << (i & 31)
    for (let w = 0; w < this.words.length; w++) {
      // >>> 0: bitwise results are signed, the stored words unsigned.
      const merged = (this.words[w] | other.words[w]) >>> 0
      if (merged !== this.words[w]) {
        this.words[w] = merged
        changed = true
      }
    }
    return changed
  }
}

/**
 * Ancestor sets of a graph given as predecessor lists, by fixpoint iteration: operations
 * are in start order, so nearly every edge points backwards and few passes are needed.
 * A cycle (impossible in a consistent history) just makes its members their own ancestors.
 */
function transitiveAncestors(preds: readonly number[][]): BitSet[] {
  const ancestors = preds.map(() => new BitSet(preds.length))
  let changed = true
  while (changed) {
    changed = false
    preds.forEach((ps, i) => {
      for (const p of ps) if (ancestors[i].addWith(p, ancestors[p])) changed = true
    })
  }
  return ancestors
}

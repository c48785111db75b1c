/**
 * A partition made by refusing one member's peer traffic (the test-only fault injection
 * seam, /admin/faults), not by pausing it: the isolated node keeps running and answering
 * clients, so both sides accept writes to the same keys at the same time. Real node
 * processes on loopback addresses; every node runs with KVS_FAULT_INJECTION=1.
 */
import {expect} from 'chai'

import {type Cluster, http, initialShards, Session, shardOfKey, startCluster} from '../support/cluster.js'
import {checkHistory, History} from '../support/history.js'
import {waitFor} from '../../src/wait-for.js'

const shards = 2
/** Three members per shard: the isolated one faces a side of two. */
const nodes = 6

describe('partition by refused peer traffic (real processes)', function () {
  this.timeout(120_000)
  let cluster: Cluster | undefined

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cluster) console.log(cluster.logTails(40))
    await cluster?.stopAll()
    cluster = undefined
  })

  it('keeps both sides writable, then converges to identical values and causal metadata, with no causal violation', async () => {
    const started = performance.now()
    const c = (cluster = await startCluster({nodes, shards, env: {KVS_FAULT_INJECTION: '1'}}))
    const members = initialShards(c.addresses, shards).get(1) as string[]
    const keys = Array.from({length: 16}, (_, i) => `p${i}`).filter((k) => shardOfKey(k, shards) === 1)
    expect(keys.length).to.equal(8)
    const history = new History()

    // Some history before the partition, written through every node.
    const before = new Session('before', history)
    for (const [i, k] of keys.entries()) await expectWritten(before.put(k, `before:${i}`, {node: c.addresses[i % nodes]}))

    const isolated = await waitFor(() => primaryOf(c.addresses[0], 1), {timeoutMs: 10_000, what: 'a primary for shard 1'})
    const majority = members.filter((m) => m !== isolated)
    const others = c.addresses.filter((a) => a !== isolated)
    expect((await admin(isolated, 'POST', {isolate: true})).status).to.equal(200)
    const cutAt = performance.now()

    // Both sides write the same keys concurrently; each side's writer threads its own
    // metadata, readers on each side read what their side wrote.
    const sideA = new Session('A', history)
    const sideB = new Session('B', history)
    const readerA = new Session('readerA', history)
    const readerB = new Session('readerB', history)
    const lastOn = {A: new Map<string, string>(), B: new Map<string, string>()}
    // Half the keys are written on both sides; of the others, each side writes its own, so
    // that reads after the heal have something to miss if a member served them too early.
    const written = {A: keys.slice(0, 6), B: [...keys.slice(0, 4), ...keys.slice(6)]}
    let cutOff = false
    const writeSide = async (side: 'A' | 'B', writer: Session, reader: Session, targets: readonly string[]) => {
      // At least 3 rounds, and on until every node has dropped the isolated one.
      for (let round = 1; round <= 3 || (!cutOff && round <= 300); round++) {
        for (const [i, k] of written[side].entries()) {
          const value = `${side}:${k}:${round}`
          await expectWritten(writer.put(k, value, {node: targets[(round + i) % targets.length]}))
          lastOn[side].set(k, value)
          const read = await reader.get(k, {node: targets[(round + i + 1) % targets.length]})
          expect(read.status, `${reader.name} GET ${k}: ${JSON.stringify(read.body)}`).to.equal(200)
          const seen = String(read.body.value)
          expect(seen.startsWith(`${side === 'A' ? 'B' : 'A'}:`), `${reader.name} read ${k} = ${seen} across the partition`).to.equal(false)
        }
      }
    }
    const viewsDropped = (async () => {
      await waitFor(async () => (await viewsHolding(others, isolated)).length === 0, {
        timeoutMs: 15_000,
        what: `every other node to drop the isolated ${isolated} from its view`,
      })
      await waitFor(async () => (await viewOf(isolated)).join(',') === isolated, {timeoutMs: 15_000, what: `${isolated} to see only itself`})
      return performance.now()
    })().finally(() => (cutOff = true))
    // Side A: the two other members and, by forwarding, the nodes of the other shard.
    await Promise.all([writeSide('A', sideA, readerA, others), writeSide('B', sideB, readerB, [isolated]), viewsDropped])
    const dropped = await viewsDropped
    const writesDone = performance.now()
    const faults = (await admin(isolated, 'GET')).body as {refusedCalls: {outbound: number; inbound: number}}
    expect(faults.refusedCalls.outbound, 'calls the isolated node could not make').to.be.greaterThan(0)
    expect(faults.refusedCalls.inbound, 'calls the isolated node refused').to.be.greaterThan(0)

    // Across the partition, a session's past cannot be served: the member waits for it
    // (it cannot pull) and answers 503 rather than older data.
    for (const [session, node, key] of [
      [sideA, isolated, written.A[5]],
      [sideB, majority[0], written.B[5]],
    ] as const) {
      const answer = await session.get(key, {node})
      expect({status: answer.status, ...answer.body}, `${session.name} GET ${key} at ${node} across the partition`).to.deep.equal({
        status: 503,
        error: 'Unable to satisfy request',
        message: 'Error in GET',
        code: 'UNAVAILABLE',
      })
    }

    expect((await admin(isolated, 'DELETE')).body).to.include({isolate: false})
    const healedAt = performance.now()

    // Right after the heal, every session reads every key at every member of the shard:
    // a member must catch up before it answers (or answer 503), never return older data.
    for (const session of [sideA, sideB, readerA, readerB]) {
      for (const k of keys) for (const m of members) await session.get(k, {node: m}).catch(() => undefined)
    }

    await waitFor(async () => (await viewsHolding(c.addresses, isolated)).length === nodes, {
      timeoutMs: 15_000,
      what: `${isolated} to reappear in every view`,
    })
    const back = performance.now()
    const finals = await waitFor(
      async () => {
        const differing: string[] = []
        const values = new Map<string, string>()
        for (const k of keys) {
          const copies = await Promise.all(members.map((m) => readAt(m, k)))
          if (copies.some((copy) => copy.status !== 200 || copy.value !== copies[0].value || canonical(copy.metadata) !== canonical(copies[0].metadata))) {
            differing.push(`${k}: ${members.map((m, i) => `${m} ${copies[i].status} ${copies[i].value} ${canonical(copies[i].metadata)}`).join(' | ')}`)
          }
          values.set(k, copies[0].value as string)
        }
        if (differing.length > 0) throw new Error(`members differ on ${differing.length} keys: ${differing.slice(0, 3).join('; ')}`)
        return values
      },
      {timeoutMs: 15_000, intervalMs: 250, what: `${members.join(', ')} to hold identical values and causal metadata`},
    )
    const converged = performance.now()
    for (const k of keys) {
      const candidates = [lastOn.A.get(k), lastOn.B.get(k)].filter((v) => v !== undefined)
      expect(finals.get(k), `${k}: the last write, or one of the two concurrent last writes`).to.be.oneOf(candidates)
    }
    // The same final copy through every node, the other shard's included (forwarded).
    for (const session of [sideA, sideB, readerA, readerB]) {
      for (const k of keys) {
        const answer = await session.get(k, {node: c.addresses[Math.floor(Math.random() * nodes)]})
        expect(`${answer.status} ${answer.body.value}`, `${session.name} GET ${k} after convergence`).to.equal(`200 ${finals.get(k)}`)
      }
    }

    const violations = checkHistory(history.operations).map((v) => `${v.guarantee}: ${v.explanation}`)
    expect(violations).to.deep.equal([])
    const ms = (t: number) => Math.round(t)
    console.log(
      `      partition of ${isolated} (majority ${majority.join(', ')}): ${history.operations.length} operations; ` +
        `view drop confirmed ${ms(dropped - cutAt)} ms after the cut, writes on both sides for ${ms(writesDone - cutAt)} ms; ` +
        `after the heal: back in every view ${ms(back - healedAt)} ms, converged ${ms(converged - healedAt)} ms; test ${ms(performance.now() - started)} ms`,
    )
  })
})

/** The harness's http() speaks only GET/PUT/DELETE; /admin/faults needs POST too. */
async function admin(node: string, method: 'GET' | 'POST' | 'DELETE', body?: unknown): Promise<{status: number; body: Record<string, unknown>}> {
  const res = await fetch(`http://${node}/admin/faults`, {
    method,
    headers: body === undefined ? {} : {'content-type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  })
  return {status: res.status, body: (await res.json()) as Record<string, unknown>}
}

async function expectWritten(answer: Promise<{status: number; body: Record<string, unknown>; op: {key: string; node: string; value: string | null}}>): Promise<void> {
  const {status, body, op} = await answer
  expect(status, `PUT ${op.key}=${op.value} at ${op.node}: ${JSON.stringify(body)}`).to.be.oneOf([200, 201])
}

async function readAt(node: string, key: string): Promise<{status: number; value: unknown; metadata: unknown}> {
  const answer = await http(node, 'GET', `/key-value-store/${encodeURIComponent(key)}`, {'causal-metadata': ''})
  return {status: answer.status, value: answer.body.value, metadata: answer.body['causal-metadata']}
}

async function primaryOf(askAt: string, shard: number): Promise<string> {
  const {body} = await http(askAt, 'GET', '/admin/status', undefined, {timeoutMs: 3_000})
  const entries = body.nodes as Array<{address: string; shardId: number | null; primary: boolean}>
  const primary = entries.find((n) => n.shardId === shard && n.primary)
  if (!primary) throw new Error(`${askAt} reports no primary for shard ${shard}`)
  return primary.address
}

async function viewOf(node: string): Promise<string[]> {
  const {body} = await http(node, 'GET', '/key-value-store-view', undefined, {timeoutMs: 3_000})
  return String(body.view).split(',').sort()
}

async function viewsHolding(askAt: readonly string[], node: string): Promise<string[]> {
  const views = await Promise.all(askAt.map(viewOf))
  return askAt.filter((_, i) => views[i].includes(node))
}

/** JSON with object keys sorted: metadata compares as parsed JSON, key order free. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, w]) => [k, sort(w)])) : v
  return JSON.stringify(sort(value))
}

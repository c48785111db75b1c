/**
 * Reshards while clients run (DESIGN.md section 6), on real node processes: sessions that
 * thread causal metadata write and read through one node each, with no retries, and the
 * history checker judges every answer. A reshard must cost them no failed request, no
 * stale read and no lost write, and leave key counts that add up exactly. The same with a
 * SIGKILL of the coordinator or of a receiving node in the middle of the copy, and with an
 * operator's abort; and an add-member, whose newcomer copies the shard before it joins: the old layout stays in force, nothing is lost, and a reshard after it
 * works. The copy is slowed through the test-only fault seam (slowCalls) so that the kills
 * and the abort land in the middle of it.
 */
import {expect} from 'chai'

import {type Cluster, http, Session, startCluster} from '../support/cluster.js'
import {checkHistory, History, type Operation} from '../support/history.js'
import {waitFor} from '../../src/wait-for.js'

const nodes = 6
const preloaded = 3000

interface Traffic {
  readonly history: History
  /** Requests that failed: no answer, a 5xx, or a 404 for a key that exists. */
  readonly failures: string[]
  /** The value each writer last had acknowledged, per key. */
  readonly acknowledged: Map<string, string>
  longestMs: number
  stop(): Promise<void>
}

/**
 * Four writer sessions (each on its own node, own keys, reading the others' keys too) and
 * two readers of preloaded keys, each request to one fixed node, until stopped.
 */
function runTraffic(entry: readonly string[], history: History): Traffic {
  const failures: string[] = []
  const acknowledged = new Map<string, string>()
  let running = true
  const traffic: Traffic = {history, failures, acknowledged, longestMs: 0, stop: async () => {}}
  const note = (op: Operation, ok: boolean, why?: unknown) => {
    traffic.longestMs = Math.max(traffic.longestMs, op.end - op.start)
    if (!ok) failures.push(`${op.client} ${op.kind} ${op.key} at ${op.node}: ${op.status ?? op.error} ${JSON.stringify(why ?? '')}`)
  }
  const send = async (work: () => Promise<{op: Operation; status: number; body: unknown}>, ok: (status: number) => boolean) => {
    try {
      const answer = await work()
      note(answer.op, ok(answer.status), answer.body)
    } catch {
      const op = history.operations.at(-1) as Operation
      note(op, false)
    }
  }
  const writer = async (w: number) => {
    const session = new Session(`writer${w}`, history)
    const node = entry[w % entry.length]
    for (let seq = 0; running; seq++) {
      const key = `w${w}-${seq % 12}`
      const value = `writer${w}:${seq}`
      await send(() => session.put(key, value, {node}), (s) => s === 200 || s === 201)
      if (history.operations.at(-1)?.status === 200 || history.operations.at(-1)?.status === 201) acknowledged.set(key, value)
      // Read one of its own keys and one of another writer's (writes-follow-reads across shards).
      await send(() => session.get(`w${w}-${(seq * 7) % 12}`, {node}), (s) => s === 200 || s === 404)
      await send(() => session.get(`w${(w + 1) % 4}-${seq % 12}`, {node}), (s) => s === 200 || s === 404)
    }
  }
  const reader = async (r: number) => {
    const session = new Session(`reader${r}`, history)
    const node = entry[(r + 4) % entry.length]
    for (let i = r; running; i += 7) await send(() => session.get(`pre${i % preloaded}`, {node}), (s) => s === 200)
  }
  const loops = [0, 1, 2, 3].map(writer).concat([0, 1].map(reader))
  traffic.stop = async () => {
    running = false
    await Promise.all(loops)
  }
  return traffic
}

/**
 * Writes the preloaded keys in batches of one loader session (the bulk route: a reshard
 * copies batch writes as any other), one batch through each node, and records each key as
 * one put of that session in a new history, so the checker knows what readers may see.
 */
async function preload(c: Cluster): Promise<History> {
  const history = new History()
  const lanes = c.addresses.length
  let metadata: unknown = ''
  for (let lane = 0; lane < lanes; lane++) {
    const indexes = Array.from({length: preloaded}, (_, i) => i).filter((i) => i % lanes === lane)
    const node = c.addresses[lane]
    const start = performance.now()
    const metadataSent = metadata
    const res = await http(node, 'POST', '/key-value-store-batch', {ops: indexes.map((i) => ({op: 'put', key: `pre${i}`, value: `v${i}`})), 'causal-metadata': metadataSent}, {timeoutMs: 30_000})
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).to.equal(200)
    const results = res.body.results as Array<{status: number}>
    expect(results.map((r) => r.status)).to.deep.equal(indexes.map(() => 201))
    metadata = res.body['causal-metadata']
    const end = performance.now()
    for (const i of indexes) {
      history.record({client: 'loader', kind: 'put', key: `pre${i}`, value: `v${i}`, status: 201, node, start, end, metadataSent, metadataReceived: metadata})
    }
  }
  return history
}

/** Shard ids and key counts as `node` answers them; asserts that the `live` members of a shard agree on its count. */
async function layout(node: string, live: readonly string[]): Promise<{ids: number[]; total: number}> {
  const ids = (await http(node, 'GET', '/key-value-store-shard/shard-ids')).body['shard-ids'] as number[]
  let total = 0
  for (const id of ids) {
    const listed = (await http(node, 'GET', `/key-value-store-shard/shard-id-members/${id}`)).body['shard-id-members'] as string[]
    const members = listed.filter((m) => live.includes(m))
    const counts = await Promise.all(
      members.map(async (m) => (await http(m, 'GET', `/key-value-store-shard/shard-id-key-count/${id}`)).body['shard-id-key-count']),
    )
    expect(new Set(counts).size, `members of shard ${id} agree on its key count: ${members} -> ${counts}`).to.equal(1)
    total += counts[0] as number
  }
  return {ids, total}
}

/** Waits until every listed node reports `shardCount` shards and members agree on counts adding up to `keys`. */
async function settled(live: readonly string[], shardCount: number, keys: number): Promise<void> {
  await waitFor(
    async () => {
      for (const node of live) {
        const {ids, total} = await layout(node, live)
        if (ids.length !== shardCount || total !== keys) return false
      }
      return true
    },
    {timeoutMs: 30_000, intervalMs: 300, what: `every node to see ${shardCount} shards holding ${keys} keys`},
  )
}

/** Every preloaded key and every acknowledged write reads back with its value, from `node` (in batches of gets). */
async function nothingLost(node: string, acknowledged: ReadonlyMap<string, string>): Promise<void> {
  const expected = new Map<string, string>([...Array.from({length: preloaded}, (_, i) => [`pre${i}`, `v${i}`] as [string, string]), ...acknowledged])
  const entries = [...expected]
  const wrong: string[] = []
  for (let first = 0; first < entries.length; first += 1000) {
    const part = entries.slice(first, first + 1000)
    const res = await http(node, 'POST', '/key-value-store-batch', {ops: part.map(([key]) => ({op: 'get', key})), 'causal-metadata': ''}, {timeoutMs: 30_000})
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).to.equal(200)
    const results = res.body.results as Array<{status: number; value?: string}>
    part.forEach(([key, value], i) => {
      if (results[i].status !== 200 || results[i].value !== value) wrong.push(`${key}: ${results[i].status} ${String(results[i].value)} (expected ${value})`)
    })
  }
  expect(wrong, 'acknowledged writes that read back wrong').to.deep.equal([])
}

/** No request failed and the history checker finds no causal violation. */
function expectServedWell(traffic: Traffic): void {
  expect(traffic.failures).to.deep.equal([])
  expect(checkHistory(traffic.history.operations).map((v) => `${v.guarantee}: ${v.explanation}`)).to.deep.equal([])
}

/** Every `live` node sees `shardCount` shards holding every key written, and `reader` reads each back; returns the key count. */
async function expectEveryKey(live: readonly string[], shardCount: number, traffic: Traffic, reader: string): Promise<number> {
  const keys = preloaded + traffic.acknowledged.size
  await settled(live, shardCount, keys)
  await nothingLost(reader, traffic.acknowledged)
  return keys
}

const slowCopy = (c: Cluster, ms: number) =>
  Promise.all(c.live.map((a) => http(a, 'POST', '/admin/faults', {slowCalls: ms > 0 ? {path: '/internal/reshard/snapshot', ms} : null})))

describe('reshard and add-member while clients run (real processes)', function () {
  this.timeout(180_000)
  let cluster: Cluster | undefined

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cluster) console.log(cluster.logTails(60))
    await cluster?.stopAll()
    cluster = undefined
  })

  it('reshards 2 -> 3 -> 2 under causal sessions: no failed request, no violation, exact key counts', async () => {
    const c = (cluster = await startCluster({nodes, shards: 2}))
    const traffic = runTraffic(c.addresses, await preload(c))
    // Let the sessions build some history first (the history starts with the preloaded puts).
    await waitFor(() => traffic.history.operations.length > preloaded + 200, {timeoutMs: 30_000, what: '200 operations before the reshard'})
    const up = await http(c.addresses[5], 'PUT', '/key-value-store-shard/reshard', {'shard-count': 3}, {timeoutMs: 60_000})
    expect(up.status, JSON.stringify(up.body)).to.equal(200)
    const mid = traffic.history.operations.length
    await waitFor(() => traffic.history.operations.length > mid + 200, {timeoutMs: 30_000, what: '200 operations between the reshards'})
    const down = await http(c.addresses[2], 'PUT', '/key-value-store-shard/reshard', {'shard-count': 2}, {timeoutMs: 60_000})
    expect(down.status, JSON.stringify(down.body)).to.equal(200)
    const end = traffic.history.operations.length
    await waitFor(() => traffic.history.operations.length > end + 200, {timeoutMs: 30_000, what: '200 operations after the reshards'})
    await traffic.stop()

    const status = (await http(c.addresses[2], 'GET', '/admin/status')).body.reshard as Record<string, unknown>
    console.log(
      `      ${traffic.history.operations.length} requests; longest ${Math.round(traffic.longestMs)} ms; last reshard: ${status.moved} keys, pause ${status.pauseMs} ms`,
    )
    expect(status).to.include({phase: 'done'})
    expectServedWell(traffic)
    await expectEveryKey(c.addresses, 2, traffic, c.addresses[0])
  })

  it('rolls back when a receiving node is killed mid-copy, loses nothing, and reshards afterwards', async () => {
    const c = (cluster = await startCluster({nodes, shards: 2, env: {KVS_FAULT_INJECTION: '1'}}))
    const history = await preload(c)
    await slowCopy(c, 1500)
    const [coordinator, victim] = [c.addresses[0], c.addresses[3]]
    const survivors = c.addresses.filter((a) => a !== victim)
    const traffic = runTraffic(survivors, history)
    const answer = http(coordinator, 'PUT', '/key-value-store-shard/reshard', {'shard-count': 3}, {timeoutMs: 60_000})
    await waitFor(async () => (await http(victim, 'GET', '/admin/status')).body.reshardCopy, {timeoutMs: 10_000, what: 'the copy to begin'})
    await c.kill(victim, 'SIGKILL')
    const res = await answer
    expect(res.status, JSON.stringify(res.body)).to.be.at.least(400)
    await traffic.stop()

    expectServedWell(traffic)
    const keys = await expectEveryKey(survivors, 2, traffic, survivors[0])

    await c.startNode(victim)
    await slowCopy(c, 0)
    await waitFor(async () => (await http(coordinator, 'GET', '/key-value-store-view')).body.view?.toString().includes(victim), {
      timeoutMs: 20_000,
      what: `${victim} back in the view`,
    })
    const again = await http(coordinator, 'PUT', '/key-value-store-shard/reshard', {'shard-count': 3}, {timeoutMs: 60_000})
    expect(again.status, JSON.stringify(again.body)).to.equal(200)
    await settled(c.addresses, 3, keys)
    await nothingLost(victim, traffic.acknowledged)
  })

  it('rolls back when the coordinator is killed mid-copy and another node aborts; an operator abort too', async () => {
    const c = (cluster = await startCluster({nodes, shards: 2, env: {KVS_FAULT_INJECTION: '1'}}))
    const history = await preload(c)
    await slowCopy(c, 1500)
    const coordinator = c.addresses[1]
    const survivors = c.addresses.filter((a) => a !== coordinator)
    const traffic = runTraffic(survivors, history)
    void http(coordinator, 'PUT', '/key-value-store-shard/reshard', {'shard-count': 3}, {timeoutMs: 60_000}).catch(() => undefined)
    await waitFor(async () => (await http(survivors[0], 'GET', '/admin/status')).body.reshardCopy, {timeoutMs: 10_000, what: 'the copy to begin'})
    await c.kill(coordinator, 'SIGKILL')
    const abort = await http(survivors[2], 'POST', '/admin/reshard/abort')
    expect(abort.status).to.equal(200)
    expect(abort.body).to.include({aborted: true})
    for (const node of survivors) expect((await http(node, 'GET', '/admin/status')).body.reshardCopy, node).to.equal(null)

    // An operator abort of a reshard whose coordinator is alive: its request fails with 409.
    await waitFor(async () => !JSON.stringify((await http(survivors[0], 'GET', '/key-value-store-view')).body).includes(coordinator), {
      timeoutMs: 20_000,
      what: `${survivors[0]} to see ${coordinator} down`,
    })
    const second = http(survivors[0], 'PUT', '/key-value-store-shard/reshard', {'shard-count': 2}, {timeoutMs: 60_000})
    await waitFor(async () => (await http(survivors[1], 'GET', '/admin/status')).body.reshardCopy, {timeoutMs: 10_000, what: 'the second copy'})
    expect((await http(survivors[0], 'POST', '/admin/reshard/abort')).body).to.include({aborted: true})
    expect((await second).status).to.equal(409)
    await traffic.stop()

    expectServedWell(traffic)
    const keys = await expectEveryKey(survivors, 2, traffic, survivors[0])
    await c.startNode(coordinator)
    await slowCopy(c, 0)
    // A reshard to 3 needs all six nodes up, as the node asked sees them.
    await waitFor(async () => (await http(survivors[3], 'GET', '/key-value-store-view')).body.view?.toString().includes(coordinator), {
      timeoutMs: 20_000,
      what: `${coordinator} back in the view`,
    })
    const again = await http(survivors[3], 'PUT', '/key-value-store-shard/reshard', {'shard-count': 3}, {timeoutMs: 60_000})
    expect(again.status, JSON.stringify(again.body)).to.equal(200)
    await settled(c.addresses, 3, keys)
  })

  it('rolls back by itself when the coordinator dies mid-copy and nobody aborts', async () => {
    const c = (cluster = await startCluster({nodes, shards: 2, env: {KVS_FAULT_INJECTION: '1'}}))
    const history = await preload(c)
    await slowCopy(c, 1500)
    const coordinator = c.addresses[4]
    const survivors = c.addresses.filter((a) => a !== coordinator)
    const traffic = runTraffic(survivors, history)
    void http(coordinator, 'PUT', '/key-value-store-shard/reshard', {'shard-count': 3}, {timeoutMs: 60_000}).catch(() => undefined)
    await waitFor(async () => (await http(survivors[0], 'GET', '/admin/status')).body.reshardCopy, {timeoutMs: 10_000, what: 'the copy to begin'})
    await c.kill(coordinator, 'SIGKILL')
    // Each node resolves alone once the coordinator has been silent for 15 s: no peer has
    // the new layout, so it aborts.
    await waitFor(
      async () => {
        for (const node of survivors) if ((await http(node, 'GET', '/admin/status')).body.reshardCopy !== null) return false
        return true
      },
      {timeoutMs: 40_000, intervalMs: 500, what: 'every survivor to drop its pending copy'},
    )
    await traffic.stop()
    expectServedWell(traffic)
    await expectEveryKey(survivors, 2, traffic, survivors[1])
  })

  it('rolls back a reshard whose copy does not catch up within the timeout, and loses nothing', async () => {
    const c = (cluster = await startCluster({nodes, shards: 2, env: {KVS_FAULT_INJECTION: '1', KVS_RESHARD_TIMEOUT: '1'}}))
    const history = await preload(c)
    await slowCopy(c, 1500)
    const traffic = runTraffic(c.addresses, history)
    const res = await http(c.addresses[0], 'PUT', '/key-value-store-shard/reshard', {'shard-count': 3}, {timeoutMs: 60_000})
    await traffic.stop()
    expect(res.status).to.equal(503)
    const status = (await http(c.addresses[0], 'GET', '/admin/status')).body as {reshard: {phase: string; error: string}}
    expect(status.reshard.phase).to.equal('aborted')
    expect(status.reshard.error).to.contain('did not finish copying in time')
    for (const node of c.addresses) expect((await http(node, 'GET', '/admin/status')).body.reshardCopy, node).to.equal(null)
    expectServedWell(traffic)
    await expectEveryKey(c.addresses, 2, traffic, c.addresses[1])
  })

  it('adds a member under causal sessions: it copies before joining, no failed request, no violation', async () => {
    const c = (cluster = await startCluster({nodes, shards: 2, spares: 1}))
    const history = await preload(c)
    const newcomer = c.spares[0]
    await c.startNode(newcomer, {view: [...c.addresses, newcomer]})
    const traffic = runTraffic(c.addresses, history)
    await waitFor(() => traffic.history.operations.length > preloaded + 200, {timeoutMs: 30_000, what: '200 operations before add-member'})
    const added = await http(c.addresses[4], 'PUT', '/key-value-store-shard/add-member/1', {'socket-address': newcomer}, {timeoutMs: 60_000})
    expect(added.status, JSON.stringify(added.body)).to.equal(200)
    const after = traffic.history.operations.length
    await waitFor(() => traffic.history.operations.length > after + 200, {timeoutMs: 30_000, what: '200 operations after add-member'})
    await traffic.stop()
    console.log(`      ${traffic.history.operations.length - preloaded} requests; longest ${Math.round(traffic.longestMs)} ms`)

    expectServedWell(traffic)
    await expectEveryKey([...c.addresses, newcomer], 2, traffic, newcomer)
    // On joining it pulled only the writes made since its copy, not the shard's history.
    const {catchUp} = (await http(newcomer, 'GET', '/admin/status')).body as {catchUp: {ops: number; transfers: number}}
    expect(catchUp.transfers).to.equal(0)
    expect(catchUp.ops, 'ops pulled on joining').to.be.below(preloaded)
  })
})

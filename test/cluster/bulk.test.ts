/**
 * Bulk data on 4 real nodes in 2 shards: the batch route's causal guarantees (a batch reads
 * its session's writes on a replica that missed them; its answer covers every write it
 * made), a scan paged across both shards, a `kvs load` -> `kvs dump` round trip, and a
 * node SIGKILLed during a load losing no acknowledged write.
 */
import {expect} from 'chai'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {KvsCli} from '../e2e/kvs-cli.js'
import {http, initialShards, shardOfKey, startCluster, type Cluster} from '../support/cluster.js'
import {waitFor} from '../../src/wait-for.js'

type Results = Array<{status: number; value?: string}>

const ndjson = (entries: ReadonlyArray<readonly [string, string]>) => entries.map(([key, value]) => `${JSON.stringify({key, value})}\n`).join('')

function parseDump(text: string): Map<string, string> {
  const dumped = new Map<string, string>()
  for (const line of text.split('\n').filter(Boolean)) {
    const {key, value} = JSON.parse(line) as {key: string; value: string}
    expect(dumped.has(key), `${key} dumped once`).to.equal(false)
    dumped.set(key, value)
  }
  return dumped
}

describe('bulk data on 4 real nodes in 2 shards', function () {
  this.timeout(120_000)
  let cluster: Cluster
  let shards: Map<number, string[]>
  let home: string
  let cli: KvsCli
  const nodeList = () => cluster.addresses.join(',')

  before(async () => {
    cluster = await startCluster({nodes: 4, shards: 2})
    shards = initialShards(cluster.addresses, 2)
    home = await mkdtemp(join(tmpdir(), 'kvs-bulk-'))
    cli = new KvsCli(home)
  })
  after(async () => {
    await cluster?.stopAll()
    if (home) await rm(home, {recursive: true, force: true})
  })
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(cluster.logTails(30))
  })

  const batch = async (node: string, ops: unknown[], meta: unknown = '') => {
    const res = await http(node, 'POST', '/key-value-store-batch', {ops, 'causal-metadata': meta}, {timeoutMs: 20_000})
    return {status: res.status, results: res.body.results as Results, meta: res.body['causal-metadata']}
  }

  it('a batch read on a replica that missed the session\'s write waits for it and sees it', async () => {
    const [a, b] = shards.get(1) as string[]
    const key = 'causal-read'
    expect(shardOfKey(key, 2)).to.equal(1)
    cluster.pause(b)
    let meta: unknown
    try {
      const put = await http(a, 'PUT', `/key-value-store/${key}`, {value: 'seen', 'causal-metadata': ''}, {timeoutMs: 10_000})
      expect(put.status).to.equal(201)
      meta = put.body['causal-metadata']
    } finally {
      cluster.resume(b)
    }
    // b serves its own shard's part itself: it must first apply the write the metadata names.
    const read = await batch(b, [{op: 'get', key}, {op: 'get', key: 'causal-none'}], meta)
    expect(read.status).to.equal(200)
    expect(read.results).to.deep.equal([{status: 200, value: 'seen'}, {status: 404}])
  })

  it('a batch\'s answer covers every write it made, in both shards, at every replica', async () => {
    const keys = Array.from({length: 40}, (_, i) => `covered-${i}`)
    const paused = [(shards.get(1) as string[])[1], (shards.get(2) as string[])[1]]
    for (const p of paused) cluster.pause(p)
    let written: Awaited<ReturnType<typeof batch>>
    try {
      written = await batch((shards.get(1) as string[])[0], keys.map((key) => ({op: 'put', key, value: key.toUpperCase()})))
    } finally {
      for (const p of paused) cluster.resume(p)
    }
    expect(written.status).to.equal(200)
    expect(written.results.every((r) => r.status === 201)).to.equal(true)
    // The members that were paused missed every write: reading with the batch's metadata must
    // see each. Until such a member has caught up it may answer 503 (it cannot serve that past
    // yet, and says so); on a starved host that can outlast one causal wait, so a read is
    // repeated while it answers 503, and the first other answer must show the writes.
    const served = async <T extends {status: number}>(what: string, read: () => Promise<T>): Promise<T> => {
      const answer = await waitFor(async () => {
        const a = await read()
        return a.status === 503 ? null : a
      }, {timeoutMs: 30_000, what})
      return answer as T
    }
    for (const node of paused) {
      const read = await served(`${node} to serve the batch's reads`, () => batch(node, keys.map((key) => ({op: 'get', key})), written.meta))
      expect(read.status).to.equal(200)
      expect(read.results.map((r) => r.value)).to.deep.equal(keys.map((k) => k.toUpperCase()))
      for (const key of keys.filter((k) => initialShards(cluster.addresses, 2).get(shardOfKey(k, 2))?.includes(node))) {
        const single = await served(`${node} to serve ${key}`, () => http(node, 'GET', `/key-value-store/${key}`, {'causal-metadata': written.meta}))
        expect(single.status, key).to.equal(200)
        expect(single.body.value, key).to.equal(key.toUpperCase())
      }
    }
  })

  it('a scan pages across both shards through any node: every live key with the prefix once', async () => {
    const keys = Array.from({length: 300}, (_, i) => `page-${i}`)
    const {status, meta} = await batch(cluster.addresses[0], keys.map((key) => ({op: 'put', key, value: `v${key}`})))
    expect(status).to.equal(200)
    const deleted = await batch(cluster.addresses[1], [{op: 'delete', key: 'page-7'}, {op: 'put', key: 'pagX', value: 'no'}], meta)
    expect(deleted.status).to.equal(200)
    const seen: string[] = []
    const shardsSeen = new Set<number>()
    let cursor: string | null = null
    let pages = 0
    do {
      const node = cluster.addresses[pages % 4]
      const res = await http(node, 'POST', '/key-value-store-scan', {prefix: 'page-', limit: 37, values: true, 'causal-metadata': deleted.meta, ...(cursor ? {cursor} : {})})
      expect(res.status, JSON.stringify(res.body)).to.equal(200)
      const page = res.body.keys as string[]
      expect(page.length).to.be.at.most(37)
      page.forEach((key, i) => expect((res.body.values as string[])[i]).to.equal(`v${key}`))
      for (const key of page) shardsSeen.add(shardOfKey(key, 2))
      seen.push(...page)
      cursor = res.body.cursor as string | null
      pages++
    } while (cursor)
    expect(seen.length, 'no key twice').to.equal(new Set(seen).size)
    expect(new Set(seen)).to.deep.equal(new Set(keys.filter((k) => k !== 'page-7')))
    expect(shardsSeen).to.deep.equal(new Set([1, 2]))
    expect(pages).to.be.at.least(Math.ceil(299 / 37))
  })

  it('kvs load then kvs dump gives back 10,000 keys exactly', async () => {
    const entries = Array.from({length: 10_000}, (_, i) => [`round-${i}`, `value ${i} "quoted" \\ é`] as const)
    const file = join(home, 'round.ndjson')
    await writeFile(file, ndjson(entries))
    const load = await cli.json<{keys: number}>(['load', file, '--node', nodeList()])
    expect(load.code, load.stderr).to.equal(0)
    expect(load.doc.keys).to.equal(10_000)
    const dump = await cli.run(['dump', '--prefix', 'round-', '--node', nodeList()])
    expect(dump.code, dump.stderr).to.equal(0)
    expect(parseDump(dump.stdout)).to.deep.equal(new Map(entries))
  })

  it('a node SIGKILLed during a load loses no acknowledged write: the load ends well and every key is on every member', async () => {
    const entries = Array.from({length: 40_000}, (_, i) => [`kill-${i}`, `v${i}`] as const)
    const file = join(home, 'kill.ndjson')
    await writeFile(file, ndjson(entries))
    const victim = (shards.get(2) as string[])[0]
    let finished = false
    const load = cli.json<{keys: number}>(['load', file, '--node', nodeList()]).finally(() => (finished = true))
    // Kill once the load has written some keys of the victim's shard.
    await waitFor(async () => ((await http(victim, 'GET', '/key-value-store-shard/shard-id-key-count/2')).body['shard-id-key-count'] as number) > 2000, {
      timeoutMs: 60_000,
      intervalMs: 50,
      what: 'the load to be under way',
    })
    await cluster.kill(victim, 'SIGKILL')
    expect(finished, 'the load was still running when the node was killed').to.equal(false)
    const {code, doc, stderr} = await load
    expect(code, stderr).to.equal(0)
    expect(doc.keys).to.equal(40_000)
    await cluster.startNode(victim)
    const dump = await cli.run(['dump', '--prefix', 'kill-', '--node', nodeList()])
    expect(dump.code, dump.stderr).to.equal(0)
    expect(parseDump(dump.stdout)).to.deep.equal(new Map(entries))
    // The restarted member recovered its log and caught up: it holds every key of its shard.
    const expected = entries.filter(([k]) => shardOfKey(k, 2) === 2).length
    for (const member of shards.get(2) as string[]) {
      await waitFor(async () => (await prefixCount(member, 2, 'kill-')) === expected, {timeoutMs: 30_000, what: `${member} to hold all ${expected} keys of its shard`})
    }
  })
})

/** Keys with `prefix` in `member`'s own replica of `shard`, paged through its snapshot (the peer scan call). */
async function prefixCount(member: string, shard: number, prefix: string): Promise<number> {
  let count = 0
  let snapshot: string | undefined
  let offset: number | null = 0
  while (offset !== null) {
    const body: Record<string, unknown> = {shard, layout: 1, meta: null, prefix, offset, limit: 10_000, maxBytes: 4 * 1024 * 1024, values: false}
    if (snapshot) body.snapshot = snapshot
    const res = await http(member, 'POST', '/internal/scan', body, {timeoutMs: 20_000})
    expect(res.status, JSON.stringify(res.body)).to.equal(200)
    count += (res.body.keys as string[]).length
    snapshot = res.body.snapshot as string
    offset = res.body.next as number | null
  }
  return count
}

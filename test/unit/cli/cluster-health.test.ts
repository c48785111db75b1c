import {expect} from 'chai'
import type {AdminStatus} from '../../../src/client/api-types.js'
import {assessHealth} from '../../../src/client/cluster-health.js'

const layout = [
  {address: 'A', shardId: 1},
  {address: 'B', shardId: 2},
  {address: 'C', shardId: 1},
  {address: 'D', shardId: 2},
]

function own(address: string, shardId: number | null, extra: Partial<AdminStatus> = {}): AdminStatus {
  return {
    address,
    epoch: 3,
    shardId,
    shardCount: 2,
    primary: false,
    keys: 10,
    appliedWrites: 10,
    nodes: layout.map((n) => ({...n, state: 'up', primary: false})),
    reshard: null,
    ...extra,
  }
}

const answersFrom = (...statuses: Array<AdminStatus | [string, null]>) =>
  new Map(statuses.map((s) => (Array.isArray(s) ? s : [s.address, s])))

describe('cluster health', () => {
  it('healthy: every node up, one epoch, nothing moving', () => {
    const health = assessHealth(layout, 2, answersFrom(own('A', 1), own('B', 2), own('C', 1), own('D', 2)))
    expect(health.verdict).to.equal('healthy')
    expect(health.reasons).to.deep.equal([])
    expect(health.nodes.map((n) => n.state)).to.deep.equal(['up', 'up', 'up', 'up'])
  })

  it('degraded: a node down leaves its shard with one live member', () => {
    const health = assessHealth(layout, 2, answersFrom(own('A', 1), own('B', 2), ['C', null], own('D', 2)))
    expect(health.verdict).to.equal('degraded')
    expect(health.reasons).to.deep.equal(['1 of 4 nodes down', 'shard 1 has only one live member'])
    expect(health.nodes[2]).to.deep.equal({address: 'C', shardId: 1, primary: false, state: 'down', keys: null, epoch: null})
  })

  it('degraded: nodes disagree on the epoch', () => {
    const health = assessHealth(layout, 2, answersFrom(own('A', 1), own('B', 2, {epoch: 4}), own('C', 1), own('D', 2)))
    expect(health.verdict).to.equal('degraded')
    expect(health.reasons).to.deep.equal(['nodes disagree on the epoch (3, 4)'])
  })

  it('degraded: a node cannot reach a peer that answers us (a partition)', () => {
    const blind = own('A', 1, {nodes: layout.map((n) => ({...n, state: n.address === 'D' ? 'down' : 'up', primary: false}))})
    const health = assessHealth(layout, 2, answersFrom(blind, own('B', 2), own('C', 1), own('D', 2)))
    expect(health.reasons).to.deep.equal(['A cannot reach D'])
  })

  const progress = {epoch: 3, moved: 5, total: 40, keysPerSecond: 10, etaSeconds: 4, pauseMs: null, startedAt: 1_700_000_000_000}

  it('degraded: a reshard is under way', () => {
    const copying = own('B', 2, {reshard: {...progress, phase: 'copying'}})
    const health = assessHealth(layout, 2, answersFrom(own('A', 1), copying, own('C', 1), own('D', 2)))
    expect(health.verdict).to.equal('degraded')
    expect(health.reshard).to.deep.equal({...progress, phase: 'copying'})
  })

  it('healthy: a coordinator still shows the reshard it finished or aborted', () => {
    for (const phase of ['done', 'aborted'] as const) {
      const ended = own('B', 2, {reshard: {...progress, phase}})
      const health = assessHealth(layout, 2, answersFrom(own('A', 1), ended, own('C', 1), own('D', 2)))
      expect(health.verdict, phase).to.equal('healthy')
      expect(health.reshard, phase).to.equal(null)
    }
  })

  it('unavailable: a shard has no live member', () => {
    const health = assessHealth(layout, 2, answersFrom(own('A', 1), ['B', null], own('C', 1), ['D', null]))
    expect(health.verdict).to.equal('unavailable')
    expect(health.reasons).to.deep.equal(['shard 2 has no live member'])
  })

  it('unavailable: no node answered', () => {
    const health = assessHealth([{address: 'A', shardId: null}], null, new Map())
    expect(health.verdict).to.equal('unavailable')
    expect(health.reasons).to.deep.equal(['no node answered'])
  })

  it('a newcomer not yet placed does not count for any shard', () => {
    const withNewcomer = [...layout, {address: 'E', shardId: null}]
    const health = assessHealth(withNewcomer, 2, answersFrom(own('A', 1), own('B', 2), own('C', 1), own('D', 2), own('E', null)))
    expect(health.verdict).to.equal('healthy')
    expect(health.nodes[4].shardId).to.equal(null)
  })
})

describe('cluster health: what is open', () => {
  const all = (extra: Partial<AdminStatus>) => answersFrom(own('A', 1, extra), own('B', 2, extra), own('C', 1, extra), own('D', 2, extra))

  it('says the cluster is open when nodes require no token (or are too old to say)', () => {
    expect(assessHealth(layout, 2, all({})).notes).to.deep.equal([
      'the cluster is open: no client token (KVS_TOKEN) protects any node',
      'the cluster is open: no cluster token (KVS_CLUSTER_TOKEN) protects node-to-node routes of any node',
    ])
    const partly = answersFrom(own('A', 1, {auth: {client: true, cluster: true}}), own('B', 2, {auth: {client: false, cluster: true}}), own('C', 1, {auth: {client: true, cluster: true}}), own('D', 2, {auth: {client: true, cluster: true}}))
    expect(assessHealth(layout, 2, partly).notes).to.deep.equal(['the cluster is open: no client token (KVS_TOKEN) protects B'])
  })

  it('says nothing of a cluster that requires both tokens, and names nodes with fault injection on', () => {
    const health = assessHealth(layout, 2, all({auth: {client: true, cluster: true}}))
    expect([health.verdict, health.notes]).to.deep.equal(['healthy', []])
    const faulty = answersFrom(own('A', 1, {auth: {client: true, cluster: true}, faultInjection: true}), own('B', 2, {auth: {client: true, cluster: true}}), own('C', 1, {auth: {client: true, cluster: true}}), own('D', 2, {auth: {client: true, cluster: true}}))
    expect(assessHealth(layout, 2, faulty).notes).to.deep.equal(['fault injection (test only) is on at A'])
  })

  it('degraded: a node whose op log failed takes no writes', () => {
    const health = assessHealth(layout, 2, answersFrom(own('A', 1, {storageFailed: true}), own('B', 2), own('C', 1), own('D', 2)))
    expect(health.verdict).to.equal('degraded')
    expect(health.reasons).to.deep.equal(['A cannot write its op log and takes no writes'])
  })
})

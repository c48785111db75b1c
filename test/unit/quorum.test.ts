import {expect} from 'chai'

import {majorityOf, tally} from '../../src/membership/quorum.js'
import {shardRoute, type MemberHealth} from '../../src/membership/shard-route.js'
import type {ClusterConfig} from '../../src/membership/cluster-config.js'

const [a, b, c, d, e] = ['127.0.0.2:8085', '127.0.0.3:8085', '127.0.0.4:8085', '127.0.0.5:8085', '127.0.0.10:8085']

describe('quorum of a configuration change', () => {
  const majorities: Array<[number, number]> = [
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
  ]
  for (const [voters, need] of majorities) it(`${voters} voters need ${need}`, () => expect(majorityOf(voters)).to.equal(need))

  const cases: Array<{name: string; voters: string[]; acceptedBy: string[]; accepted: number; reached: boolean}> = [
    {name: 'the proposer alone in a one-node cluster', voters: [a], acceptedBy: [], accepted: 1, reached: true},
    {name: 'the proposer and one of three', voters: [a, b, c], acceptedBy: [b], accepted: 2, reached: true},
    {name: 'the proposer alone of three', voters: [a, b, c], acceptedBy: [], accepted: 1, reached: false},
    {name: 'half of four is not a majority', voters: [a, b, c, d], acceptedBy: [b], accepted: 2, reached: false},
    {name: 'a node that joins with the change does not vote', voters: [a, b, c], acceptedBy: [e, d], accepted: 1, reached: false},
    {name: 'a yes counts once', voters: [a, b, c], acceptedBy: [b, b, a], accepted: 2, reached: true},
  ]
  for (const t of cases) {
    it(t.name, () => {
      const r = tally(t.voters, a, t.acceptedBy)
      expect({accepted: r.accepted, reached: r.reached}).to.deep.equal({accepted: t.accepted, reached: t.reached})
      expect(r.need).to.equal(majorityOf(t.voters.length))
    })
  }
})

describe('shard route', () => {
  const config: ClusterConfig = {configEpoch: 3, layoutEpoch: 2, shardCount: 1, nodes: [a, b, c, e], shards: {'0': [a, b, c, e]}}
  const health = (table: Record<string, MemberHealth>) => (m: string) => table[m]
  const up = (applied: number, ready = true): MemberHealth => ({up: true, ready, applied})
  const down: MemberHealth = {up: false, ready: true, applied: 99}

  it('puts the primary first (most applied), then ready members by address, then those copying', () => {
    const r = shardRoute(config, 0, a, health({[a]: up(5), [b]: up(7), [c]: up(1, false), [e]: up(5)}))
    expect(r.primary).to.equal(b)
    expect(r.members).to.deep.equal([b, a, e, c])
    expect(r.peers).to.deep.equal([b, e, c])
    expect(r.readyPeers).to.deep.equal([b, e])
  })

  it('leaves out members that are down, however far ahead they were', () => {
    const r = shardRoute(config, 0, a, health({[a]: up(1), [b]: down, [c]: up(1), [e]: down}))
    expect(r.members).to.deep.equal([a, c])
    expect(r.primary).to.equal(a)
  })

  it('chooses a copying member as primary only when no member is ready', () => {
    const r = shardRoute(config, 0, a, health({[a]: up(3, false), [b]: up(9, false), [c]: down, [e]: down}))
    expect(r.primary).to.equal(b)
    expect(r.readyPeers).to.deep.equal([])
  })
})

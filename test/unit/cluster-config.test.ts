import {expect} from 'chai'

import {KvsError} from '../../src/errors.js'
import {
  configFingerprint,
  fromStored,
  hasShard,
  initialConfig,
  membersOf,
  resharded,
  shardIds,
  shardOfNode,
  withMember,
  withNode,
  withoutNode,
  type ClusterConfig,
} from '../../src/membership/cluster-config.js'

const n = (last: number, port = 8085): string => `127.0.0.${last}:${port}`

/** The error `run` throws; fails the test when it returns normally or throws something else. */
function kvsErrorOf(run: () => unknown): KvsError {
  try {
    run()
  } catch (error) {
    expect(error).to.be.instanceOf(KvsError)
    return error as KvsError
  }
  expect.fail('expected a KvsError')
}

const fourNodes = initialConfig([n(10), n(9), n(3), n(2)], 2)

describe('cluster configuration', () => {
  describe('initialConfig', () => {
    const cases: Array<{name: string; view: string[]; shardCount: number; nodes: string[]; shards: Record<string, string[]>}> = [
      {
        name: '4 nodes, 2 shards: sorted numerically, node i -> shard (i mod N)+1',
        view: [n(10), n(9), n(3), n(2)],
        shardCount: 2,
        nodes: [n(2), n(3), n(9), n(10)],
        shards: {'1': [n(2), n(9)], '2': [n(3), n(10)]},
      },
      {
        name: '6 nodes, 2 shards',
        view: [n(2), n(3), n(4), n(5), n(6), n(7)],
        shardCount: 2,
        nodes: [n(2), n(3), n(4), n(5), n(6), n(7)],
        shards: {'1': [n(2), n(4), n(6)], '2': [n(3), n(5), n(7)]},
      },
      {
        name: '6 nodes, 3 shards',
        view: [n(7), n(6), n(5), n(4), n(3), n(2)],
        shardCount: 3,
        nodes: [n(2), n(3), n(4), n(5), n(6), n(7)],
        shards: {'1': [n(2), n(5)], '2': [n(3), n(6)], '3': [n(4), n(7)]},
      },
      {
        name: 'one node, one shard (the unsharded form)',
        view: [n(2)],
        shardCount: 1,
        nodes: [n(2)],
        shards: {'1': [n(2)]},
      },
      {
        name: 'a duplicated address counts once',
        view: [n(2), n(3), n(2)],
        shardCount: 1,
        nodes: [n(2), n(3)],
        shards: {'1': [n(2), n(3)]},
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const config = initialConfig(c.view, c.shardCount)
        expect(config).to.deep.equal({configEpoch: 1, layoutEpoch: 1, shardCount: c.shardCount, nodes: c.nodes, shards: c.shards})
        expect(shardIds(config)).to.deep.equal(Array.from({length: c.shardCount}, (_, i) => i + 1))
      })
    }

    const infeasible: Array<{view: string[]; shardCount: number}> = [
      {view: [n(2), n(3), n(4)], shardCount: 2},
      {view: [n(2), n(3), n(4), n(5), n(6)], shardCount: 3},
      {view: [n(2), n(3)], shardCount: 0},
      {view: [], shardCount: 1},
    ]
    for (const {view, shardCount} of infeasible) {
      it(`refuses ${shardCount} shard(s) over ${view.length} node(s)`, () => {
        expect(kvsErrorOf(() => initialConfig(view, shardCount)).code).to.equal('USAGE')
      })
    }
  })

  describe('queries', () => {
    it('membersOf, shardOfNode and hasShard', () => {
      expect(membersOf(fourNodes, 1)).to.deep.equal([n(2), n(9)])
      expect(membersOf(fourNodes, 2)).to.deep.equal([n(3), n(10)])
      expect(membersOf(fourNodes, 3)).to.deep.equal([])
      expect(shardOfNode(fourNodes, n(10))).to.equal(2)
      expect(shardOfNode(fourNodes, n(9))).to.equal(1)
      expect(shardOfNode(fourNodes, n(99))).to.equal(null)
      expect(hasShard(fourNodes, 1)).to.equal(true)
      expect(hasShard(fourNodes, 2)).to.equal(true)
      expect(hasShard(fourNodes, 3)).to.equal(false)
      expect(hasShard(fourNodes, 0)).to.equal(false)
      expect(hasShard(fourNodes, '1')).to.equal(false)
      expect(hasShard(fourNodes, 1.5)).to.equal(false)
    })
  })

  describe('withNode', () => {
    it('adds a node without a shard, sorted, in a new configuration epoch', () => {
      const next = withNode(fourNodes, n(4))
      expect(next.configEpoch).to.equal(fourNodes.configEpoch + 1)
      expect(next.layoutEpoch).to.equal(fourNodes.layoutEpoch)
      expect(next.nodes).to.deep.equal([n(2), n(3), n(4), n(9), n(10)])
      expect(next.shards).to.deep.equal(fourNodes.shards)
      expect(shardOfNode(next, n(4))).to.equal(null)
    })

    it('leaves the original configuration as it was', () => {
      const before = structuredClone(fourNodes)
      withNode(fourNodes, n(4))
      expect(fourNodes).to.deep.equal(before)
    })

    it('refuses an address already in the view with CONFLICT', () => {
      const error = kvsErrorOf(() => withNode(fourNodes, n(9)))
      expect(error.code).to.equal('CONFLICT')
      expect(error.data).to.deep.equal({node: n(9)})
    })
  })

  describe('withoutNode', () => {
    it('removes the node from the view and from its shard, in a new configuration epoch', () => {
      const next = withoutNode(fourNodes, n(9))
      expect(next.configEpoch).to.equal(fourNodes.configEpoch + 1)
      expect(next.layoutEpoch).to.equal(fourNodes.layoutEpoch)
      expect(next.nodes).to.deep.equal([n(2), n(3), n(10)])
      expect(next.shards).to.deep.equal({'1': [n(2)], '2': [n(3), n(10)]})
    })

    it('leaves the original configuration as it was', () => {
      const before = structuredClone(fourNodes)
      withoutNode(fourNodes, n(9))
      expect(fourNodes).to.deep.equal(before)
    })

    it('refuses an address not in the view with NOT_FOUND', () => {
      const error = kvsErrorOf(() => withoutNode(fourNodes, n(99)))
      expect(error.code).to.equal('NOT_FOUND')
      expect(error.status).to.equal(404)
    })
  })

  describe('withMember', () => {
    const cases: Array<{name: string; from: ClusterConfig; shard: number; node: string; nodes: string[]; shards: Record<string, string[]>}> = [
      {
        name: 'a newcomer joins a shard, sorted numerically',
        from: withNode(fourNodes, n(4)),
        shard: 2,
        node: n(4),
        nodes: [n(2), n(3), n(4), n(9), n(10)],
        shards: {'1': [n(2), n(9)], '2': [n(3), n(4), n(10)]},
      },
      {
        name: 'a node moves out of its old shard',
        from: fourNodes,
        shard: 2,
        node: n(9),
        nodes: [n(2), n(3), n(9), n(10)],
        shards: {'1': [n(2)], '2': [n(3), n(9), n(10)]},
      },
      {
        name: 'a node not yet in the view is added to it',
        from: fourNodes,
        shard: 1,
        node: n(11),
        nodes: [n(2), n(3), n(9), n(10), n(11)],
        shards: {'1': [n(2), n(9), n(11)], '2': [n(3), n(10)]},
      },
      {
        name: 'a node already in that shard stays once',
        from: fourNodes,
        shard: 1,
        node: n(9),
        nodes: [n(2), n(3), n(9), n(10)],
        shards: {'1': [n(2), n(9)], '2': [n(3), n(10)]},
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const next = withMember(c.from, c.shard, c.node)
        expect(next.configEpoch).to.equal(c.from.configEpoch + 1)
        expect(next.layoutEpoch).to.equal(c.from.layoutEpoch)
        expect(next.shardCount).to.equal(c.from.shardCount)
        expect(next.nodes).to.deep.equal(c.nodes)
        expect(next.shards).to.deep.equal(c.shards)
      })
    }

    it('is idempotent in content', () => {
      const once = withMember(withNode(fourNodes, n(4)), 1, n(4))
      const twice = withMember(once, 1, n(4))
      expect({...twice, configEpoch: 0}).to.deep.equal({...once, configEpoch: 0})
    })

    for (const shard of [0, 3, 1.5]) {
      it(`refuses shard ${shard} with NOT_FOUND`, () => {
        const error = kvsErrorOf(() => withMember(fourNodes, shard, n(4)))
        expect(error.code).to.equal('NOT_FOUND')
      })
    }
  })

  describe('resharded', () => {
    const six = initialConfig([n(2), n(3), n(4), n(5), n(6), n(7)], 2)

    it('lays the given nodes out afresh and advances both epochs', () => {
      const next = resharded(six, [n(7), n(6), n(5), n(4), n(3), n(2)], 3)
      expect(next).to.deep.equal({
        configEpoch: six.configEpoch + 1,
        layoutEpoch: six.layoutEpoch + 1,
        shardCount: 3,
        nodes: six.nodes,
        shards: {'1': [n(2), n(5)], '2': [n(3), n(6)], '3': [n(4), n(7)]},
      })
    })

    it('lays out only the live nodes it is given; the others stay in the view without a shard', () => {
      const next = resharded(six, [n(2), n(3), n(4), n(5)], 2)
      expect(next.nodes).to.deep.equal(six.nodes)
      expect(next.shards).to.deep.equal({'1': [n(2), n(4)], '2': [n(3), n(5)]})
      expect(shardOfNode(next, n(6))).to.equal(null)
    })

    it('can shrink the shard count', () => {
      const three = initialConfig([n(2), n(3), n(4), n(5), n(6), n(7)], 3)
      const next = resharded(three, three.nodes, 1)
      expect(next.shardCount).to.equal(1)
      expect(next.shards).to.deep.equal({'1': three.nodes})
    })

    const refused: Array<{live: number; shardCount: number; need: number}> = [
      {live: 6, shardCount: 4, need: 8},
      {live: 5, shardCount: 3, need: 6},
      {live: 1, shardCount: 1, need: 2},
    ]
    for (const {live, shardCount, need} of refused) {
      it(`refuses ${shardCount} shard(s) over ${live} live node(s) with the contract's 400`, () => {
        const error = kvsErrorOf(() => resharded(six, six.nodes.slice(0, live), shardCount))
        expect(error.code).to.equal('BAD_REQUEST')
        expect(error.status).to.equal(400)
        expect(error.message).to.equal('Not enough nodes to provide fault-tolerance with the given shard count!')
        expect(error.data).to.deep.equal({need, alive: live})
      })
    }

    it('counts each live node once: a duplicated address does not make a layout feasible', () => {
      const dup = [n(2), n(2), n(3), n(3)]
      const error = kvsErrorOf(() => resharded(six, dup, 2))
      expect(error.code).to.equal('BAD_REQUEST')
      expect(error.message).to.equal('Not enough nodes to provide fault-tolerance with the given shard count!')
    })

    for (const shardCount of [0, -1, 1.5]) {
      it(`refuses shard count ${shardCount} with the same 400`, () => {
        const error = kvsErrorOf(() => resharded(six, six.nodes, shardCount))
        expect(error.code).to.equal('BAD_REQUEST')
        expect(error.message).to.equal('Not enough nodes to provide fault-tolerance with the given shard count!')
      })
    }
  })

  describe('configFingerprint', () => {
    it('is equal for equal content, whatever the object identity or key order', () => {
      const a = initialConfig([n(2), n(3), n(4), n(5)], 2)
      const b: ClusterConfig = {
        shards: {'2': [n(3), n(5)], '1': [n(2), n(4)]},
        nodes: [n(2), n(3), n(4), n(5)],
        shardCount: 2,
        layoutEpoch: 1,
        configEpoch: 1,
      }
      expect(configFingerprint(b)).to.equal(configFingerprint(a))
      expect(configFingerprint(structuredClone(a))).to.equal(configFingerprint(a))
    })

    const base = initialConfig([n(2), n(3), n(4), n(5)], 2)
    const changes: Array<{name: string; other: ClusterConfig}> = [
      {name: 'configuration epoch', other: {...base, configEpoch: 2}},
      {name: 'layout epoch', other: {...base, layoutEpoch: 2}},
      {name: 'shard count', other: {...base, shardCount: 1}},
      {name: 'nodes', other: withNode(base, n(6))},
      {name: 'a member moved', other: {...base, shards: {'1': [n(2)], '2': [n(3), n(4), n(5)]}}},
      {name: 'two members swapped between shards', other: {...base, shards: {'1': [n(3), n(4)], '2': [n(2), n(5)]}}},
    ]
    for (const {name, other} of changes) {
      it(`differs when the ${name} differs`, () => {
        expect(configFingerprint(other)).to.not.equal(configFingerprint(base))
      })
    }
  })

  describe('fromStored', () => {
    const layout = {layoutEpoch: 2, shardCount: 1, nodes: [n(2), n(3)], shards: {'1': [n(2), n(3)]}}
    const cases: Array<{name: string; stored: Parameters<typeof fromStored>[0]; expected: ClusterConfig}> = [
      {name: 'this version (configEpoch)', stored: {configEpoch: 5, ...layout}, expected: {configEpoch: 5, ...layout}},
      {name: 'an earlier version (epoch)', stored: {epoch: 5, ...layout}, expected: {configEpoch: 5, ...layout}},
    ]
    for (const c of cases) {
      it(`reads a configuration stored by ${c.name}`, () => {
        expect(fromStored(c.stored)).to.deep.equal(c.expected)
      })
    }
  })
})

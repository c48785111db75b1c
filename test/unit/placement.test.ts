import {expect} from 'chai'
import fc from 'fast-check'

import {
  assignShards,
  compareAddresses,
  isFeasibleShardCount,
  isSocketAddress,
  shardForKey,
  sortAddresses,
} from '../../src/placement/placement.js'

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0)

const address = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.integer({min: 1, max: 65535}))
  .map(([a, b, c, d, port]) => `${a}.${b}.${c}.${d}:${port}`)

describe('placement', () => {
  describe('shardForKey', () => {
    const cases: Array<{key: string; n: number; shard: number; why: string}> = [
      {key: '', n: 3, shard: 1, why: 'empty key sums to 0'},
      {key: 'a', n: 1, shard: 1, why: 'one shard holds everything'},
      {key: 'a', n: 2, shard: 2, why: '97 mod 2 = 1'},
      {key: 'a', n: 3, shard: 2, why: '97 mod 3 = 1'},
      {key: 'b', n: 3, shard: 3, why: '98 mod 3 = 2'},
      {key: 'c', n: 3, shard: 1, why: '99 mod 3 = 0'},
      {key: 'ab', n: 2, shard: 2, why: '195 mod 2 = 1'},
      {key: 'ba', n: 2, shard: 2, why: 'order of characters does not matter'},
      {key: 'key0', n: 2, shard: 2, why: '107+101+121+48 = 377, odd'},
      {key: 'key0', n: 3, shard: 3, why: '377 mod 3 = 2'},
      {key: 'é', n: 2, shard: 2, why: 'U+00E9 = 233, odd'},
      {key: '😀', n: 2, shard: 2, why: 'surrogate pair 0xD83D + 0xDE00 = 112189, odd'},
      {key: '😀', n: 3, shard: 2, why: '112189 mod 3 = 1'},
    ]

    for (const {key, n, shard, why} of cases) {
      it(`${JSON.stringify(key)} over ${n} shard(s) -> ${shard} (${why})`, () => {
        expect(shardForKey(key, n)).to.equal(shard)
      })
    }

    for (const n of [2, 3]) {
      it(`splits key0..key599 exactly evenly over ${n} shards`, () => {
        const counts = new Map<number, number>()
        for (let i = 0; i < 600; i++) {
          const s = shardForKey(`key${i}`, n)
          counts.set(s, (counts.get(s) ?? 0) + 1)
        }
        const expected = new Map<number, number>()
        for (let s = 1; s <= n; s++) expected.set(s, 600 / n)
        expect(counts).to.deep.equal(expected)
      })
    }

    it('always answers an integer in 1..N that depends only on which code units the key holds, not their order', () => {
      fc.assert(
        fc.property(fc.string({unit: 'binary', maxLength: 20}), fc.integer({min: 1, max: 16}), (key, n) => {
          const s = shardForKey(key, n)
          expect(Number.isInteger(s) && s >= 1 && s <= n, `${s} of ${n}`).to.equal(true)
          const units = Array.from({length: key.length}, (_, i) => key[i])
          expect(shardForKey(units.reverse().join(''), n)).to.equal(s)
        }),
        {numRuns: 200},
      )
    })
  })

  describe('compareAddresses', () => {
    const cases: Array<{a: string; b: string; order: -1 | 0 | 1}> = [
      {a: '127.0.0.9:8080', b: '127.0.0.10:8080', order: -1},
      {a: '127.0.0.10:8080', b: '127.0.0.9:8080', order: 1},
      {a: '10.0.0.2:8080', b: '9.0.0.2:8080', order: 1},
      {a: '10.10.0.2:8080', b: '10.9.0.2:8080', order: 1},
      {a: '127.0.0.2:8080', b: '127.0.0.2:8080', order: 0},
      {a: '127.0.0.2:9', b: '127.0.0.2:10', order: -1},
      {a: '127.0.0.2:8090', b: '127.0.0.2:8085', order: 1},
      {a: '127.0.0.3:1', b: '127.0.0.2:65535', order: 1},
    ]
    for (const {a, b, order} of cases) {
      it(`${a} vs ${b} -> ${order}`, () => {
        expect(sign(compareAddresses(a, b))).to.equal(order)
      })
    }

    it('orders distinct strings that are numerically equal (leading zeros), so sorting never depends on input order', () => {
      const a = '127.0.0.1:8080'
      const b = '127.0.0.01:8080'
      expect(compareAddresses(a, b)).to.not.equal(0)
      expect(sign(compareAddresses(a, b))).to.equal(-sign(compareAddresses(b, a)))
      expect(sortAddresses([a, b])).to.deep.equal(sortAddresses([b, a]))
    })

    it('is a total order: antisymmetric, zero only on equal strings, transitive', () => {
      fc.assert(
        fc.property(address, address, address, (a, b, c) => {
          expect(sign(compareAddresses(a, b))).to.equal(-sign(compareAddresses(b, a)))
          expect(compareAddresses(a, b) === 0).to.equal(a === b)
          if (compareAddresses(a, b) <= 0 && compareAddresses(b, c) <= 0) {
            expect(compareAddresses(a, c)).to.be.at.most(0)
          }
        }),
        {numRuns: 300},
      )
    })

    it('agrees with comparing (octets..., port) as numbers', () => {
      const key = (s: string): number[] => s.split(/[.:]/).map(Number)
      fc.assert(
        fc.property(address, address, (a, b) => {
          const ka = key(a)
          const kb = key(b)
          const i = ka.findIndex((x, j) => x !== kb[j])
          const expected = i < 0 ? 0 : sign(ka[i] - kb[i])
          expect(sign(compareAddresses(a, b))).to.equal(expected)
        }),
        {numRuns: 300},
      )
    })
  })

  describe('sortAddresses', () => {
    it('sorts numerically and drops duplicates', () => {
      const input = ['127.0.0.10:8080', '127.0.0.9:8080', '127.0.0.2:8080', '127.0.0.9:8080', '127.0.0.100:8080']
      expect(sortAddresses(input)).to.deep.equal(['127.0.0.2:8080', '127.0.0.9:8080', '127.0.0.10:8080', '127.0.0.100:8080'])
    })
  })

  describe('assignShards', () => {
    const cases: Array<{name: string; nodes: string[]; n: number; shards: Record<number, string[]>}> = [
      {
        name: '4 nodes, 2 shards, view unsorted with .10 and .9',
        nodes: ['127.0.0.10:8080', '127.0.0.2:8080', '127.0.0.9:8080', '127.0.0.3:8080'],
        n: 2,
        shards: {1: ['127.0.0.2:8080', '127.0.0.9:8080'], 2: ['127.0.0.3:8080', '127.0.0.10:8080']},
      },
      {
        name: '6 nodes, 2 shards',
        nodes: ['127.0.0.2:8085', '127.0.0.3:8085', '127.0.0.4:8085', '127.0.0.5:8085', '127.0.0.6:8085', '127.0.0.7:8085'],
        n: 2,
        shards: {
          1: ['127.0.0.2:8085', '127.0.0.4:8085', '127.0.0.6:8085'],
          2: ['127.0.0.3:8085', '127.0.0.5:8085', '127.0.0.7:8085'],
        },
      },
      {
        name: '7 nodes, 3 shards: the odd node goes to shard 1',
        nodes: ['10.0.0.7:1', '10.0.0.6:1', '10.0.0.5:1', '10.0.0.4:1', '10.0.0.3:1', '10.0.0.2:1', '10.0.0.1:1'],
        n: 3,
        shards: {
          1: ['10.0.0.1:1', '10.0.0.4:1', '10.0.0.7:1'],
          2: ['10.0.0.2:1', '10.0.0.5:1'],
          3: ['10.0.0.3:1', '10.0.0.6:1'],
        },
      },
      {
        name: 'one shard takes every node',
        nodes: ['127.0.0.3:8080', '127.0.0.2:8080'],
        n: 1,
        shards: {1: ['127.0.0.2:8080', '127.0.0.3:8080']},
      },
    ]
    for (const {name, nodes, n, shards} of cases) {
      it(name, () => {
        expect(assignShards(nodes, n)).to.deep.equal(shards)
      })
    }

    it('gives the same layout for any order of the same view, every node exactly once', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(address, {minLength: 2, maxLength: 12}).chain((nodes) =>
            fc.tuple(
              fc.constant(nodes),
              fc.shuffledSubarray(nodes, {minLength: nodes.length, maxLength: nodes.length}),
              fc.integer({min: 1, max: Math.floor(nodes.length / 2)}),
            ),
          ),
          ([nodes, shuffled, n]) => {
            const layout = assignShards(nodes, n)
            expect(assignShards(shuffled, n)).to.deep.equal(layout)
            expect(Object.keys(layout).map(Number)).to.deep.equal(Array.from({length: n}, (_, i) => i + 1))
            const all = Object.values(layout).flat()
            expect([...all].sort()).to.deep.equal([...nodes].sort())
            for (const members of Object.values(layout)) expect(members.length).to.be.at.least(2)
          },
        ),
        {numRuns: 100},
      )
    })
  })

  describe('isFeasibleShardCount', () => {
    const cases: Array<{nodes: number; shards: number; ok: boolean}> = [
      {nodes: 2, shards: 1, ok: true},
      {nodes: 1, shards: 1, ok: false},
      {nodes: 4, shards: 2, ok: true},
      {nodes: 5, shards: 2, ok: true},
      {nodes: 5, shards: 3, ok: false},
      {nodes: 6, shards: 3, ok: true},
      {nodes: 6, shards: 4, ok: false},
      {nodes: 6, shards: 0, ok: false},
      {nodes: 6, shards: -1, ok: false},
      {nodes: 6, shards: 1.5, ok: false},
      {nodes: 6, shards: Number.NaN, ok: false},
    ]
    for (const {nodes, shards, ok} of cases) {
      it(`${shards} shard(s) over ${nodes} node(s) -> ${ok}`, () => {
        expect(isFeasibleShardCount(nodes, shards)).to.equal(ok)
      })
    }
  })

  describe('isSocketAddress', () => {
    const cases: Array<{value: string; ok: boolean}> = [
      {value: '127.0.0.2:8085', ok: true},
      {value: '10.10.0.10:1', ok: true},
      {value: '0.0.0.0:65535', ok: true},
      {value: '255.255.255.255:8080', ok: true},
      {value: '256.0.0.1:8080', ok: false},
      {value: '127.0.0.1:0', ok: false},
      {value: '127.0.0.1:65536', ok: false},
      {value: '127.0.0.1', ok: false},
      {value: '127.0.0.1:', ok: false},
      {value: '127.0.0:8080', ok: false},
      {value: '127.0.0.1.5:8080', ok: false},
      {value: 'localhost:8080', ok: true},
      {value: 'LOCALHOST:8080', ok: false},
      {value: '[::1]:8080', ok: true},
      {value: '127.0.0.01:8080', ok: false},
      {value: ' 127.0.0.1:8080', ok: false},
      {value: '127.0.0.1:8080 ', ok: false},
      {value: '127.0.0.1:8080\n', ok: false},
      {value: '127.0.0.1:80a', ok: false},
      {value: '127.0.0.1:-80', ok: false},
      {value: '', ok: false},
      {value: '127.0.0.1:8080,127.0.0.2:8080', ok: false},
    ]
    for (const {value, ok} of cases) {
      it(`${JSON.stringify(value)} -> ${ok}`, () => {
        expect(isSocketAddress(value)).to.equal(ok)
      })
    }

    it('accepts every well-formed address', () => {
      fc.assert(
        fc.property(address, (a) => {
          expect(isSocketAddress(a)).to.equal(true)
        }),
        {numRuns: 200},
      )
    })
  })
})

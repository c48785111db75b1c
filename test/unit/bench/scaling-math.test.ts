import {expect} from 'chai'

import {bytesPerKey, countMovedKeys, keysPerShard, parseVmRssBytes, waitBudgetMs} from '../../../bench/scaling-math.js'
import {keyNames} from '../../../bench/workload.js'

const nodes = (count: number) => Array.from({length: count}, (_, i) => `127.0.0.${i + 2}:9000`)

describe('bench scaling arithmetic', () => {
  it('moves nothing when every new holder already held the key (1 -> 2 shards on 4 nodes)', () => {
    expect(countMovedKeys(keyNames(0, 600), nodes(4), 1, 2)).to.equal(0)
  })

  it('moves every key when each shard gains members (2 -> 1 shard on 4 nodes)', () => {
    expect(countMovedKeys(keyNames(0, 600), nodes(4), 2, 1)).to.equal(600)
  })

  it('moves nothing when nothing changes', () => {
    expect(countMovedKeys(keyNames(0, 600), nodes(6), 2, 2)).to.equal(0)
  })

  it('moves a key whose new shard has a member that did not hold it (2 -> 3 on 6 nodes)', () => {
    // 2 shards: .2 .4 .6 | .3 .5 .7; 3 shards: .2 .5 | .3 .6 | .4 .7. Every new shard mixes
    // members of both old shards, so every key has a new holder.
    expect(countMovedKeys(keyNames(0, 600), nodes(6), 2, 3)).to.equal(600)
  })

  it('counts keys per shard, adding up to all keys', () => {
    const counts = keysPerShard(keyNames(0, 600), 3)
    expect(counts).to.deep.equal({1: 200, 2: 200, 3: 200})
    expect(Object.values(keysPerShard(keyNames(0, 1001), 2)).reduce((a, b) => a + b)).to.equal(1001)
  })

  it('reads VmRSS from /proc/<pid>/status', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmRSS:\t   51200 kB\nRssAnon:\t 40000 kB\n'
    expect(parseVmRssBytes(status)).to.equal(51200 * 1024)
    expect(() => parseVmRssBytes('Name:\tnode\n')).to.throw(/VmRSS/)
  })

  it('divides RSS growth by the keys held', () => {
    expect(bytesPerKey(100, 1100, 10)).to.equal(100)
    expect(bytesPerKey(100, 1100, 0)).to.equal(0)
  })

  it('waits longer for more work, linearly', () => {
    expect(waitBudgetMs(1_000_000) - waitBudgetMs(0)).to.equal(2 * (waitBudgetMs(500_000) - waitBudgetMs(0)))
  })
})

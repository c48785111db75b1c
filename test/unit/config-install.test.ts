import {expect} from 'chai'

import {installStep, type InstallStep} from '../../src/replication/config-install.js'

describe('installStep: what an install does with the replica in force', () => {
  // The new configuration puts this node in `mine` at layout epoch 2.
  type Case = {name: string; built: boolean; mine: number | null; held: {shard: number; epoch: number} | null; step: InstallStep}
  const cases: Case[] = [
    {name: 'a reshard built the replica for the new layout: swap it in', built: true, mine: 1, held: {shard: 2, epoch: 1}, step: {kind: 'swap-built'}},
    {name: 'a reshard that leaves this node without a shard: swap in its nothing', built: true, mine: null, held: {shard: 1, epoch: 1}, step: {kind: 'swap-built'}},
    {name: 'no shard in the new configuration: drop the replica', built: false, mine: null, held: {shard: 1, epoch: 2}, step: {kind: 'drop'}},
    {name: 'no shard before nor after: drop (nothing)', built: false, mine: null, held: null, step: {kind: 'drop'}},
    {name: 'the same shard and layout (a view change): keep it', built: false, mine: 1, held: {shard: 1, epoch: 2}, step: {kind: 'keep'}},
    {name: 'the same shard of an older layout (a missed reshard): copy', built: false, mine: 1, held: {shard: 1, epoch: 1}, step: {kind: 'copy', shard: 1}},
    {name: 'another shard (moved by add-member): copy the new one', built: false, mine: 2, held: {shard: 1, epoch: 2}, step: {kind: 'copy', shard: 2}},
    {name: 'a newcomer placed in a shard: copy it', built: false, mine: 2, held: null, step: {kind: 'copy', shard: 2}},
  ]
  for (const c of cases) {
    it(c.name, () => {
      expect(installStep(c.built, c.mine, 2, c.held)).to.deep.equal(c.step)
    })
  }
})

import {expect} from 'chai'
import {editDistance, suggestCommand} from '../../../src/cli/did-you-mean.js'

const commands = ['get', 'put', 'delete', 'status', 'reshard', 'shard:ids', 'shard:members', 'shard:key-count', 'shard:add-member', 'view', 'view:add', 'node:start', 'node:stop']

describe('did you mean', () => {
  const cases: Array<[string, {typed: string; command: string} | null]> = [
    ['gett:k', {typed: 'gett', command: 'get'}],
    ['gett:greeting', {typed: 'gett', command: 'get'}],
    ['delte:k', {typed: 'delte', command: 'delete'}],
    ['stauts', {typed: 'stauts', command: 'status'}],
    ['shard:memb:1', {typed: 'shard:memb', command: 'shard:members'}],
    ['shard:membres:1', {typed: 'shard:membres', command: 'shard:members'}],
    ['node:stp:127.0.0.2:8085', {typed: 'node:stp', command: 'node:stop'}],
    ['xyzzy', null],
    ['frobnicate:k', null],
  ]
  for (const [id, expected] of cases) {
    it(`${id} -> ${expected?.command ?? 'nothing'}`, () => expect(suggestCommand(id, commands)).to.deep.equal(expected))
  }

  it('editDistance counts insertions, deletions and substitutions', () => {
    expect([editDistance('get', 'get'), editDistance('gett', 'get'), editDistance('kitten', 'sitting'), editDistance('', 'abc')]).to.deep.equal([0, 1, 3, 3])
  })
})

import {expect} from 'chai'
import fc from 'fast-check'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {bearerToken, clusterTokenHeader, peerHeaders, TokenSet} from '../../src/auth/tokens.js'
import {clientToken} from '../../src/client/transport.js'
import {isLoopbackSource} from '../../src/http/loopback-source.js'
import {isLoopbackAddress, resolveNodeOptions, resolveTokens} from '../../src/node/options.js'

describe('TokenSet', () => {
  const token = 'a-token-of-20-chars!'
  const other = 'another-token-0123456789'

  it('parses one token, or two while rotating (comma or newline), trimmed; empty is null', () => {
    expect(TokenSet.parse(undefined, 'T')).to.equal(null)
    expect(TokenSet.parse('  \n', 'T')).to.equal(null)
    const one = TokenSet.parse(` ${token}\n`, 'T')
    expect([one?.current, one?.size]).to.deep.equal([token, 1])
    for (const text of [`${other},${token}`, `${other}\n${token}\n`, ` ${other} , ${token} `]) {
      const two = TokenSet.parse(text, 'T')
      expect([two?.current, two?.size], text).to.deep.equal([other, 2])
    }
  })

  const refused: Array<[string, string, RegExp]> = [
    ['three tokens', `${token},${other},third-token-0123456789`, /T holds 3 tokens: give one, or two while rotating/],
    ['a short token', 'short', /T: every token needs at least 16 characters/],
    ['a space inside', 'a token with spaces in it', /visible ASCII characters only/],
    ['a non-ASCII character', 'tökentökentökentöken', /visible ASCII characters only/],
  ]
  for (const [name, text, message] of refused) {
    it(`refuses ${name}, without repeating it`, () => {
      let error: Error | undefined
      try {
        TokenSet.parse(text, 'T')
      } catch (e) {
        error = e as Error
      }
      expect(error?.message).to.match(message)
      expect(error?.message).not.to.contain(text)
      expect(error).to.include({code: 'USAGE'})
    })
  }

  it('accepts exactly its tokens (both while rotating), nothing else', () => {
    const set = TokenSet.parse(`${token},${other}`, 'T') as TokenSet
    expect(set.accepts(token)).to.equal(true)
    expect(set.accepts(other)).to.equal(true)
    for (const wrong of [undefined, '', token.slice(0, -1), `${token}x`, token.toUpperCase(), `${token},${other}`]) {
      expect(set.accepts(wrong), String(wrong)).to.equal(false)
    }
  })

  it('accepts no string but its own (property)', () => {
    const set = TokenSet.parse(token, 'T') as TokenSet
    fc.assert(fc.property(fc.string(), (s) => set.accepts(s) === (s === token)))
  })

  it('never shows its tokens in JSON', () => {
    const set = TokenSet.parse(`${token},${other}`, 'T') as TokenSet
    expect(JSON.stringify({set})).not.to.contain(token)
    expect(JSON.stringify({set})).not.to.contain(other)
    expect(set.setting()).to.equal(`${token},${other}`)
  })

  it('tells sets that share a token', () => {
    const a = TokenSet.parse(`${token},${other}`, 'A') as TokenSet
    expect(a.overlaps(TokenSet.parse(other, 'B') as TokenSet)).to.equal(true)
    expect(a.overlaps(TokenSet.parse('third-token-0123456789', 'B') as TokenSet)).to.equal(false)
  })

  it('reads bearer tokens', () => {
    expect(bearerToken(`Bearer ${token}`)).to.equal(token)
    expect(bearerToken(`bearer ${token}`)).to.equal(token)
    for (const header of [undefined, '', token, `Basic ${token}`, `Bearer ${token} extra`, 'Bearer ']) {
      expect(bearerToken(header), String(header)).to.equal(undefined)
    }
  })

  it('nodes send the current tokens to peers, and nothing without tokens', () => {
    expect(peerHeaders({client: null, cluster: null})).to.deep.equal({})
    const headers = peerHeaders({client: TokenSet.parse(`${token},${other}`, 'A'), cluster: TokenSet.parse('cluster-token-0123456789', 'B')})
    expect(headers).to.deep.equal({authorization: `Bearer ${token}`, [clusterTokenHeader]: 'cluster-token-0123456789'})
  })

  it('the CLI sends --token, else the first of KVS_TOKEN', () => {
    expect(clientToken(undefined, {})).to.equal(undefined)
    expect(clientToken(undefined, {KVS_TOKEN: ` ${token} , ${other}`})).to.equal(token)
    expect(clientToken(other, {KVS_TOKEN: token})).to.equal(other)
  })
})

describe('node options: tokens', () => {
  const env = {SOCKET_ADDRESS: '127.0.0.2:8085', KVS_DATA_DIR: '/tmp/kvs-options-test'}
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kvs-tokens-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('are off (open) unless set', () => {
    expect(resolveNodeOptions({}, env).tokens).to.deep.equal({client: null, cluster: null})
  })

  it('come from KVS_TOKEN and KVS_CLUSTER_TOKEN, or from files, a file winning over its variable', () => {
    const fromEnv = resolveTokens({}, {KVS_TOKEN: 'client-token-0123456789', KVS_CLUSTER_TOKEN: 'cluster-token-0123456789'})
    expect([fromEnv.client?.current, fromEnv.cluster?.current]).to.deep.equal(['client-token-0123456789', 'cluster-token-0123456789'])
    writeFileSync(join(dir, 'client'), 'client-from-file-0123456789\nclient-old-0123456789\n')
    writeFileSync(join(dir, 'cluster'), 'cluster-from-file-0123456789\n')
    const fromFiles = resolveTokens({tokenFile: join(dir, 'client')}, {KVS_TOKEN: 'client-token-0123456789', KVS_CLUSTER_TOKEN_FILE: join(dir, 'cluster')})
    expect([fromFiles.client?.current, fromFiles.client?.size, fromFiles.cluster?.current]).to.deep.equal(['client-from-file-0123456789', 2, 'cluster-from-file-0123456789'])
  })

  it('refuse a missing or empty file, and one token for both kinds of route', () => {
    expect(() => resolveTokens({tokenFile: join(dir, 'missing')}, {})).to.throw(/cannot read --token-file .*missing: ENOENT/)
    writeFileSync(join(dir, 'empty'), '\n')
    expect(() => resolveTokens({clusterTokenFile: join(dir, 'empty')}, {})).to.throw(/--cluster-token-file .*empty holds no token/)
    expect(() => resolveTokens({}, {KVS_TOKEN: 'same-token-0123456789', KVS_CLUSTER_TOKEN: 'other-token-0123456789,same-token-0123456789'})).to.throw(
      /KVS_TOKEN and KVS_CLUSTER_TOKEN must differ/,
    )
  })

  it('fault injection is refused on an address other machines can reach', () => {
    expect(resolveNodeOptions({faultInjection: true}, env).faultInjection).to.equal(true)
    expect(() => resolveNodeOptions({faultInjection: true}, {...env, SOCKET_ADDRESS: '10.0.0.2:8085'})).to.throw(/fault injection is for tests on loopback addresses only/)
  })

  it('knows loopback addresses and loopback callers', () => {
    for (const address of ['127.0.0.2:8085', '127.255.0.1:1', 'localhost:9000', '[::1]:8085']) expect(isLoopbackAddress(address), address).to.equal(true)
    for (const address of ['10.0.0.2:8085', '128.0.0.1:8085', '0.0.0.0:8085']) expect(isLoopbackAddress(address), address).to.equal(false)
    for (const remote of ['127.0.0.1', '::1', '::ffff:127.0.0.5']) expect(isLoopbackSource(remote), remote).to.equal(true)
    for (const remote of [undefined, '10.0.0.1', '::ffff:10.0.0.1', 'fe80::1']) expect(isLoopbackSource(remote), String(remote)).to.equal(false)
  })
})

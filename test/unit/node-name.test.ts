import {expect} from 'chai'
import fc from 'fast-check'

import {canonicalNodeName, compareNodeNames, nameFromFileName, nameToFileName, parseNodeName} from '../../src/placement/node-name.js'

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0)

const port = fc.integer({min: 1, max: 65535})
const ipv4Name = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), port).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}:${p}`)
const ipv6Name = fc.tuple(fc.ipV6(), port).map(([ip, p]) => `[${ip}]:${p}`)
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/)
const dnsName = fc
  .tuple(fc.array(label, {minLength: 0, maxLength: 3}), fc.stringMatching(/^[a-z]([a-z0-9-]{0,6}[a-z0-9])?$/), port)
  .map(([labels, last, p]) => `${[...labels, last].join('.')}:${p}`)
const anyName = fc.oneof(ipv4Name, ipv6Name, dnsName)

describe('node names', () => {
  describe('parseNodeName', () => {
    const valid: Array<{text: string; kind: string; host: string; port: number; name: string}> = [
      {text: '127.0.0.2:8085', kind: 'ipv4', host: '127.0.0.2', port: 8085, name: '127.0.0.2:8085'},
      {text: '0.0.0.0:1', kind: 'ipv4', host: '0.0.0.0', port: 1, name: '0.0.0.0:1'},
      {text: '255.255.255.255:65535', kind: 'ipv4', host: '255.255.255.255', port: 65535, name: '255.255.255.255:65535'},
      {text: '[::1]:8085', kind: 'ipv6', host: '::1', port: 8085, name: '[::1]:8085'},
      {text: '[0:0:0:0:0:0:0:1]:8085', kind: 'ipv6', host: '::1', port: 8085, name: '[::1]:8085'},
      {text: '[2001:DB8::A]:80', kind: 'ipv6', host: '2001:db8::a', port: 80, name: '[2001:db8::a]:80'},
      {text: '[::ffff:127.0.0.1]:80', kind: 'ipv6', host: '::ffff:7f00:1', port: 80, name: '[::ffff:7f00:1]:80'},
      {text: 'localhost:9201', kind: 'dns', host: 'localhost', port: 9201, name: 'localhost:9201'},
      {text: 'LocalHost:9201', kind: 'dns', host: 'localhost', port: 9201, name: 'localhost:9201'},
      {text: 'kvs-0.kvs:8085', kind: 'dns', host: 'kvs-0.kvs', port: 8085, name: 'kvs-0.kvs:8085'},
      {text: 'KVS-0.KVS.Default.svc.cluster.local:8085', kind: 'dns', host: 'kvs-0.kvs.default.svc.cluster.local', port: 8085, name: 'kvs-0.kvs.default.svc.cluster.local:8085'},
      {text: '3com.example:1', kind: 'dns', host: '3com.example', port: 1, name: '3com.example:1'},
      {text: `${'a'.repeat(63)}.b:1`, kind: 'dns', host: `${'a'.repeat(63)}.b`, port: 1, name: `${'a'.repeat(63)}.b:1`},
      {text: `${'a.'.repeat(125)}bc:1`, kind: 'dns', host: `${'a.'.repeat(125)}bc`, port: 1, name: `${'a.'.repeat(125)}bc:1`},
    ]
    for (const {text, ...expected} of valid) {
      it(`${JSON.stringify(text)} is ${expected.kind} ${expected.name}`, () => {
        expect(parseNodeName(text)).to.deep.equal({ok: true, value: expected})
      })
    }

    const invalid: Array<{text: string; reason: RegExp}> = [
      {text: '', reason: /no :port/},
      {text: '127.0.0.1', reason: /no :port/},
      {text: 'localhost', reason: /no :port/},
      {text: '127.0.0.1:', reason: /port must be 1-65535/},
      {text: '127.0.0.1:0', reason: /port must be 1-65535/},
      {text: '127.0.0.1:65536', reason: /port must be 1-65535/},
      {text: '127.0.0.1:08085', reason: /leading zeros/},
      {text: '127.0.0.1:80a', reason: /port must be/},
      {text: '127.0.0.1:-80', reason: /port must be/},
      {text: '127.0.0.1:8080 ', reason: /port must be/},
      {text: '127.0.0.1:8080\n', reason: /port must be/},
      {text: ':8085', reason: /no host/},
      {text: '256.0.0.1:8080', reason: /0-255/},
      {text: '127.0.0.010:8080', reason: /leading zeros/},
      {text: '127.0.0:8080', reason: /not an IPv4 address/},
      {text: '127.0.0.1.5:8080', reason: /not an IPv4 address/},
      {text: '999.1.1.1:8080', reason: /0-255/},
      {text: '::1:8085', reason: /needs brackets/},
      {text: '[::1:8085', reason: /\[address\]:port/},
      {text: '[::g]:8085', reason: /not an IPv6 address/},
      {text: '[127.0.0.1]:8085', reason: /not an IPv6 address/},
      {text: '[fe80::1%eth0]:8085', reason: /not an IPv6 address/},
      {text: '[]:8085', reason: /not an IPv6 address/},
      {text: '-bad.org:1', reason: /labels of 1-63/},
      {text: 'bad-.org:1', reason: /labels of 1-63/},
      {text: 'a..b:1', reason: /labels of 1-63/},
      {text: 'kvs-0.kvs.:8085', reason: /labels of 1-63/},
      {text: 'under_score:1', reason: /labels of 1-63/},
      {text: 'two words:1', reason: /labels of 1-63/},
      {text: 'héllo:1', reason: /labels of 1-63/},
      {text: `${'a'.repeat(64)}.b:1`, reason: /labels of 1-63/},
      {text: `${'a.'.repeat(126)}bc:1`, reason: /at most 253/},
      {text: 'kvs.123:1', reason: /last label .* cannot be a number/},
      {text: 'kvs.0x1f:1', reason: /last label .* cannot be a number/},
      {text: '127.0.0.1:8080,127.0.0.2:8080', reason: /not a list or a URL/},
      {text: 'http://kvs-0.kvs:8085', reason: /not a list or a URL/},
    ]
    for (const {text, reason} of invalid) {
      it(`${JSON.stringify(text)} is refused: ${reason.source}`, () => {
        const parsed = parseNodeName(text)
        expect(parsed.ok).to.equal(false)
        if (!parsed.ok) expect(parsed.reason).to.match(reason)
      })
    }

    it('accepts every IPv4, IPv6 and DNS name, and its one spelling parses to itself', () => {
      fc.assert(
        fc.property(anyName, (text) => {
          const name = canonicalNodeName(text)
          expect(name, text).to.be.a('string')
          expect(canonicalNodeName(name as string)).to.equal(name)
        }),
        {numRuns: 300},
      )
    })

    it('folds the case of DNS names and of IPv6 digits, and keeps IPv4 as written', () => {
      fc.assert(
        fc.property(fc.oneof(ipv6Name, dnsName), (text) => {
          expect(canonicalNodeName(text.toUpperCase())).to.equal(canonicalNodeName(text))
        }),
        {numRuns: 200},
      )
      fc.assert(
        fc.property(ipv4Name, (text) => {
          expect(canonicalNodeName(text)).to.equal(text)
        }),
        {numRuns: 200},
      )
    })
  })

  describe('compareNodeNames', () => {
    it('sorts IPv4 by number, then IPv6 by number, then DNS names in natural order, each by port', () => {
      const sorted = [
        '9.0.0.1:8085',
        '127.0.0.2:8085',
        '127.0.0.2:9000',
        '127.0.0.10:80',
        '[::1]:8085',
        '[::2]:80',
        '[::a]:80',
        '[2001:db8::1]:80',
        '[fe80::1]:80',
        'kvs-0.kvs:8085',
        'kvs-1.kvs:8085',
        'kvs-2.kvs:8085',
        'kvs-10.kvs:8085',
        'localhost:9201',
        'localhost:10000',
        'node-a:1',
        '127.0.0.01:80',
        'not a name',
      ]
      const shuffled = [...sorted].reverse()
      expect(shuffled.sort(compareNodeNames)).to.deep.equal(sorted)
    })

    it('is a total order over any mix of names: antisymmetric, zero only on equal strings, transitive', () => {
      fc.assert(
        fc.property(anyName, anyName, anyName, (a, b, c) => {
          expect(sign(compareNodeNames(a, b))).to.equal(-sign(compareNodeNames(b, a)))
          expect(compareNodeNames(a, b) === 0).to.equal(a === b)
          if (compareNodeNames(a, b) <= 0 && compareNodeNames(b, c) <= 0) expect(compareNodeNames(a, c)).to.be.at.most(0)
        }),
        {numRuns: 500},
      )
    })

    it('gives every node the same view whatever order the names arrive in', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(anyName, {minLength: 2, maxLength: 8}).chain((names) => fc.tuple(fc.constant(names), fc.shuffledSubarray(names, {minLength: names.length}))),
          ([names, shuffled]) => {
            expect([...shuffled].sort(compareNodeNames)).to.deep.equal([...names].sort(compareNodeNames))
          },
        ),
        {numRuns: 200},
      )
    })

    it('orders names of digits by value whatever their length (kvs-9 before kvs-10 before kvs-100)', () => {
      fc.assert(
        fc.property(fc.nat(100_000), fc.nat(100_000), (x, y) => {
          expect(sign(compareNodeNames(`kvs-${x}.kvs:8085`, `kvs-${y}.kvs:8085`))).to.equal(sign(x - y))
        }),
        {numRuns: 200},
      )
    })
  })

  describe('file names', () => {
    it('keeps the file names of IPv4 names (data directories made before names existed)', () => {
      expect(nameToFileName('127.0.0.2:8085')).to.equal('127.0.0.2_8085')
      expect(nameToFileName('[::1]:8085')).to.equal('[::1]_8085')
    })

    it('reads back every name, and no other file name', () => {
      fc.assert(
        fc.property(anyName, (text) => {
          const name = canonicalNodeName(text) as string
          expect(nameFromFileName(nameToFileName(name))).to.equal(name)
        }),
        {numRuns: 200},
      )
      for (const other of ['node.log', 'LOCALHOST_1', '127.0.0.2_08085', '127.0.0.2:8085', 'a_b_1']) expect(nameFromFileName(other), other).to.equal(null)
    })
  })
})

import {expect} from 'chai'
import {localSessionKey, parseNodeList, selectNodes, sessionKeyFor} from '../../../src/client/node-selection.js'
import {isKvsError} from '../../../src/errors.js'

const local = ['127.0.0.2:8085', '127.0.0.3:8085', '127.0.0.4:8085']

describe('node selection', () => {
  describe('selectNodes: --node, else KVS_NODE, else the local cluster', () => {
    const cases: Array<{name: string; flag?: string; env?: string; local: string[]; nodes: string[]; source: string}> = [
      {name: 'the flag wins over everything', flag: '127.0.0.9:1', env: '127.0.0.8:1', local, nodes: ['127.0.0.9:1'], source: 'flag'},
      {name: 'KVS_NODE when there is no flag', env: '127.0.0.8:1', local, nodes: ['127.0.0.8:1'], source: 'env'},
      {name: 'the local cluster last, in its order', local, nodes: local, source: 'local'},
      {name: 'an empty flag counts as absent', flag: ' ', env: '127.0.0.8:1', local, nodes: ['127.0.0.8:1'], source: 'env'},
      {name: 'an empty KVS_NODE counts as absent', env: '', local, nodes: local, source: 'local'},
      {
        name: 'a list keeps its order and drops duplicates and blanks',
        flag: '127.0.0.5:1, 127.0.0.3:1,,127.0.0.5:1',
        local,
        nodes: ['127.0.0.5:1', '127.0.0.3:1'],
        source: 'flag',
      },
      {name: 'an explicit node is never widened to the local cluster', flag: '127.0.0.2:8085', local, nodes: ['127.0.0.2:8085'], source: 'flag'},
      {
        name: 'names in their one spelling, duplicates counted after folding case; localhost stays a name',
        flag: 'localhost:8085,LOCALHOST:8085,127.0.0.1:8085',
        local,
        nodes: ['localhost:8085', '127.0.0.1:8085'],
        source: 'flag',
      },
      {name: 'host names and IPv6 as given', env: 'kvs-1.example.org:8085,[::1]:8085', local, nodes: ['kvs-1.example.org:8085', '[::1]:8085'], source: 'env'},
    ]
    for (const c of cases) {
      it(c.name, () => {
        expect(selectNodes({flag: c.flag, env: c.env, local: c.local})).to.deep.equal({nodes: c.nodes, source: c.source})
      })
    }

    const usage: Array<{name: string; flag?: string; env?: string; local: string[]}> = [
      {name: 'nothing to talk to', local: []},
      {name: 'a flag that is not host:port', flag: 'localhost', local},
      {name: 'a KVS_NODE entry without a port', env: '127.0.0.2', local},
      {name: 'a flag of commas only', flag: ',,', local},
    ]
    for (const c of usage) {
      it(`usage error: ${c.name}`, () => {
        let caught: unknown
        try {
          selectNodes({flag: c.flag, env: c.env, local: c.local})
        } catch (error) {
          caught = error
        }
        expect(isKvsError(caught) && caught.code).to.equal('USAGE')
      })
    }
  })

  describe('parseNodeList: node names in their one spelling, or a usage error naming the entry and why', () => {
    const cases: Array<[string, string[] | RegExp]> = [
      ['127.0.0.2:8085', ['127.0.0.2:8085']],
      ['Node-3:8085,kvs.example.org:443', ['node-3:8085', 'kvs.example.org:443']],
      ['[0::1]:8085', ['[::1]:8085']],
      ['127.0.0.2:8085,127.0.0.2', /"127.0.0.2" is not a host:port name: no :port/],
      ['127.0.0.2:65536', /port must be 1-65535/],
      ['999.0.0.1:8085', /0-255/],
      ['[::g]:8085', /not an IPv6 address/],
      ['-bad-.org:1', /labels of 1-63/],
      [':8085', /no host/],
    ]
    for (const [text, expected] of cases) {
      it(`${text} -> ${expected}`, () => {
        if (Array.isArray(expected)) return expect(parseNodeList(text, '--node')).to.deep.equal(expected)
        expect(() => parseNodeList(text, '--node')).to.throw(expected)
      })
    }
  })

  describe('sessionKeyFor', () => {
    const cluster = {id: 'c1', addresses: local}

    it('the local cluster has one session whichever of its nodes is chosen', () => {
      const viaA = sessionKeyFor({nodes: ['127.0.0.2:8085'], source: 'flag'}, cluster)
      const viaB = sessionKeyFor({nodes: ['127.0.0.4:8085'], source: 'env'}, cluster)
      const viaAll = sessionKeyFor({nodes: local, source: 'local'}, cluster)
      expect([viaA, viaB, viaAll]).to.deep.equal([localSessionKey('c1'), localSessionKey('c1'), localSessionKey('c1')])
    })

    it('other nodes are identified by their sorted list', () => {
      const key = sessionKeyFor({nodes: ['10.0.0.10:1', '10.0.0.9:1'], source: 'env'}, cluster)
      expect(key).to.equal('nodes:10.0.0.9:1,10.0.0.10:1')
      expect(sessionKeyFor({nodes: ['10.0.0.9:1', '10.0.0.10:1'], source: 'flag'}, null)).to.equal(key)
    })

    it('a list mixing local and other nodes is not the local session', () => {
      expect(sessionKeyFor({nodes: ['127.0.0.2:8085', '10.0.0.9:1'], source: 'flag'}, cluster)).to.equal('nodes:10.0.0.9:1,127.0.0.2:8085')
    })
  })
})

import {expect} from 'chai'
import fc from 'fast-check'

import {checkHistory, History, type Guarantee} from '../../support/history.js'

/**
 * Writes a history as a story, one operation at a time in real-time order. Causal order
 * comes only from sessions and from which write each read names, as in a real run.
 */
class Story {
  readonly history = new History()
  private clock = 0

  put(client: string, key: string, value: string, status: number | null = 200): this {
    return this.add(client, 'put', key, value, status)
  }

  /** A read; `null` means the key was absent (404). */
  get(client: string, key: string, value: string | null): this {
    return this.add(client, 'get', key, value, value === null ? 404 : 200)
  }

  delete(client: string, key: string, status: number | null = 200): this {
    return this.add(client, 'delete', key, null, status)
  }

  guarantees(): Guarantee[] {
    return checkHistory(this.history.operations).map((v) => v.guarantee)
  }

  private add(client: string, kind: 'put' | 'get' | 'delete', key: string, value: string | null, status: number | null): this {
    const start = this.clock++
    this.history.record({
      client,
      kind,
      key,
      value,
      status,
      node: '127.0.0.2:1',
      start,
      end: this.clock++,
      metadataSent: '',
      metadataReceived: status === null ? undefined : {},
    })
    return this
  }
}

describe('history checker', () => {
  describe('flags', () => {
    it('read-your-writes: own write, then the key absent', () => {
      expect(new Story().put('a', 'x', 'a:1').get('a', 'x', null).guarantees()).to.deep.equal(['read-your-writes'])
    })

    it('read-your-writes: own overwrite, then the older value', () => {
      const story = new Story().put('a', 'x', 'a:1').put('a', 'x', 'a:2').get('a', 'x', 'a:1')
      expect(story.guarantees()).to.deep.equal(['read-your-writes'])
    })

    it('read-your-writes: own delete, then the deleted value', () => {
      expect(new Story().put('a', 'x', 'a:1').delete('a', 'x').get('a', 'x', 'a:1').guarantees()).to.deep.equal(['read-your-writes'])
    })

    it('monotonic reads: a newer value, then an older one', () => {
      const story = new Story().put('w', 'x', 'w:1').put('w', 'x', 'w:2').get('r', 'x', 'w:2').get('r', 'x', 'w:1')
      expect(story.guarantees()).to.deep.equal(['monotonic-reads'])
    })

    it('monotonic reads: a value, then the key absent again', () => {
      expect(new Story().put('w', 'x', 'w:1').get('r', 'x', 'w:1').get('r', 'x', null).guarantees()).to.deep.equal(['monotonic-reads'])
    })

    it('monotonic writes (causal order across shards): y seen, the earlier x of the same writer missing', () => {
      const story = new Story().put('w', 'x', 'w:1').put('w', 'y', 'w:2').get('r', 'y', 'w:2').get('r', 'x', null)
      expect(story.guarantees()).to.deep.equal(['monotonic-writes'])
    })

    it('writes-follow-reads: a write made after reading x, seen without that x', () => {
      const story = new Story()
        .put('a', 'x', 'a:1')
        .get('b', 'x', 'a:1')
        .put('b', 'y', 'b:1')
        .get('c', 'y', 'b:1')
        .get('c', 'x', null)
      expect(story.guarantees()).to.deep.equal(['writes-follow-reads'])
    })

    it('a write that got no answer, once read, must stay visible', () => {
      const story = new Story().put('a', 'x', 'a:1', null).get('b', 'x', 'a:1').get('b', 'x', null)
      expect(story.guarantees()).to.deep.equal(['monotonic-reads'])
    })

    it('a DELETE answered 404 is a read of absence', () => {
      expect(new Story().put('a', 'x', 'a:1').delete('a', 'x', 404).guarantees()).to.deep.equal(['read-your-writes'])
    })

    it('a value nobody wrote', () => {
      expect(new Story().put('a', 'x', 'a:1').get('b', 'x', 'zzz').guarantees()).to.deep.equal(['thin-air'])
    })

    it('a value written only to another key', () => {
      expect(new Story().put('a', 'y', 'a:1').get('b', 'x', 'a:1').guarantees()).to.deep.equal(['thin-air'])
    })

    it('a read that returns a write which causally follows it', () => {
      const story = new Story().get('a', 'x', 'b:1').put('a', 'y', 'a:1').get('b', 'y', 'a:1').put('b', 'x', 'b:1')
      expect(story.guarantees()).to.include('causality-cycle')
    })

    it('one stale read at the end of a long consistent history', () => {
      const story = new Story()
      const store = new Map<string, string>()
      for (let seq = 0; seq < 400; seq++) {
        const client = `c${seq % 4}`
        const key = `k${(seq * 7) % 5}`
        if (seq % 3 === 0) {
          store.set(key, `${client}:${seq}`)
          story.put(client, key, `${client}:${seq}`)
        } else {
          story.get(client, key, store.get(key) ?? null)
        }
      }
      expect(story.guarantees()).to.deep.equal([])
      const latest = store.get('k0') ?? null
      story.get('c1', 'k0', latest).put('c1', 'k0', 'c1:last').get('c1', 'k0', latest)
      expect(story.guarantees()).to.deep.equal(['read-your-writes'])
    })

    it('explains each violation in one line naming the read and the superseding write', () => {
      const [violation] = checkHistory(new Story().put('a', 'x', 'a:1').put('a', 'x', 'a:2').get('a', 'x', 'a:1').history.operations)
      expect(violation.explanation).to.not.include('\n')
      expect(violation.explanation).to.include('read x -> "a:1"').and.include('put x="a:2"')
    })
  })

  describe('accepts', () => {
    it('concurrent writes to one key read in either order, even flip-flopping', () => {
      const story = new Story()
        .put('a', 'x', 'a:1')
        .put('b', 'x', 'b:1')
        .get('c', 'x', 'a:1')
        .get('c', 'x', 'b:1')
        .get('c', 'x', 'a:1')
        .get('d', 'x', 'b:1')
        .get('d', 'x', 'a:1')
      expect(story.guarantees()).to.deep.equal([])
    })

    it('a read of a newer value than the causal past requires', () => {
      const story = new Story().put('a', 'x', 'a:1').get('b', 'x', 'a:1').put('a', 'x', 'a:2').get('b', 'x', 'a:2')
      expect(story.guarantees()).to.deep.equal([])
    })

    it('absence before any write, and after a delete', () => {
      const story = new Story().get('a', 'x', null).put('a', 'x', 'a:1').delete('b', 'x').get('b', 'x', null).get('a', 'x', 'a:1')
      expect(story.guarantees()).to.deep.equal([])
    })

    it('absence from a delete concurrent with the write in the causal past', () => {
      const story = new Story().put('a', 'x', 'a:1').delete('b', 'x').get('a', 'x', null)
      expect(story.guarantees()).to.deep.equal([])
    })

    it('an older value after an own write that got no answer or was rejected', () => {
      const story = new Story().put('a', 'x', 'a:1').put('a', 'x', 'a:2', null).put('a', 'x', 'a:3', 400).get('a', 'x', 'a:1')
      expect(story.guarantees()).to.deep.equal([])
    })

    it('stale data on a key the client never causally depended on', () => {
      const story = new Story().put('a', 'x', 'a:1').put('a', 'x', 'a:2').get('b', 'x', 'a:1').get('b', 'y', null)
      expect(story.guarantees()).to.deep.equal([])
    })

    it('any history of a single-copy store (linearizable, hence causal)', () => {
      const operation = fc.record({
        client: fc.constantFrom('a', 'b', 'c'),
        kind: fc.constantFrom('put' as const, 'get' as const, 'delete' as const),
        key: fc.constantFrom('x', 'y', 'z'),
      })
      fc.assert(
        fc.property(fc.array(operation, {minLength: 20, maxLength: 120}), (script) => {
          const store = new Map<string, string>()
          const story = new Story()
          script.forEach(({client, kind, key}, seq) => {
            if (kind === 'put') {
              store.set(key, `${client}:${seq}`)
              story.put(client, key, `${client}:${seq}`)
            } else if (kind === 'get') {
              story.get(client, key, store.get(key) ?? null)
            } else {
              story.delete(client, key, store.delete(key) ? 200 : 404)
            }
          })
          expect(checkHistory(story.history.operations).map((v) => v.explanation)).to.deep.equal([])
        }),
      )
    })
  })

  it('refuses a history whose values do not name their writes', () => {
    expect(() => checkHistory(new Story().put('a', 'x', 'v').put('b', 'x', 'v').history.operations)).to.throw(/unique/)
  })
})

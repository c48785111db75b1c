import {expect} from 'chai'
import {crc32} from '../../../src/storage/crc32.js'

describe('crc32', () => {
  const vectors: Array<[string, number]> = [
    ['', 0x00000000],
    ['a', 0xe8b7be43],
    ['123456789', 0xcbf43926],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ]
  for (const [input, expected] of vectors) {
    it(`crc32(${JSON.stringify(input)}) = 0x${expected.toString(16).padStart(8, '0')}`, () => {
      expect(crc32(Buffer.from(input))).to.equal(expected)
    })
  }

  it('matches zlib on binary input (every byte value, and zeros)', () => {
    expect(crc32(Buffer.from(Array.from({length: 256}, (_, i) => i)))).to.equal(0x29058c73)
    expect(crc32(Buffer.alloc(32))).to.equal(0x190a55ad)
  })
})

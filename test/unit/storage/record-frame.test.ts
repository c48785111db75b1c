import {expect} from 'chai'
import fc from 'fast-check'
import {crc32} from '../../../src/storage/crc32.js'
import {decodeFrames, findFrame, FRAME_HEADER_BYTES, FrameBuffer, parseRecord, readFrame} from '../../../src/storage/record-frame.js'

/** One record's frame. */
const encodeRecord = (value: unknown, padTo?: number): Buffer => {
  const frames = new FrameBuffer()
  frames.push(value, padTo)
  return frames.take()
}

const decodeValues = (buf: Buffer) => {
  const {payloads, validBytes, stop} = decodeFrames(buf)
  return {records: payloads.map((p) => parseRecord(p, () => 'test')), validBytes, stop}
}

describe('record frames', () => {
  it('frames a value as [u32 LE length][u32 LE crc32][JSON payload]', () => {
    const frame = encodeRecord({k: 'é', v: [1, null]})
    const payload = Buffer.from('{"k":"é","v":[1,null]}')
    expect(frame.readUInt32LE(0)).to.equal(payload.length)
    expect(frame.readUInt32LE(4)).to.equal(crc32(payload))
    expect(frame.subarray(FRAME_HEADER_BYTES).equals(payload)).to.equal(true)
  })

  it('round-trips any JSON values, in order, and stops at the end', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), (values) => {
        const buf = Buffer.concat(values.map((v) => encodeRecord(v)))
        const decoded = decodeValues(buf)
        expect(decoded).to.deep.equal({records: values.map((v) => JSON.parse(JSON.stringify(v))), validBytes: buf.length, stop: 'end'})
      }),
    )
  })

  it('reports a buffer cut anywhere inside a frame as torn, keeping the frames before it', () => {
    const frames = ['first', {second: 2}, [3]].map((v) => encodeRecord(v))
    const buf = Buffer.concat(frames)
    const boundaries = [0, frames[0].length, frames[0].length + frames[1].length, buf.length]
    for (let cut = 0; cut <= buf.length; cut++) {
      const decoded = decodeFrames(buf.subarray(0, cut))
      const complete = boundaries.filter((b) => b <= cut)
      expect(decoded.validBytes, `cut at ${cut}`).to.equal(complete.at(-1))
      expect(decoded.payloads).to.have.length(complete.length - 1)
      expect(decoded.stop, `cut at ${cut}`).to.equal(boundaries.includes(cut) ? 'end' : 'torn')
    }
  })

  it('stops at a frame whose payload or checksum was changed', () => {
    const first = encodeRecord({a: 1})
    for (const at of [FRAME_HEADER_BYTES + 2, 5]) {
      const second = encodeRecord({b: 2})
      second[at] ^= 0x01
      const decoded = decodeValues(Buffer.concat([first, second, encodeRecord({c: 3})]))
      expect(decoded).to.deep.equal({records: [{a: 1}], validBytes: first.length, stop: 'crc-mismatch'})
    }
  })

  it('never reads zero-filled space as records', () => {
    expect(decodeFrames(Buffer.alloc(64))).to.deep.include({validBytes: 0, stop: 'crc-mismatch'})
    expect(findFrame(Buffer.alloc(4096), 0)).to.equal(-1)
  })

  it('reads a frame at an offset, and finds the next valid frame after damage', () => {
    const good = encodeRecord('later')
    const buf = Buffer.concat([Buffer.from('garbage!!'), good])
    expect(readFrame(buf, 0)).to.be.a('string')
    expect(findFrame(buf, 0)).to.equal(9)
    expect(findFrame(buf, 10)).to.equal(-1)
    const frame = readFrame(buf, 9)
    expect(frame).to.deep.equal({payload: good.subarray(FRAME_HEADER_BYTES), next: buf.length})
  })

  it('pads a frame to a fixed size with JSON whitespace', () => {
    const frame = encodeRecord({n: 1}, 64)
    expect(frame.length).to.equal(FRAME_HEADER_BYTES + 64)
    expect(decodeValues(frame).records).to.deep.equal([{n: 1}])
  })

  it('refuses values without a JSON form, leaving the frames pushed before', () => {
    const frames = new FrameBuffer()
    frames.push('kept')
    expect(() => frames.push(undefined)).to.throw(TypeError)
    expect(() => frames.push(10n)).to.throw(TypeError)
    expect(decodeValues(frames.take()).records).to.deep.equal(['kept'])
  })

  it('batches many frames in one buffer, growing past its capacity, and starts empty after take()', () => {
    const frames = new FrameBuffer(16)
    const values = Array.from({length: 500}, (_, i) => ({i, text: 'ü'.repeat(i % 7)}))
    for (const v of values) frames.push(v)
    const batch = frames.take()
    expect(batch.equals(Buffer.concat(values.map((v) => encodeRecord(v))))).to.equal(true)
    expect(frames.length).to.equal(0)
    frames.push('next')
    expect(decodeValues(batch).records, 'a taken batch is not overwritten').to.deep.equal(values)
  })
})

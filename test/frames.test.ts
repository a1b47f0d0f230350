import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FrameReader, frameHeader } from '../shared/protocol/frames.ts'
import { FrameTooLargeError, FrameTooSmallError } from '../shared/errors.ts'
import { MAX_FRAME_BYTES } from '../shared/protocol/limits.ts'

const encode = (body: Uint8Array) => Buffer.concat([frameHeader(body.length), body])

describe('frame reader', () => {
  it('rejects a declared length over the maximum before buffering the body', () => {
    const reader = new FrameReader(1, MAX_FRAME_BYTES)
    expect(() => reader.push(frameHeader(MAX_FRAME_BYTES + 1))).toThrow(FrameTooLargeError)
    expect(() => new FrameReader(1, 10).push(frameHeader(0xffffffff))).toThrow(expect.objectContaining({ code: 'TASKORCH_ERR_FRAME_TOO_LARGE' }))
  })

  it('rejects lengths below the minimum, including zero', () => {
    expect(() => new FrameReader(16, 100).push(frameHeader(0))).toThrow(FrameTooSmallError)
    expect(() => new FrameReader(16, 100).push(frameHeader(15))).toThrow(FrameTooSmallError)
  })

  it('accepts exactly the minimum and the maximum', () => {
    const reader = new FrameReader(16, 64)
    const frames = reader.push(Buffer.concat([encode(new Uint8Array(16)), encode(new Uint8Array(64))]))
    expect(frames.map((f) => f.body.length)).toEqual([16, 64])
  })

  it('waits on a header followed by a stall, and reports a partial frame', () => {
    const reader = new FrameReader(1, 100)
    expect(reader.push(frameHeader(50))).toEqual([])
    expect(reader.partial).toBe(true)
    expect(reader.push(new Uint8Array(49))).toEqual([])
    expect(reader.push(new Uint8Array(1))).toHaveLength(1)
    expect(reader.partial).toBe(false)
  })

  it('stops after `limit` frames and hands over the rest untouched', () => {
    const reader = new FrameReader(1, 10)
    const rest = encode(new Uint8Array(1000)) // over this reader's bound, but not its business
    expect(reader.push(Buffer.concat([encode(Uint8Array.of(7)), rest]), 1)).toHaveLength(1)
    expect(Buffer.from(reader.takeBuffered())).toEqual(Buffer.from(rest))
  })

  it('yields the same frames for any split of the byte stream', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (bodies, cuts) => {
        const stream = Buffer.concat(bodies.map(encode))
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
        const reader = new FrameReader(1, 300)
        const out: Uint8Array[] = []
        let last = 0
        for (const p of [...points, stream.length]) {
          for (const f of reader.push(stream.subarray(last, p))) out.push(Buffer.from(f.body))
          last = p
        }
        expect(out.map((b) => Buffer.from(b).toString('hex'))).toEqual(bodies.map((b) => Buffer.from(b).toString('hex')))
      }
    ))
  })

  it('on random bytes either yields frames or throws a coded error, one byte at a time or all at once', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, dribble) => {
      const reader = new FrameReader(16, 256)
      try {
        if (dribble) for (const b of bytes) reader.push(Uint8Array.of(b))
        else reader.push(bytes)
      } catch (error) {
        expect((error as { code?: string }).code).toMatch(/^TASKORCH_ERR_FRAME_TOO_(LARGE|SMALL)$/)
      }
    }))
  })
})

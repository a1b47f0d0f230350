// Length-prefixed frames: a 4-byte big-endian length, then that many bytes.
// The reader is a two-state machine (header, body) over buffered chunks. It checks the declared
// length against its bounds before buffering a body, and copies only when a read spans two chunks.
import { FrameTooLargeError, FrameTooSmallError } from '../errors.ts'
import { FRAME_HEADER_BYTES } from './limits.ts'

export type Frame = { header: Uint8Array, body: Uint8Array }

export class FrameReader {
  readonly #min: number
  #max: number
  #chunks: Uint8Array[] = []
  #buffered = 0
  #header: Uint8Array | null = null
  #bodyLength = 0

  constructor (min: number, max: number) {
    this.#min = min
    this.#max = max
  }

  // The handshake uses a tight bound, transport frames a wider one.
  setMaxLength (max: number): void {
    this.#max = max
  }

  // The body length the frame being read declares; 0 while its header is incomplete.
  get pendingLength (): number {
    return this.#header === null ? 0 : this.#bodyLength
  }

  // True while part of a frame is buffered (the caller runs a completion deadline on it).
  get partial (): boolean {
    return this.#buffered > 0 || this.#header !== null
  }

  // Feeds bytes in; returns the frames completed by them, at most `limit`, leaving later bytes unread.
  // Throws a coded error on a bad length.
  push (chunk: Uint8Array, limit = Infinity): Frame[] {
    const frames: Frame[] = []
    if (chunk.length > 0) {
      this.#chunks.push(chunk)
      this.#buffered += chunk.length
    }
    while (frames.length < limit) {
      if (this.#header === null) {
        if (this.#buffered < FRAME_HEADER_BYTES) return frames
        const header = this.#consume(FRAME_HEADER_BYTES)
        const length = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES).getUint32(0)
        if (length > this.#max) throw new FrameTooLargeError(length, this.#max)
        if (length < this.#min) throw new FrameTooSmallError(length, this.#min)
        this.#header = header
        this.#bodyLength = length
      }
      if (this.#buffered < this.#bodyLength) return frames
      frames.push({ header: this.#header, body: this.#consume(this.#bodyLength) })
      this.#header = null
    }
    return frames
  }

  // Hands over the unparsed bytes (after a push with a limit), leaving the reader empty.
  takeBuffered (): Uint8Array {
    if (this.#header !== null) throw new Error('takeBuffered inside a frame')
    const rest = this.#consume(this.#buffered)
    this.#chunks = []
    return rest
  }

  #consume (n: number): Uint8Array {
    this.#buffered -= n
    const first = this.#chunks[0]
    if (first.length > n) {
      this.#chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    if (first.length === n) {
      this.#chunks.shift()
      return first
    }
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.#chunks[0]
      const take = Math.min(chunk.length, n - filled)
      out.set(chunk.subarray(0, take), filled)
      filled += take
      if (take === chunk.length) this.#chunks.shift()
      else this.#chunks[0] = chunk.subarray(take)
    }
    return out
  }
}

export function frameHeader (length: number): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_BYTES)
  new DataView(header.buffer).setUint32(0, length)
  return header
}

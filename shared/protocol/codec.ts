// msgpack encoding of messages. The decoder is locked down: no records, no structured clones,
// maps as plain objects, one value per frame (msgpackr throws on trailing bytes).
import { Packr, Unpackr } from 'msgpackr'
import { MessageDecodeError } from '../errors.ts'

const packr = new Packr({ useRecords: false, structuredClone: false, mapsAsObjects: true })
const unpackr = new Unpackr({ useRecords: false, structuredClone: false, mapsAsObjects: true, int64AsType: 'number' })

export function encodeMessage (message: object): Uint8Array {
  return packr.pack(message)
}

// Returns an unvalidated value; callers pass it through a validator from messages.ts. The bytes are
// walked first, so msgpackr never sees an extension or record (it would build objects from them),
// a nesting deeper than our messages have, or a length claiming more than the frame holds.
export function decodeMessage (bytes: Uint8Array): unknown {
  checkShape(bytes)
  try {
    return unpackr.unpack(bytes)
  } catch (error) {
    throw new MessageDecodeError((error as Error).message?.slice(0, 120) ?? 'undecodable', { cause: error })
  }
}

// No message nests deeper than this (a JOB: message, keyspace, charsets).
export const MAX_MESSAGE_DEPTH = 8

// Plain msgpack only: nil, booleans, numbers, strings, binaries, arrays and maps, one value filling
// the bytes exactly. Nothing is built; each container's claimed count is checked against the bytes
// left (every element takes at least one), so a huge claim fails at once.
export function checkShape (bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const pending: number[] = [1] // values still expected in each open container (the first: the message)
  let at = 0
  const fail = (why: string): never => { throw new MessageDecodeError(`${why} at byte ${at}`) }
  const need = (n: number) => { if (at + n > bytes.length) fail('truncated value') }
  const skip = (n: number) => { need(n); at += n }
  const length = (size: 1 | 2 | 4) => {
    need(size)
    const n = size === 1 ? view.getUint8(at) : size === 2 ? view.getUint16(at) : view.getUint32(at)
    at += size
    return n
  }
  while (pending.length > 0) {
    need(1)
    const byte = bytes[at++]
    pending[pending.length - 1]--
    let count = 0 // elements of a container just opened
    if (byte <= 0x7f || byte >= 0xe0 || byte === 0xc0 || byte === 0xc2 || byte === 0xc3) {
      // a fixint, nil or a boolean: nothing follows
    } else if (byte <= 0x8f) count = 2 * (byte & 0x0f)
    else if (byte <= 0x9f) count = byte & 0x0f
    else if (byte <= 0xbf) skip(byte & 0x1f)
    else {
      switch (byte) {
        case 0xc4: case 0xd9: skip(length(1)); break
        case 0xc5: case 0xda: skip(length(2)); break
        case 0xc6: case 0xdb: skip(length(4)); break
        case 0xcc: case 0xd0: skip(1); break
        case 0xcd: case 0xd1: skip(2); break
        case 0xca: case 0xce: case 0xd2: skip(4); break
        case 0xcb: case 0xcf: case 0xd3: skip(8); break
        case 0xdc: count = length(2); break
        case 0xdd: count = length(4); break
        case 0xde: count = 2 * length(2); break
        case 0xdf: count = 2 * length(4); break
        default: fail(`type byte 0x${byte.toString(16)} (an extension, a record or unused)`)
      }
    }
    if (count > 0) {
      if (count > bytes.length - at) fail(`a container claiming ${count} elements`)
      if (pending.length > MAX_MESSAGE_DEPTH) fail(`nesting deeper than ${MAX_MESSAGE_DEPTH}`)
      pending.push(count)
    }
    while (pending.length > 0 && pending[pending.length - 1] === 0) pending.pop()
  }
  if (at !== bytes.length) fail('trailing bytes')
}

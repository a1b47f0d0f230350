// msgpack encoding of messages. The decoder is locked down: no records, no structured clones,
// maps as plain objects, one value per frame (msgpackr throws on trailing bytes).
import { Packr, Unpackr } from 'msgpackr'
import { MessageDecodeError } from '../errors.ts'

const packr = new Packr({ useRecords: false, structuredClone: false, mapsAsObjects: true })
const unpackr = new Unpackr({ useRecords: false, structuredClone: false, mapsAsObjects: true, int64AsType: 'number' })

export function encodeMessage (message: object): Uint8Array {
  return packr.pack(message)
}

// Returns an unvalidated value; callers pass it through a validator from messages.ts.
export function decodeMessage (bytes: Uint8Array): unknown {
  try {
    return unpackr.unpack(bytes)
  } catch (error) {
    throw new MessageDecodeError((error as Error).message?.slice(0, 120) ?? 'undecodable', { cause: error })
  }
}

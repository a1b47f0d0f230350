import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeMessage, encodeMessage } from '../shared/protocol/codec.ts'
import { InvalidMessageError, MessageDecodeError } from '../shared/errors.ts'
import { PROTOCOL_VERSION } from '../shared/protocol/limits.ts'
import { validateServerMessage, validateWorkerMessage, type Message } from '../shared/protocol/messages.ts'

const VALID_WORKER: Message[] = [
  { type: 'hello', version: PROTOCOL_VERSION, software: '0.2.0', name: 'box-1', cores: 8, threads: 8 },
  { type: 'progress', chunkId: '1.4', hashed: 12345 },
  { type: 'done', chunkId: '1.4', hashed: 1_000_000 },
  { type: 'found', jobId: '1', hash: new Uint8Array(16).fill(7), plaintext: Buffer.from('12345') },
  { type: 'ping' }, { type: 'pong' }, { type: 'bye', reason: 'shutting down' }
]
const VALID_SERVER: Message[] = [
  { type: 'welcome', workerId: 'w1' },
  { type: 'job', jobId: '1', algorithm: 'sha1', targets: [new Uint8Array(20)], keyspace: { type: 'range', start: '0', end: '100000000' } },
  { type: 'task', jobId: '1', chunkId: '1.0', offset: '123456789012345678901234567890', length: 6_000_000 },
  { type: 'cancel', jobId: '1', chunkId: '1.3' },
  { type: 'solved', jobId: '1', hash: new Uint8Array(20) },
  { type: 'ping' }, { type: 'pong' }, { type: 'bye', reason: '' }
]

// Bytes compare by content whether msgpackr hands back a Buffer or a plain Uint8Array.
const normal = (m: unknown) => JSON.parse(JSON.stringify(m, (_, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)))

// Either a validated message or a coded rejection; never another exception, never a crash.
function validateOrReject (validate: (v: unknown) => Message, value: unknown): Message | null {
  try {
    return validate(value)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidMessageError)
    return null
  }
}

const anyValue = fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true, withObjectString: true, withMap: true, withSet: true, withDate: true })

// A valid message with one field replaced, removed, or added.
const mutated = (valid: Message[]) => fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.constantFrom('replace', 'remove', 'add'), anyValue, fc.string())
  .map(([message, pick, how, value, key]) => {
    const copy: Record<string, unknown> = { ...message }
    const keys = Object.keys(copy)
    const field = keys[pick % keys.length]
    if (how === 'replace') copy[field] = value
    else if (how === 'remove') delete copy[field]
    else copy[key] = value
    return copy
  })

describe('messages', () => {
  it('round-trips every valid message through the codec and validator', () => {
    for (const m of VALID_WORKER) expect(normal(validateWorkerMessage(decodeMessage(encodeMessage(m))))).toEqual(normal(m))
    for (const m of VALID_SERVER) expect(normal(validateServerMessage(decodeMessage(encodeMessage(m))))).toEqual(normal(m))
  })

  it('rejects arbitrary values with InvalidMessageError only (property)', () => {
    fc.assert(fc.property(anyValue, (value) => {
      validateOrReject(validateWorkerMessage, value)
      validateOrReject(validateServerMessage, value)
    }), { numRuns: 2000 })
  })

  it('accepts a mutated message only if it is still well-formed (property)', () => {
    for (const [valid, validate] of [[VALID_WORKER, validateWorkerMessage], [VALID_SERVER, validateServerMessage]] as const) {
      fc.assert(fc.property(mutated(valid), (value) => {
        const accepted = validateOrReject(validate, value)
        // Whatever passes re-encodes to the same validated message: no stray fields, right types.
        if (accepted) expect(normal(validate(decodeMessage(encodeMessage(accepted))))).toEqual(normal(accepted))
      }), { numRuns: 2000 })
    }
  })

  it('decodes arbitrary bytes to a value or a MessageDecodeError, and validation rejects the junk (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      let value: unknown
      try {
        value = decodeMessage(bytes)
      } catch (error) {
        expect(error).toBeInstanceOf(MessageDecodeError)
        return
      }
      validateOrReject(validateWorkerMessage, value)
    }), { numRuns: 5000 })
  })

  it('names the offending field', () => {
    expect(() => validateWorkerMessage({ type: 'done', chunkId: '1.0', hashed: -1 })).toThrow(/done: "hashed"/)
    expect(() => validateWorkerMessage({ type: 'hello', version: 'x', software: '1', name: 'x', cores: 1, threads: 1 })).toThrow(/hello: "version" must be an integer/)
    expect(() => validateWorkerMessage({ type: 'hello', version: 3, software: '1', name: 'evil\u001b[2J\nINFO forged', cores: 1, threads: 1 })).toThrow(/"name" must be printable/)
    expect(() => validateWorkerMessage({ type: 'hello', version: 3, software: '1', name: 'right\u202eto-left', cores: 1, threads: 1 })).toThrow(/"name" must be printable/)
    expect(() => validateWorkerMessage({ type: 'hello', version: 3, software: '1\u001b[2J', name: 'w', cores: 1, threads: 1 })).toThrow(/"software" must be printable/)
    expect(() => validateWorkerMessage({ type: 'ping', extra: 1 })).toThrow(/unexpected field "extra"/)
    expect(() => validateServerMessage({ type: 'task', jobId: '1', chunkId: '1', offset: '01', length: 5 })).toThrow(/"offset"/)
    expect(() => validateServerMessage({ type: 'job', jobId: '1', algorithm: 'md5', targets: [new Uint8Array(20)], keyspace: { type: 'range', start: '0', end: '1' } })).toThrow(/targets/)
    expect(() => validateWorkerMessage(JSON.parse('{"type":"ping","__proto__":{"polluted":1}}'))).toThrow(InvalidMessageError)
    expect(() => validateWorkerMessage({ type: 'welcome', workerId: 'w' })).toThrow(/unknown worker message type/)
  })
})

describe('the decoder\'s walk before msgpackr', () => {
  it('refuses extensions, records, 0xc1, deep nesting, huge claims and trailing bytes with a coded error', () => {
    for (const [bytes, why] of [
      [[0xd4, 0x01, 0x00], /extension, a record or unused/],
      [[0xc7, 0x01, 0x72, 0x00], /extension, a record or unused/], // msgpackr's record definitions are ext 0x72
      [[0xc1], /unused/],
      [[...Array(9).fill(0x91), 0xc0], /nesting deeper than 8/],
      [[0xdd, 0xff, 0xff, 0xff, 0xff], /claiming 4294967295 elements/],
      [[0xdb, 0xff, 0xff, 0xff, 0xff], /truncated value/],
      [[0xc0, 0xc0], /trailing bytes/],
      [[], /truncated value/]
    ] as [number[], RegExp][]) {
      expect(() => decodeMessage(Uint8Array.from(bytes)), why.source).toThrow(MessageDecodeError)
      expect(() => decodeMessage(Uint8Array.from(bytes))).toThrow(why)
    }
  })

  it('lets every real message through', () => {
    for (const m of [...VALID_WORKER, ...VALID_SERVER]) expect(normal(decodeMessage(encodeMessage(m)))).toEqual(normal(m))
  })
})

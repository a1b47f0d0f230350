import { MAX_TARGET_BYTES, parseTarget } from '../shared/algorithms.ts'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeMessage, encodeMessage } from '../shared/protocol/codec.ts'
import { InvalidMessageError, MessageDecodeError } from '../shared/errors.ts'
import type { MaskSpec, WordlistSpec } from '../shared/keyspace/spec.ts'
import { PROTOCOL_VERSION } from '../shared/protocol/limits.ts'
import { validateControlMessage, validateControlReply } from '../shared/protocol/control-protocol.ts'
import { type Message } from '../shared/protocol/messages.ts'
import { validateServerMessage, validateWorkerMessage } from '../shared/protocol/worker-protocol.ts'

const VALID_WORKER: Message[] = [
  { type: 'hello', version: PROTOCOL_VERSION, software: '0.2.0', name: 'box-1', cores: 8, threads: 8 },
  { type: 'hello', version: PROTOCOL_VERSION, software: '0.2.0', name: 'gpu', cores: 8, threads: 8, backend: { kind: 'hashcat', version: 'v6.2.6', devices: [{ name: 'NVIDIA GeForce RTX 4090', type: 'GPU' }] } },
  { type: 'hello', version: PROTOCOL_VERSION, software: '0.2.0', name: 'box-2', cores: 2, threads: 2, backend: { kind: 'wasm' } },
  { type: 'failed', chunkId: '1.4', reason: 'hashcat exited with code 255' },
  { type: 'progress', chunkId: '1.5', hashed: 2 ** 40 },
  { type: 'progress', chunkId: '1.4', hashed: 12345 }, { type: 'progress', chunkId: '1.4', hashed: 0, starting: true },
  { type: 'done', chunkId: '1.4', hashed: 1_000_000 },
  { type: 'found', jobId: '1', hash: new Uint8Array(16).fill(7), plaintext: Buffer.from('12345') },
  { type: 'hello', version: PROTOCOL_VERSION, software: '0.2.0', name: 'gpu', cores: 8, threads: 8, backend: { kind: 'hashcat', version: 'v6.2.6', devices: [{ name: 'cpu', type: 'CPU' }] }, files: ['ab'.repeat(32)] },
  { type: 'fetch', sha256: 'ab'.repeat(32), from: '1024' },
  { type: 'holding', sha256: 'ab'.repeat(32) },
  { type: 'checked', id: 'q1', lines: [Buffer.from('24leDr0hHfb3A'), 'Token length exception'] }, { type: 'checked', id: 'q2', error: 'hashcat -m 99999 could not read the hashes' },
  { type: 'confirmed', id: 'q3', cracks: true }, { type: 'confirmed', id: 'q4', error: 'this worker does not run hashcat' },
  { type: 'ping' }, { type: 'pong' }, { type: 'bye', reason: 'shutting down' }
]
const COMBINATOR: WordlistSpec = { type: 'wordlist', name: '/l.txt', size: '9', combinator: { base: 'left', other: { name: '/r.txt', size: 2, file: { sha256: 'ef'.repeat(32), bytes: 5, ascii: true, crEnds: false, longest: 2 } }, right: '$1 c' } }
const VALID_SERVER: Message[] = [
  { type: 'welcome', workerId: 'w1' },
  { type: 'job', jobId: '1', algorithm: 'sha1', targets: [new Uint8Array(20)], keyspace: { type: 'range', start: '0', end: '100000000' } },
  { type: 'task', jobId: '1', chunkId: '1.0', offset: '123456789012345678901234567890', length: 6_000_000 },
  { type: 'cancel', jobId: '1', chunkId: '1.3' },
  { type: 'solved', jobId: '1', hash: new Uint8Array(20) },
  { type: 'job', jobId: '2', algorithm: 'md5', targets: [new Uint8Array(16)], keyspace: { type: 'wordlist', name: '/w.txt', size: '3' }, wordsFile: { sha256: 'cd'.repeat(32), bytes: 12, ascii: true, crEnds: false, longest: 9 } },
  { type: 'job', jobId: '3', algorithm: 'md5', targets: [new Uint8Array(16)], keyspace: COMBINATOR, other: Buffer.from('ab\nc\n') },
  { type: 'task', jobId: '2', chunkId: '2.0', offset: '0', length: 3 },
  { type: 'piece', sha256: 'cd'.repeat(32), first: '1', words: Buffer.from('two\nsix') },
  { type: 'job', jobId: '4', algorithm: 'hashcat-1500', targets: [Buffer.from('24leDr0hHfb3A')], keyspace: { type: 'range', start: '0', end: '10' } },
  { type: 'check', id: 'q1', mode: 11600, lines: [Buffer.from('$7z$0$19$0$salt$8$f6196259a7326e3f0000000000000000$185065650$112$98$f3bc2a88062c419a25acd40c0c2d75421cf23263f69c51b13f9b1aada41a8a09f9adeae45d67c60b56aad338f20c0dcc5eb811c7a61128ee0746f922cdb9c59096869f341c7a9cb1ac7bb7d771f546b82cf4e6f11a5ecd4b61751e4d8de66dd6e2dfb5b7d1022d2211e2d66ea1703f96')] },
  { type: 'confirm', id: 'q2', mode: 1500, hash: Buffer.from('24leDr0hHfb3A'), plaintext: Buffer.from('hashcat') },
  { type: 'check', id: 'q3', mode: 0, lines: [Buffer.from('a')] },
  { type: 'ping' }, { type: 'pong' }, { type: 'bye', reason: '' }
]

const FILE = { sha256: 'ab'.repeat(32), name: 'words.txt' }
const MASK: MaskSpec = { type: 'mask', mask: '?d?d', charsets: ['', '', '', ''], min: 2, max: 2 }
const VALID_CONTROL: Message[] = [
  { type: 'control', id: 0, version: PROTOCOL_VERSION, software: '0.2.0' },
  { type: 'upload', id: 1, file: FILE, size: 10, offset: 4, data: new Uint8Array(6) },
  { type: 'submit', id: 2, job: { algorithm: 'md5', targets: ['00'.repeat(16)], targetsFile: null, keyspace: MASK, priority: 3, username: false, hexSalt: false } },
  { type: 'submit', id: 3, job: { algorithm: 'md5', targets: [], targetsFile: FILE, keyspace: { type: 'wordlist', file: FILE, rules: [FILE], hybrid: null, combinator: null }, priority: 0, username: true, hexSalt: false } },
  { type: 'submit', id: 4, job: { algorithm: 'md5', targets: [], targetsFile: FILE, keyspace: { type: 'wordlist', file: FILE, rules: [], hybrid: { side: 'prepend', mask: MASK }, combinator: null }, priority: 0, username: false, hexSalt: true } },
  { type: 'submit', id: 10, job: { algorithm: 'md5', targets: [], targetsFile: FILE, keyspace: { type: 'wordlist', file: FILE, rules: [], hybrid: null, combinator: { file: FILE, left: 'c', right: null } }, priority: 0, username: false, hexSalt: false } },
  { type: 'jobs', id: 5 }, { type: 'workers', id: 6 }, { type: 'status', id: 7, job: '1' }, { type: 'cancel', id: 8, job: '2' }, { type: 'results', id: 9, job: '1', from: 1000 }
]
const JOB_LINE = { time: '2026-11-23T17:00:00.000Z', job: '1', status: 'running', algorithm: 'md5', keyspace: '?d?d', priority: 0, progress: [5, '123456789012345678901234567890'], speed: 10, eta: null, recovered: [0, 1], workers: [{ name: 'w', speed: 10, state: 'starting hashcat' }] }
const VALID_REPLY: Message[] = [
  { type: 'reply', id: 0 },
  { type: 'reply', id: 1, error: { code: 'TASKORCH_ERR_UNKNOWN_JOB', message: 'no job "9"' } },
  { type: 'reply', id: 2, jobs: [JOB_LINE as never] },
  { type: 'reply', id: 3, workers: [{ name: 'w', address: '127.0.0.1:5', threads: 2, software: '0.2.0', backend: 'hashcat v6.2.6 on GPU NVIDIA GeForce RTX 4090', speed: 3, chunks: 1, state: 'working' }] },
  { type: 'reply', id: 4, results: [{ hash: 'ab', plaintext: new Uint8Array([0, 255]), users: ['alice'] }], next: null },
  { type: 'reply', id: 5, stored: false, received: 1024 }, { type: 'reply', id: 6, job: '3' },
  { type: 'refused', reason: 'the workers\' token' }
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
    for (const m of VALID_CONTROL) expect(normal(validateControlMessage(decodeMessage(encodeMessage(m))))).toEqual(normal(m))
    for (const m of VALID_REPLY) expect(normal(validateControlReply(decodeMessage(encodeMessage(m))))).toEqual(normal(m))
  })

  it('rejects arbitrary values with InvalidMessageError only (property)', () => {
    fc.assert(fc.property(anyValue, (value) => {
      validateOrReject(validateWorkerMessage, value)
      validateOrReject(validateServerMessage, value)
      validateOrReject(validateControlMessage, value)
      validateOrReject(validateControlReply, value)
    }), { numRuns: 2000 })
  })

  it('accepts a mutated message only if it is still well-formed (property)', () => {
    for (const [valid, validate] of [[VALID_WORKER, validateWorkerMessage], [VALID_SERVER, validateServerMessage], [VALID_CONTROL, validateControlMessage], [VALID_REPLY, validateControlReply]] as const) {
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
    expect(() => validateWorkerMessage({ type: 'hello', version: 5, software: '1', name: 'w', cores: 1, threads: 1, backend: { kind: 'cuda' } })).toThrow(/"backend.kind"/)
    expect(() => validateWorkerMessage({ type: 'hello', version: 5, software: '1', name: 'w', cores: 1, threads: 1, backend: { kind: 'hashcat', version: 'v6.2.6', devices: [] } })).toThrow(/"backend.devices" must list/)
    expect(() => validateWorkerMessage({ type: 'hello', version: 5, software: '1', name: 'w', cores: 1, threads: 1, backend: { kind: 'hashcat', version: 'v6.2.6', devices: [{ name: 'x\u001b[2J', type: 'GPU' }] } })).toThrow(/"backend.devices\[\].name" must be printable/)
    expect(() => validateWorkerMessage({ type: 'failed', chunkId: '1.0' })).toThrow(/failed: missing field "reason"/)
    expect(() => validateServerMessage({ type: 'task', jobId: '1', chunkId: '1', offset: '01', length: 5 })).toThrow(/"offset"/)
    expect(() => validateWorkerMessage({ type: 'fetch', sha256: '../../etc/passwd', from: '0' })).toThrow(/fetch: "sha256" must be a SHA-256/)
    expect(() => validateWorkerMessage({ type: 'holding', sha256: 'AB'.repeat(32) })).toThrow(/holding: "sha256" must be a SHA-256 in lowercase hex/)
    expect(() => validateWorkerMessage({ type: 'hello', version: 7, software: '1', name: 'w', cores: 1, threads: 1, files: ['x'] })).toThrow(/"files\[\]" must be a SHA-256/)
    const wordlist = { type: 'wordlist', name: '/w.txt', size: '3' }
    expect(() => validateServerMessage({ type: 'job', jobId: '1', algorithm: 'md5', targets: [new Uint8Array(16)], keyspace: wordlist, wordsFile: { sha256: 'cd'.repeat(32), bytes: 5, ascii: true, crEnds: false, longest: 9 } })).toThrow(/"wordsFile.bytes" is too small for 3 words/)
    expect(() => validateServerMessage({ type: 'job', jobId: '1', algorithm: 'md5', targets: [new Uint8Array(16)], keyspace: { type: 'range', start: '0', end: '9' }, wordsFile: { sha256: 'cd'.repeat(32), bytes: 5, ascii: true, crEnds: false, longest: 9 } })).toThrow(/"wordsFile" comes with wordlist keyspaces only/)
    const job = { type: 'job', jobId: '1', algorithm: 'md5', targets: [new Uint8Array(16)] }
    expect(() => validateServerMessage({ ...job, keyspace: COMBINATOR })).toThrow(/"other" must come exactly with a combinator keyspace/)
    expect(() => validateServerMessage({ ...job, keyspace: COMBINATOR, other: Buffer.from('ab\n') })).toThrow(/"other" must hold the 5 bytes its keyspace names/)
    for (const other of ['ab\n\n\n', 'abcd\n', 'a\nb\nc']) expect(() => validateServerMessage({ ...job, keyspace: COMBINATOR, other: Buffer.from(other) }), other).toThrow(/"other" must be 2 words of 1 to 256 bytes, each followed by a newline/)
    expect(() => validateServerMessage({ ...job, keyspace: { ...COMBINATOR, combinator: { ...COMBINATOR.combinator, left: '~' } }, other: Buffer.from('ab\nc\n') })).toThrow(/job: -j: unknown function "~"/)
    expect(() => validateServerMessage({ ...job, keyspace: { ...COMBINATOR, rules: [] }, other: Buffer.from('ab\nc\n') })).toThrow(/one at most/)
    expect(() => validateServerMessage({ type: 'piece', sha256: 'cd'.repeat(32), first: '-1', words: new Uint8Array(1) })).toThrow(/piece: "first"/)
    expect(() => validateServerMessage({ type: 'job', jobId: '1', algorithm: 'md5', targets: [new Uint8Array(20)], keyspace: { type: 'range', start: '0', end: '1' } })).toThrow(/targets/)
    // A scheme's target is its digest and parameters the scheme can read: a NetNTLMv2 response cut short is refused.
    const response = parseTarget('netntlmv2', `ALICE::CORP:${'11'.repeat(8)}:${'22'.repeat(16)}:0101${'33'.repeat(20)}`)
    expect(validateServerMessage({ type: 'job', jobId: '1', algorithm: 'netntlmv2', targets: [response], keyspace: { type: 'range', start: '0', end: '1' } })).toMatchObject({ algorithm: 'netntlmv2' })
    expect(() => validateServerMessage({ type: 'job', jobId: '1', algorithm: 'netntlmv2', targets: [response.subarray(0, 30)], keyspace: { type: 'range', start: '0', end: '1' } })).toThrow(/targets/)
    expect(() => validateServerMessage({ type: 'job', jobId: '1', algorithm: 'krb5tgs', targets: [new Uint8Array(MAX_TARGET_BYTES + 1)], keyspace: { type: 'range', start: '0', end: '1' } })).toThrow(/targets/)
    expect(() => validateWorkerMessage(JSON.parse('{"type":"ping","__proto__":{"polluted":1}}'))).toThrow(InvalidMessageError)
    expect(() => validateWorkerMessage({ type: 'welcome', workerId: 'w' })).toThrow(/unknown worker message type/)
    expect(() => validateControlMessage({ type: 'upload', id: 1, file: FILE, size: 10, offset: 8, data: new Uint8Array(6) })).toThrow(/"data" runs past the file's size/)
    expect(() => validateControlMessage({ type: 'upload', id: 1, file: { ...FILE, name: '../../etc/passwd' }, size: 1, offset: 0, data: new Uint8Array(1) })).toThrow(/"name" must be a base name/)
    expect(() => validateControlMessage({ type: 'status', id: 1 })).toThrow(/status: missing field "job"/)
    // A passed-through mode's lines and finds: printable text only, a mode number in range, one answer each.
    expect(() => validateServerMessage({ type: 'check', id: 'q1', mode: 1500, lines: [Buffer.from('ab\u001b[2J')] })).toThrow(/check: "lines" holds a line that is not printable ASCII/)
    expect(() => validateServerMessage({ type: 'check', id: 'q1', mode: 100_000, lines: [Buffer.from('ab')] })).toThrow(/check: "mode"/)
    expect(() => validateServerMessage({ type: 'check', id: 'q1', mode: 1500, lines: [] })).toThrow(/check: "lines" must be an array of 1..2048/)
    expect(() => validateServerMessage({ type: 'confirm', id: 'q1', mode: 1500, hash: Buffer.from('a\nb'), plaintext: Buffer.from('x') })).toThrow(/confirm: "hash" is not a printable ASCII hash line/)
    expect(() => validateWorkerMessage({ type: 'checked', id: 'q1', lines: [Buffer.from('ok')], error: 'x' })).toThrow(/checked: exactly one of "lines" and "error"/)
    expect(() => validateWorkerMessage({ type: 'checked', id: 'q1', lines: [Buffer.from([0x1b, 0x5b])] })).toThrow(/checked: "lines" holds a hash that is not printable ASCII/)
    expect(() => validateWorkerMessage({ type: 'confirmed', id: 'q1', cracks: 'yes' })).toThrow(/confirmed: "cracks" must be true or false/)
    expect(() => validateServerMessage({ type: 'job', jobId: '1', algorithm: 'hashcat-1000', targets: [Buffer.from('x')], keyspace: { type: 'range', start: '0', end: '1' } })).toThrow(/"algorithm" is not supported/)
  })

  it('refuses ids that could name a path, a flag or a terminal sequence', () => {
    const keyspace = { type: 'range', start: '0', end: '1' }
    for (const jobId of ['/../../../../tmp/victim', '..', '.', 'a/b', 'a\\b', '-rf', 'job 1', 'x\u001b[2J', '', 'é']) {
      expect(() => validateServerMessage({ type: 'job', jobId, algorithm: 'md5', targets: [new Uint8Array(16)], keyspace }), jobId).toThrow(/job: "jobId" must be/)
      expect(() => validateServerMessage({ type: 'cancel', jobId: '1', chunkId: jobId }), jobId).toThrow(/cancel: "chunkId" must be/)
    }
    for (const jobId of ['1', '42', 'p7', '1.5', 'job-1_a']) expect(validateServerMessage({ type: 'cancel', jobId, chunkId: jobId })).toMatchObject({ jobId })
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
    for (const m of [...VALID_WORKER, ...VALID_SERVER, ...VALID_CONTROL, ...VALID_REPLY]) expect(normal(decodeMessage(encodeMessage(m)))).toEqual(normal(m))
  })
})

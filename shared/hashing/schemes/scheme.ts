// A hash mode whose digest a scheme of its own computes from the plaintext and the target's
// parameters (a user name, a challenge, a ticket, a salt and an iteration count): the network,
// Kerberos, Windows, web and wireless modes. A target travels as its digest (what a find is compared
// on) followed by its parameters, packed as fields; each scheme reads its hash text into them once
// (`parse`), writes them back as hashcat does (`format`), and turns them into what every candidate
// reuses (`prepare`) before computing digests (`compute`).

export type Parsed = { digest: Uint8Array, params: Uint8Array }
export type Fail = (why: string) => never

export interface Scheme<Prepared = unknown> {
  parse (text: string, fail: Fail): Parsed
  format (digest: Uint8Array, params: Uint8Array): string
  // Throws ParamsError when the parameters are not this scheme's (a peer's bytes).
  prepare (params: Uint8Array): Prepared
  compute (plaintext: Uint8Array, prepared: Prepared): Uint8Array
  // hashcat keeps a few modes' results in its potfile under another key than the hash, and shows
  // them in another form (WPA: the PMK and the ESSID, shared by every capture of the network).
  readonly potfile?: PotfileForm
  // A target whose preimage is `plaintext`, shaped as one with `params`: work verification's canary,
  // for a scheme whose hashcat kernels check more than the digest (Kerberos: that the decrypted ticket
  // starts as real ones do), so another digest over the same parameters would not do.
  canary? (plaintext: Uint8Array, params: Uint8Array): Parsed
}

export interface PotfileForm {
  key (digest: Uint8Array, params: Uint8Array, plaintext: Uint8Array): string
  // The part of the key a target knows without its plaintext (a potfile indexes keys by it too).
  lookup (digest: Uint8Array, params: Uint8Array): string
  shown (digest: Uint8Array, params: Uint8Array): string
}

export class ParamsError extends Error {}

// Fields as bytes: each a 2-byte big-endian length, then its bytes.
export function packFields (...fields: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, f) => n + 2 + f.length, 0))
  let at = 0
  for (const field of fields) {
    if (field.length > 0xffff) throw new ParamsError('a field of more than 65535 bytes')
    out[at] = field.length >>> 8
    out[at + 1] = field.length & 0xff
    out.set(field, at + 2)
    at += 2 + field.length
  }
  return out
}

// The `count` fields packFields made (views into `bytes`), or ParamsError.
export function unpackFields (bytes: Uint8Array, count: number): Uint8Array[] {
  const fields: Uint8Array[] = []
  let at = 0
  while (fields.length < count) {
    if (at + 2 > bytes.length) throw new ParamsError(`expected ${count} fields, found ${fields.length}`)
    const length = (bytes[at] << 8) | bytes[at + 1]
    if (at + 2 + length > bytes.length) throw new ParamsError('a field runs past the end')
    fields.push(bytes.subarray(at + 2, at + 2 + length))
    at += 2 + length
  }
  if (at !== bytes.length) throw new ParamsError('bytes after the last field')
  return fields
}

export const uint32 = (n: number): Uint8Array => Uint8Array.of(n >>> 24, n >>> 16, n >>> 8, n)
export function readUint32 (field: Uint8Array): number {
  if (field.length !== 4) throw new ParamsError('a number field must have 4 bytes')
  return ((field[0] << 24) | (field[1] << 16) | (field[2] << 8) | field[3]) >>> 0
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/

// Hex digits as bytes: `bytes` of them when given, else any even number (at most `max` bytes).
export function hexField (text: string, what: string, fail: Fail, bytes?: number, max = 0xffff): Uint8Array {
  if (!HEX.test(text)) fail(`its ${what} must be hex digits, an even number of them`)
  if (bytes !== undefined && text.length !== 2 * bytes) fail(`its ${what} must be ${2 * bytes} hex digits, not ${text.length}`)
  if (text.length > 2 * max) fail(`its ${what} has ${text.length / 2} bytes; at most ${max}`)
  return Uint8Array.from(Buffer.from(text, 'hex'))
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
export const text = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')
export const utf8 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'utf8'))

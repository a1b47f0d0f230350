// hashcat's potfile line, `hash:plaintext`, as the potfile, stdout, ctl and hooks write results
// and as the potfile is read back.
import { hasPotfileForm, parseTarget, shownHash, type Algorithm } from '../shared/algorithms.ts'
import { decodeHexForm, isHexForm } from '../shared/hex-form.ts'
import { escapeControls, hasControls } from '../shared/printable.ts'

// As hashcat writes a plaintext: raw when it is printable UTF-8, else `$HEX[..]`: when it has a control
// byte (below 0x20, or 0x7f) or a byte sequence that is not UTF-8, when it holds a colon (the line
// would be ambiguous), or when it would itself read back as `$HEX[..]`.
export function formatPlaintext (plaintext: Uint8Array): string {
  const raw = plaintext.every((b) => b >= 0x20 && b !== 0x7f && b !== 0x3a) && isUtf8(plaintext) && !isHexForm(plaintext)
  return raw ? Buffer.from(plaintext).toString('utf8') : `$HEX[${Buffer.from(plaintext).toString('hex')}]`
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function isUtf8 (bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes)
    return true
  } catch {
    return false
  }
}

// A potfile's plaintext field (the bytes after the first colon) as the plaintext's bytes.
export function parsePlaintext (field: Uint8Array): Uint8Array {
  if (!isHexForm(field)) return field
  const out = new Uint8Array((field.length - 6) / 2)
  decodeHexForm(field, 0, field.length, out)
  return out
}

export function potLine (hash: string, plaintext: Uint8Array): string {
  return `${hash}:${formatPlaintext(plaintext)}`
}

// A user name as it is shown: as the list had it, unless it holds a control or direction character
// (an escape sequence in someone else's list would repaint the terminal): then `$HEX[..]` of its
// UTF-8 bytes, as a plaintext would be.
export function formatUser (user: string): string {
  return hasControls(user) ? `$HEX[${Buffer.from(user, 'utf8').toString('hex')}]` : user
}

// A result as it is shown: `hash:plaintext`, or `user:hash:plaintext` once per user it belongs to (as
// hashcat --show --username prints it). A salt with control characters is shown escaped.
export function resultLines (found: { hash: string, bytes: Uint8Array, users: string[] }): string[] {
  const line = potLine(escapeControls(found.hash), found.bytes)
  return found.users.length > 0 ? found.users.map((user) => `${formatUser(user)}:${line}`) : [line]
}

// A result as hashcat shows it: a mode whose potfile form is its own (WPA) shows its hash in it.
export function shownResult<T extends { hash: string }> (algorithm: Algorithm, found: T): T {
  return hasPotfileForm(algorithm) ? { ...found, hash: shownHash(algorithm, parseTarget(algorithm, found.hash)) } : found
}

// How a find of a mode we have no kernel for was confirmed (by the hashcat of worker `by`, the
// finder's own or not), for the log, ctl and the dashboard.
export function describeConfirmation (by: string, byFinder: boolean): string {
  return byFinder ? `confirmed by ${by}'s own hashcat only: no other hashcat worker was connected` : `confirmed by worker ${by}'s hashcat`
}

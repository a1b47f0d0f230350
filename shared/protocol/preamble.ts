// The clear-text preamble each side sends before the handshake: magic, then protocol version. It lets
// a version mismatch be reported as one ("server speaks protocol 5, this worker 4: update the worker")
// instead of failing like a wrong token. Nothing in it is trusted: the handshake's prologue binds the
// version, so a forged preamble can at worst make a connection fail.
import { VersionMismatchError } from '../errors.ts'
import { frameHeader } from './frames.ts'
import { PREAMBLE_BYTES, PREAMBLE_MAGIC, PROTOCOL_VERSION } from './limits.ts'

const MAGIC = new TextEncoder().encode(PREAMBLE_MAGIC)
// Protocol 3's message 1: a key, a clock and its tag, behind a frame header and no preamble.
const VERSION3_OPENING = frameHeader(33 + 8 + 16)

export function preamble (version = PROTOCOL_VERSION): Uint8Array {
  const bytes = new Uint8Array(PREAMBLE_BYTES)
  bytes.set(MAGIC, 0)
  new DataView(bytes.buffer).setUint16(MAGIC.length, version)
  return bytes
}

// Throws VersionMismatchError unless `bytes` is a preamble of our version. A protocol-3 worker sent
// no preamble: its first bytes are message 1's frame header, which is recognised and named.
export function checkPreamble (bytes: Uint8Array, peer: 'server' | 'worker'): void {
  const magic = MAGIC.every((b, i) => bytes[i] === b)
  if (!magic) {
    const version3 = peer === 'worker' && VERSION3_OPENING.every((b, i) => bytes[i] === b)
    throw new VersionMismatchError(peer, version3 ? 3 : null, PROTOCOL_VERSION)
  }
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(MAGIC.length)
  if (version !== PROTOCOL_VERSION) throw new VersionMismatchError(peer, version, PROTOCOL_VERSION)
}

// Noise NKpsk0 (noiseprotocol.org rev 34) over P-256, AES-256-GCM and SHA-256:
//   <- s        (the server's static key: pinned by the worker, or learnt from the server's preamble)
//   ...
//   -> psk, e, es   (payload: the initiator's clock, milliseconds since 1970, 8 bytes big-endian)
//   <- e, ee
// The pre-shared token proves both ends belong to the fleet; es proves the server holds its static
// key, so a worker's leaked token cannot be used to pose as the server; ee gives forward secrecy.
// Message 1 ends with a MAC keyed by the token (outside Noise, like WireGuard's mac1): a responder
// rejects a message made without the token before any Diffie-Hellman, and a replayed one by its
// ephemeral key and clock (shared/protocol/replay.ts).
import { p256 } from '@noble/curves/nist.js'
import { gcm } from '@noble/ciphers/aes.js'
import { equalBytes } from '@noble/ciphers/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { DecryptError, HandshakeError, NonceExhaustedError, TokenRejectedError } from '../errors.ts'
import {
  HANDSHAKE_MAC_BYTES, HANDSHAKE_MESSAGE1_BYTES, HANDSHAKE_MESSAGE2_BYTES, HANDSHAKE_TIMESTAMP_BYTES, MAX_FRAMES_PER_KEY,
  PROTOCOL_PROLOGUE, PUBLIC_KEY_BYTES
} from './limits.ts'

export const NOISE_PROTOCOL_NAME = 'Noise_NKpsk0_P256_AESGCM_SHA256'
const HASH_BYTES = 32
const EMPTY = new Uint8Array(0)
const MAC_INFO = new TextEncoder().encode(`${PROTOCOL_PROLOGUE} message 1 mac`)

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

// §5.1: AESGCM nonce is 32 zero bits followed by the 64-bit big-endian counter.
function nonceBytes (n: number): Uint8Array {
  const nonce = new Uint8Array(12)
  new DataView(nonce.buffer).setBigUint64(4, BigInt(n))
  return nonce
}

// §5.1 CipherState: one key, a counter that never repeats, associated data authenticated with each frame.
export class CipherState {
  #key: Uint8Array
  #n = 0

  constructor (key: Uint8Array) {
    this.#key = key
  }

  #nextNonce (): Uint8Array {
    if (this.#n >= MAX_FRAMES_PER_KEY) throw new NonceExhaustedError()
    return nonceBytes(this.#n++)
  }

  encrypt (ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    return gcm(this.#key, this.#nextNonce(), ad).encrypt(plaintext)
  }

  // A failed tag leaves the counter advanced; callers drop the connection on any DecryptError anyway.
  decrypt (ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    try {
      return gcm(this.#key, this.#nextNonce(), ad).decrypt(ciphertext)
    } catch (error) {
      if (error instanceof NonceExhaustedError) throw error
      throw new DecryptError({ cause: error })
    }
  }

  destroy (): void {
    this.#key.fill(0)
  }
}

// §5.2 SymmetricState.
class SymmetricState {
  ck: Uint8Array
  h: Uint8Array
  #cipher: CipherState | null = null

  constructor (prologue: Uint8Array) {
    const name = new TextEncoder().encode(NOISE_PROTOCOL_NAME)
    this.h = name.length <= HASH_BYTES ? concat(name, new Uint8Array(HASH_BYTES - name.length)) : sha256(name)
    this.ck = this.h
    this.mixHash(prologue)
  }

  mixHash (data: Uint8Array): void {
    this.h = sha256(concat(this.h, data))
  }

  // §4.3 HKDF is RFC 5869 with salt = chaining key and empty info.
  mixKey (ikm: Uint8Array): void {
    const out = hkdf(sha256, ikm, this.ck, EMPTY, 2 * HASH_BYTES)
    this.ck = out.slice(0, HASH_BYTES)
    this.#cipher = new CipherState(out.slice(HASH_BYTES))
  }

  mixKeyAndHash (ikm: Uint8Array): void {
    const out = hkdf(sha256, ikm, this.ck, EMPTY, 3 * HASH_BYTES)
    this.ck = out.slice(0, HASH_BYTES)
    this.mixHash(out.slice(HASH_BYTES, 2 * HASH_BYTES))
    this.#cipher = new CipherState(out.slice(2 * HASH_BYTES))
  }

  encryptAndHash (plaintext: Uint8Array): Uint8Array {
    if (this.#cipher === null) throw new HandshakeError('no key before encryptAndHash')
    const ciphertext = this.#cipher.encrypt(this.h, plaintext)
    this.mixHash(ciphertext)
    return ciphertext
  }

  decryptAndHash (ciphertext: Uint8Array): Uint8Array {
    if (this.#cipher === null) throw new HandshakeError('no key before decryptAndHash')
    const plaintext = this.#cipher.decrypt(this.h, ciphertext)
    this.mixHash(ciphertext)
    return plaintext
  }

  // §5.2 Split(): the first key protects initiator -> responder, the second the other way.
  split (): [CipherState, CipherState] {
    const out = hkdf(sha256, EMPTY, this.ck, EMPTY, 2 * HASH_BYTES)
    this.ck.fill(0)
    return [new CipherState(out.slice(0, HASH_BYTES)), new CipherState(out.slice(HASH_BYTES))]
  }
}

export type TransportKeys = { send: CipherState, receive: CipherState, handshakeHash: Uint8Array }

export type StaticKeyPair = { secretKey: Uint8Array, publicKey: Uint8Array }

export function generateStaticKey (): StaticKeyPair {
  return staticKeyFrom(p256.utils.randomSecretKey())
}

export function staticKeyFrom (secretKey: Uint8Array): StaticKeyPair {
  return { secretKey, publicKey: p256.getPublicKey(secretKey, true) }
}

export function readPublicKey (bytes: Uint8Array, what = 'ephemeral key'): Uint8Array {
  // noble accepts 65-byte keys too; the protocol allows exactly one encoding.
  if (bytes.length !== PUBLIC_KEY_BYTES || (bytes[0] !== 2 && bytes[0] !== 3)) {
    throw new HandshakeError(`malformed ${what}`)
  }
  return bytes
}

function dh (secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    // getSharedSecret returns a compressed point; Noise DH output is its x coordinate (DHLEN 32).
    return p256.getSharedSecret(secretKey, publicKey).subarray(1)
  } catch (error) {
    throw new HandshakeError('invalid public key', { cause: error })
  }
}

// Initialize() with the pre-message <- s, then message 1's leading psk token.
function newSymmetricState (token: Uint8Array, serverStatic: Uint8Array): SymmetricState {
  const state = new SymmetricState(new TextEncoder().encode(PROTOCOL_PROLOGUE))
  state.mixHash(serverStatic)
  state.mixKeyAndHash(token)
  return state
}

export function message1Mac (token: Uint8Array, body: Uint8Array): Uint8Array {
  return hmac(sha256, hkdf(sha256, token, EMPTY, MAC_INFO, HASH_BYTES), body).subarray(0, HANDSHAKE_MAC_BYTES)
}

// Initiator (the worker): writeMessage1, then readMessage2. `ephemeral` is for test vectors only:
// a real handshake draws a fresh key every time.
export class Initiator {
  #state: SymmetricState
  readonly #token: Uint8Array
  readonly #serverStatic: Uint8Array
  #e: Uint8Array

  constructor (token: Uint8Array, serverStatic: Uint8Array, ephemeral: Uint8Array = p256.utils.randomSecretKey()) {
    readPublicKey(serverStatic, 'server key')
    this.#state = newSymmetricState(token, serverStatic)
    this.#token = token
    this.#serverStatic = serverStatic
    this.#e = Uint8Array.from(ephemeral)
  }

  writeMessage1 (now = Date.now()): Uint8Array {
    const e = p256.getPublicKey(this.#e, true)
    this.#state.mixHash(e)
    this.#state.mixKey(e) // §9.2: in psk handshakes "e" also calls MixKey
    this.#state.mixKey(dh(this.#e, this.#serverStatic)) // es
    const clock = new Uint8Array(HANDSHAKE_TIMESTAMP_BYTES)
    new DataView(clock.buffer).setBigUint64(0, BigInt(now))
    const body = concat(e, this.#state.encryptAndHash(clock))
    return concat(body, message1Mac(this.#token, body))
  }

  readMessage2 (message: Uint8Array): TransportKeys {
    if (message.length !== HANDSHAKE_MESSAGE2_BYTES) throw new HandshakeError('message 2 has the wrong length')
    const re = readPublicKey(message.subarray(0, PUBLIC_KEY_BYTES))
    this.#state.mixHash(re)
    this.#state.mixKey(re)
    this.#state.mixKey(dh(this.#e, re))
    this.#e.fill(0)
    try {
      this.#state.decryptAndHash(message.subarray(PUBLIC_KEY_BYTES))
    } catch {
      throw new TokenRejectedError('the server failed to prove it holds the token and its key')
    }
    const handshakeHash = this.#state.h
    const [send, receive] = this.#state.split()
    return { send, receive, handshakeHash }
  }
}

// Responder (the server): checkMac and readMessage1 prove the initiator holds the token, then writeMessage2.
export class Responder {
  #state: SymmetricState
  readonly #token: Uint8Array
  readonly #static: StaticKeyPair
  #re: Uint8Array | null = null
  readonly #ephemeral: Uint8Array | null

  constructor (token: Uint8Array, staticKey: StaticKeyPair, ephemeral?: Uint8Array) {
    this.#state = newSymmetricState(token, staticKey.publicKey)
    this.#token = token
    this.#static = staticKey
    this.#ephemeral = ephemeral ? Uint8Array.from(ephemeral) : null
  }

  // The cheap check, a hash and no Diffie-Hellman: was message 1 made with the token? Returns the
  // initiator's ephemeral key, for a replay check before readMessage1 spends an ECDH on it.
  checkMac (message: Uint8Array): Uint8Array {
    if (message.length !== HANDSHAKE_MESSAGE1_BYTES) throw new HandshakeError('message 1 has the wrong length')
    const body = message.subarray(0, message.length - HANDSHAKE_MAC_BYTES)
    if (!equalBytes(message1Mac(this.#token, body), message.subarray(body.length))) throw new TokenRejectedError('the worker does not hold the token')
    return readPublicKey(message.subarray(0, PUBLIC_KEY_BYTES))
  }

  // Returns the initiator's ephemeral key and clock, for the replay check.
  readMessage1 (message: Uint8Array): { ephemeralKey: Uint8Array, sentAt: number } {
    const re = this.checkMac(message)
    this.#state.mixHash(re)
    this.#state.mixKey(re)
    this.#state.mixKey(dh(this.#static.secretKey, re)) // es
    let clock: Uint8Array
    try {
      clock = this.#state.decryptAndHash(message.subarray(PUBLIC_KEY_BYTES, message.length - HANDSHAKE_MAC_BYTES))
    } catch {
      throw new TokenRejectedError('the worker does not hold the token')
    }
    this.#re = re
    return { ephemeralKey: re, sentAt: Number(new DataView(clock.buffer, clock.byteOffset, clock.byteLength).getBigUint64(0)) }
  }

  writeMessage2 (): { message: Uint8Array, keys: TransportKeys } {
    if (this.#re === null) throw new HandshakeError('message 2 before message 1')
    const e = this.#ephemeral ?? p256.utils.randomSecretKey()
    const publicKey = p256.getPublicKey(e, true)
    this.#state.mixHash(publicKey)
    this.#state.mixKey(publicKey)
    this.#state.mixKey(dh(e, this.#re))
    e.fill(0)
    const message = concat(publicKey, this.#state.encryptAndHash(EMPTY))
    const handshakeHash = this.#state.h
    const [receive, send] = this.#state.split()
    return { message, keys: { send, receive, handshakeHash } }
  }
}

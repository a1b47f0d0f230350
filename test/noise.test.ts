import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { HandshakeError, TokenRejectedError, DecryptError } from '../shared/errors.ts'
import { generateToken, serverKeyFingerprint, tokenKey } from '../shared/protocol/credentials.ts'
import { Initiator, Responder, generateStaticKey, message1Mac } from '../shared/protocol/noise.ts'

const token = tokenKey('correct horse battery staple, but generated')
const server = generateStaticKey()

function handshake (initiatorToken = token, responderToken = token) {
  const initiator = new Initiator(initiatorToken, server.publicKey)
  const responder = new Responder(responderToken, server)
  responder.readMessage1(initiator.writeMessage1())
  const { message, keys: serverKeys } = responder.writeMessage2()
  const clientKeys = initiator.readMessage2(message)
  return { clientKeys, serverKeys }
}

// Message 1 with a correct MAC around any body: what only a token holder could send.
function withMac (body: Uint8Array): Uint8Array {
  return Buffer.concat([body, message1Mac(token, body)])
}

describe('Noise NKpsk0 handshake', () => {
  it('agrees on keys and a handshake hash; each direction has its own key', () => {
    const { clientKeys, serverKeys } = handshake()
    expect(Buffer.from(clientKeys.handshakeHash)).toEqual(Buffer.from(serverKeys.handshakeHash))
    const ad = Uint8Array.of(1, 2, 3, 4)
    const up = clientKeys.send.encrypt(ad, Uint8Array.of(42))
    expect(serverKeys.receive.decrypt(ad, up)).toEqual(Uint8Array.of(42))
    const down = serverKeys.send.encrypt(ad, Uint8Array.of(7))
    expect(clientKeys.receive.decrypt(ad, down)).toEqual(Uint8Array.of(7))
  })

  it('gives fresh keys every time (ephemeral keys: forward secrecy, no replay)', () => {
    expect(Buffer.from(handshake().clientKeys.handshakeHash)).not.toEqual(Buffer.from(handshake().clientKeys.handshakeHash))
  })

  it('the server rejects a worker with the wrong token by its MAC, before any Diffie-Hellman', () => {
    const m1 = new Initiator(tokenKey('wrong'), server.publicKey).writeMessage1()
    expect(() => new Responder(token, server).checkMac(m1)).toThrow(TokenRejectedError)
    // The MAC comes first: under another token's MAC, even a key that would fail at Diffie-Hellman
    // is refused as a token failure, so no DH was tried.
    const offCurve = Buffer.concat([Uint8Array.of(2), new Uint8Array(32).fill(0xff), new Uint8Array(24)])
    const unkeyed = Buffer.concat([offCurve, message1Mac(tokenKey('wrong'), offCurve)])
    expect(() => new Responder(token, server).readMessage1(unkeyed)).toThrow(TokenRejectedError)
    expect(() => new Responder(token, server).readMessage1(withMac(offCurve))).toThrow(HandshakeError)
  })

  it('a token holder without the server key cannot pose as the server', () => {
    const initiator = new Initiator(token, server.publicKey)
    const m1 = initiator.writeMessage1()
    // It cannot read message 1 (es needs the server's secret key)...
    const impostorKey = generateStaticKey()
    expect(() => new Responder(token, impostorKey).readMessage1(m1)).toThrow(TokenRejectedError)
    // ...and a message 2 it makes for its own key does not authenticate with a worker that expects ours.
    const forger = new Responder(token, impostorKey)
    forger.readMessage1(new Initiator(token, impostorKey.publicKey).writeMessage1())
    expect(() => initiator.readMessage2(forger.writeMessage2().message)).toThrow(TokenRejectedError)
  })

  it('the worker rejects a server with the wrong token at message 2', () => {
    const initiator = new Initiator(token, server.publicKey)
    initiator.writeMessage1()
    const forged = new Responder(tokenKey('wrong'), server)
    forged.readMessage1(new Initiator(tokenKey('wrong'), server.publicKey).writeMessage1())
    expect(() => initiator.readMessage2(forged.writeMessage2().message)).toThrow(TokenRejectedError)
  })

  it('rejects every single flipped bit of message 1', () => {
    const m1 = new Initiator(token, server.publicKey).writeMessage1()
    for (let i = 0; i < m1.length * 8; i++) {
      const bad = m1.slice()
      bad[i >> 3] ^= 1 << (i & 7)
      expect(() => new Responder(token, server).readMessage1(bad)).toThrow(TokenRejectedError) // the MAC covers every byte
    }
  })

  it('rejects malformed ephemeral keys even under a valid MAC: wrong length, bad prefix, all zero, off-curve, uncompressed', () => {
    const tag = new Uint8Array(24)
    const compressed = p256.getPublicKey(p256.utils.randomSecretKey(), true)
    const offCurve = Buffer.concat([Uint8Array.of(2), new Uint8Array(32).fill(0xff)]) // x above the field prime
    const cases = [
      new Uint8Array(40), new Uint8Array(80), // short, long
      withMac(new Uint8Array(57)), // all zero
      withMac(Buffer.concat([Uint8Array.of(4), compressed.subarray(1), tag])), // bad prefix
      withMac(Buffer.concat([offCurve, tag]))
    ]
    for (const m of cases) expect(() => new Responder(token, server).readMessage1(m)).toThrow(HandshakeError)
    expect(() => new Responder(token, server).readMessage1(withMac(Buffer.concat([p256.getPublicKey(p256.utils.randomSecretKey(), false), tag]).subarray(0, 57)))).toThrow(HandshakeError)
    // A valid-looking message 2 carrying an off-curve point fails at Diffie-Hellman, not later.
    const initiator = new Initiator(token, server.publicKey)
    initiator.writeMessage1()
    const point = Buffer.concat([Uint8Array.of(2), new Uint8Array(32).fill(0xff), new Uint8Array(16)])
    expect(() => initiator.readMessage2(point)).toThrow(HandshakeError)
    expect(() => new Initiator(token, offCurve.subarray(0, 32))).toThrow(HandshakeError)
  })

  it('a replayed message 1 yields different keys, so the recorded session cannot continue', () => {
    const initiator = new Initiator(token, server.publicKey)
    const m1 = initiator.writeMessage1()
    const first = new Responder(token, server)
    first.readMessage1(m1)
    const real = first.writeMessage2()
    const clientKeys = initiator.readMessage2(real.message)
    const replay = new Responder(token, server)
    replay.readMessage1(m1) // the psk check passes: the bytes are genuine...
    const replayed = replay.writeMessage2()
    const frame = clientKeys.send.encrypt(new Uint8Array(4), Uint8Array.of(1))
    expect(() => replayed.keys.receive.decrypt(new Uint8Array(4), frame)).toThrow(DecryptError) // ...but no frame decrypts
  })

  it('rejects replayed, reordered and reflected transport frames', () => {
    const { clientKeys, serverKeys } = handshake()
    const ad = new Uint8Array(4)
    const f0 = clientKeys.send.encrypt(ad, Uint8Array.of(0))
    const f1 = clientKeys.send.encrypt(ad, Uint8Array.of(1))
    expect(() => serverKeys.receive.decrypt(ad, f1)).toThrow(DecryptError) // reordered
    const fresh = handshake()
    const g0 = fresh.clientKeys.send.encrypt(ad, Uint8Array.of(0))
    fresh.serverKeys.receive.decrypt(ad, g0)
    expect(() => fresh.serverKeys.receive.decrypt(ad, g0)).toThrow(DecryptError) // replayed
    const reflected = fresh.serverKeys.send.encrypt(ad, Uint8Array.of(9))
    expect(() => fresh.serverKeys.receive.decrypt(ad, reflected)).toThrow(DecryptError) // reflected
    expect(f0.length).toBe(17)
  })

  it('authenticates the header: a frame moved under another length fails', () => {
    const { clientKeys, serverKeys } = handshake()
    const frame = clientKeys.send.encrypt(Uint8Array.of(0, 0, 0, 17), Uint8Array.of(5))
    expect(() => serverKeys.receive.decrypt(Uint8Array.of(0, 0, 0, 18), frame)).toThrow(DecryptError)
  })

  it('names a server key by its SHA-256 in base64url', () => {
    const fingerprint = serverKeyFingerprint(server.publicKey)
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9_-]{43}$/)
    expect(fingerprint).toBe(`SHA256:${createHash('sha256').update(server.publicKey).digest('base64url')}`)
  })

  it('generates 32-byte base64url tokens', () => {
    const t = generateToken()
    expect(Buffer.from(t, 'base64url')).toHaveLength(32)
    expect(t).not.toBe(generateToken())
  })
})

import { describe, expect, it } from 'vitest'
import { p256 } from '@noble/curves/nist.js'
import { HandshakeError, TokenRejectedError, DecryptError } from '../shared/errors.ts'
import { Initiator, Responder, generateToken, tokenBytes } from '../shared/protocol/noise.ts'

const token = tokenBytes('correct horse battery staple, but generated')

function handshake (initiatorToken = token, responderToken = token) {
  const initiator = new Initiator(initiatorToken)
  const responder = new Responder(responderToken)
  responder.readMessage1(initiator.writeMessage1())
  const { message, keys: serverKeys } = responder.writeMessage2()
  const clientKeys = initiator.readMessage2(message)
  return { clientKeys, serverKeys }
}

describe('Noise NNpsk0 handshake', () => {
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

  it('the server rejects a worker with the wrong token at message 1', () => {
    expect(() => handshake(tokenBytes('wrong'), token)).toThrow(TokenRejectedError)
  })

  it('the worker rejects a server with the wrong token at message 2', () => {
    const initiator = new Initiator(token)
    const impostor = new Responder(tokenBytes('wrong'))
    const m1 = initiator.writeMessage1()
    // An impostor cannot even read message 1; one that skips the check still cannot forge message 2.
    expect(() => impostor.readMessage1(m1)).toThrow(TokenRejectedError)
    const forged = new Responder(tokenBytes('wrong'))
    forged.readMessage1(new Initiator(tokenBytes('wrong')).writeMessage1())
    expect(() => initiator.readMessage2(forged.writeMessage2().message)).toThrow(TokenRejectedError)
  })

  it('rejects every single flipped bit of message 1', () => {
    const m1 = new Initiator(token).writeMessage1()
    for (let i = 0; i < m1.length * 8; i++) {
      const bad = m1.slice()
      bad[i >> 3] ^= 1 << (i & 7)
      // A flip in the key prefix is malformed (02 <-> 03 stays well-formed but fails the tag).
      expect(() => new Responder(token).readMessage1(bad)).toThrow(i < 8 && i > 0 ? HandshakeError : TokenRejectedError)
    }
  })

  it('rejects malformed ephemeral keys: wrong length, bad prefix, all zero, off-curve, uncompressed', () => {
    const tag = new Uint8Array(16)
    const compressed = p256.getPublicKey(p256.utils.randomSecretKey(), true)
    const offCurve = compressed.slice()
    offCurve[32] ^= 1
    const cases = [
      new Uint8Array(48), new Uint8Array(50), new Uint8Array(49), // short, long, all zero
      Buffer.concat([Uint8Array.of(4), compressed.subarray(1), tag]), // bad prefix
      Buffer.concat([offCurve, tag]),
      Buffer.concat([p256.getPublicKey(p256.utils.randomSecretKey(), false), tag]) // 65-byte key
    ]
    for (const m of cases) expect(() => new Responder(token).readMessage1(m)).toThrow()
    // A valid-looking message 2 carrying an off-curve point fails at Diffie-Hellman, not later.
    const initiator = new Initiator(token)
    initiator.writeMessage1()
    const point = Buffer.concat([Uint8Array.of(2), new Uint8Array(32).fill(0xff), tag])
    expect(() => initiator.readMessage2(point)).toThrow(HandshakeError)
  })

  it('a replayed message 1 yields different keys, so the recorded session cannot continue', () => {
    const initiator = new Initiator(token)
    const m1 = initiator.writeMessage1()
    const first = new Responder(token)
    first.readMessage1(m1)
    const real = first.writeMessage2()
    const clientKeys = initiator.readMessage2(real.message)
    const replay = new Responder(token)
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

  it('generates 32-byte base64url tokens', () => {
    const t = generateToken()
    expect(Buffer.from(t, 'base64url')).toHaveLength(32)
    expect(t).not.toBe(generateToken())
  })
})

// Fixed handshake vectors: with the static and ephemeral keys pinned, our Noise NKpsk0 implementation (noble)
// must produce exactly the bytes an independent one (node:crypto, test/vectors/noise-reference.ts)
// computed, message by message, down to the first transport frame each way.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { PROTOCOL_PROLOGUE } from '../shared/protocol/limits.ts'
import { tokenKey } from '../shared/protocol/credentials.ts'
import { Initiator, Responder, staticKeyFrom } from '../shared/protocol/noise.ts'
import { referenceHandshake, type HandshakeVector } from './vectors/noise-reference.ts'

const vectors: (HandshakeVector & { token: string })[] = JSON.parse(readFileSync(new URL('./vectors/noise-nkpsk0-p256.json', import.meta.url), 'utf8'))
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'))
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe.each(vectors.map((v, i) => [i, v] as const))('handshake vector %i', (_, vector) => {
  it('is what the independent reference computes, for our prologue and token', () => {
    expect(vector.prologue).toBe(PROTOCOL_PROLOGUE)
    expect(vector.psk).toBe(hexOf(tokenKey(vector.token)))
    const { token, ...rest } = vector
    expect(referenceHandshake(rest)).toEqual(rest)
  })

  it('is what our initiator and responder send, byte for byte', () => {
    const psk = tokenKey(vector.token)
    const serverStatic = staticKeyFrom(bytes(vector.responderStatic))
    const initiator = new Initiator(psk, serverStatic.publicKey, bytes(vector.initiatorEphemeral))
    const responder = new Responder(psk, serverStatic, bytes(vector.responderEphemeral))
    const message1 = initiator.writeMessage1(vector.initiatorClock)
    expect(hexOf(message1)).toBe(vector.message1)
    expect(responder.readMessage1(message1)).toEqual({ ephemeralKey: message1.subarray(0, 33), sentAt: vector.initiatorClock })
    const { message: message2, keys: server } = responder.writeMessage2()
    expect(hexOf(message2)).toBe(vector.message2)
    const client = initiator.readMessage2(message2)
    expect(hexOf(client.handshakeHash)).toBe(vector.handshakeHash)
    expect(hexOf(server.handshakeHash)).toBe(vector.handshakeHash)
    const ad = bytes(vector.transportAd)
    const plaintext = bytes(vector.transportPlaintext)
    expect(hexOf(client.send.encrypt(ad, plaintext))).toBe(vector.initiatorToResponder)
    expect(hexOf(server.send.encrypt(ad, plaintext))).toBe(vector.responderToInitiator)
    expect(hexOf(server.receive.decrypt(ad, bytes(vector.initiatorToResponder)))).toBe(vector.transportPlaintext)
    expect(hexOf(client.receive.decrypt(ad, bytes(vector.responderToInitiator)))).toBe(vector.transportPlaintext)
  })
})

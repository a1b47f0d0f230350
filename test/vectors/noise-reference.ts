// An independent reference of our handshake, from the Noise spec (rev 34) and node:crypto only (no
// noble): it computes the bytes in noise-nkpsk0-p256.json, so those vectors check the noble-based
// implementation against a second one, not against itself.
import { createCipheriv, createECDH, createHash, createHmac, hkdfSync } from 'node:crypto'

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest()
const hmac = (key: Buffer, ...parts: Buffer[]) => createHmac('sha256', key).update(Buffer.concat(parts)).digest()

// §4.3 HKDF with HASHLEN 32.
function hkdf (ck: Buffer, ikm: Buffer, outputs: number): Buffer[] {
  const temp = hmac(ck, ikm)
  const out: Buffer[] = []
  let previous = Buffer.alloc(0)
  for (let i = 1; i <= outputs; i++) {
    previous = hmac(temp, previous, Buffer.of(i))
    out.push(previous)
  }
  return out
}

// §5.1 AESGCM: nonce is 32 zero bits then the 64-bit big-endian counter.
function aesgcm (key: Buffer, n: number, ad: Buffer, plaintext: Buffer): Buffer {
  const nonce = Buffer.alloc(12)
  nonce.writeBigUInt64BE(BigInt(n), 4)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(ad)
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
}

export type HandshakeVector = {
  prologue: string
  psk: string
  responderStatic: string // the server's long-term secret key
  initiatorEphemeral: string
  responderEphemeral: string
  initiatorClock: number // milliseconds since 1970: message 1's payload, 8 bytes big-endian
  message1: string
  message2: string
  handshakeHash: string
  // The first transport frame each way: nonce 0 of each direction's key.
  transportAd: string
  transportPlaintext: string
  initiatorToResponder: string
  responderToInitiator: string
}

export function referenceHandshake (input: Pick<HandshakeVector, 'prologue' | 'psk' | 'responderStatic' | 'initiatorEphemeral' | 'responderEphemeral' | 'initiatorClock' | 'transportAd' | 'transportPlaintext'>): HandshakeVector {
  const name = Buffer.from('Noise_NKpsk0_P256_AESGCM_SHA256')
  let h: Buffer = Buffer.concat([name, Buffer.alloc(32 - name.length)])
  let ck: Buffer = h
  let k: Buffer = Buffer.alloc(0)
  let n = 0
  const mixHash = (data: Buffer) => { h = sha256(h, data) }
  const mixKey = (ikm: Buffer) => { [ck, k] = hkdf(ck, ikm, 2); n = 0 }
  const encryptAndHash = (plaintext: Buffer) => {
    const c = aesgcm(k, n++, h, plaintext)
    mixHash(c)
    return c
  }
  const rs = createECDH('prime256v1')
  rs.setPrivateKey(Buffer.from(input.responderStatic, 'hex'))
  const rsPub = rs.getPublicKey(null, 'compressed')
  mixHash(Buffer.from(input.prologue))
  mixHash(rsPub) // pre-message <- s
  const [ck1, tempH, tempK] = hkdf(ck, Buffer.from(input.psk, 'hex'), 3) // MixKeyAndHash(psk)
  ck = ck1
  mixHash(tempH)
  k = tempK
  n = 0
  const ie = createECDH('prime256v1')
  ie.setPrivateKey(Buffer.from(input.initiatorEphemeral, 'hex'))
  const re = createECDH('prime256v1')
  re.setPrivateKey(Buffer.from(input.responderEphemeral, 'hex'))
  const iePub = ie.getPublicKey(null, 'compressed')
  const rePub = re.getPublicKey(null, 'compressed')
  // -> psk, e, es (the e token also calls MixKey in a psk handshake, §9.2)
  mixHash(iePub)
  mixKey(iePub)
  mixKey(ie.computeSecret(rsPub))
  const clock = Buffer.alloc(8)
  clock.writeBigUInt64BE(BigInt(input.initiatorClock))
  const body = Buffer.concat([iePub, encryptAndHash(clock)])
  // Outside Noise: a MAC under a key derived from the psk (RFC 5869, empty salt), truncated to 16 bytes.
  const macKey = Buffer.from(hkdfSync('sha256', Buffer.from(input.psk, 'hex'), Buffer.alloc(0), Buffer.from(`${input.prologue} message 1 mac`), 32))
  const message1 = Buffer.concat([body, hmac(macKey, body).subarray(0, 16)])
  // <- e, ee
  mixHash(rePub)
  mixKey(rePub)
  mixKey(re.computeSecret(iePub)) // DH output: the x coordinate
  const message2 = Buffer.concat([rePub, encryptAndHash(Buffer.alloc(0))])
  const [k1, k2] = hkdf(ck, Buffer.alloc(0), 2) // Split()
  const ad = Buffer.from(input.transportAd, 'hex')
  const plaintext = Buffer.from(input.transportPlaintext, 'hex')
  return {
    ...input,
    message1: message1.toString('hex'),
    message2: message2.toString('hex'),
    handshakeHash: h.toString('hex'),
    initiatorToResponder: aesgcm(k1, 0, ad, plaintext).toString('hex'),
    responderToInitiator: aesgcm(k2, 0, ad, plaintext).toString('hex')
  }
}

// WPA/WPA2 personal (-m 22000, hashcat's `WPA*01*` PMKID and `WPA*02*` EAPOL lines as hcxpcapngtool
// writes them): the PMK is PBKDF2-HMAC-SHA1(passphrase, ESSID, 4096, 32 bytes) (IEEE 802.11i
// H.4.1). A PMKID is HMAC-SHA1-128(PMK, "PMK Name" | AP | STA); an EAPOL MIC is keyed by the KCK,
// the first 16 bytes of the pairwise key the PMK expands to with both MACs and nonces, and is
// HMAC-MD5 (key version 1), HMAC-SHA1-128 (2) or AES-CMAC (3, whose expansion is 802.11w's SHA-256
// KDF) over the EAPOL frame with its MIC zeroed.
import { cmac } from '@noble/ciphers/aes.js'
import { hmac, pbkdf2 } from '../primitives.ts'
import { ParamsError, hex, hexField, packFields, unpackFields, utf8, type Fail, type Scheme } from './scheme.ts'

// 802.11i: a passphrase has 8 to 63 characters.
export const WPA_PASSPHRASE_BYTES = { min: 8, max: 63 }
const ESSID_MAX_BYTES = 32
const EAPOL_MAX_BYTES = 255
// Where an EAPOL-Key frame holds the key information, the supplicant's nonce and the MIC.
const KEY_INFO = 5
const NONCE = 17
const MIC = 81

type Prepared = { essid: Uint8Array, pmkid: Uint8Array | null, expansion: Uint8Array, keyVersion: number, eapol: Uint8Array }

const sort = (a: Uint8Array, b: Uint8Array): [Uint8Array, Uint8Array] => (Buffer.compare(a, b) <= 0 ? [a, b] : [b, a])

export const wpa: Scheme<Prepared> = {
  parse (line, fail) {
    const fields = line.trim().split('*')
    if (fields.length !== 9 || fields[0] !== 'WPA' || (fields[1] !== '01' && fields[1] !== '02')) fail('expected WPA*01* or WPA*02* and seven more fields separated by *')
    const [, type, digestText, apText, staText, essidText, anonceText, eapolText, pairText] = fields
    const digest = hexField(digestText, type === '01' ? 'PMKID' : 'MIC', fail, 16)
    const ap = hexField(apText, 'AP MAC', fail, 6)
    const sta = hexField(staText, 'client MAC', fail, 6)
    const essid = hexField(essidText, 'ESSID', fail, undefined, ESSID_MAX_BYTES)
    if (type === '01') {
      if (anonceText !== '' || eapolText !== '' || pairText !== '') fail('a PMKID line (WPA*01*) ends in ***')
      return { digest, params: packFields(Uint8Array.of(1), ap, sta, essid, new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)) }
    }
    const anonce = hexField(anonceText, 'ANonce', fail, 32)
    const eapol = hexField(eapolText, 'EAPOL frame', fail, undefined, EAPOL_MAX_BYTES)
    checkEapol(eapol, fail)
    const pair = hexField(pairText, 'message pair', fail, 1)
    return { digest, params: packFields(Uint8Array.of(2), ap, sta, essid, anonce, eapol, pair) }
  },
  format (digest, params) {
    const [type, ap, sta, essid, anonce, eapol, pair] = unpackFields(params, 7)
    return `WPA*0${type[0]}*${hex(digest)}*${hex(ap)}*${hex(sta)}*${hex(essid)}*${hex(anonce)}*${hex(eapol)}*${hex(pair)}`
  },
  prepare (params) {
    const [type, ap, sta, essid, anonce, eapol, pair] = unpackFields(params, 7)
    const fail = (why: string): never => { throw new ParamsError(why) }
    if (type.length !== 1 || ap.length !== 6 || sta.length !== 6 || essid.length > ESSID_MAX_BYTES) fail('malformed WPA parameters')
    if (type[0] === 1) {
      if (anonce.length !== 0 || eapol.length !== 0 || pair.length !== 0) fail('a PMKID has no nonce, frame or message pair')
      return { essid, pmkid: Uint8Array.from([...utf8('PMK Name'), ...ap, ...sta]), expansion: new Uint8Array(0), keyVersion: 0, eapol }
    }
    if (type[0] !== 2 || anonce.length !== 32 || pair.length !== 1) fail('malformed WPA parameters')
    checkEapol(eapol, fail)
    const zeroed = eapol.slice()
    zeroed.fill(0, MIC, MIC + 16)
    const keyVersion = eapol[KEY_INFO + 1] & 7
    const [mac1, mac2] = sort(ap, sta)
    const [nonce1, nonce2] = sort(anonce, eapol.subarray(NONCE, NONCE + 32))
    const data = Uint8Array.from([...mac1, ...mac2, ...nonce1, ...nonce2])
    const label = utf8('Pairwise key expansion')
    // 802.11i's PRF: HMAC-SHA1(PMK, label | 0 | data | counter); 802.11w's KDF: HMAC-SHA256(PMK,
    // counter (LE16) | label | data | length in bits (LE16)). The KCK is the first block's first 16 bytes.
    const expansion = keyVersion === 3
      ? Uint8Array.from([1, 0, ...label, ...data, 0x80, 0x01])
      : Uint8Array.from([...label, 0, ...data, 0])
    return { essid, pmkid: null, expansion, keyVersion, eapol: zeroed }
  },
  compute (plaintext, { essid, pmkid, expansion, keyVersion, eapol }) {
    if (plaintext.length < WPA_PASSPHRASE_BYTES.min || plaintext.length > WPA_PASSPHRASE_BYTES.max) return new Uint8Array(0)
    const pmk = pbkdf2('sha1', plaintext, essid, 4096, 32)
    if (pmkid) return hmac('sha1', pmk, pmkid).subarray(0, 16)
    const kck = hmac(keyVersion === 3 ? 'sha256' : 'sha1', pmk, expansion).subarray(0, 16)
    if (keyVersion === 1) return hmac('md5', kck, eapol)
    if (keyVersion === 2) return hmac('sha1', kck, eapol).subarray(0, 16)
    return cmac(eapol, kck)
  },
  // hashcat's potfile keeps `PMK*ESSID` (hex), and --show prints `MIC:AP:STA:ESSID` (the ESSID as text).
  potfile: {
    key (_digest, params, plaintext) {
      const [, , , essid] = unpackFields(params, 7)
      return `${hex(pbkdf2('sha1', plaintext, essid, 4096, 32))}*${hex(essid)}`
    },
    lookup (_digest, params) {
      return `*${hex(unpackFields(params, 7)[3])}`
    },
    shown (digest, params) {
      const [, ap, sta, essid] = unpackFields(params, 7)
      const printable = essid.every((b) => b >= 0x20 && b < 0x7f && b !== 0x3a)
      return `${hex(digest)}:${hex(ap)}:${hex(sta)}:${printable ? Buffer.from(essid).toString('latin1') : `$HEX[${hex(essid)}]`}`
    }
  }
}

function checkEapol (eapol: Uint8Array, fail: Fail): void {
  if (eapol.length < MIC + 16 + 2) fail(`its EAPOL frame has ${eapol.length} bytes; an EAPOL-Key frame has at least ${MIC + 18}`)
  const version = eapol[KEY_INFO + 1] & 7
  if (version < 1 || version > 3) fail(`its EAPOL frame's key version is ${version}; 1, 2 or 3 are known`)
}

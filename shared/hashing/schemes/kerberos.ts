// Kerberos 5 with RC4-HMAC (etype 23): service tickets asked for a user's SPN (Kerberoasting,
// -m 13100, `$krb5tgs$23$*user$realm$spn*$checksum$edata2`) and AS-REP replies for accounts without
// pre-authentication (-m 18200, `$krb5asrep$23$user@realm:checksum$edata2`). The key is the NT hash;
// RFC 4757 §3: K1 = HMAC-MD5(key, usage), K3 = HMAC-MD5(K1, checksum), the ticket part RC4-decrypted
// with K3, and its checksum HMAC-MD5(K1, plaintext). The digest a find is compared on is that checksum.
import { hmac, rc4 } from '../primitives.ts'
import { ntHash } from '../nt.ts'
import { ParamsError, hex, hexField, packFields, text, unpackFields, utf8, type Scheme } from './scheme.ts'

// hashcat's bounds on the encrypted part (module_13100.c, module_18200.c).
export const KERBEROS_EDATA_BYTES = { min: 32, max: 20_480 }

type Prepared = { usage: Uint8Array, checksum: Uint8Array, edata: Uint8Array }

// `prefix`: the mode's signature; `account`: how the account part is written and ends (the rest is
// `checksum$edata2`), null when the hash may not name one.
function kerberos (prefix: string, usage: number, account: RegExp): Scheme<Prepared> {
  const usageBytes = Uint8Array.of(usage, 0, 0, 0) // RFC 4757: little-endian
  return {
    digestBytes: 16,
    parse (line, fail) {
      const trimmed = line.trim()
      if (!trimmed.startsWith(prefix)) fail(`expected it to start with ${prefix}`)
      const rest = trimmed.slice(prefix.length)
      const named = account.exec(rest)
      const name = named ? named[0] : ''
      const [checksumText, edataText, extra] = rest.slice(name.length).split('$')
      if (edataText === undefined || extra !== undefined) fail(`expected ${prefix}[account]checksum$edata2`)
      const digest = hexField(checksumText, 'checksum', fail, 16)
      const edata = hexField(edataText, 'edata2', fail, undefined, KERBEROS_EDATA_BYTES.max)
      if (edata.length < KERBEROS_EDATA_BYTES.min) fail(`its edata2 has ${edata.length} bytes; at least ${KERBEROS_EDATA_BYTES.min}`)
      return { digest, params: packFields(utf8(name), digest, edata) }
    },
    format (digest, params) {
      const [name, , edata] = unpackFields(params, 3)
      return `${prefix}${text(name)}${hex(digest)}$${hex(edata)}`
    },
    prepare (params) {
      const [, checksum, edata] = unpackFields(params, 3)
      if (checksum.length !== 16 || edata.length < KERBEROS_EDATA_BYTES.min) throw new ParamsError('a Kerberos checksum has 16 bytes, its edata2 at least 32')
      return { usage: usageBytes, checksum, edata }
    },
    compute (plaintext, { usage, checksum, edata }) {
      const k1 = hmac('md5', ntHash(plaintext), usage)
      return hmac('md5', k1, rc4(hmac('md5', k1, checksum), edata))
    }
  }
}

// The account part: `*user$realm$spn*$` (the SPN may hold `$`, never `*`) in a TGS-REP hash, `user@realm:` in an
// AS-REP one (whose user part may be absent too).
export const krb5tgs = kerberos('$krb5tgs$23$', 2, /^\*[^*]*\*\$/)
export const krb5asrep = kerberos('$krb5asrep$23$', 8, /^[^:$]*:/)

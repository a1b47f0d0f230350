// The Unix crypt schemes, slow by design: md5crypt ($1$, Poul-Henning Kamp's, 1000 rounds of MD5),
// sha256crypt ($5$) and sha512crypt ($6$) (Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512",
// rounds=5000 unless said). Each builds its hash inputs where a WASM hasher reads them (wasm-hash.ts:
// 6x the scalar reference's speed for sha512crypt, whose words JavaScript splits in two); nothing
// is allocated per round.
import { SHA_CRYPT_ROUNDS } from '../algorithms.ts'
import { MAX_CANDIDATE_BYTES } from '../keyspace/spec.ts'
import { WasmHasher } from './wasm-hash.ts'

const MAGIC = Buffer.from('$1$')

export class Crypt {
  // The longest input, the SHA-2 schemes' P sequence (the password repeated as many times as it has
  // bytes: 64 KiB), fits a hasher's.
  readonly #md5 = new WasmHasher('md5')
  readonly #sha = { sha256: new WasmHasher('sha256'), sha512: new WasmHasher('sha512') }
  readonly #md5Digest = new Uint8Array(16)
  readonly #a = new Uint8Array(64)
  readonly #p = new Uint8Array(MAX_CANDIDATE_BYTES)
  readonly #s = new Uint8Array(64)
  readonly #b = new Uint8Array(64)

  md5crypt (password: Uint8Array, salt: Uint8Array): Uint8Array {
    const input = this.#md5.input
    const final = this.#md5Digest
    const pw = password.length
    // Alternate sum: password, salt, password.
    let n = put(input, 0, password)
    n = put(input, n, salt)
    n = put(input, n, password)
    this.#digestMd5(n, final)
    n = put(input, 0, password)
    n = put(input, n, MAGIC)
    n = put(input, n, salt)
    for (let left = pw; left > 0; left -= 16) n = put(input, n, final, Math.min(16, left))
    // For each bit of the length, lowest first: a zero byte when set, the password's first byte when not.
    for (let bits = pw; bits > 0; bits >>= 1) input[n++] = (bits & 1) !== 0 ? 0 : password[0]
    this.#digestMd5(n, final)
    for (let i = 0; i < 1000; i++) {
      n = 0
      n = (i & 1) !== 0 ? put(input, n, password) : put(input, n, final)
      if (i % 3 !== 0) n = put(input, n, salt)
      if (i % 7 !== 0) n = put(input, n, password)
      n = (i & 1) !== 0 ? put(input, n, final) : put(input, n, password)
      this.#digestMd5(n, final)
    }
    return final.slice()
  }

  // sha256crypt or sha512crypt, by `hash`; `rounds` 0: the scheme's default.
  shaCrypt (hash: 'sha256' | 'sha512', password: Uint8Array, salt: Uint8Array, rounds: number): Uint8Array {
    const hasher = this.#sha[hash]
    const input = hasher.input
    const size = hash === 'sha256' ? 32 : 64
    const a = this.#a.subarray(0, size)
    const digest = (length: number, out: Uint8Array) => out.set(hasher.hash(length))
    const pw = password.length
    const sl = salt.length
    // Digest B: password, salt, password; then A: password, salt, B for each digest's length of the password,
    // then for each bit of its length B when set, the password when not.
    let n = put(input, 0, password)
    n = put(input, n, salt)
    n = put(input, n, password)
    digest(n, a)
    const b = this.#b.subarray(0, size)
    b.set(a)
    n = put(input, 0, password)
    n = put(input, n, salt)
    for (let left = pw; left > 0; left -= size) n = put(input, n, b, Math.min(size, left))
    for (let bits = pw; bits > 0; bits >>= 1) n = (bits & 1) !== 0 ? put(input, n, b) : put(input, n, password)
    digest(n, a)
    // P: the password repeated pw times, hashed, its digest repeated to pw bytes.
    n = 0
    for (let i = 0; i < pw; i++) n = put(input, n, password)
    const dp = this.#s.subarray(0, size) // S is computed after P: its buffer holds P's digest meanwhile
    digest(n, dp)
    const p = this.#p
    for (let i = 0; i < pw; i++) p[i] = dp[i % size]
    // S: the salt repeated 16 + A[0] times, hashed, its digest cut to the salt's length.
    n = 0
    for (let i = 0; i < 16 + a[0]; i++) n = put(input, n, salt)
    const s = this.#s.subarray(0, size)
    digest(n, s)
    const count = rounds === 0 ? SHA_CRYPT_ROUNDS.default : rounds
    for (let i = 0; i < count; i++) {
      n = 0
      n = (i & 1) !== 0 ? put(input, n, p, pw) : put(input, n, a)
      if (i % 3 !== 0) n = put(input, n, s, sl)
      if (i % 7 !== 0) n = put(input, n, p, pw)
      n = (i & 1) !== 0 ? put(input, n, a) : put(input, n, p, pw)
      digest(n, a)
    }
    return a.slice()
  }

  #digestMd5 (length: number, out: Uint8Array): void {
    out.set(this.#md5.hash(length))
  }
}

function put (out: Uint8Array, at: number, bytes: Uint8Array, length = bytes.length): number {
  for (let i = 0; i < length; i++) out[at + i] = bytes[i]
  return at + length
}

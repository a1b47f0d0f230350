// MD5's reversal (hashcat's, for one or a few targets): when a call changes only message word `word`,
// every step after that word's last use reads words the call holds fixed. So those steps can be
// undone from each target digest once per call, instead of done for every candidate: what is left to
// match is the sum b_{s-4} + m[word] that the last use, step s, takes in (rounds.ts md5UntilLastUse).
import { HASH_SHAPES, MD5_INDEX, MD5_K, MD5_LAST_USE, MD5_SHIFT } from '../scalar.ts'

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n))

// The chain of step outputs: chain[s + 4] = b_s, as rounds.ts numbers them.
const chain = new Int32Array(68)

// `digest`: the target's 16 bytes; `message`: the call's 16 message words (word `word` ignored).
export function md5Reversed (digest: Uint8Array, message: Int32Array, word: number): number {
  const iv = HASH_SHAPES.md5.init
  const view = new DataView(digest.buffer, digest.byteOffset, 16)
  // The digest is (b_60, b_63, b_62, b_61), each plus its initial value.
  chain[64] = view.getInt32(0, true) - iv[0]
  chain[67] = view.getInt32(4, true) - iv[1]
  chain[66] = view.getInt32(8, true) - iv[2]
  chain[65] = view.getInt32(12, true) - iv[3]
  const last = MD5_LAST_USE[word]
  // Step s: b_s = b_{s-1} + rotl(b_{s-4} + f(b_{s-1}, b_{s-2}, b_{s-3}) + K_s + m, shift), with the
  // fourth round's f(b, c, d) = c ^ (b | ~d). Solved for what it adds to f and K.
  const taken = (s: number) => (rotr(chain[s + 4] - chain[s + 3], MD5_SHIFT[12 | (s & 3)]) - (chain[s + 2] ^ (chain[s + 3] | ~chain[s + 1])) - MD5_K[s]) | 0
  for (let s = 63; s > last; s--) chain[s] = taken(s) - message[MD5_INDEX[s]]
  return taken(last)
}

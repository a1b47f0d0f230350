// MD5's and MD4's reversal (hashcat's, for one or a few targets): when a call changes only message
// word `word`, every step after that word's last use reads words the call holds fixed. So those
// steps can be undone from each target digest once per call, instead of done for every candidate:
// what is left to match is the sum b_{s-4} + m[word] that the last use, step s, takes in
// (rounds.ts untilLastUse).
import { HASH_SHAPES, MD4_INDEX, MD4_K, MD4_SHIFT, MD5_INDEX, MD5_K, MD5_SHIFT } from '../../../shared/hashing/scalar.ts'

export type Reversible = 'md4' | 'md5'

// The last step that reads each message word (all in the last round).
export const LAST_USE: Record<Reversible, Int8Array> = {
  md4: Int8Array.from({ length: 16 }, (_, w) => MD4_INDEX.lastIndexOf(w)),
  md5: Int8Array.from({ length: 16 }, (_, w) => MD5_INDEX.lastIndexOf(w))
}

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n))

// The chain of step outputs: chain[s + 4] = b_s, as rounds.ts numbers them.
const chain = new Int32Array(68)

// `digest`: the target's 16 bytes; `message`: the call's 16 message words (word `word` ignored).
export function reversed (hash: Reversible, digest: Uint8Array, message: Int32Array, word: number): number {
  const iv = HASH_SHAPES[hash].init
  const steps = hash === 'md5' ? 64 : 48
  const view = new DataView(digest.buffer, digest.byteOffset, 16)
  // The digest is (b_{n-4}, b_{n-1}, b_{n-2}, b_{n-3}) after n steps, each plus its initial value.
  chain[steps] = view.getInt32(0, true) - iv[0]
  chain[steps + 3] = view.getInt32(4, true) - iv[1]
  chain[steps + 2] = view.getInt32(8, true) - iv[2]
  chain[steps + 1] = view.getInt32(12, true) - iv[3]
  const last = LAST_USE[hash][word]
  // Step s: b_s = [b_{s-1} +] rotl(b_{s-4} + f(b_{s-1}, b_{s-2}, b_{s-3}) + K + m, shift) (MD5 adds
  // b_{s-1}), the last round's f being MD5's c ^ (b | ~d), MD4's b ^ c ^ d. Solved for what it adds
  // to f and K.
  const taken = hash === 'md5'
    ? (s: number) => (rotr(chain[s + 4] - chain[s + 3], MD5_SHIFT[12 | (s & 3)]) - (chain[s + 2] ^ (chain[s + 3] | ~chain[s + 1])) - MD5_K[s]) | 0
    : (s: number) => (rotr(chain[s + 4], MD4_SHIFT[8 | (s & 3)]) - (chain[s + 3] ^ chain[s + 2] ^ chain[s + 1]) - MD4_K[2]) | 0
  const index = hash === 'md5' ? MD5_INDEX : MD4_INDEX
  for (let s = steps - 1; s > last; s--) chain[s] = taken(s) - message[index[s]]
  return taken(last)
}

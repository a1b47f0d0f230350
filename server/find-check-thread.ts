// Runs in server/find-check.ts's thread: one claimed find in, whether it matches out.
import type { Algorithm } from '../shared/algorithms.ts'
import { matches } from '../shared/hashing/modes.ts'

export type FindCheckRequest = { algorithm: Algorithm, target: Uint8Array, plaintext: Uint8Array }

export default function check ({ algorithm, target, plaintext }: FindCheckRequest): boolean {
  return matches(algorithm, target, plaintext)
}

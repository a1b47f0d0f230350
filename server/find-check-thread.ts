// Runs in server/find-check.ts's thread: a claimed find in, whether it matches out; or a canary's
// candidate in, its digest with a target's salt (and rounds, or a scheme's parameters) out.
import type { Algorithm } from '../shared/algorithms.ts'
import { digestOf, matches } from '../shared/hashing/modes.ts'

export type FindCheckRequest =
  | { kind: 'check', algorithm: Algorithm, target: Uint8Array, plaintext: Uint8Array }
  | { kind: 'digest', algorithm: Algorithm, plaintext: Uint8Array, salt: Uint8Array, rounds: number }

export default function run (request: FindCheckRequest): boolean | Uint8Array {
  if (request.kind === 'check') return matches(request.algorithm, request.target, request.plaintext)
  return digestOf(request.algorithm, request.plaintext, request.salt, request.rounds)
}

// Runs in server/find-check.ts's thread: a claimed find in, whether it matches out; or a canary's
// candidate and the target whose salt (and rounds, or parameters) it borrows in, the canary out.
import type { Algorithm } from '../shared/algorithms.ts'
import { canaryTarget, matches } from '../shared/hashing/modes.ts'

export type FindCheckRequest =
  | { kind: 'check', algorithm: Algorithm, target: Uint8Array, plaintext: Uint8Array }
  | { kind: 'canary', algorithm: Algorithm, source: Uint8Array, candidate: Uint8Array }

export default function run (request: FindCheckRequest): boolean | Uint8Array | null {
  if (request.kind === 'check') return matches(request.algorithm, request.target, request.plaintext)
  return canaryTarget(request.algorithm, request.source, request.candidate)
}

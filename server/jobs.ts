// A job as the library's users describe it to addTasks, and its checked, canonical form.
import { ALGORITHMS, isAlgorithm, parseDigest, type Algorithm } from '../shared/algorithms.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { keyspaceSpec, type KeyspaceInput, type KeyspaceSpec } from '../shared/keyspace/spec.ts'

// A wordlist is a file on the server's disk; its words travel with each task.
export type WordlistInput = { type: 'wordlist', path: string }

export type JobRequest = {
  algorithm: Algorithm
  targets: (string | Uint8Array)[] // hex digests, or their bytes
  keyspace: KeyspaceInput | WordlistInput
  priority?: number // a whole number from 0; higher runs first
}

// Digests as bytes and a canonical keyspace (a wordlist stays a path: it has to be read first).
export function checkRequest (request: JobRequest): { targets: Uint8Array[], keyspace: KeyspaceSpec | WordlistInput } {
  if (!isAlgorithm(request?.algorithm)) throw new InvalidInputError(`algorithm ${JSON.stringify(request?.algorithm)} is not one of ${ALGORITHMS.join(', ')}`)
  if (!Array.isArray(request.targets)) throw new InvalidInputError('targets must be an array of digests')
  const targets = request.targets.map((t) => (typeof t === 'string' ? parseDigest(request.algorithm, t) : t))
  if (request.keyspace?.type === 'wordlist') {
    if (typeof request.keyspace.path !== 'string' || request.keyspace.path === '') throw new InvalidInputError('a wordlist keyspace needs a path')
    return { targets, keyspace: request.keyspace }
  }
  return { targets, keyspace: keyspaceSpec(request.keyspace) }
}

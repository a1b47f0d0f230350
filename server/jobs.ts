// A job as the library's users describe it to addTasks, and its checked, canonical form.
import { ALGORITHM_INFO, ALGORITHMS, formatTarget, isAlgorithm, isTarget, parseTarget, toHex, type Algorithm } from '../shared/algorithms.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { keyspaceSpec, type HybridSpec, type KeyspaceInput, type KeyspaceSpec } from '../shared/keyspace/spec.ts'

// A wordlist is a file on the server's disk; its words travel with each task. Each word may go
// through `rules` (rule files, hashcat's -a 0 -r) or be joined to a mask (`hybrid`: -a 6 appends the
// mask's candidates, -a 7 prepends them).
export type WordlistInput = {
  type: 'wordlist', path: string, rules?: string[]
  hybrid?: { side: 'append' | 'prepend', mask: Extract<KeyspaceInput, { type: 'mask' }> }
}
// A wordlist input once checked: the hybrid mask canonical.
export type CheckedWordlist = { type: 'wordlist', path: string, rules: string[], hybrid: HybridSpec | null }

export type JobRequest = {
  algorithm: Algorithm
  targets: (string | Uint8Array)[] // hashcat's format (hex digest, digest:salt, crypt hash), or bytes
  keyspace: KeyspaceInput | WordlistInput
  priority?: number // a whole number from 0; higher runs first
  // Who each target belongs to (hash lists read with --username, shadow files), by the target's text
  // (formatTarget): results name them, after a --restore too (the session journal keeps them).
  users?: Record<string, string[]>
}

// Targets as their canonical text (formatTarget), each checked, and a canonical keyspace (a wordlist
// stays a path: it has to be read first). Texts, not bytes: a job of millions keeps a string each.
export function checkRequest (request: JobRequest): { targets: string[], keyspace: KeyspaceSpec | CheckedWordlist } {
  if (!isAlgorithm(request?.algorithm)) throw new InvalidInputError(`algorithm ${JSON.stringify(request?.algorithm)} is not one of ${ALGORITHMS.join(', ')}`)
  if (!Array.isArray(request.targets)) throw new InvalidInputError('targets must be an array of digests')
  const algorithm = request.algorithm
  // A bare digest in lower-case hex is its own canonical text: a list of millions skips the round trip.
  const canonical = ALGORITHM_INFO[algorithm].kind === 'plain' ? new RegExp(`^[0-9a-f]{${2 * ALGORITHM_INFO[algorithm].digestBytes}}$`) : null
  const targets = request.targets.map((t) => {
    if (typeof t === 'string' && canonical?.test(t)) return t
    const bytes = typeof t === 'string' ? parseTarget(algorithm, t) : t
    if (!isTarget(algorithm, bytes)) throw new InvalidInputError(`target ${toHex(bytes)} is not a ${algorithm} target`)
    return formatTarget(algorithm, bytes)
  })
  if (request.keyspace?.type === 'wordlist') {
    const { path, rules = [], hybrid } = request.keyspace
    if (typeof path !== 'string' || path === '') throw new InvalidInputError('a wordlist keyspace needs a path')
    if (!Array.isArray(rules) || rules.some((r) => typeof r !== 'string' || r === '')) throw new InvalidInputError('rules must be an array of rule file paths')
    if (rules.length > 0 && hybrid) throw new InvalidInputError('a wordlist job takes rules or a hybrid mask, not both')
    if (hybrid && hybrid.side !== 'append' && hybrid.side !== 'prepend') throw new InvalidInputError(`hybrid side ${JSON.stringify(hybrid.side)} is not "append" (-a 6) or "prepend" (-a 7)`)
    const mask = hybrid ? keyspaceSpec(hybrid.mask) : null
    if (mask && mask.type !== 'mask') throw new InvalidInputError('a hybrid attack joins a mask')
    return { targets, keyspace: { type: 'wordlist', path, rules, hybrid: hybrid && mask?.type === 'mask' ? { side: hybrid.side, mask } : null } }
  }
  return { targets, keyspace: keyspaceSpec(request.keyspace) }
}

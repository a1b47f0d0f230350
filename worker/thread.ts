// Runs inside a Piscina thread: one SearchRequest in, one SearchResult out. Hits are also posted
// on the request's port the moment they are verified, so FOUND does not wait for the piece to end.
import { keyspaceFrom, type Keyspace } from '../shared/keyspace/keyspace.ts'
import type { KeyspaceSpec } from '../shared/keyspace/spec.ts'
import { parseRules, type RuleSet } from '../shared/rules/rules.ts'
import type { PackedTargets, SearchHit, SearchRequest, SearchResult } from './thread-messages.ts'
import { search } from '../shared/kernels/search.ts'
import { searchWords } from '../shared/kernels/words.ts'
import { fastBlocks, fastKernels } from '../shared/kernels/index.ts'

// Jobs send many pieces with the same keyspace and rules; build them once per thread.
let cached: { key: string, keyspace: Keyspace, rules: RuleSet[] | null } | null = null

function prepared (request: SearchRequest): { keyspace: Keyspace, rules: RuleSet[] | null } {
  const key = JSON.stringify(request.keyspace)
  if (cached?.key !== key) cached = { key, keyspace: keyspaceFrom(request.keyspace), rules: rulesOf(request.keyspace, request.rules) }
  return cached
}

// The rule files' texts, parsed (the server checked them; a failure here is a bug).
function rulesOf (spec: KeyspaceSpec, texts: Uint8Array[] | undefined): RuleSet[] | null {
  if (spec.type !== 'wordlist' || !spec.rules) return null
  if (texts?.length !== spec.rules.length) throw new Error(`the job names ${spec.rules.length} rule file(s) but ${texts?.length ?? 0} came`)
  return spec.rules.map((file, i) => parseRules(texts[i], file.name))
}

// A job's targets, unpacked once per packing (views into the shared memory, not copies): the same
// array for every piece, which the kernels' preparation of targets is cached by.
const unpacked = new Map<number, Uint8Array[]>()
const UNPACKED_KEPT = 4

function targetsOf (packed: PackedTargets): Uint8Array[] {
  let targets = unpacked.get(packed.id)
  if (!targets) {
    targets = Array.from(packed.ends, (end, i) => packed.bytes.subarray(i === 0 ? 0 : packed.ends[i - 1], end))
    unpacked.set(packed.id, targets)
    for (const id of unpacked.keys()) if (unpacked.size > UNPACKED_KEPT) unpacked.delete(id)
  }
  return targets
}

export default function run (request: SearchRequest): SearchResult {
  const control = {
    cancel: request.cancel,
    progress: request.progress,
    slot: request.slot,
    kernels: fastKernels,
    blocks: fastBlocks,
    onHit: (hit: SearchHit) => request.port?.postMessage(hit)
  }
  const { keyspace, rules } = prepared(request)
  const job = { algorithm: request.algorithm, targets: targetsOf(request.targets), keyspace }
  const result = request.words
    ? searchWords({ ...job, rules }, request.words, BigInt(request.offset), request.length, control)
    : search(job, BigInt(request.offset), request.length, control)
  request.port?.close?.()
  return result
}

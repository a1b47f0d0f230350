// Runs inside a Piscina thread: one SearchRequest in, one SearchResult out. Hits are also posted
// on the request's port the moment they are verified, so FOUND does not wait for the piece to end.
import { keyspaceFrom, type Keyspace } from '../shared/keyspace/keyspace.ts'
import { wordParts, type WordParts } from '../shared/keyspace/word-variant.ts'
import type { SearchHit, SearchRequest, SearchResult } from './thread-messages.ts'
import type { PackedTargets } from './search/targets.ts'
import { search } from './search/search.ts'
import { searchWords } from './search/words.ts'
import { fastBlocks, fastKernels } from './search/index.ts'

// Jobs send many pieces with the same keyspace, rules and other list; build them once per thread
// (the server checked the texts: a failure here is a bug).
let cached: { key: string, keyspace: Keyspace, parts: WordParts } | null = null

function prepared (request: SearchRequest): { keyspace: Keyspace, parts: WordParts } {
  const key = JSON.stringify(request.keyspace)
  if (cached?.key !== key) cached = { key, keyspace: keyspaceFrom(request.keyspace), parts: wordParts(request.keyspace, request) }
  return cached
}

// A job's targets arrive with every piece; the first copy of each packing is kept, so the kernels'
// preparation of them (cached by object) happens once per thread.
const packings = new Map<number, PackedTargets>()
const PACKINGS_KEPT = 4

function targetsOf (packed: PackedTargets): PackedTargets {
  const known = packings.get(packed.id)
  if (known) return known
  packings.set(packed.id, packed)
  for (const id of packings.keys()) if (packings.size > PACKINGS_KEPT) packings.delete(id)
  return packed
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
  const { keyspace, parts } = prepared(request)
  const job = { algorithm: request.algorithm, targets: targetsOf(request.targets), keyspace }
  const result = request.words
    ? searchWords({ ...job, parts }, request.words, BigInt(request.offset), request.length, control)
    : search(job, BigInt(request.offset), request.length, control)
  request.port?.close?.()
  return result
}

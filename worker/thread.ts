// Runs inside a Piscina thread: one SearchRequest in, one SearchResult out. Hits are also posted
// on the request's port the moment they are verified, so FOUND does not wait for the piece to end.
import { keyspaceFrom, type Keyspace } from '../shared/keyspace/keyspace.ts'
import type { SearchHit, SearchRequest, SearchResult } from './thread-messages.ts'
import { search, searchWords } from '../shared/kernels/search.ts'
import { fastKernels } from '../shared/kernels/index.ts'

// Jobs send many pieces with the same keyspace; build its segments once per thread.
let cached: { key: string, keyspace: Keyspace } | null = null

function keyspaceOf (request: SearchRequest): Keyspace {
  const key = JSON.stringify(request.keyspace)
  if (cached?.key !== key) cached = { key, keyspace: keyspaceFrom(request.keyspace) }
  return cached.keyspace
}

export default function run (request: SearchRequest): SearchResult {
  const control = {
    cancel: request.cancel,
    progress: request.progress,
    slot: request.slot,
    kernels: fastKernels,
    onHit: (hit: SearchHit) => request.port?.postMessage(hit)
  }
  const result = request.words
    ? searchWords({ algorithm: request.algorithm, targets: request.targets }, request.words, BigInt(request.offset), control)
    : search({ algorithm: request.algorithm, targets: request.targets, keyspace: keyspaceOf(request) }, BigInt(request.offset), request.length, control)
  request.port?.close?.()
  return result
}

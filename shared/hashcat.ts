// What hashcat can search for us with exactly our candidates and verdicts, so a chunk may run on
// either backend. The server (which chunks to cut for a hashcat worker) and the worker (how to run
// them) decide from this one place. Hashcat runs a chunk only when the chunk is one mask run
// (shared/keyspace/runs.ts); anything else runs on the WASM kernels.
import { ALGORITHM_INFO, type Algorithm } from './algorithms.ts'
import { CUSTOM_CHARSETS, builtInName, parseMask } from './keyspace/mask.ts'
import type { KeyspaceSpec } from './keyspace/spec.ts'

// The oldest hashcat whose outputs we parse and test (test/vectors/hashcat-output).
export const MIN_HASHCAT_VERSION = { major: 6, minor: 2 }

// A run this short goes to the WASM kernels even on a hashcat worker: hashcat's start-up (seconds)
// costs more than the search (tens of millions of candidates take a second or two on a few threads).
export const MIN_HASHCAT_RUN = 2 ** 26

// NTLM's hashcat kernels widen or decode bytes above 0x7f otherwise than we do (README, hash modes);
// below it both are the same UTF-16LE.
const ASCII_ONLY: ReadonlySet<Algorithm> = new Set(['ntlm'])

// Null when hashcat can search this job's mask runs; otherwise why not, for the worker's log.
export function hashcatRefusal (algorithm: Algorithm, spec: KeyspaceSpec): string | null {
  const info = ALGORITHM_INFO[algorithm]
  if (info.kind !== 'plain') return `${algorithm} targets carry salts or crypt settings; the hashcat backend takes bare digests`
  if (spec.type === 'wordlist') return 'wordlist attacks run on the WASM kernels'
  if (spec.type === 'mask') {
    const positions = parseMask(spec.mask, spec.charsets)
    if (ASCII_ONLY.has(algorithm) && positions.some((charset) => charset.some((byte) => byte > 0x7f))) return `${algorithm} masks with bytes above 0x7f run on the WASM kernels`
    // A run's ranging position may need a custom charset of its own, beside the mask's.
    const custom = new Set(positions.filter((c) => c.length > 1 && !builtInName(c)).map((c) => c.join()))
    if (custom.size >= CUSTOM_CHARSETS) return `the mask uses ${custom.size} custom charsets; hashcat runs need one of its ${CUSTOM_CHARSETS} spare`
  }
  return null
}

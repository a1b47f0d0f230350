// How one chunk becomes one hashcat command line: the mask of its run (shared/keyspace/runs.ts)
// written with --hex-charset, so any byte is expressible, and -O where hashcat's optimised kernel
// takes every candidate of the run; and how targets are written to its hash file and read back.
import { ALGORITHM_INFO, formatTarget, parseTarget, targetParts, type Algorithm } from '../../shared/algorithms.ts'
import { CUSTOM_CHARSETS, builtInName } from '../../shared/keyspace/mask.ts'
import type { MaskRun } from '../../shared/keyspace/runs.ts'

// The longest candidate hashcat 6.2.6's optimised (-O) kernels take in a mask attack, by mode; longer
// masks are refused with exit 255, so they go to the pure kernels (up to 256 bytes), at half the speed.
const OPTIMISED_MAX_LENGTH: Partial<Record<Algorithm, number>> = { md5: 55, sha1: 55, sha256: 55, sha512: 55, ntlm: 27 }

// hashcat's flags for a private, exact, machine-readable run: no potfile or restore file of its own
// (ours are the only record), a status line a second, cracks as hash:hex-plaintext, and every target
// kept in play after it is cracked so the whole chunk is always searched.
export const COMMON_ARGS = [
  '--force', '--quiet', '--potfile-disable', '--restore-disable', '--logfile-disable', '--keep-guessing',
  '--status', '--status-json', '--status-timer', '1', '--outfile-format', '1,3'
]

// `kernel`: what selects the kernel hashcat compiles and caches (mode and -O), for the backend.
export type MaskArgs = { args: string[], mask: string, kernel: string }

// The attack's flags and mask for a run, or null when it needs more custom charsets than hashcat's four.
export function maskArgs (algorithm: Algorithm, run: MaskRun): MaskArgs | null {
  const custom: string[] = []
  let mask = ''
  for (const charset of run.charsets) {
    const builtIn = charset.length > 1 ? builtInName(charset) : null
    if (charset.length === 1) mask += hex(charset)
    else if (builtIn) mask += `?${builtIn}`
    else {
      let slot = custom.indexOf(hex(charset))
      if (slot < 0) {
        if (custom.length === CUSTOM_CHARSETS) return null
        slot = custom.push(hex(charset)) - 1
      }
      mask += `?${slot + 1}`
    }
  }
  const args = ['-m', String(ALGORITHM_INFO[algorithm].hashcat), '-a', '3', '--hex-charset', ...targetArgs(algorithm)]
  custom.forEach((set, i) => args.push(`-${i + 1}`, set))
  const optimised = run.charsets.length <= (OPTIMISED_MAX_LENGTH[algorithm] ?? 0)
  if (optimised) args.push('-O')
  return { args, mask, kernel: `-m ${ALGORITHM_INFO[algorithm].hashcat} -a 3${optimised ? ' -O' : ''}` }
}

// Salts travel in hex (--hex-salt), so a colon, a newline or any byte in one is written exactly.
export function targetArgs (algorithm: Algorithm): string[] {
  return ALGORITHM_INFO[algorithm].kind === 'salted' ? ['--hex-salt'] : []
}

// A target as a line of hashcat's hash file: the hex digest; `digest:salt` in hex for salted modes;
// the crypt string for crypt schemes.
export function hashLine (algorithm: Algorithm, target: Uint8Array): string {
  const { kind } = ALGORITHM_INFO[algorithm]
  if (kind === 'plain') return hex(target)
  if (kind === 'crypt') return formatTarget(algorithm, target)
  const { digest, salt } = targetParts(algorithm, target)
  return `${hex(digest)}:${hex(salt)}`
}

// What hashcat's outfile names as the hash (as hashLine wrote it, its hex in either case) as one of
// our targets, or null when it is no such hash.
export function targetOfHashLine (algorithm: Algorithm, line: string): Uint8Array | null {
  try {
    return parseTarget(algorithm, line, { hexSalt: true })
  } catch {
    return null
  }
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
}

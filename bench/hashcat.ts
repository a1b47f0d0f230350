// hashcat on the same keyspace as the end-to-end run, for the side-by-side ratio. A decimal range
// 0-10^k is, for hashcat, the mask ?1?d...?d (k positions, ?1 = 1-9) with --increment from length 1:
// every number except 0 itself, which is one candidate in 10^k.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { HASHCAT_MODES, type Algorithm } from '../shared/algorithms.ts'
import { StatusReader, parseVersion, type HashcatStatus } from '../worker/hashcat/parse.ts'

export type HashcatRun = { wallSpeed: number, reportedSpeed: number }
// `targets`: a file of digests to seek instead of the one digest; `vectorWidth`: hashcat's
// --backend-vector-width (8 is what an AVX2 desktop gets; the default is what this CPU gets).
// `targets`: a hash file or hash (default: a digest in no keyspace); `pure`: without -O (slow modes,
// whose optimised kernels limit the password length).
export type HashcatOptions = { targets?: string, vectorWidth?: number, pure?: boolean }

export function hashcatVersion (): string | null {
  const result = spawnSync('hashcat', ['--version'], { encoding: 'utf8' })
  return result.status === 0 ? parseVersion(result.stdout).text : null
}

export async function runHashcat (algorithm: Algorithm, end: bigint, options: HashcatOptions = {}): Promise<HashcatRun> {
  const digits = end.toString().length - 1
  if (end !== 10n ** BigInt(digits) || digits < 1) throw new Error(`--compare hashcat needs a range end that is a power of ten, not ${end}`)
  const mask = '?1' + '?d'.repeat(digits - 1)
  const run = await hashcat(algorithm, ['-a', '3', '-1', '123456789', '-i', '--increment-min', '1', mask], (status) => status.maskLength === digits, options)
  return { wallSpeed: Number(end - 1n) / run.seconds, reportedSpeed: run.reportedSpeed }
}

// hashcat over a whole attack of `candidates` candidates: a mask (`-a 3 MASK`), or a wordlist with
// rules (`WORDLIST -r RULES`: every word through every rule).
export async function runHashcatAttack (algorithm: Algorithm, attack: string[], candidates: bigint, options: HashcatOptions = {}): Promise<HashcatRun> {
  const run = await hashcat(algorithm, attack, () => true, options)
  return { wallSpeed: Number(candidates) / run.seconds, reportedSpeed: run.reportedSpeed }
}

// Runs hashcat (-O, as fast as it goes) for a digest that is not in the keyspace; `counts` says which
// status lines' speeds to keep (with --increment, those of the mask length measured).
async function hashcat (algorithm: Algorithm, attack: string[], counts: (status: HashcatStatus) => boolean, options: HashcatOptions = {}): Promise<{ seconds: number, reportedSpeed: number }> {
  const mode = Object.keys(HASHCAT_MODES).find((m) => HASHCAT_MODES[m] === algorithm)!
  const args = ['-m', mode, ...(options.pure ? [] : ['-O']), '--force', '--potfile-disable', '--restore-disable', '--quiet', '--status', '--status-json', '--status-timer', '1',
    ...(options.vectorWidth ? ['--backend-vector-width', String(options.vectorWidth)] : []),
    options.targets ?? createHash(algorithm).update('not in any benchmark keyspace').digest('hex'), ...attack]
  const started = performance.now()
  const child = spawn('hashcat', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const reader = new StatusReader()
  const statuses: HashcatStatus[] = []
  let errors = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => { statuses.push(...reader.push(text)) })
  child.stderr.setEncoding('utf8').on('data', (text: string) => { errors += text })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const seconds = (performance.now() - started) / 1000
  // Exit 1 is "exhausted", which is what a digest outside the keyspace must give.
  if (code !== 1) throw new Error(`hashcat exited ${code}: ${errors.slice(-500)}`)
  statuses.push(...reader.end())
  // Speeds reported while the part measured ran, and at its end (a run under a second has no other).
  const speeds = statuses.filter(counts).map((s) => s.speed)
  if (speeds.length === 0) throw new Error('hashcat printed no status line for the measured part')
  return { seconds, reportedSpeed: median(speeds) }
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

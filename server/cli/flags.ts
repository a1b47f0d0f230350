// The server's command line: its help text, its flags, and how flags become a job request.
import { accessSync, constants } from 'node:fs'
import { parseAlgorithm, parseTarget, type ParseOptions } from '../../shared/algorithms.ts'
import { integerFlag } from '../../shared/cli.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { MAX_CANDIDATE_BYTES, maskSpec, parseRange, type MaskSpec, type RangeSpec } from '../../shared/keyspace/spec.ts'
import { readHashList, type HashList, type HashListOptions } from '../inputs/hash-list.ts'
import type { JobRequest, WordlistInput } from '../jobs.ts'
import type { AddJobForm } from '../ui/tui.ts'
import { MAX_PRIORITY } from '../scheduler/options.ts'
import { DEFAULT_HOOK_TIMEOUT_MS } from '../hooks.ts'
import { DEFAULT_STATUS_SECONDS } from '../status.ts'

export const HELP = `Usage: npm run server -- [options]

Distributes a hash search over the workers that connect to this server.

Options:
  --host HOST         address to listen on (default 0.0.0.0)
  --port PORT         TCP port (default 8080)
  --token TOKEN       shared secret workers must hold. Better kept in the config file; if no
                      source gives one, a token is generated and saved there (mode 0600)
  --config PATH       settings file (default ~/.config/taskorch/config.json, or env TASKORCH_CONFIG)
  --key PATH          the server's long-term key, which workers pin; made on first start (mode
                      0600). Default: server.key beside the config file
  --download-port PORT  plain HTTP port that serves the single-file worker to new machines, and
                      nothing else (default: --port + 1, or any free port with --port 0)
  --no-download       no download port (the join line then assumes the repository is installed)
  --advertise         announce this server on the LAN (DNS-SD over mDNS, _taskorch._tcp, with its
                      protocol version and key fingerprint; nothing secret), so workers started
                      without --host find it. Off unless given
  --algo ALGO, -m     the hash mode (default md5), by name or hashcat's -m number:
                        md5 0, sha1 100, sha256 1400, sha512 1700, ntlm 1000,
                        md5-pass-salt 10, md5-salt-pass 20, sha1-pass-salt 110, sha1-salt-pass 120,
                        sha256-pass-salt 1410, sha256-salt-pass 1420, sha512-pass-salt 1710,
                        sha512-salt-pass 1720, md5crypt 500 ($1$), sha512crypt 1800 ($6$)
  --target HASH       hash to find, in hashcat's format: a hex digest, DIGEST:SALT for the salted
                      modes, $1$.../$6$... for crypt; repeat for several
  --targets FILE      hashes to find, one per line (blank lines and # comments skipped); crypt
                      hashes may come as shadow-file lines (user:$6$...:...)
  --username          --targets lines start with USER: ; results then name the user
  --hex-salt          salts (DIGEST:SALT) are given in hex
  --show              print the hashes given that the potfile already cracked ([user:]hash:plain)
                      and exit 0, without searching (no keyspace needed)
  --left              print the hashes given that the potfile has not cracked, and exit 0
  --range A-B         decimal keyspace, A inclusive, B exclusive (e.g. 0-100000000)
  --wordlist FILE     the lines of FILE (LF or CRLF endings; empty lines skipped), read by the
                      server and sent to workers in chunks of at most 1 MiB
  --rules FILE, -r    hashcat rules applied to every word (-a 0); repeat to combine files as
                      hashcat does (their product). A bad rule stops with its file and line
  --attack-mode N, -a N
                      0 wordlist (+ rules), 3 mask or range, 6 wordlist + mask (each word followed
                      by each candidate of the mask), 7 mask + wordlist. Inferred when only one of
                      --wordlist, --mask, --range is given
  --mask MASK         hashcat mask instead: ?l ?u ?d ?h ?H ?s ?a ?b, ?1..?4, ?? for "?",
                      other characters literal (e.g. ?u?l?l?l?d?d)
  -1..-4 CHARSET      custom charsets for ?1..?4 (--custom-charset1..4), e.g. -1 ?l?d
  --increment         also search the mask's shorter prefixes, from --increment-min (default 1)
                      to --increment-max (default the mask's length); with -a 6/7 too
  --priority N        job priority, 0 to ${MAX_PRIORITY}, higher first (default 0)
  --exit-when-done    exit when the jobs end: 0 all found, 1 a keyspace ran out, 2 usage error
  --status-json       a JSON object per running job every --status-timer seconds (default 10), and
                      one when a job ends, on stdout beside the results (fields in the README)
  --on-found PROG     run PROG (a program, no shell, no arguments) for every result; the details are
                      in TASKORCH_* environment variables (README), never in its arguments
  --on-job-end PROG   run PROG when a job ends, likewise
  --webhook URL       POST each result and job end as JSON to URL
  --hook-timeout S    a hook still running after S seconds is killed, a webhook abandoned (default
                      10); logged, and never slowing the search. An exit waits for running hooks
                      at most this long
  --metrics HOST:PORT serve Prometheus metrics at http://HOST:PORT/metrics and a liveness check at
                      /healthz (plain HTTP; a port alone listens on 127.0.0.1). Off unless given
  --potfile PATH      where results are kept, hashcat-style hash:plaintext lines; targets
                      already there are reported at once (default ~/.config/taskorch/taskorch.potfile)
  --potfile-disable   neither read nor write a potfile
  --session PATH      journal jobs and every completed chunk to PATH (fsynced, checksummed), so a
                      crashed server can pick up where it stopped
  --restore           with --session: reload its unfinished jobs and go on
  --local-worker      also start a worker on this machine (all cores)
  --local-backend MODE  the local worker's --backend: wasm (default), auto or hashcat
  --demo              the default job (MD5 ef775988943825d2871e1cfa75473ec0 over
                      0-100000000) on 127.0.0.1 with a local worker and a throwaway token
  --headless          plain log lines instead of the terminal UI (the default when stdout is not a terminal)
  --json              log lines as JSON objects (implies --headless)
  --debug             also log debug lines (refused handshakes, ...)
  -h, --help          this help, and the settings in effect

Started without a job, the server waits for jobs: npm run ctl -- submit ... gives it one (npm run
ctl -- --help). ctl needs the admin token (setting adminToken), generated on first start beside the
token and distinct from it.

The server prints (and the dashboard shows) one line that joins a new machine: it downloads the
worker from the download port, checks its SHA-256 and starts it with this server's address and key
fingerprint; the worker asks for the token on its terminal.

Settings (host, port, token, adminToken, key, headless, potfile, json, debug) come from, later winning: defaults, the config
file (JSON, e.g. {"token": "...", "port": 8080}), TASKORCH_<NAME> environment variables, flags.
Found results go to stdout as hash:plaintext lines (hashcat's potfile format); logs go to stderr.`

export const FLAGS = {
  host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, config: { type: 'string' }, algo: { type: 'string', short: 'm' },
  rules: { type: 'string', multiple: true, short: 'r' }, 'attack-mode': { type: 'string', short: 'a' },
  username: { type: 'boolean' }, 'hex-salt': { type: 'boolean' }, show: { type: 'boolean' }, left: { type: 'boolean' },
  'status-json': { type: 'boolean' }, 'status-timer': { type: 'string' }, 'on-found': { type: 'string' }, 'on-job-end': { type: 'string' },
  webhook: { type: 'string' }, 'hook-timeout': { type: 'string' }, metrics: { type: 'string' },
  target: { type: 'string', multiple: true }, targets: { type: 'string' }, range: { type: 'string' }, priority: { type: 'string' },
  potfile: { type: 'string' }, 'potfile-disable': { type: 'boolean' }, session: { type: 'string' }, restore: { type: 'boolean' },
  mask: { type: 'string' }, wordlist: { type: 'string' }, 'custom-charset1': { type: 'string', short: '1' }, 'custom-charset2': { type: 'string', short: '2' },
  'custom-charset3': { type: 'string', short: '3' }, 'custom-charset4': { type: 'string', short: '4' },
  increment: { type: 'boolean' }, 'increment-min': { type: 'string' }, 'increment-max': { type: 'string' },
  key: { type: 'string' }, 'download-port': { type: 'string' }, 'no-download': { type: 'boolean' }, advertise: { type: 'boolean' },
  'exit-when-done': { type: 'boolean' }, 'local-worker': { type: 'boolean' }, 'local-backend': { type: 'string' }, demo: { type: 'boolean' }, headless: { type: 'boolean' }, json: { type: 'boolean' },
  debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
} as const

// hashcat's attack modes we run.
export const ATTACK_MODES = [0, 3, 6, 7] as const

// The keyspace the flags give (--range, --mask and its charsets and increment, --wordlist with
// --rules, or both for a hybrid attack), or null when none is given.
export function keyspaceFlags (flags: Record<string, unknown>): RangeSpec | MaskSpec | WordlistInput | null {
  const limit = (name: string) => flags[name] === undefined ? undefined : integerFlag(flags[name] as string, name, 0, 1, MAX_CANDIDATE_BYTES)
  if (!flags.increment && (flags['increment-min'] !== undefined || flags['increment-max'] !== undefined)) {
    throw new InvalidInputError('--increment-min and --increment-max need --increment')
  }
  const charsets = [1, 2, 3, 4].map((i) => flags[`custom-charset${i}`] as string | undefined)
  for (const [i, charset] of charsets.entries()) if (charset === '') throw new InvalidInputError(`custom charset -${i + 1} is empty: give it at least one character or charset (e.g. -${i + 1} ?l?d)`)
  if (!flags.mask && charsets.some((c) => c !== undefined)) throw new InvalidInputError('custom charsets (-1..-4) need --mask')
  if (!flags.mask && flags.increment) throw new InvalidInputError('--increment needs --mask')
  const given = (['wordlist', 'mask', 'range'] as const).filter((k) => flags[k] !== undefined)
  const rules = (flags.rules as string[] | undefined) ?? []
  if (given.length === 0) {
    if (rules.length > 0 || flags['attack-mode'] !== undefined) throw new InvalidInputError('--rules and --attack-mode need a keyspace (--wordlist, --mask or --range)')
    return null
  }
  const attack = attackMode(flags['attack-mode'] as string | undefined, given)
  if (rules.length > 0 && attack !== 0) throw new InvalidInputError(`--rules applies to wordlist attacks (-a 0), not -a ${attack}`)
  const mask = () => maskSpec(flags.mask as string, charsets, flags.increment ? { min: limit('increment-min'), max: limit('increment-max') } : undefined)
  if (attack === 3) return flags.mask !== undefined ? mask() : parseRange(flags.range as string)
  // Read through only once the server runs; a missing or unreadable file is said now, before listening.
  for (const [flag, path] of [['wordlist', flags.wordlist as string], ...rules.map((r) => ['rules', r])]) {
    try {
      accessSync(path, constants.R_OK)
    } catch (error) {
      throw new InvalidInputError(`--${flag} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
  }
  const wordlist: WordlistInput = { type: 'wordlist', path: flags.wordlist as string }
  if (rules.length > 0) wordlist.rules = rules
  if (attack === 6 || attack === 7) wordlist.hybrid = { side: attack === 6 ? 'append' : 'prepend', mask: mask() }
  return wordlist
}

// -a N checked against the keyspace flags given, or inferred from them.
function attackMode (text: string | undefined, given: readonly ('wordlist' | 'mask' | 'range')[]): typeof ATTACK_MODES[number] {
  const need = { 0: ['wordlist'], 3: given.includes('range') ? ['range'] : ['mask'], 6: ['wordlist', 'mask'], 7: ['wordlist', 'mask'] } as const
  if (text === undefined) {
    if (given.length === 1) return given[0] === 'wordlist' ? 0 : 3
    if (given.length === 2 && !given.includes('range')) throw new InvalidInputError('--wordlist with --mask is a hybrid attack: add -a 6 (each word followed by the mask) or -a 7 (the mask, then each word)')
    throw new InvalidInputError(`give one keyspace, not ${given.map((k) => `--${k}`).join(' and ')}`)
  }
  const mode = Number(text)
  if (!(ATTACK_MODES as readonly number[]).includes(mode) || !/^[0-9]$/.test(text)) throw new InvalidInputError(`--attack-mode ${text}: use 0 (wordlist), 3 (mask or range), 6 (wordlist + mask) or 7 (mask + wordlist)`)
  const wanted = need[mode as keyof typeof need]
  if (given.length !== wanted.length || !wanted.every((k) => (given as readonly string[]).includes(k))) {
    throw new InvalidInputError(`-a ${mode} takes ${wanted.map((k) => `--${k}`).join(' and ')}${mode === 3 ? ' (or --range)' : ''}, not ${given.map((k) => `--${k}`).join(' and ')}`)
  }
  return mode as typeof ATTACK_MODES[number]
}

// A job from the flags or the UI's form; every part is checked and errors name it.
// `list`: a hash list file's targets, and the users it named.
export function parseJob (algo: string, targets: string[], keyspace: RangeSpec | MaskSpec | WordlistInput, priority: string, list: HashList | null = null, options: ParseOptions = {}): JobRequest {
  const algorithm = parseAlgorithm(algo.trim())
  const listed = list?.targets ?? []
  if (targets.length + listed.length === 0) throw new InvalidInputError('a job needs at least one target hash')
  const request: JobRequest = {
    algorithm,
    targets: [...targets.map((t) => parseTarget(algorithm, t, options)), ...listed],
    keyspace,
    priority: integerFlag(priority.trim(), 'priority', 0, 0, MAX_PRIORITY)
  }
  if (list && list.users.size > 0) request.users = Object.fromEntries(list.users)
  return request
}

// --status-json, --status-timer and the hooks, checked before the server listens: a hook must be a
// program this user may run, a webhook an http(s) URL.
export function notifyFlags (flags: Record<string, unknown>): { statusSeconds: number | null, onFound?: string, onJobEnd?: string, webhook?: string, timeoutMs: number } {
  if (flags['status-timer'] !== undefined && !flags['status-json']) throw new InvalidInputError('--status-timer needs --status-json')
  const statusSeconds = flags['status-json'] ? integerFlag(flags['status-timer'] as string | undefined, 'status-timer', DEFAULT_STATUS_SECONDS, 1, 86_400) : null
  for (const flag of ['on-found', 'on-job-end'] as const) {
    const path = flags[flag] as string | undefined
    if (path === undefined) continue
    try {
      accessSync(path, constants.X_OK)
    } catch (error) {
      throw new InvalidInputError(`--${flag} ${path}: cannot run it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a program's path (no shell, no arguments)`)
    }
  }
  const webhook = flags.webhook as string | undefined
  if (webhook !== undefined) {
    let url: URL | null = null
    try { url = new URL(webhook) } catch {}
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new InvalidInputError(`--webhook ${webhook}: not an http:// or https:// URL`)
  }
  const timeoutMs = integerFlag(flags['hook-timeout'] as string | undefined, 'hook-timeout', DEFAULT_HOOK_TIMEOUT_MS / 1000, 1, 3600) * 1000
  return { statusSeconds, onFound: flags['on-found'] as string | undefined, onJobEnd: flags['on-job-end'] as string | undefined, webhook, timeoutMs }
}

// --username and --hex-salt, as flags or form fields.
export function hashOptions (flags: Record<string, unknown>): HashListOptions {
  return { username: flags.username === true, hexSalt: flags['hex-salt'] === true }
}

// The dashboard's add-a-job form, read exactly as the same flags would be.
export async function jobFromForm (form: AddJobForm): Promise<JobRequest> {
  const keyspace = form.keyspace.trim()
  const increment = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(form.increment)
  if (form.increment.trim() && !increment) throw new InvalidInputError(`increment "${form.increment}" must look like MIN-MAX (either may be left out), e.g. 2-8`)
  const isRange = /^\d+\s*-\s*\d+$/.test(keyspace)
  const flags: Record<string, unknown> = {
    range: isRange ? keyspace : undefined,
    mask: keyspace && !isRange ? keyspace : undefined,
    wordlist: form.wordlist.trim() || undefined,
    rules: form.rules.trim() ? form.rules.trim().split(/\s+/) : undefined,
    'attack-mode': form.attackMode.trim() || undefined,
    increment: increment ? true : undefined,
    'increment-min': increment?.[1] || undefined,
    'increment-max': increment?.[2] || undefined
  }
  for (const i of [1, 2, 3, 4] as const) flags[`custom-charset${i}`] = form[`charset${i}`] || undefined
  if (!flags.range && !flags.mask && !flags.wordlist) throw new InvalidInputError('give a keyspace: a range, a mask or a wordlist (or a wordlist and a mask, with attack mode 6 or 7)')
  const algorithm = parseAlgorithm(form.algorithm.trim())
  const options = { username: yes(form.username, 'username'), hexSalt: yes(form.hexSalt, 'hex-salt') }
  const list = form.targetsFile.trim() ? await readHashList(form.targetsFile.trim(), algorithm, options) : null
  return parseJob(form.algorithm, form.targets.split(/[\s,]+/).filter(Boolean), keyspaceFlags(flags)!, form.priority, list, options)
}

// A yes/no form field: y, yes, or blank.
function yes (text: string, field: string): boolean {
  const value = text.trim().toLowerCase()
  if (value === '' || value === 'n' || value === 'no') return false
  if (value === 'y' || value === 'yes') return true
  throw new InvalidInputError(`--${field}: answer y or leave it blank, not "${text}"`)
}

// The server's command line: its help text and its flags (a job's own: server/job-description.ts).
import { accessSync, constants } from 'node:fs'
import { modeTable } from '../../shared/algorithms.ts'
import { integerFlag } from '../../shared/cli.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { JOB_FLAGS, MAX_PRIORITY } from '../job-description.ts'
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
  --download-port PORT  plain HTTP port that serves the single-file worker to new machines (and
                      the web view with --web), nothing else (default: --port + 1, or any free
                      port with --port 0)
  --no-download       no worker download (the join line then assumes the repository is installed)
  --web               also serve the web view on the download port: jobs, workers, results, a
                      form for new jobs, pause/resume/cancel/priority, live in any browser. Log
                      in with the admin token, or the view token (setting viewToken) to watch
                      only. Plain HTTP: on a network you do not trust, put TLS in front
                      (docs/security.md). Off unless given (setting web)
  --advertise         announce this server on the LAN (DNS-SD over mDNS, _taskorch._tcp, with its
                      protocol version and key fingerprint; nothing secret), so workers started
                      without --host find it. Off unless given
  --algo ALGO, -m     the hash mode (default md5): our name, hashcat's -m number, or hashcat's name
                      for it where no other mode has that name (the table below)
  --target HASH       hash to find, in hashcat's format for the mode (hashcat --example-hashes -m N
                      shows one): a hex digest, DIGEST:SALT for the salted modes, $1$/$5$/$6$/$2a$
                      for crypt, user::domain:... for NetNTLM, $krb5tgs$23$... and so on; repeat
                      for several
  --targets FILE      hashes to find, one per line (blank lines and # comments skipped); crypt and
                      bcrypt hashes may come as shadow-file lines (user:$6$...:...)
  --username          --targets lines start with USER: ; results then name the user
  --hex-salt          salts (DIGEST:SALT) are given in hex
  --strict            stop at a --targets line that is no hash of the mode (by default such lines
                      are skipped with a warning naming the first few, as hashcat does)
  --show              print the hashes given that the potfile already cracked ([user:]hash:plain)
                      and exit 0, without searching (no keyspace needed)
  --left              print the hashes given that the potfile has not cracked, and exit 0
  --range A-B         decimal keyspace, A inclusive, B exclusive (e.g. 0-100000000)
  --wordlist FILE     the lines of FILE (LF or CRLF endings; empty lines skipped), read by the
                      server and sent to workers in chunks of at most 1 MiB
                      (twice for -a 1: the left list, then the right)
  --rules FILE, -r    hashcat rules applied to every word (-a 0); repeat to combine files as
                      hashcat does (their product). A rule that cannot be applied is skipped
                      with a warning naming its file and line, as hashcat skips it
  --attack-mode N, -a N
                      0 wordlist (+ rules), 1 combinator (each word of the left list followed by
                      each word of the right), 3 mask or range, 6 wordlist + mask (each word
                      followed by each candidate of the mask), 7 mask + wordlist. Inferred when
                      only one of --wordlist, --mask, --range is given (two lists: -a 1)
  --rule-left R, -j R, --rule-right R, -k R
                      -a 1: one rule applied to each left / right word, as hashcat's -j / -k
  --mask MASK         hashcat mask instead: ?l ?u ?d ?h ?H ?s ?a ?b, ?1..?4, ?? for "?",
                      other characters literal (e.g. ?u?l?l?l?d?d)
  -1..-4 CHARSET      custom charsets for ?1..?4 (--custom-charset1..4), e.g. -1 ?l?d
  --increment         also search the mask's shorter prefixes, from --increment-min (default 1)
                      to --increment-max (default the mask's length); with -a 6/7 too
  --priority N        job priority, 0 to ${MAX_PRIORITY}, higher first (default 0)
  --exit-when-done    exit when the jobs end: 0 all found, 1 a job ended without finding them all,
                      2 usage error; 5 (at any stop) results a full disk kept out of the potfile,
                      printed on stdout
  --status-json       a JSON object per running job every --status-timer seconds (default 10), and
                      one when a job ends, on stdout beside the results (fields in docs/operations.md)
  --on-found PROG     run PROG (a program, no shell, no arguments) for every result; the details are
                      in TASKORCH_* environment variables (docs/operations.md), never in its arguments
  --on-job-end PROG   run PROG when a job ends, likewise
  --webhook URL       POST each result and job end as JSON to URL. Its URL is a secret (logs show
                      its origin only): better kept in the config file as "webhook"
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

Settings (host, port, token, adminToken, viewToken, web, key, headless, potfile, json, debug) come from, later winning: defaults, the config
file (JSON, e.g. {"token": "...", "port": 8080}), TASKORCH_<NAME> environment variables, flags.
Found results go to stdout as hash:plaintext lines (hashcat's potfile format); logs go to stderr.

Hash modes (--algo):
${modeTable().map((line) => `  ${line}`).join('\n')}`

export const FLAGS = {
  ...JOB_FLAGS,
  host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, config: { type: 'string' },
  show: { type: 'boolean' }, left: { type: 'boolean' },
  'status-json': { type: 'boolean' }, 'status-timer': { type: 'string' }, 'on-found': { type: 'string' }, 'on-job-end': { type: 'string' },
  webhook: { type: 'string' }, 'hook-timeout': { type: 'string' }, metrics: { type: 'string' },
  potfile: { type: 'string' }, 'potfile-disable': { type: 'boolean' }, session: { type: 'string' }, restore: { type: 'boolean' },
  key: { type: 'string' }, 'download-port': { type: 'string' }, 'no-download': { type: 'boolean' }, web: { type: 'boolean' }, advertise: { type: 'boolean' },
  'exit-when-done': { type: 'boolean' }, 'local-worker': { type: 'boolean' }, 'local-backend': { type: 'string' }, demo: { type: 'boolean' }, headless: { type: 'boolean' }, json: { type: 'boolean' },
  debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
} as const

// --status-json, --status-timer and the hooks, checked before the server listens: a hook must be a
// program this user may run, a webhook an http(s) URL.
export function notifyFlags (flags: Record<string, unknown>, webhook: string | undefined): { statusSeconds: number | null, onFound?: string, onJobEnd?: string, webhook?: string, timeoutMs: number } {
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
  if (webhook !== undefined) {
    let url: URL | null = null
    try { url = new URL(webhook) } catch {}
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new InvalidInputError('webhook: not an http:// or https:// URL (the setting is a secret, so it is not repeated here)')
    if (url.username || url.password) throw new InvalidInputError('webhook: a URL with user:password@ cannot be posted to (fetch refuses it); put the secret in its path or query')
  }
  const timeoutMs = integerFlag(flags['hook-timeout'] as string | undefined, 'hook-timeout', DEFAULT_HOOK_TIMEOUT_MS / 1000, 1, 3600) * 1000
  return { statusSeconds, onFound: flags['on-found'] as string | undefined, onJobEnd: flags['on-job-end'] as string | undefined, webhook, timeoutMs }
}

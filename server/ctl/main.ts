// `npm run ctl -- <command> [JOB] [options]`: submit jobs to a running server, list and steer them,
// read their results, watch them to the end. Speaks the server's protocol with the admin token.
import { ALGORITHM_INFO, modeTable, modesByNumber } from '../../shared/algorithms.ts'
import { parseArgs } from 'node:util'
import { EXIT_ALL_FOUND, EXIT_EXHAUSTED, EXIT_REFUSED, EXIT_UNREACHABLE, exitFatal, integerFlag, resolvePaths, runMain } from '../../shared/cli.ts'
import { describeSettings, loadSettings, type Values } from '../../shared/config.ts'
import { InvalidInputError, RefusedError, ServerKeyMismatchError, TaskOrchError } from '../../shared/errors.ts'
import { KnownServers } from '../../shared/known-servers.ts'
import { SERVER_KEY_FINGERPRINT_PATTERN } from '../../shared/protocol/credentials.ts'
import { dirname, join } from 'node:path'
import type { MaskSpec } from '../../shared/keyspace/spec.ts'
import { MAX_TARGETS_PER_MESSAGE } from '../../shared/protocol/limits.ts'
import { ID_PATTERN } from '../../shared/protocol/fields.ts'
import { escapeControls } from '../../shared/printable.ts'
import type { JobLine, ResultLine, Submission, WorkerLine } from '../../shared/protocol/control-protocol.ts'
import { JOB_FLAGS, describeJob, requestOf } from '../job-description.ts'
import { describeConfirmation, formatPlaintext, resultLines } from '../pot-format.ts'
import { formatDuration, formatSpeed } from '../ui/format.ts'
import { ControlClient } from './client.ts'

export const HELP = `Usage: npm run ctl -- <command> [JOB] [options]

Steers a running server (npm run server) with its admin token.

Commands:
  submit [job options]  add a job; prints its id
  jobs                  every job, one line each
  status JOB            one job's figures
  workers               the connected workers
  pause JOB             no new chunks for the job (those out finish)
  resume JOB            hand out its chunks again
  cancel JOB            end the job
  results JOB           its results, as hash:plaintext lines (user:hash:plaintext with --username)
  watch [JOB]           a progress line every --interval seconds until the job (or, without JOB,
                        every running or paused job) ends; exits like the server's --exit-when-done
  modes                 the hash modes --algo/-m takes: hashcat's number, our name, hashcat's name
                        (no server needed)

Options:
  --host HOST           the server (default 127.0.0.1)
  --port PORT           its port (default 8080)
  --config PATH         settings file (default ~/.config/taskorch/config.json, or env TASKORCH_CONFIG)
  --server-key FP       the server's key fingerprint (SHA256:..., from its log or join line): a
                        server presenting another key is refused (exit 3). Without it, the first
                        key a server at this address presents is pinned in known_servers beside
                        the config file (shared with a worker on this machine), and others refused
  --admin-token TOKEN   the server's admin token. Better kept in the config file (adminToken) or
                        TASKORCH_ADMIN_TOKEN: the server generates it on first start and saves it
                        in its config file (mode 0600). The workers' token is refused
  --json                JSON for scripts: an object (status, pause, resume, cancel, submit) or an
                        array (jobs, workers, results); watch prints one object per line
  --interval S          seconds between watch lines (default 2)
  -h, --help            this help, and the settings in effect

Job options (submit), as the server takes them: --algo/-m, --target (repeatable), --targets FILE,
--username, --hex-salt, --strict, --range, --mask, -1..-4, --increment, --increment-min, --increment-max,
--wordlist FILE (twice for -a 1), --rules/-r FILE, --attack-mode/-a, -j, -k, --priority. Files are read here and sent to
the server, which keeps them (beside its config file, in uploads/) for --restore.

A busy server (too many connections at once) is tried again for up to 30 s.

Exit codes: 0 done (watch: every job found all its targets, or none was running or paused), 1 watch: a job ended without finding
them all, 2 usage or input error (including an unknown job), 3 refused (the server rejected the
admin token, or this machine's clock is minutes off its own) or a server key other than the
pinned one, 4 the server could not be reached or
stayed busy for 30 s, the connection was lost, or the server failed the request.`

const JOB_FLAG_NAMES = Object.keys(JOB_FLAGS) as (keyof typeof JOB_FLAGS)[]

export const CTL_FLAGS = {
  host: { type: 'string' }, port: { type: 'string' }, config: { type: 'string' }, 'admin-token': { type: 'string' }, 'server-key': { type: 'string' }, json: { type: 'boolean' },
  interval: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...JOB_FLAGS
} as const

type Flags = { [K in keyof typeof CTL_FLAGS]?: (typeof CTL_FLAGS)[K] extends { multiple: true } ? string[] : (typeof CTL_FLAGS)[K]['type'] extends 'boolean' ? boolean : string }

const COMMANDS = ['submit', 'jobs', 'status', 'workers', 'pause', 'resume', 'cancel', 'results', 'watch', 'modes'] as const
type Command = typeof COMMANDS[number]
const TAKES_JOB: Record<Command, 'required' | 'optional' | 'none'> = {
  submit: 'none', jobs: 'none', workers: 'none', status: 'required', pause: 'required', resume: 'required', cancel: 'required', results: 'required', watch: 'optional', modes: 'none'
}
const DEFAULTS: Values = { host: '127.0.0.1', port: 8080 }

runMain(async () => {
  let parsed
  try {
    parsed = parseArgs({ options: CTL_FLAGS, args: process.argv.slice(2), strict: true, allowPositionals: true })
  } catch (error) {
    throw new InvalidInputError((error as Error).message)
  }
  const flags = resolvePaths(parsed.values) as Flags
  const settings = loadSettings('ctl', { defaults: DEFAULTS, flags, configPath: flags.config })
  if (flags.help) {
    process.stdout.write(HELP + '\n\n' + describeSettings('ctl', settings) + '\n')
    return 0
  }
  const [command, job, ...extra] = parsed.positionals
  if (!(COMMANDS as readonly string[]).includes(command)) throw new InvalidInputError(command === undefined ? `give a command: ${COMMANDS.join(', ')}` : `unknown command "${command}" (commands: ${COMMANDS.join(', ')})`)
  const takes = TAKES_JOB[command as Command]
  if (extra.length > 0 || (job !== undefined && takes === 'none')) throw new InvalidInputError(`${command} takes ${takes === 'none' ? 'no arguments' : 'one job id'}, not "${[job, ...extra].filter(Boolean).join(' ')}"`)
  if (job === undefined && takes === 'required') throw new InvalidInputError(`${command} needs a job id (npm run ctl -- jobs lists them)`)
  if (job !== undefined && !ID_PATTERN.test(job)) throw new InvalidInputError(`no job "${escapeControls(job.slice(0, 80))}" (npm run ctl -- jobs lists them)`)
  const jobFlags = JOB_FLAG_NAMES.filter((name) => flags[name] !== undefined)
  if (command !== 'submit' && jobFlags.length > 0) throw new InvalidInputError(`--${jobFlags[0]} is a job option, for submit only`)
  if (command !== 'watch' && flags.interval !== undefined) throw new InvalidInputError('--interval is for watch only')
  const interval = integerFlag(flags.interval, 'interval', 2, 1, 3600)
  if (command === 'modes') {
    const modes = modesByNumber().map((a) => ({ mode: ALGORITHM_INFO[a].hashcat, name: a, hashcat: ALGORITHM_INFO[a].name }))
    process.stdout.write((flags.json ? JSON.stringify(modes) : modeTable().join('\n')) + '\n')
    return 0
  }
  // Checked here, before connecting: the files named exist and parse, with their own names in errors.
  const submission = command === 'submit' ? await checkSubmission(flags) : null
  const { host, port, adminToken } = settings.values
  for (const warning of settings.warnings) process.stderr.write(`warning: ${warning}\n`)
  if (flags['server-key'] !== undefined && !SERVER_KEY_FINGERPRINT_PATTERN.test(flags['server-key'])) {
    throw new InvalidInputError(`--server-key must be SHA256: and 43 base64url characters, as the server prints it; got "${escapeControls(flags['server-key'].slice(0, 80))}"`)
  }
  if (!adminToken) throw new InvalidInputError(`no admin token: ctl reads adminToken from ${settings.configPath} (the server saves it there on its first start), TASKORCH_ADMIN_TOKEN or --admin-token`)

  const json = flags.json === true
  const print = (value: unknown, text: string) => process.stdout.write((json ? JSON.stringify(value) : text) + '\n')
  let client: ControlClient | null = null
  try {
    const serverKey = flags['server-key']
    const knownServers = serverKey ? undefined : new KnownServers(join(dirname(settings.configPath), 'known_servers'))
    client = await ControlClient.connect({ host: host!, port: port!, adminToken, serverKey, knownServers })
    switch (command as Command) {
      case 'submit': {
        const { job: id } = await client.request({ type: 'submit', job: await submission!(client) })
        print({ job: id }, `job ${id}`)
        return 0
      }
      case 'jobs': {
        const { jobs = [] } = await client.request({ type: 'jobs' })
        print(jobs, jobs.length === 0 ? 'no jobs' : jobs.map(jobText).join('\n'))
        return 0
      }
      case 'workers': {
        const { workers = [] } = await client.request({ type: 'workers' })
        print(workers, workers.length === 0 ? 'no workers' : workers.map(describeWorker).join('\n'))
        return 0
      }
      case 'status':
      case 'pause':
      case 'resume':
      case 'cancel': {
        const { jobs = [] } = await client.request({ type: command as 'status', job })
        print(jobs[0], jobText(jobs[0]))
        return 0
      }
      case 'results': {
        const results: ResultLine[] = []
        for (let from: number | null | undefined = 0; typeof from === 'number';) {
          const reply = await client.request({ type: 'results', job, from })
          results.push(...reply.results ?? [])
          from = reply.next
        }
        // A find of a mode we have no kernel for says whose hashcat confirmed it: in JSON, and on
        // stderr beside the hashcat-format lines.
        const lines = results.map((r) => ({ hash: r.hash, plaintext: formatPlaintext(r.plaintext), users: r.users, ...(r.confirmedBy === undefined ? {} : { confirmedBy: r.confirmedBy, byFinder: r.byFinder }) }))
        if (json) print(lines, '')
        else {
          for (const r of results) for (const line of resultLines({ hash: r.hash, bytes: r.plaintext, users: r.users })) process.stdout.write(line + '\n')
          const confirmed = results.filter((r) => r.confirmedBy !== undefined)
          for (const r of confirmed) process.stderr.write(`${r.hash}: ${describeConfirmation(r.confirmedBy!, r.byFinder!)}\n`)
        }
        return 0
      }
      case 'watch':
        return await watch(client, job, interval, (line) => print(line, jobText(line)))
    }
  } catch (error) {
    return failed(error)
  } finally {
    client?.close()
  }
})

// Polls until every watched job has ended; exits like --exit-when-done.
async function watch (client: ControlClient, job: string | undefined, seconds: number, show: (line: JobLine) => void): Promise<number> {
  const live = (line: JobLine) => line.status === 'running' || line.status === 'paused' || line.status === 'pausing'
  const { jobs: all = [] } = await client.request(job === undefined ? { type: 'jobs' } : { type: 'status', job })
  const watched = new Set((job === undefined ? all.filter(live) : all).map((line) => line.job))
  if (watched.size === 0) {
    // Nothing to wait for is no usage error: a scripted loop may simply find the fleet idle.
    process.stderr.write('no job is running or paused: nothing to watch (name a job to watch it, or npm run ctl -- jobs)\n')
    return EXIT_ALL_FOUND
  }
  for (;;) {
    const { jobs = [] } = await client.request({ type: 'jobs' })
    const lines = jobs.filter((line) => watched.has(line.job))
    for (const line of lines) show(line)
    if (lines.every((line) => !live(line))) return lines.every((line) => line.status === 'found') ? EXIT_ALL_FOUND : EXIT_EXHAUSTED
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  }
}

// The job flags checked as the server checks them, its files read (a bad line or rule names its file
// and line here), then a function that sends the files and makes the submission.
async function checkSubmission (flags: Flags): Promise<(client: ControlClient) => Promise<Submission>> {
  const job = describeJob(flags)
  if (!job) throw new InvalidInputError('submit needs a keyspace: --range, --mask or --wordlist')
  if (job.targets.length > MAX_TARGETS_PER_MESSAGE) throw new InvalidInputError(`at most ${MAX_TARGETS_PER_MESSAGE} --target flags; put more in a file (--targets FILE)`)
  for (const warning of (await requestOf(job)).warnings) process.stderr.write(`warning: ${warning}\n`)
  const { keyspace } = job
  return async (client) => ({
    algorithm: job.algorithm,
    targets: job.targets,
    targetsFile: job.targetsFile !== null ? await client.upload(job.targetsFile, 'targets') : null,
    keyspace: keyspace.type !== 'wordlist'
      ? keyspace
      : {
          type: 'wordlist',
          file: await client.upload(keyspace.path, 'wordlist'),
          rules: await sequence(keyspace.rules ?? [], (path) => client.upload(path, 'rules')),
          hybrid: keyspace.hybrid ? { side: keyspace.hybrid.side, mask: keyspace.hybrid.mask as MaskSpec } : null,
          combinator: keyspace.combinator
            ? { file: await client.upload(keyspace.combinator.path, 'wordlist'), left: keyspace.combinator.left ?? null, right: keyspace.combinator.right ?? null }
            : null
        },
    priority: job.priority,
    username: job.hashOptions.username === true,
    hexSalt: job.hashOptions.hexSalt === true
  })
}

async function sequence<T, R> (items: readonly T[], each: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = []
  for (const item of items) out.push(await each(item))
  return out
}

// `job 3 running: md5 ?d?d?d?d?d?d (mask), 42.0% (420000/1000000), 12.3 MH/s, ETA 1m02s, 0/1 found`
function jobText (line: JobLine): string {
  const [done, total] = line.progress.map(Number)
  const percent = total > 0 ? (100 * done / total).toFixed(1) : '100.0'
  const eta = line.eta === null ? '' : `, ETA ${formatDuration(line.eta)}`
  const speed = line.status === 'running' ? `, ${formatSpeed(line.speed)}` : ''
  return `job ${line.job} ${line.status}: ${line.algorithm} ${line.keyspace}, ${percent}% (${line.progress[0]}/${line.progress[1]})${speed}${eta}, ${line.recovered[0]}/${line.recovered[1]} found`
}

function describeWorker (w: WorkerLine): string {
  return `${w.name} at ${w.address}: ${w.state}, ${w.threads} thread(s), ${formatSpeed(w.speed)}, ${w.chunks} chunk(s) out, version ${w.software}, ${w.backend}`
}

// A failure that is not the user's input: said in one line, with its exit code.
function failed (error: unknown): number {
  if (error instanceof InvalidInputError) throw error
  if (!(error instanceof TaskOrchError)) exitFatal(error as Error)
  process.stderr.write(`error: ${error.message}\n`)
  // Anything else: no connection (ConnectError), a lost one, a timeout, or the server's own failure (RemoteError).
  return error instanceof RefusedError || error instanceof ServerKeyMismatchError ? EXIT_REFUSED : EXIT_UNREACHABLE
}

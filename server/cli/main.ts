// `npm run server -- [options]`: listen for workers, run jobs given by flags or the UI's form.
import { networkInterfaces } from 'node:os'
import { dirname, join } from 'node:path'
import { parseAlgorithm, parseDigest } from '../../shared/algorithms.ts'
import { EXIT_ALL_FOUND, EXIT_EXHAUSTED, EXIT_SIGINT, EXIT_SIGTERM, exitFatal, integerFlag, parseFlags, runMain } from '../../shared/cli.ts'
import { defaultConfigPath, describeSettings, loadSettings, saveToken, type Values } from '../../shared/config.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { describeKeyspace, maskSpec, parseRange, type KeyspaceInput } from '../../shared/keyspace/keyspace.ts'
import { MAX_CANDIDATE_BYTES } from '../../shared/protocol/limits.ts'
import { createLogger, type Level, type Logger } from '../../shared/log.ts'
import { generateToken, tokenFingerprint } from '../../shared/protocol/noise.ts'
import { Dashboard } from '../ui/dashboard.ts'
import { jobProgress, jobSummary } from '../ui/format.ts'
import { spawnLocalWorker } from './local-worker.ts'
import { Orchestrator, type TaskSpec, type WordlistInput } from '../orchestrator.ts'
import { Tui } from '../ui/tui.ts'
import { readHashList } from '../inputs/hash-list.ts'
import { Potfile, potLine } from '../store/potfile.ts'
import { Journal } from '../store/journal.ts'

const DEMO_TARGET = 'ef775988943825d2871e1cfa75473ec0'
const DEMO_RANGE = '0-100000000'

const PROGRESS_LOG_INTERVAL_MS = 5_000

const HELP = `Usage: npm run server -- [options]

Distributes a hash search over the workers that connect to this server.

Options:
  --host HOST         address to listen on (default 0.0.0.0)
  --port PORT         TCP port (default 8080)
  --token TOKEN       shared secret workers must hold. Better kept in the config file; if no
                      source gives one, a token is generated and saved there (mode 0600)
  --config PATH       settings file (default ~/.config/taskorch/config.json, or env TASKORCH_CONFIG)
  --algo ALGO         md5, sha1, sha256 or sha512 (or hashcat -m 0/100/1400/1700); default md5
  --target HEX        digest to find; repeat for several
  --targets FILE      digests to find, one per line (blank lines and # comments skipped)
  --range A-B         decimal keyspace, A inclusive, B exclusive (e.g. 0-100000000)
  --wordlist FILE     the lines of FILE (\n or \r\n; empty lines skipped), read by the server and
                      sent to workers in chunks of at most 1 MiB
  --mask MASK         hashcat mask instead: ?l ?u ?d ?h ?H ?s ?a ?b, ?1..?4, ?? for "?",
                      other characters literal (e.g. ?u?l?l?l?d?d)
  -1..-4 CHARSET      custom charsets for ?1..?4 (--custom-charset1..4), e.g. -1 ?l?d
  --increment         also search the mask's shorter prefixes, from --increment-min (default 1)
                      to --increment-max (default the mask's length)
  --priority N        job priority, higher first (default 0)
  --exit-when-done    exit when the jobs end: 0 all found, 1 a keyspace ran out, 2 usage error
  --potfile PATH      where results are kept, hashcat-style hash:plaintext lines; targets
                      already there are reported at once (default ~/.config/taskorch/taskorch.potfile)
  --potfile-disable   neither read nor write a potfile
  --session PATH      journal jobs and every completed chunk to PATH (fsynced), so a crashed
                      server can pick up where it stopped
  --restore           with --session: reload its unfinished jobs and go on
  --local-worker      also start a worker on this machine (all cores)
  --demo              the default job (MD5 ef775988943825d2871e1cfa75473ec0 over
                      0-100000000) on 127.0.0.1 with a local worker and a throwaway token
  --headless          plain log lines instead of the terminal UI (the default when stdout is not a terminal)
  --json              log lines as JSON objects (implies --headless)
  --debug             also log debug lines (refused handshakes, ...)
  -h, --help          this help, and the settings in effect

Settings (host, port, token, headless, potfile, json, debug) come from, later winning: defaults, the config
file (JSON, e.g. {"token": "...", "port": 8080}), TASKORCH_<NAME> environment variables, flags.
Found results go to stdout as hash:plaintext lines (hashcat's potfile format); logs go to stderr.`

const FLAGS = {
  host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, config: { type: 'string' }, algo: { type: 'string' },
  target: { type: 'string', multiple: true }, targets: { type: 'string' }, range: { type: 'string' }, priority: { type: 'string' },
  potfile: { type: 'string' }, 'potfile-disable': { type: 'boolean' }, session: { type: 'string' }, restore: { type: 'boolean' },
  mask: { type: 'string' }, wordlist: { type: 'string' }, 'custom-charset1': { type: 'string', short: '1' }, 'custom-charset2': { type: 'string', short: '2' },
  'custom-charset3': { type: 'string', short: '3' }, 'custom-charset4': { type: 'string', short: '4' },
  increment: { type: 'boolean' }, 'increment-min': { type: 'string' }, 'increment-max': { type: 'string' },
  'exit-when-done': { type: 'boolean' }, 'local-worker': { type: 'boolean' }, demo: { type: 'boolean' }, headless: { type: 'boolean' }, json: { type: 'boolean' },
  debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
} as const

const DEFAULTS = { host: '0.0.0.0', port: 8080, headless: false, json: false, debug: false }

runMain(async () => {
  const flags = parseFlags(FLAGS, process.argv.slice(2))
  if (flags.help) {
    process.stdout.write(HELP + '\n\n' + describeSettings('server', loadSettings('server', { defaults: DEFAULTS, flags, configPath: flags.config })) + '\n')
    return 0
  }
  if (flags.demo) {
    if (flags.target || flags.targets || flags.range || flags.mask || flags.wordlist) throw new InvalidInputError('--demo runs its own job; drop --target(s) and the keyspace')
    Object.assign(flags, { host: flags.host ?? '127.0.0.1', port: flags.port ?? '0', target: [DEMO_TARGET], range: DEMO_RANGE, 'local-worker': true })
  }
  const settings = loadSettings('server', { defaults: DEFAULTS, flags, configPath: flags.config })
  const { host, port } = settings.values as Required<Values>
  const targets = flags.target ?? []
  const given = (['range', 'mask', 'wordlist'] as const).filter((k) => flags[k] !== undefined)
  if (given.length > 1) throw new InvalidInputError(`give one keyspace, not ${given.map((k) => `--${k}`).join(' and ')}`)
  const hasKeyspace = given.length > 0
  const hasTargets = targets.length > 0 || flags.targets !== undefined
  if (hasTargets !== hasKeyspace) throw new InvalidInputError('a job needs targets (--target or --targets) and a keyspace (--range, --mask or --wordlist)')
  if (flags.restore && !flags.session) throw new InvalidInputError('--restore needs --session PATH')
  if (flags.demo && flags.session) throw new InvalidInputError('--demo keeps no session')
  if (flags['exit-when-done'] && !hasTargets && !flags.restore) throw new InvalidInputError('--exit-when-done needs a job (targets and a keyspace) or --restore')
  // Checked before listening, so bad input exits 2 without touching the network.
  const mask = maskOptions(flags)
  const listed = flags.targets !== undefined ? await readHashList(flags.targets, parseAlgorithm(flags.algo ?? 'md5')) : []
  const keyspaceInput: KeyspaceInput | WordlistInput | null = flags.wordlist !== undefined ? { type: 'wordlist', path: flags.wordlist }
    : flags.mask !== undefined ? maskSpec(flags.mask, mask.charsets, mask.increment)
      : flags.range !== undefined ? parseRange(flags.range) : null
  const firstJob = keyspaceInput ? parseJob(flags.algo ?? 'md5', targets, keyspaceInput, flags.priority ?? '0', listed) : null
  // The demo is throwaway: no potfile, or a second run would find its answer without searching.
  const potfile = flags.demo || flags['potfile-disable'] ? null : await Potfile.open(settings.values.potfile ?? join(dirname(defaultConfigPath()), 'taskorch.potfile'))
  const session = flags.session ? Journal.open(flags.session, flags.restore === true) : null

  // The demo is loopback-only and throwaway: a fresh token that is never saved.
  let token = flags.demo ? undefined : settings.values.token
  let saved: string | null = null
  if (!token) {
    token = generateToken()
    if (!flags.demo) {
      saveToken(settings.configPath, token)
      saved = settings.configPath
    }
  }

  const headless = settings.values.headless || settings.values.json || !process.stdout.isTTY || !process.stdin.isTTY
  const dashboardLines: string[] = []
  let dashboard: Dashboard | null = null
  const log = createLogger({
    json: settings.values.json,
    debug: settings.values.debug,
    secrets: [token],
    write: headless ? undefined : (line) => (dashboard ? dashboard.addLog(shortTime(line)) : dashboardLines.push(shortTime(line)))
  })
  for (const warning of settings.warnings) log('WARN', warning)

  const orch = new Orchestrator({ host, port, token, potfile: potfile ?? undefined })
  if (potfile) log('INFO', `potfile ${potfile.path}: ${potfile.size} result(s) known`)
  orch.on('log', (level, message) => log(level.toUpperCase() as Level, message))
  orch.on('job-ended', (job) => log('INFO', jobSummary(job)))
  await orch.start()
  const fingerprint = tokenFingerprint(token)
  const workerHost = host === '0.0.0.0' || host === '::' ? lanAddress() : host
  const workerCommand = `npm run worker -- --host ${workerHost} --port ${orch.port}`
  if (saved) log('INFO', `generated a token and saved it to ${saved} (mode 0600); workers need the same token in their config file`)
  log('INFO', `token fingerprint ${fingerprint}; start workers with: ${workerCommand}`)

  // Before any job exists: results known at once (potfile, restored session) are reported too.
  const found: string[] = []
  orch.on('found', (_job, result) => {
    const line = potLine(result.hash, result.bytes)
    if (headless) process.stdout.write(line + '\n')
    else found.push(line)
  })

  const addJob = async (spec: TaskSpec) => {
    const job = spec.keyspace.type === 'wordlist' ? await orch.addTasks({ ...spec, keyspace: spec.keyspace }) : orch.addTasks({ ...spec, keyspace: spec.keyspace })
    const s = job.state
    log('INFO', `job ${job.id}: ${s.algorithm}, ${s.targets.length} target(s), ${s.keyspace.spec.type} ${describeKeyspace(s.keyspace.spec)} (${s.keyspace.size} candidates), priority ${s.priority}`)
    return job
  }
  if (session) {
    session.journal.attach(orch)
    for (const restored of session.jobs) {
      const job = await orch.restoreTasks(restored.id, restored.spec, restored.completed)
      log('INFO', `restored job ${job.id}: ${job.state.hashed}/${job.keyspaceSize} already searched (${describeKeyspace(job.state.keyspace.spec)}, ${job.state.found.length}/${job.state.targets.length} found)`)
    }
    if (flags.restore && session.jobs.length === 0) log('WARN', `session ${flags.session} has no unfinished job`)
  }
  if (firstJob) await addJob(firstJob)

  const localWorker = flags['local-worker']
    ? spawnLocalWorker(orch.port, token, (line) => (headless ? process.stderr.write(`[local worker] ${line}\n`) : dashboard?.addLog(`[local worker] ${shortTime(line)}`)))
    : null
  process.once('exit', () => localWorker?.kill())

  let tui: Tui | null = null
  let stopping = false
  const shutdown = async (why: string, code: number) => {
    if (stopping) return
    stopping = true
    tui?.destroy()
    log('INFO', `${why}: stopping`)
    await orch.stop()
    localWorker?.kill()
    // The screen is gone: what was found goes to stdout, like in headless mode.
    for (const line of found) process.stdout.write(line + '\n')
    process.exit(code)
  }
  process.once('SIGINT', () => void shutdown('SIGINT', EXIT_SIGINT))
  process.once('SIGTERM', () => void shutdown('SIGTERM', EXIT_SIGTERM))

  if (headless) {
    logProgress(orch, log)
  } else {
    dashboard = new Dashboard(orch, { listen: `${host}:${orch.port}`, fingerprint, workerCommand })
    for (const line of dashboardLines) dashboard.addLog(line)
    tui = new Tui({
      dashboard,
      jobs: () => orch.jobs,
      quit: () => shutdown('quit', 0),
      addJob: async (form) => {
        // The form's keyspace is a range when it looks like A-B, else a mask.
        const text = form.keyspace.trim()
        const keyspace = /^\d+\s*-\s*\d+$/.test(text) ? parseRange(text) : maskSpec(text, [])
        return `job ${(await addJob(parseJob(form.algorithm, form.targets.split(/[\s,]+/).filter(Boolean), keyspace, form.priority))).id} added`
      }
    })
    const redraw = () => tui?.render()
    for (const event of ['job-added', 'job-progress', 'job-ended', 'found', 'worker-joined', 'worker-left', 'log'] as const) orch.on(event, redraw)
    // Whatever goes wrong, give the terminal back before reporting it.
    process.once('uncaughtException', (error) => {
      tui?.destroy()
      exitFatal(error)
    })
  }

  // The job from the flags and any restored ones: exit once all have ended.
  const awaited = orch.jobs
  if (awaited.length > 0 && flags['exit-when-done']) {
    const outcomes = await Promise.all(awaited.map((j) => j.done))
    const allFound = outcomes.every((o) => o.status === 'found')
    await shutdown(`${awaited.length} job(s) ended`, allFound ? EXIT_ALL_FOUND : EXIT_EXHAUSTED)
  }
  return new Promise<never>(() => {}) // serve until a signal or q
})

type MaskOptions = { charsets: (string | undefined)[], increment?: { min?: number, max?: number } }

function maskOptions (flags: Record<string, unknown>): MaskOptions {
  const limit = (name: string) => flags[name] === undefined ? undefined : integerFlag(flags[name] as string, name, 0, 1, MAX_CANDIDATE_BYTES)
  if (!flags.increment && (flags['increment-min'] !== undefined || flags['increment-max'] !== undefined)) {
    throw new InvalidInputError('--increment-min and --increment-max need --increment')
  }
  const charsets = [1, 2, 3, 4].map((i) => flags[`custom-charset${i}`] as string | undefined)
  if (!flags.mask && charsets.some((c) => c !== undefined)) throw new InvalidInputError('custom charsets (-1..-4) need --mask')
  if (!flags.mask && flags.increment) throw new InvalidInputError('--increment needs --mask')
  return { charsets, increment: flags.increment ? { min: limit('increment-min'), max: limit('increment-max') } : undefined }
}

// A job from the flags or the UI's form; every part is checked and errors name it.
function parseJob (algo: string, targets: string[], keyspace: KeyspaceInput | WordlistInput, priority: string, listed: Uint8Array[] = []): TaskSpec {
  const algorithm = parseAlgorithm(algo.trim())
  if (targets.length + listed.length === 0) throw new InvalidInputError('a job needs at least one target digest')
  return {
    algorithm,
    targets: [...targets.map((t) => parseDigest(algorithm, t)), ...listed],
    keyspace,
    priority: integerFlag(priority.trim(), 'priority', 0, 0, 1_000_000)
  }
}

// Headless users still want to see a long job move: one progress line per running job now and then.
function logProgress (orch: Orchestrator, log: Logger): void {
  let last = new Map<string, { at: number, searched: bigint }>()
  setInterval(() => {
    const now = Date.now()
    const next = new Map<string, { at: number, searched: bigint }>()
    for (const j of orch.jobs) {
      if (j.status !== 'running') continue
      const searched = j.searched
      const before = last.get(j.id) ?? { at: j.state.createdAt, searched: j.state.restoredHashed }
      const speed = Number(searched - before.searched) * 1000 / Math.max(1, now - before.at)
      next.set(j.id, { at: now, searched })
      log('INFO', jobProgress(j, speed))
    }
    last = next
  }, PROGRESS_LOG_INTERVAL_MS).unref()
}

// An address other machines can likely reach us at, for the worker command line.
function lanAddress (): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return '<this-machine-address>'
}

// The log pane has little room: keep the time of day, drop the date.
function shortTime (line: string): string {
  return line.replace(/^\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)\.\d+Z /, '$1 ')
}

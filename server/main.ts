// `npm run server -- [options]`: listen for workers and run a job given by flags.
import { parseAlgorithm } from '../shared/algorithms.ts'
import { EXIT_ALL_FOUND, EXIT_EXHAUSTED, EXIT_USAGE, integerFlag, parseFlags, runMain } from '../shared/cli.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { describeKeyspace, parseRange } from '../shared/keyspace.ts'
import { generateToken } from '../shared/noise.ts'
import { potLine } from '../shared/potfile.ts'
import { createLogger } from './log.ts'
import { jobProgress, jobSummary } from './format.ts'
import { spawnLocalWorker } from './local-worker.ts'
import { Orchestrator } from './orchestrator.ts'
import type { Job } from './job.ts'

const DEMO_TARGET = 'ef775988943825d2871e1cfa75473ec0'
const DEMO_RANGE = '0-100000000'

const PROGRESS_LOG_INTERVAL_MS = 5_000

const HELP = `Usage: npm run server -- [options]

Distributes a hash search over the workers that connect to this server.

Options:
  --host HOST         address to listen on (default 0.0.0.0)
  --port PORT         TCP port (default 8080)
  --token TOKEN       shared secret workers must hold (default: env TASKORCH_TOKEN,
                      else a new random token is generated and printed)
  --algo ALGO         md5, sha1, sha256 or sha512 (or hashcat -m 0/100/1400/1700); default md5
  --target HEX        digest to find; repeat for several
  --range A-B         decimal keyspace, A inclusive, B exclusive (e.g. 0-100000000)
  --priority N        job priority, higher first (default 0)
  --exit-when-done    exit when the job ends: 0 all found, 1 exhausted, 2 usage error
  --local-worker      also start a worker on this machine (all cores)
  --demo              the default job (MD5 ef775988943825d2871e1cfa75473ec0 over
                      0-100000000) on 127.0.0.1 with a local worker
  --headless          plain log lines instead of the terminal UI
  --json              log lines as JSON objects
  --debug             also log debug lines (refused handshakes, ...)
  -h, --help          this help

Found results go to stdout as hash:plaintext lines (hashcat's potfile format); logs go to stderr.`

const FLAGS = {
  host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, algo: { type: 'string' },
  target: { type: 'string', multiple: true }, range: { type: 'string' }, priority: { type: 'string' },
  'exit-when-done': { type: 'boolean' }, 'local-worker': { type: 'boolean' }, demo: { type: 'boolean' }, headless: { type: 'boolean' }, json: { type: 'boolean' },
  debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
} as const

runMain(async () => {
  const flags = parseFlags(FLAGS, process.argv.slice(2))
  if (flags.help) {
    process.stdout.write(HELP + '\n')
    return 0
  }
  if (flags.demo) {
    if (flags.target || flags.range) throw new InvalidInputError('--demo runs its own job; drop --target and --range')
    Object.assign(flags, { host: flags.host ?? '127.0.0.1', port: flags.port ?? '0', target: [DEMO_TARGET], range: DEMO_RANGE, 'local-worker': true })
  }
  const log = createLogger({ json: flags.json, debug: flags.debug })
  const port = integerFlag(flags.port, 'port', 8080, 0, 65535)
  const host = flags.host ?? '0.0.0.0'
  const targets = flags.target ?? []
  if ((targets.length > 0) !== (flags.range !== undefined)) throw new InvalidInputError('a job needs both --target and --range')
  if (flags['exit-when-done'] && targets.length === 0) throw new InvalidInputError('--exit-when-done needs a job (--target and --range)')
  const algorithm = parseAlgorithm(flags.algo ?? 'md5')
  const keyspace = flags.range !== undefined ? parseRange(flags.range) : null
  const priority = integerFlag(flags.priority, 'priority', 0, 0, 1_000_000)

  let token = flags.token ?? process.env.TASKORCH_TOKEN
  const generated = token === undefined || token === ''
  if (generated) token = generateToken()

  const orch = new Orchestrator({ host, port, token: token! })
  orch.on('log', (level, message) => log(level.toUpperCase() as 'INFO', message))
  orch.on('found', (_job, found) => process.stdout.write(potLine(found.hash, found.bytes) + '\n'))
  orch.on('job-ended', (job) => log('INFO', jobSummary(job)))
  await orch.start()
  const workerHost = host === '0.0.0.0' || host === '::' ? '<this-machine-address>' : host
  if (generated) log('INFO', `no token given; generated one. Start workers with:\n  TASKORCH_TOKEN=${token} npm run worker -- --host ${workerHost} --port ${orch.port}`)

  let job: Job | null = null
  if (keyspace) {
    job = orch.addTasks({ algorithm, targets, keyspace, priority })
    log('INFO', `job ${job.id}: ${algorithm}, ${targets.length} target(s), range ${describeKeyspace(keyspace)}`)
  }

  // Headless users still want to see a long job move: one progress line per running job now and then.
  let lastHashed = new Map<string, { at: number, searched: bigint }>()
  setInterval(() => {
    const now = Date.now()
    const next = new Map<string, { at: number, searched: bigint }>()
    for (const j of orch.jobs) {
      if (j.status !== 'running') continue
      const searched = j.searched
      const before = lastHashed.get(j.id) ?? { at: j.state.createdAt, searched: 0n }
      const speed = Number(searched - before.searched) * 1000 / Math.max(1, now - before.at)
      next.set(j.id, { at: now, searched })
      log('INFO', jobProgress(j, speed))
    }
    lastHashed = next
  }, PROGRESS_LOG_INTERVAL_MS).unref()

  const localWorker = flags['local-worker'] ? spawnLocalWorker(orch.port, token!, (line) => process.stderr.write(`[local worker] ${line}\n`)) : null
  process.once('exit', () => localWorker?.kill())

  const stop = async (signal: string) => {
    log('INFO', `${signal}: stopping`)
    await orch.stop()
    process.exit(EXIT_USAGE)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))

  if (job && flags['exit-when-done']) {
    const outcome = await job.done
    await orch.stop()
    localWorker?.kill()
    return outcome.status === 'found' ? EXIT_ALL_FOUND : EXIT_EXHAUSTED
  }
  return new Promise<never>(() => {}) // serve until a signal
})

// `npm run server -- [options]`: listen for workers, run jobs given by flags or the UI's form.
import { parseAlgorithm } from '../../shared/algorithms.ts'
import { hostname, networkInterfaces } from 'node:os'
import { dirname, join } from 'node:path'
import { EXIT_ALL_FOUND, EXIT_EXHAUSTED, EXIT_SIGINT, EXIT_SIGTERM, EXIT_UNSAVED, exitFatal, integerFlag, parseFlags, runMain } from '../../shared/cli.ts'
import { advertise } from '../../shared/discovery.ts'
import { defaultConfigPath, describeSettings, loadSettings, readableByOthers, saveTokens, type Values } from '../../shared/config.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { backendMode } from '../../shared/hashcat.ts'
import { createLogger, type Level } from '../../shared/log.ts'
import { generateToken, tokenFingerprint } from '../../shared/protocol/credentials.ts'
import { buildWorkerBundle } from '../../worker/bundle/build.ts'
import { DownloadServer, joinCommand } from '../download.ts'
import { Hooks } from '../hooks.ts'
import { hostForUrl } from '../http-port.ts'
import { MetricsServer, parseListenAddress } from '../metrics.ts'
import { loadServerKey } from '../identity.ts'
import type { Job } from '../job.ts'
import { describeForm, describeJob, requestOf, type JobRequest } from '../job-description.ts'
import { Orchestrator } from '../orchestrator.ts'
import { Journal, type Replay } from '../store/journal.ts'
import { SessionLock } from '../store/session-lock.ts'
import { resultLines, shownResult } from '../pot-format.ts'
import { Potfile } from '../store/potfile.ts'
import { Dashboard } from '../ui/dashboard.ts'
import { Tui } from '../ui/tui.ts'
import { FLAGS, HELP, notifyFlags } from './flags.ts'
import { printStatus } from '../status.ts'
import { showOrLeft } from './show.ts'
import { jobSummary, logProgress } from './headless.ts'
import { checkTokenStrength } from '../token-strength.ts'
import { UploadStore } from '../uploads.ts'
import { buildWebPage } from '../web/page-bundle.ts'
import { WebView } from '../web/web-view.ts'

const DEMO_TARGET = 'ef775988943825d2871e1cfa75473ec0'
const DEMO_RANGE = '0-100000000'

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
  if (settings.values.token && !flags.demo) checkTokenStrength(settings.values.token)
  const targets = flags.target ?? []
  const given = (['range', 'mask', 'wordlist'] as const).filter((k) => flags[k] !== undefined)
  const hasTargets = targets.length > 0 || flags.targets !== undefined
  if (flags.algo !== undefined) parseAlgorithm(flags.algo as string) // a mistyped mode is named before anything else
  if (flags.show || flags.left) return await showOrLeft(flags, settings.values.potfile ?? join(dirname(defaultConfigPath()), 'taskorch.potfile'))
  if (hasTargets !== given.length > 0) throw new InvalidInputError('a job needs targets (--target or --targets) and a keyspace (--range, --mask or --wordlist)')
  if (flags.restore && !flags.session) throw new InvalidInputError('--restore needs --session PATH')
  if (flags.demo && flags.session) throw new InvalidInputError('--demo keeps no session')
  if (flags.demo && flags.advertise) throw new InvalidInputError('--demo stays on this machine; drop --advertise')
  if (flags['no-download'] && flags['download-port'] !== undefined && !settings.values.web) throw new InvalidInputError('give --download-port or --no-download, not both (unless --web serves on that port)')
  if (flags.demo && settings.values.web) throw new InvalidInputError('--demo keeps no admin token to log in to the web view with; start a server with --web instead (README, "Watching from a browser")')
  const downloadPort = integerFlag(flags['download-port'], 'download-port', port === 0 ? 0 : port + 1, 0, 65535)
  if (flags['exit-when-done'] && !hasTargets && !flags.restore) throw new InvalidInputError('--exit-when-done needs a job (targets and a keyspace) or --restore')
  // Checked before listening, so bad input exits 2 without touching the network; a bad hash list
  // line or rule names its file and line now.
  const description = describeJob(flags)
  const notify = notifyFlags(flags, settings.values.webhook)
  const metricsAt = flags.metrics !== undefined ? parseListenAddress(flags.metrics, '--metrics') : null
  const first = description ? await requestOf(description) : null
  const firstJob = first?.request ?? null
  // The demo is throwaway: no potfile, or a second run would find its answer without searching.
  // The default potfile's directory (the config directory) is made if missing; a path given by the
  // user must be in a directory that exists.
  const potfilePath = settings.values.potfile ?? join(dirname(defaultConfigPath()), 'taskorch.potfile')
  const potfile = flags.demo || flags['potfile-disable'] ? null : await Potfile.open(potfilePath, { createDirectory: settings.values.potfile === undefined })
  const sessionWarnings: string[] = []
  if (flags.session) SessionLock.acquire(flags.session, (warning) => sessionWarnings.push(warning)) // released on exit
  const session = flags.session ? await Journal.open(flags.session, flags.restore === true) : null
  if (session) sessionWarnings.push(...session.replay.warnings)

  // A restored session whose jobs have all ended has nothing left to do.
  const unfinished = session?.replay.jobs.filter((j) => !j.ended) ?? []
  if (session && flags.restore && flags['exit-when-done'] && !firstJob && unfinished.length === 0) {
    for (const warning of sessionWarnings) process.stderr.write(`warning: ${warning}\n`)
    process.stderr.write(`session ${flags.session}: ${endedSummary(session.replay)}; nothing left to do\n`)
    const allFound = session.replay.jobs.length > 0 && session.replay.jobs.every((j) => j.ended === 'found')
    return allFound ? EXIT_ALL_FOUND : EXIT_EXHAUSTED
  }

  // The demo is loopback-only and throwaway: a fresh token that is never saved, and no controllers.
  // Otherwise a missing token or admin token is generated and saved in the config file.
  let token = flags.demo ? undefined : settings.values.token
  let adminToken = flags.demo ? undefined : settings.values.adminToken
  if (adminToken) checkTokenStrength(adminToken)
  if (adminToken && adminToken === token) throw new InvalidInputError('the admin token (adminToken) must differ from the workers\' token (token): a worker could otherwise control the server')
  const viewToken = settings.values.viewToken
  if (viewToken) {
    checkTokenStrength(viewToken)
    if (viewToken === token || viewToken === adminToken) throw new InvalidInputError('the view token (viewToken) must differ from the workers\' token and the admin token: it only watches')
  }
  const fresh: { token?: string, adminToken?: string } = {}
  if (!token) token = fresh.token = generateToken()
  if (!adminToken && !flags.demo) adminToken = fresh.adminToken = generateToken()
  const generated = [fresh.token && 'a token', fresh.adminToken && 'an admin token'].filter(Boolean)
  let saved: string | null = null
  let unsaved: string | null = null
  if (generated.length > 0 && !flags.demo) {
    try {
      saveTokens(settings.configPath, fresh)
      saved = settings.configPath
    } catch (error) {
      // A read-only config (a container's secret mount) without an admin token: run, without ctl.
      if (fresh.token) throw error
      unsaved = `cannot save a generated admin token to ${settings.configPath} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): npm run ctl is off; set adminToken in the config file or TASKORCH_ADMIN_TOKEN to use it`
      adminToken = undefined
    }
  }

  // The demo's key is as throwaway as its token.
  const keyPath = settings.values.key ?? join(dirname(settings.configPath), 'server.key')
  const identity = flags.demo ? null : loadServerKey(keyPath)

  const headless = settings.values.headless || settings.values.json || notify.statusSeconds !== null || !process.stdout.isTTY || !process.stdin.isTTY
  const dashboardLines: string[] = []
  let dashboard: Dashboard | null = null
  const log = createLogger({
    json: settings.values.json,
    debug: settings.values.debug,
    secrets: [token, adminToken, viewToken, notify.webhook].filter((secret): secret is string => Boolean(secret)),
    write: headless ? undefined : (line) => (dashboard ? dashboard.addLog(shortTime(line)) : dashboardLines.push(shortTime(line)))
  })
  for (const warning of settings.warnings) log('WARN', warning)
  if (unsaved) log('WARN', unsaved)
  for (const warning of sessionWarnings) log('WARN', warning)
  for (const warning of first?.warnings ?? []) log('WARN', warning)
  for (const [path, holds] of [[potfile?.path, 'found passwords'], [flags.session, 'targets and found passwords'], [identity && keyPath, 'the server\'s secret key']] as const) {
    const warning = path ? readableByOthers(path, holds) : null
    if (warning) log('WARN', warning)
  }

  const uploadDir = settings.values.uploads ?? join(dirname(settings.configPath), 'uploads')
  const uploads = new UploadStore(uploadDir)
  uploads.removePartials()
  const orch = new Orchestrator({
    host, port, token, staticKey: identity?.key, potfile: potfile ?? undefined, journal: session ? { journal: session.journal, lastJobId: session.replay.lastJobId } : undefined,
    localWorker: flags['local-worker'] === true && { backend: backendMode(flags['local-backend'] ?? 'wasm', '--local-backend') },
    control: adminToken ? { adminToken, uploadDir } : undefined
  })
  const metrics = metricsAt ? new MetricsServer(orch) : null // listening from the start: restored results count too
  if (potfile) log('INFO', `potfile ${potfile.path}: ${potfile.size} result(s) known`)
  orch.on('log', (level, message) => log(level.toUpperCase() as Level, message))
  const hooks = new Hooks({ ...notify, log: (level, message) => log(level.toUpperCase() as Level, message) })
  hooks.attach(orch)
  if (notify.statusSeconds !== null) printStatus(orch, notify.statusSeconds, (line) => process.stdout.write(line + '\n'))
  // A job still running when the server stops is interrupted: with a session, --restore goes on with it.
  let stopping = false
  orch.on('job-ended', (job) => log('INFO', jobSummary(job, stopping && session ? 'interrupted (--restore goes on with it)' : job.status)))
  await orch.start()
  if (metrics && metricsAt) {
    await metrics.start(metricsAt.host, metricsAt.port)
    log('INFO', `serving metrics on http://${hostForUrl(metricsAt.host)}:${metrics.port}/metrics (and /healthz)`)
  }
  const fingerprint = tokenFingerprint(token)
  const serverKey = orch.serverKeyFingerprint
  const workerHost = host === '0.0.0.0' || host === '::' ? lanAddress() : host
  // New machines fetch the single-file worker from the download port; without it they need the repository.
  // The web view is served there too.
  let download: DownloadServer | null = null
  let workerCommand = `npm run worker -- --host ${workerHost} --port ${orch.port} --server-key ${serverKey}`
  const web = settings.values.web
    ? new WebView({
      fleet: orch, uploads, tokens: { admin: adminToken ?? null, view: viewToken ?? null }, page: await buildWebPage(),
      joinLine: () => workerCommand, log: (level, message) => log(level.toUpperCase() as Level, message)
    })
    : null
  if (!flags.demo && (!flags['no-download'] || web)) {
    const bundle = flags['no-download'] ? null : await buildWorkerBundle()
    download = new DownloadServer(bundle, web, (level, message) => log(level.toUpperCase() as Level, message))
    await download.start(host, downloadPort)
    if (bundle) {
      workerCommand = joinCommand({ host: workerHost, port: orch.port, downloadPort: download.port, sha256: bundle.sha256, serverKey })
      log('INFO', `serving the single-file worker on http://${hostForUrl(host)}:${download.port}/ (sha256 ${bundle.sha256})`)
    }
  }
  if (web && download) {
    log('INFO', `serving the web view on http://${hostForUrl(workerHost)}:${download.port}/ (log in with the admin token${viewToken ? ' or the view token' : ''})`)
    if (!isLoopback(host)) log('WARN', 'the web view is plain HTTP: its token and the results cross the network unencrypted. On a network you do not trust, reach it through an SSH tunnel or a TLS proxy (docs/web.md, "Access")')
  }
  if (saved) log('INFO', `generated ${generated.join(' and ')} and saved ${generated.length > 1 ? 'them' : 'it'} to ${saved} (mode 0600); workers need the same token in their config file, npm run ctl the admin token`)
  if (identity?.created) log('INFO', `generated the server key ${keyPath} (mode 0600); workers pin its fingerprint`)
  log('INFO', `token fingerprint ${fingerprint}; server key ${serverKey}`)
  log('INFO', `join a machine with: ${workerCommand}`)
  if (adminToken) log('INFO', `control this server with: npm run ctl -- --host ${workerHost} --port ${orch.port} jobs (admin token fingerprint ${tokenFingerprint(adminToken)})`)
  const advertisement = flags.advertise
    ? advertise({ name: `TaskOrchestrator on ${hostname()} port ${orch.port}`.slice(0, 63), port: orch.port, serverKey, onError: (error) => log('WARN', `cannot announce this server on the LAN: ${error.message}`) })
    : null
  if (advertisement) log('INFO', 'announcing this server on the LAN (mDNS, _taskorch._tcp)')

  // Before any job exists: results known at once (potfile, restored session) are reported too.
  const found: string[] = []
  orch.on('found', (job, result) => {
    for (const line of resultLines(shownResult(job.state.algorithm, result))) {
      if (headless) process.stdout.write(line + '\n')
      else found.push(line)
    }
  })

  // The job the flags give waits for a hashcat worker where its mode needs one; the form's is refused.
  const addJob = async (request: JobRequest, waitForHashcat = true) => {
    const job = await orch.addTasks(request, { waitForHashcat })
    const s = job.state
    log('INFO', `job ${job.id}: ${s.algorithm}, ${s.targets.size} target(s), ${s.keyspace.spec.type} ${job.keyspaceText} (${s.keyspace.size} candidates), priority ${s.priority}`)
    return job
  }
  for (const journaled of unfinished) {
    const job = await orch.restoreTasks(journaled)
    log('INFO', `restored job ${job.id}: ${job.state.hashed}/${job.keyspaceSize} already searched (${job.keyspaceText}, ${job.state.found.length}/${job.state.targets.size} found)`)
  }
  if (session && flags.restore && unfinished.length === 0) log('WARN', `session ${flags.session}: ${endedSummary(session.replay)}; no unfinished job to restore`)
  if (firstJob) await addJob(firstJob)


  let tui: Tui | null = null
  const shutdown = async (why: string, code: number) => {
    if (stopping) return
    stopping = true
    tui?.destroy()
    log('INFO', `${why}: stopping`)
    web?.close()
    await Promise.all([orch.stop(), download?.stop(), advertisement?.stop(), metrics?.stop()])
    await hooks.settle(notify.timeoutMs) // runs still waiting after one --hook-timeout are dropped
    // The screen is gone: what was found goes to stdout, like in headless mode.
    for (const line of found) process.stdout.write(line + '\n')
    process.exit(orch.unwrittenResults > 0 ? EXIT_UNSAVED : code)
  }
  process.once('SIGINT', () => void shutdown('SIGINT', EXIT_SIGINT))
  process.once('SIGTERM', () => void shutdown('SIGTERM', EXIT_SIGTERM))

  if (headless) {
    logProgress(orch, log)
  } else {
    dashboard = new Dashboard(orch, { listen: `${host}:${orch.port}`, fingerprint, serverKey, workerCommand })
    for (const line of dashboardLines) dashboard.addLog(line)
    tui = new Tui({
      dashboard,
      jobs: () => orch.jobs,
      quit: () => shutdown('quit', 0),
      addJob: async (form) => {
        const { request, warnings } = await requestOf(describeForm(form))
        for (const warning of warnings) log('WARN', warning)
        return `job ${(await addJob(request, false)).id} added`
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
  const awaited: Job[] = orch.jobs
  if (awaited.length > 0 && flags['exit-when-done']) {
    const outcomes = await Promise.all(awaited.map((j) => j.done))
    const allFound = outcomes.every((o) => o.status === 'found')
    await shutdown(`${awaited.length} job(s) ended`, allFound ? EXIT_ALL_FOUND : EXIT_EXHAUSTED)
  }
  return new Promise<never>(() => {}) // serve until a signal or q
})

// `2 job(s), all ended (1 found, 1 exhausted)`
function endedSummary (replay: Replay): string {
  const counts = new Map<string, number>()
  for (const job of replay.jobs) if (job.ended) counts.set(job.ended, (counts.get(job.ended) ?? 0) + 1)
  const detail = [...counts].map(([status, n]) => `${n} ${status}`).join(', ')
  return replay.jobs.length === 0 ? 'no jobs' : `${replay.jobs.length} job(s), all ended (${detail})`
}

// An address other machines can likely reach us at, for the worker command line.
function lanAddress (): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return '<this-machine-address>'
}

function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

// The log pane has little room: keep the time of day, drop the date.
function shortTime (line: string): string {
  return line.replace(/^\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)\.\d+Z /, '$1 ')
}

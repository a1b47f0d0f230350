// The UI's model without a terminal (rows, speeds, lost and connecting workers, results), then a smoke
// test that draws the real blessed screen on a fake terminal and drives it with keys.
import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import net from 'node:net'
import { PassThrough } from 'node:stream'
import blessed from 'blessed'
import { rangeSpec } from '../shared/keyspace/spec.ts'
import { parseTarget } from '../shared/algorithms.ts'
import { Job, foundOf } from '../server/job.ts'
import { LEFT_POLITELY, type FleetView } from '../server/fleet.ts'
import { jobLine, workerLine } from '../server/status.ts'
import { Orchestrator } from '../server/orchestrator.ts'
import { Scheduler } from '../server/scheduler/scheduler.ts'
import { workerSummary } from '../server/scheduler/state.ts'
import { Dashboard, progressBar, sparkline, type DashboardSource } from '../server/ui/dashboard.ts'
import { Tui } from '../server/ui/tui.ts'
import { describeForm, requestOf } from '../server/job-description.ts'
import type { TargetList } from '../server/targets.ts'
import type { JobRequest } from '../server/job-description.ts'
import { formatDuration } from '../server/ui/format.ts'
import { plural } from '../server/ui/plural.ts'
import { TOKEN, eventually, WAIT_MS } from './helpers.ts'

const HEADER = { listen: '0.0.0.0:8080', fingerprint: 'abcd1234', serverKey: 'SHA256:test', workerCommand: 'npm run worker -- --host 10.0.0.2 --port 8080' }
const md5 = (text: string) => createHash('md5').update(text).digest('hex')
const FAST_NOTICES = 0.05

const cleanup: (() => unknown)[] = []
afterEach(async () => { for (const step of cleanup.splice(0).reverse()) await step() })

// The dashboard over a bare scheduler on a test clock: what it shows is what the scheduler holds.
function setup () {
  let now = 1_000_000
  const clock = { now: () => now, advance: (ms: number) => { now += ms } }
  const scheduler = new Scheduler({ now: clock.now })
  const handles: Job[] = []
  const source = new (class extends EventEmitter implements DashboardSource {
    get workers () { return [...scheduler.workers.values()].map(workerSummary) }
    get jobs () { return handles }
    connecting: string[] = []
  })()
  const addJob = (targets: string[], priority = 0) => {
    const { job: state } = scheduler.addJob({ algorithm: 'md5', targets: targets.map((t) => Buffer.from(t, 'hex')), keyspace: rangeSpec(0, 100_000_000), priority })
    const job = new Job(state, { cancel: (id) => scheduler.cancel(id), setPaused: (id, paused) => scheduler.setPaused(id, paused), setPriority: (id, priority) => scheduler.setPriority(id, priority) })
    handles.push(job)
    return job
  }
  const dashboard = new Dashboard(source, HEADER)
  const job = addJob([md5('123'), md5('no')], 3)
  return { scheduler, source, dashboard, job, clock, addJob }
}

describe('Dashboard', () => {
  it('shows working and idle workers with measured speeds, and jobs with progress, speed and ETA', () => {
    const { scheduler, dashboard, job, clock } = setup()
    const alpha = scheduler.addWorker({ id: 'w1', name: 'alpha', address: '10.0.0.5:4000', cores: 4, threads: 2, software: '0.2.0' })
    const [chunk] = scheduler.assign('w1')
    scheduler.addWorker({ id: 'w2', name: 'beta', address: '10.0.0.6:4000', cores: 8, threads: 8, backend: { kind: 'hashcat', version: 'v6.2.6', devices: [{ name: 'RTX 4090', type: 'GPU' }, { name: 'RTX 4090', type: 'GPU' }, { name: 'EPYC', type: 'CPU' }] } })
    const t0 = alpha.connectedAt
    scheduler.progress('w1', chunk.id, 1000)
    dashboard.sample(t0)
    clock.advance(1000)
    scheduler.progress('w1', chunk.id, 2_001_000)
    dashboard.sample(t0 + 1000)
    const view = dashboard.view(t0 + 75_000)
    expect(view.workers).toEqual([
      { name: 'alpha', address: '10.0.0.5:4000', version: '0.2.0', backend: 'wasm', threads: '4/2', speed: '2.0 MH/s', inFlight: String(alpha.chunks.size), state: 'working', connected: '1m15s' },
      { name: 'beta', address: '10.0.0.6:4000', version: '-', backend: 'hashcat v6.2.6, 2 GPU + 1 CPU', threads: '8/8', speed: '-', inFlight: '0', state: 'idle', connected: expect.any(String) }
    ])
    expect(view.jobs).toEqual([{
      id: job.id, algorithm: 'md5', keyspace: '0-100000000', progress: progressBar(0.02), speed: '2.0 MH/s', eta: '49s', found: '0/2', priority: '3', status: 'running'
    }])
    expect(view.totalSpeed).toBe('2.0 MH/s')
    expect(view.speedHistory).toEqual([0, 2_001_000])
    expect(view.header).toEqual(HEADER)
  })

  // ctl and /metrics showed an idle worker's last speed, a paused job with chunks out as paused, and
  // a resumed job its speed before the pause.
  it('shows a hashcat worker starting, an idle worker at 0 H/s, a pausing job as pausing to ctl too, and a resumed job\'s speed afresh', () => {
    const { scheduler, source, job, clock } = setup()
    const alpha = scheduler.addWorker({ id: 'w1', name: 'alpha', address: '10.0.0.5:4000', cores: 4, threads: 2 })
    const [chunk] = scheduler.assign('w1')
    // A hashcat that has not printed its first status (compiling kernels) is said to be starting.
    expect(scheduler.progress('w1', chunk.id, 0, true)).toBe(true)
    expect(workerLine(workerSummary(alpha))).toMatchObject({ state: 'starting hashcat', chunks: alpha.chunks.size })
    expect(jobLine(source as unknown as FleetView, job).workers).toEqual([{ name: 'alpha', speed: 0, state: 'starting hashcat' }])
    scheduler.progress('w1', chunk.id, 1000)
    expect(workerLine(workerSummary(alpha)).state).toBe('working')
    clock.advance(1000)
    scheduler.progress('w1', chunk.id, 2_001_000)
    job.speed(Date.now())
    expect(workerSummary(alpha).speed).toBeGreaterThan(1e6)
    job.pause()
    expect(jobLine(source as unknown as FleetView, job).status).toBe('pausing')
    for (const held of [...alpha.chunks.values()]) scheduler.done('w1', held.id, held.length)
    expect(workerSummary(alpha).speed).toBe(0)
    expect(workerLine(workerSummary(alpha)).state).toBe('idle')
    expect(jobLine(source as unknown as FleetView, job).status).toBe('paused')
    job.resume()
    expect(job.speed(Date.now())).toBe(0)
  })

  // A slow hash's chunks were measured with their hashcat's start-up in them: a few hundred
  // candidates each, mostly start-up (sha512crypt at 0.26x of hashcat alone).
  it('does not count a hashcat\'s start-up as slowness', () => {
    const { scheduler, clock } = setup()
    const alpha = scheduler.addWorker({ id: 'w1', name: 'alpha', address: '10.0.0.5:4000', cores: 4, threads: 2 })
    const [first, second] = scheduler.assign('w1')
    scheduler.progress('w1', first.id, 1)
    clock.advance(1000)
    scheduler.progress('w1', first.id, 5001)
    expect(workerSummary(alpha).speed).toBe(5000)
    for (let i = 0; i < 10; i++) {
      clock.advance(1000)
      scheduler.progress('w1', second.id, 0, true) // starting: a heartbeat, nothing searched
    }
    clock.advance(1000)
    scheduler.progress('w1', second.id, 5000)
    expect(workerSummary(alpha).speed).toBe(5000)
  })

  it('keeps a lost worker listed for a minute, and lists found results as potfile lines', () => {
    const { scheduler, source, dashboard, job } = setup()
    const worker = scheduler.addWorker({ id: 'w1', name: 'alpha', address: '10.0.0.5:4000', cores: 4, threads: 2 })
    scheduler.assign('w1')
    const result = { hash: md5('123'), plaintext: Buffer.from('123') }
    expect(scheduler.found(job.id, md5('123'), result.plaintext)).toContainEqual({ type: 'found', job: job.state, result })
    source.emit('found', job, foundOf(result))
    const left = workerSummary(worker)
    scheduler.removeWorker('w1')
    source.emit('worker-left', left, 'TASKORCH_ERR_TIMEOUT: heartbeat did not complete within 20000 ms')
    const polite = workerSummary(scheduler.addWorker({ id: 'w2', name: 'beta', address: '10.0.0.6:4000', cores: 1, threads: 1 }))
    scheduler.removeWorker('w2')
    source.emit('worker-left', polite, LEFT_POLITELY)
    const now = Date.now()
    const view = dashboard.view(now)
    expect(view.workers).toEqual([
      { name: 'alpha', address: '10.0.0.5:4000', version: '-', backend: 'wasm', threads: '4/2', speed: '-', inFlight: '0', state: 'lost', connected: '-' },
      { name: 'beta', address: '10.0.0.6:4000', version: '-', backend: 'wasm', threads: '1/1', speed: '-', inFlight: '0', state: 'left', connected: '-' } // it said goodbye
    ])
    expect(view.results).toEqual([`${md5('123')}:123`])
    expect(view.jobs[0].found).toBe('1/2')
    expect(dashboard.view(now + 61_000).workers).toEqual([])
  })

  it('shows a WPA result as hashcat shows it: MIC:AP:STA:ESSID:passphrase', () => {
    const { scheduler, source, dashboard } = setup()
    const capture = `WPA*01*4d4fe7aac3a2cecab195321ceb99a7d0*fc690c158264*f4747f87f9f4*${Buffer.from('hashcat-essid').toString('hex')}***`
    const { job: state } = scheduler.addJob({ algorithm: 'wpa', targets: [parseTarget('wpa', capture)], keyspace: rangeSpec(0, 10) })
    const job = new Job(state, { cancel: () => {}, setPaused: () => {}, setPriority: () => {} })
    source.emit('found', job, foundOf({ hash: capture, plaintext: Buffer.from('hashcat!') }))
    expect(dashboard.view(Date.now()).results).toEqual(['4d4fe7aac3a2cecab195321ceb99a7d0:fc690c158264:f4747f87f9f4:hashcat-essid:hashcat!'])
  })

  it('says beside a find of a mode we have no kernel for whose hashcat confirmed it', () => {
    const { scheduler, source, dashboard } = setup()
    const { job: state } = scheduler.addJob({ algorithm: 'hashcat-1500', targets: [Buffer.from('24leDr0hHfb3A')], keyspace: rangeSpec(0, 10) })
    const job = new Job(state, { cancel: () => {}, setPaused: () => {}, setPriority: () => {} })
    source.emit('found', job, foundOf({ hash: '24leDr0hHfb3A', plaintext: Buffer.from('hashcat'), confirmation: { by: 'gpu-2', byFinder: false } }))
    source.emit('found', job, foundOf({ hash: 'XXabcdefghijk', plaintext: Buffer.from('x'), confirmation: { by: 'gpu-1', byFinder: true } }))
    expect(dashboard.view(Date.now()).results).toEqual([
      '24leDr0hHfb3A:hashcat  (confirmed by worker gpu-2\'s hashcat)',
      'XXabcdefghijk:x  (confirmed by gpu-1\'s own hashcat only: no other hashcat worker was connected)'
    ])
  })

  it('lists a connection that has not finished its handshake as connecting', async () => {
    const orch = new Orchestrator({ token: TOKEN, host: '127.0.0.1', port: 0 })
    const dashboard = new Dashboard(orch, HEADER)
    await orch.start()
    cleanup.push(() => orch.stop())
    const socket = net.connect(orch.port, '127.0.0.1')
    cleanup.push(() => socket.destroy())
    await new Promise((resolve) => socket.once('connect', resolve))
    await eventually(() => orch.connecting.length > 0, WAIT_MS, 'a connecting peer')
    expect(dashboard.view().workers).toEqual([expect.objectContaining({ address: expect.stringMatching(/127\.0\.0\.1/), state: 'connecting' })])
  })

  it('says how long in words a person reads at a glance, up to "> 100 years"', () => {
    expect([formatDuration(59), formatDuration(61), formatDuration(3 * 3600 + 120), formatDuration(1e12), formatDuration(-1)]).toEqual(['59s', '1m01s', '3h02m', '> 100 years', '-'])
    expect([plural(1, 'thread'), plural(2, 'thread'), plural(1n, 'run')]).toEqual(['1 thread', '2 threads', '1 run'])
  })

  it('draws progress bars and sparklines', () => {
    expect(progressBar(0.5, 10)).toBe('█████░░░░░  50.0%')
    expect(progressBar(1.7, 4)).toBe('████ 100.0%')
    expect(progressBar(0.99995, 12)).toBe('███████████░  99.9%') // not 100.0% with a cell left empty
    expect(sparkline([0, 5, 10], 3)).toBe('▁▅█')
    expect(sparkline([1, 2, 3, 4], 2)).toBe('▇█') // the last two, scaled to their max
  })
})

describe('terminal UI on a fake terminal', () => {
  function fakeScreen () {
    const output = Object.assign(new PassThrough(), { columns: 140, rows: 45, isTTY: true })
    output.resume()
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input })
    const screen = blessed.screen({ input: input as never, output: output as never, terminal: 'xterm-256color', fullUnicode: true, warnings: false })
    const lines = () => (screen as unknown as { lines: [unknown, string][][] }).lines
    const text = () => lines().map((line) => line.map((cell) => cell[1]).join('')).join('\n')
    // Every frame drawn, so a notice shown and gone between two looks (a busy machine) is still seen.
    const frames: string[] = []
    const render = screen.render.bind(screen)
    screen.render = () => {
      render()
      frames.push(text())
    }
    return { screen, input, text, drawn: (what: string) => frames.some((frame) => frame.includes(what)) }
  }

  // Lets blessed take in keys written to the fake terminal: a few turns of the event loop, no clock.
  const turns = async (n = 5) => { for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve)) }
  const press = async (keys: string) => { input().write(keys); await turns() }
  let input: () => PassThrough

  it('renders the dashboard, adds a job through the a form, and asks before quitting', async () => {
    const { scheduler, source, dashboard, addJob } = setup()
    scheduler.addWorker({ id: 'w1', name: 'alpha', address: '10.0.0.5:4000', cores: 4, threads: 2, software: '0.2.0' })
    scheduler.assign('w1')
    const fake = fakeScreen()
    const { screen, text } = fake
    input = () => fake.input
    let quits = 0
    const added: unknown[] = []
    const tui = new Tui({
      dashboard, screen, jobs: () => source.jobs, quit: async () => { quits++ }, noticeSeconds: FAST_NOTICES,
      addJob: async (form) => {
        added.push(form)
        return `job ${addJob([form.targets]).id} added`
      }
    })
    cleanup.push(() => tui.destroy())
    tui.render(true)
    expect(text()).toContain('listening on 0.0.0.0:8080')
    expect(text()).toContain('token fingerprint abcd1234')
    expect(text()).toContain(HEADER.workerCommand)
    expect(text()).toContain('server key SHA256:test')
    expect(text()).toMatch(/alpha +10\.0\.0\.5:4000 +0\.2\.0 +wasm +4\/2 +.* working/)
    expect(text()).toMatch(/1 +md5 +0-100000000 +░+ +0\.0% .* 0\/2 +3 +running/)
    // The log pane follows its newest line, even when long lines wrap.
    for (let i = 1; i <= 60; i++) dashboard.addLog(`line ${i} ${'x'.repeat(i % 3 === 0 ? 120 : 10)}`)
    tui.render(true)
    expect(text()).toContain('line 60 ')

    await press('a')
    await eventually(() => text().includes('add a job'), WAIT_MS, 'the form')
    // Pasted in one go, as a terminal delivers a paste: every character lands, tabs move on.
    await press(`${md5('x')}\t\t\t\t\t?1?1?d\t\t\t\t\t?l\t\t\t\t2-3\t7`)
    await press('\r')
    await eventually(() => added.length === 1, WAIT_MS, 'the job from the form')
    expect(added).toEqual([{
      algorithm: 'md5', targets: md5('x'), targetsFile: '', username: '', hexSalt: '', attackMode: '', keyspace: '?1?1?d', wordlist: '', rules: '', ruleLeft: '', ruleRight: '',
      charset1: '?l', charset2: '', charset3: '', charset4: '', increment: '2-3', priority: '07', strict: ''
    }])
    expect(source.jobs).toHaveLength(2)
    await eventually(() => fake.drawn('job 2 added'), WAIT_MS, 'the confirmation')
    await eventually(() => !text().includes('job 2 added'), WAIT_MS, 'the confirmation closing by itself')

    // Cancelling asks first, with the job's figures; n keeps it.
    await press('c')
    await eventually(() => /Stop job 1 for good \(0\.0% searched, 0\/2 found\)\?/.test(text()), WAIT_MS, 'the cancel question')
    await press('n')
    expect(source.jobs[0].status).toBe('running')
    await press('q')
    await eventually(() => /2 job\(s\) still running\. Quit anyway\?/.test(text()), WAIT_MS, 'the question')
    expect(text()).not.toContain('(y/n)') // one set of choices: the buttons
    await press('n')
    expect(quits).toBe(0)
    for (const job of source.jobs) job.cancel()
    await press('q')
    await eventually(() => quits === 1, WAIT_MS, 'quit')
  })

  it('j steps aside and prints the join line whole, to copy; any key brings the dashboard back', async () => {
    const { source, dashboard } = setup()
    const fake = fakeScreen()
    let printed = ''
    fake.screen.program.output.on('data', (d: Buffer) => { printed += d })
    input = () => fake.input
    const tui = new Tui({ dashboard, screen: fake.screen, jobs: () => source.jobs, quit: async () => {}, addJob: async () => '' })
    cleanup.push(() => tui.destroy())
    tui.render(true)
    await press('j')
    expect(printed).toContain(`Join a machine with this line (the worker asks for the token on its terminal):\r\n\r\n${HEADER.workerCommand}\r\n`)
    printed = ''
    await press('x')
    tui.render(true)
    expect(fake.text()).toContain('join a machine (j shows the whole line)')
  })

  it('reads the form as the command line reads flags, shows a refusal in the form, keeps its values, and esc closes it', async () => {
    const { source, dashboard, addJob } = setup()
    const fake = fakeScreen()
    const { screen, text } = fake
    input = () => fake.input
    const requests: JobRequest[] = []
    const tui = new Tui({
      dashboard, screen, jobs: () => source.jobs, quit: async () => {}, noticeSeconds: FAST_NOTICES,
      addJob: async (form) => {
        const { request } = await requestOf(describeForm(form))
        requests.push(request)
        return `job ${addJob([...(request.targets as TargetList).texts()]).id} added`
      }
    })
    cleanup.push(() => tui.destroy())
    await press('a')
    await eventually(() => text().includes('add a job'), WAIT_MS, 'the form')
    await press('zz\t\t\t\t\t0-10\r')
    await eventually(() => text().includes('"zz" is not an md5 hash: expected 32 hex digits'), WAIT_MS, 'the refusal')
    expect(text()).toContain('add a job') // still open, values kept: mend the digest and go on
    await press('\x1b[A\x1b[A\x1b[A\x1b[A\x1b[A\x7f\x7f' + md5('y') + '\r') // up to the digests, mend them, enter
    await eventually(() => requests.length === 1, WAIT_MS, 'the job')
    expect(requests[0]).toMatchObject({ algorithm: 'md5', keyspace: { type: 'range', start: '0', end: '10' }, priority: 0 })
    await eventually(() => !text().includes('add a job'), WAIT_MS, 'the form closing after the job')
    await press('a')
    await eventually(() => text().includes('add a job'), WAIT_MS, 'the form again')
    await press('\x1b')
    await eventually(() => !text().includes('add a job'), WAIT_MS, 'esc closing the form')
  })

  it('names the hash mode the form\'s field holds as it is typed: by name or number, or that there is none', async () => {
    const { source, dashboard } = setup()
    const fake = fakeScreen()
    const { text } = fake
    input = () => fake.input
    const tui = new Tui({ dashboard, screen: fake.screen, jobs: () => source.jobs, quit: async () => {}, noticeSeconds: FAST_NOTICES, addJob: async () => 'added' })
    cleanup.push(() => tui.destroy())
    await press('a')
    await eventually(() => text().includes('-m 0 MD5'), WAIT_MS, 'the default mode named')
    await press('\x1b[A\x7f\x7f\x7f5600') // up to the mode, md5 out, 5600 in
    await eventually(() => text().includes('-m 5600 NetNTLMv2'), WAIT_MS, '5600 named')
    await press('\x7f\x7f\x7f\x7fkrb5asrep')
    await eventually(() => text().includes('-m 18200 Kerberos 5, etype 23, AS-REP'), WAIT_MS, 'krb5asrep named')
    await press('x')
    await eventually(() => text().includes('no such mode'), WAIT_MS, 'an unknown mode')
    await press('\x1b')
  })
})

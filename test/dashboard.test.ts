// The UI's model without a terminal (rows, speeds, lost and connecting workers, results), then a smoke
// test that draws the real blessed screen on a fake terminal and drives it with keys.
import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import net from 'node:net'
import { PassThrough } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import blessed from 'blessed'
import { Orchestrator } from '../server/orchestrator.ts'
import { Dashboard, progressBar, sparkline } from '../server/ui/dashboard.ts'
import { Tui } from '../server/ui/tui.ts'
import { TOKEN } from './helpers.ts'

const HEADER = { listen: '0.0.0.0:8080', fingerprint: 'abcd1234', workerCommand: 'npm run worker -- --host 10.0.0.2 --port 8080' }
const md5 = (text: string) => createHash('md5').update(text).digest('hex')

const cleanup: (() => unknown)[] = []
afterEach(async () => { for (const step of cleanup.splice(0).reverse()) await step() })

function setup () {
  const orch = new Orchestrator({ token: TOKEN, host: '127.0.0.1', port: 0 })
  const dashboard = new Dashboard(orch, HEADER)
  const job = orch.addTasks({ algorithm: 'md5', targets: [md5('123'), md5('no')], keyspace: { type: 'range', start: 0, end: 100_000_000 }, priority: 3 })
  return { orch, dashboard, job }
}

describe('Dashboard', () => {
  it('shows working and idle workers with measured speeds, and jobs with progress, speed and ETA', () => {
    const { orch, dashboard, job } = setup()
    const alpha = orch.scheduler.addWorker({ id: 'w1', name: 'alpha', address: '10.0.0.5:4000', cores: 4, threads: 2 })
    const [chunk] = orch.scheduler.assign('w1')
    orch.scheduler.addWorker({ id: 'w2', name: 'beta', address: '10.0.0.6:4000', cores: 8, threads: 8 })
    const t0 = alpha.connectedAt
    dashboard.sample(t0)
    orch.scheduler.progress('w1', chunk.id, 2_000_000)
    dashboard.sample(t0 + 1000)
    const view = dashboard.view(t0 + 75_000)
    expect(view.workers).toEqual([
      { name: 'alpha', address: '10.0.0.5:4000', threads: '4/2', speed: '2.0 MH/s', inFlight: String(alpha.chunks.size), state: 'working', connected: '1m15s' },
      { name: 'beta', address: '10.0.0.6:4000', threads: '8/8', speed: '0 H/s', inFlight: '0', state: 'idle', connected: expect.any(String) }
    ])
    expect(view.jobs).toEqual([{
      id: job.id, algorithm: 'md5', keyspace: '0-100000000', progress: progressBar(0.02), speed: '2.0 MH/s', eta: '49s', found: '0/2', priority: '3', status: 'running'
    }])
    expect(view.totalSpeed).toBe('2.0 MH/s')
    expect(view.speedHistory).toEqual([0, 2_000_000])
    expect(view.header).toEqual(HEADER)
  })

  it('keeps a lost worker listed for a minute, and lists found results as potfile lines', () => {
    const { orch, dashboard, job } = setup()
    const worker = orch.scheduler.addWorker({ id: 'w1', name: 'alpha', address: '10.0.0.5:4000', cores: 4, threads: 2 })
    orch.scheduler.assign('w1')
    expect(orch.scheduler.found('w1', job.id, Buffer.from(md5('123'), 'hex'), Buffer.from('123'))).toMatchObject({ result: { hash: md5('123') } })
    orch.scheduler.removeWorker('w1')
    orch.emit('worker-left', worker, 'connection lost')
    const now = Date.now()
    const view = dashboard.view(now)
    expect(view.workers).toEqual([{ name: 'alpha', address: '10.0.0.5:4000', threads: '4/2', speed: '-', inFlight: '0', state: 'lost', connected: '-' }])
    expect(view.results).toEqual([`${md5('123')}:123`])
    expect(view.jobs[0].found).toBe('1/2')
    expect(dashboard.view(now + 61_000).workers).toEqual([])
  })

  it('lists a connection that has not finished its handshake as connecting', async () => {
    const { orch, dashboard } = setup()
    await orch.start()
    cleanup.push(() => orch.stop())
    const socket = net.connect(orch.port, '127.0.0.1')
    cleanup.push(() => socket.destroy())
    await new Promise((resolve) => socket.once('connect', resolve))
    for (let i = 0; i < 50 && orch.connecting.length === 0; i++) await sleep(10)
    expect(dashboard.view().workers).toEqual([expect.objectContaining({ address: expect.stringMatching(/127\.0\.0\.1/), state: 'connecting' })])
  })

  it('draws progress bars and sparklines', () => {
    expect(progressBar(0.5, 10)).toBe('█████░░░░░  50.0%')
    expect(progressBar(1.7, 4)).toBe('████ 100.0%')
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
    return { screen, input, text }
  }

  it('renders the dashboard, adds a job through the a form, and asks before quitting', async () => {
    const { orch, dashboard } = setup()
    orch.scheduler.addWorker({ id: 'w1', name: 'alpha', address: '10.0.0.5:4000', cores: 4, threads: 2 })
    orch.scheduler.assign('w1')
    const { screen, input, text } = fakeScreen()
    let quits = 0
    const added: unknown[] = []
    const tui = new Tui({
      dashboard, screen, jobs: () => orch.jobs, quit: async () => { quits++ },
      addJob: async (form) => {
        added.push(form)
        return `job ${orch.addTasks({ algorithm: 'md5', targets: [form.targets], keyspace: { type: 'range', start: 0, end: 10 } }).id} added`
      }
    })
    cleanup.push(() => tui.destroy())
    tui.render(true)
    expect(text()).toContain('listening on 0.0.0.0:8080')
    expect(text()).toContain('token fingerprint abcd1234')
    expect(text()).toContain(HEADER.workerCommand)
    expect(text()).toMatch(/alpha +10\.0\.0\.5:4000 +4\/2 +.* working/)
    expect(text()).toMatch(/1 +md5 +0-100000000 +░+ +0\.0% .* 0\/2 +3 +running/)
    // The log pane follows its newest line, even when long lines wrap.
    for (let i = 1; i <= 60; i++) dashboard.addLog(`line ${i} ${'x'.repeat(i % 3 === 0 ? 120 : 10)}`)
    tui.render(true)
    expect(text()).toContain('line 60 ')

    input.write('a')
    await sleep(50)
    expect(text()).toContain('add a job')
    input.write(md5('x'))
    for (let i = 0; i < 3; i++) { input.write('\r'); await sleep(30) }
    await sleep(50)
    expect(added).toEqual([{ algorithm: 'md5', targets: md5('x'), keyspace: '0-100000000', priority: '0' }])
    expect(orch.jobs).toHaveLength(2)

    await sleep(2100) // the confirmation closes by itself
    input.write('q')
    await sleep(50)
    expect(text()).toMatch(/2 job\(s\) still running. Quit anyway\? \(y\/n\)/)
    input.write('n')
    await sleep(50)
    expect(quits).toBe(0)
    for (const job of orch.jobs) job.cancel()
    input.write('q')
    await sleep(50)
    expect(quits).toBe(1)
  })

  it('shows why a job from the form was refused, keeps the form, and esc closes it', async () => {
    const { orch, dashboard } = setup()
    const { screen, input, text } = fakeScreen()
    const tui = new Tui({
      dashboard, screen, jobs: () => orch.jobs, quit: async () => {},
      addJob: async (form) => `job ${orch.addTasks({ algorithm: 'md5', targets: [form.targets], keyspace: { type: 'range', start: 0, end: 10 } }).id} added`
    })
    cleanup.push(() => tui.destroy())
    input.write('a')
    await sleep(50)
    input.write('zz')
    for (let i = 0; i < 3; i++) { input.write('\r'); await sleep(30) }
    await sleep(50)
    expect(text()).toContain('"zz" is not a md5 digest: expected 32 hex digits')
    expect(orch.jobs).toHaveLength(1)
    await sleep(4100) // the message closes by itself, and the form asks again
    expect(text()).toContain('add a job')
    input.write('\x1b')
    await sleep(100)
    expect(text()).not.toContain('add a job')
  })
})

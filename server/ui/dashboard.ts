// What the terminal UI shows, computed without a terminal: rows of text cells for workers and jobs,
// found results, a history of total speed, log lines. The TUI only lays this out; tests read it.
import type { Found, Job } from '../job.ts'
import { LEFT_POLITELY } from '../fleet.ts'
import { shownStatus, workerActivity, type WorkerSummary } from '../scheduler/state.ts'
import type { Backend } from '../../shared/protocol/worker-protocol.ts'
import { describeConfirmation, resultLines, shownResult } from '../pot-format.ts'
import { formatDuration, formatSpeed } from './format.ts'

export type DashboardHeader = { listen: string, fingerprint: string, serverKey: string, workerCommand: string }
export type WorkerRow = { name: string, address: string, version: string, backend: string, threads: string, speed: string, inFlight: string, state: 'connecting' | 'working' | 'starting hashcat' | 'idle' | 'left' | 'lost', connected: string }
export type JobRow = { id: string, algorithm: string, keyspace: string, progress: string, speed: string, eta: string, found: string, priority: string, status: string }
export type View = {
  header: DashboardHeader
  workers: WorkerRow[]
  jobs: JobRow[]
  results: string[]
  speedHistory: number[] // total H/s, one sample a second, oldest first
  sparkline: string
  totalSpeed: string
  log: string[]
}

// Lost workers stay listed this long, so a glance shows who dropped out.
const LOST_ROW_MS = 60_000
const HISTORY_SAMPLES = 120
const LOG_LINES = 500
const PROGRESS_BAR_CELLS = 12
const SPARK = '▁▂▃▄▅▆▇█'

export function progressBar (fraction: number, cells = PROGRESS_BAR_CELLS): string {
  const clamped = Math.min(1, Math.max(0, fraction))
  const filled = Math.floor(clamped * cells)
  // Rounded down, as the cells are: 100.0% only when every candidate is searched.
  const percent = Math.floor(clamped * 1000) / 10
  return `${'█'.repeat(filled)}${'░'.repeat(cells - filled)} ${percent.toFixed(1).padStart(5)}%`
}

export function sparkline (values: number[], width: number): string {
  const shown = values.slice(-width)
  const max = Math.max(...shown, 1)
  return shown.map((v) => SPARK[Math.min(SPARK.length - 1, Math.floor((v / max) * SPARK.length))]).join('')
}

// What the dashboard reads: the Orchestrator, or a stand-in in tests.
export interface DashboardSource {
  readonly workers: WorkerSummary[]
  readonly jobs: Job[]
  readonly connecting: string[]
  on (event: 'worker-left', listener: (worker: WorkerSummary, why: string) => void): unknown
  on (event: 'found', listener: (job: Job, found: Found) => void): unknown
}

export class Dashboard {
  readonly #orch: DashboardSource
  readonly header: DashboardHeader
  readonly #lost: { worker: WorkerSummary, at: number, politely: boolean }[] = []
  readonly #results: string[] = []
  readonly #log: string[] = []
  readonly #history: number[] = []
  readonly #jobSpeeds = new Map<string, number>()

  constructor (orch: DashboardSource, header: View['header']) {
    this.#orch = orch
    this.header = header
    orch.on('worker-left', (worker, why) => this.#lost.push({ worker, at: Date.now(), politely: why === LEFT_POLITELY }))
    orch.on('found', (job, found) => {
      // A find of a mode we have no kernel for says whose hashcat confirmed it.
      const confirmed = found.confirmation ? `  (${describeConfirmation(found.confirmation.by, found.confirmation.byFinder)})` : ''
      this.#results.push(...resultLines(shownResult(job.state.algorithm, found)).map((line) => line + confirmed))
    })
  }

  addLog (line: string): void {
    this.#log.push(line)
    if (this.#log.length > LOG_LINES) this.#log.splice(0, this.#log.length - LOG_LINES)
  }

  // Called about once a second: job speeds are sampled, and their sum joins the history.
  sample (now = Date.now()): void {
    let total = 0
    for (const job of this.#orch.jobs) {
      const speed = job.speed(now)
      this.#jobSpeeds.set(job.id, speed)
      total += speed
    }
    this.#history.push(total)
    if (this.#history.length > HISTORY_SAMPLES) this.#history.shift()
  }

  view (now = Date.now(), sparkWidth = 60): View {
    while (this.#lost.length > 0 && now - this.#lost[0].at > LOST_ROW_MS) this.#lost.shift()
    const live = this.#orch.workers
    const workers: WorkerRow[] = [
      ...live.map((w): WorkerRow => ({
        name: w.name,
        address: w.address,
        version: w.software ?? '-',
        backend: backendLabel(w.backend),
        threads: `${w.cores}/${w.threads}`,
        speed: w.inFlight > 0 ? formatSpeed(w.speed) : '-',
        inFlight: String(w.inFlight),
        state: workerActivity(w),
        connected: formatDuration((now - w.connectedAt) / 1000)
      })),
      ...this.#lost.filter((l) => !live.some((w) => w.id === l.worker.id)).map(({ worker: w, politely }): WorkerRow => ({
        name: w.name, address: w.address, version: w.software ?? '-', backend: backendLabel(w.backend), threads: `${w.cores}/${w.threads}`, speed: '-', inFlight: '0', state: politely ? 'left' : 'lost', connected: '-'
      })),
      ...this.#orch.connecting.map((address): WorkerRow => ({ name: '?', address, version: '-', backend: '-', threads: '-', speed: '-', inFlight: '0', state: 'connecting', connected: '-' }))
    ]
    const jobs = this.#orch.jobs.map((job): JobRow => {
      const s = job.state
      const size = s.keyspace.size
      const speed = job.status === 'running' ? this.#jobSpeeds.get(job.id) ?? 0 : 0
      const left = Number(size - job.searched)
      return {
        id: job.id,
        algorithm: s.algorithm,
        keyspace: job.keyspaceText,
        progress: progressBar(Number(job.searched) / Number(size)),
        speed: job.status === 'running' ? formatSpeed(speed) : '-',
        eta: job.status === 'running' && speed > 0 ? formatDuration(left / speed) : '-',
        found: `${s.found.length}/${s.targets.size}`,
        priority: String(s.priority),
        status: shownStatus(s) === 'pausing' ? 'pausing…' : job.status // chunks in flight still finish
      }
    })
    const totalSpeed = this.#history.at(-1) ?? 0
    return {
      header: this.header,
      workers,
      jobs,
      results: [...this.#results],
      speedHistory: [...this.#history],
      sparkline: sparkline(this.#history, sparkWidth),
      totalSpeed: formatSpeed(totalSpeed),
      log: [...this.#log]
    }
  }
}

// "wasm", or "hashcat v6.2.6, 2 GPU": the table's column (the log line names each device).
function backendLabel (backend: Backend | undefined): string {
  if (backend?.kind !== 'hashcat') return 'wasm'
  const kinds = new Map<string, number>()
  for (const device of backend.devices) kinds.set(device.type, (kinds.get(device.type) ?? 0) + 1)
  return `hashcat ${backend.version}, ${[...kinds].map(([type, n]) => `${n} ${type}`).join(' + ')}`
}

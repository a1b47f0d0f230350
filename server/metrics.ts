// --metrics HOST:PORT: Prometheus metrics at /metrics and a liveness answer at /healthz, over plain
// HTTP, off unless asked. One prefix, base units (seconds, candidates), `_total` counters. Figures
// that describe the present (workers, rates, what is left of each job) are read at scrape time, so
// nothing accumulates for workers or jobs that are gone.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { ALGORITHMS } from '../shared/algorithms.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { PROTOCOL_VERSION } from '../shared/protocol/limits.ts'
import { SOFTWARE_VERSION } from '../shared/version.ts'
import { HttpPort, answer } from './http-port.ts'
import type { FleetView } from './fleet.ts'
import { isLive } from './scheduler/state.ts'

export const METRICS_PREFIX = 'taskorch_'
// Worker names are chosen by the workers: at most this many get a series of their own (those seen
// most recently), the rest are summed under OTHER_WORKERS, so a hostile fleet cannot flood a scraper.
export const MAX_WORKER_SERIES = 100
export const OTHER_WORKERS = '(other)'

const name = (text: string) => METRICS_PREFIX + text

export class MetricsServer extends HttpPort {
  readonly registry = new Registry()

  constructor (orch: FleetView) {
    super('--metrics HOST:PORT', (request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname
      if (request.method !== 'GET' && request.method !== 'HEAD') return answer(response, 405, 'GET or HEAD only\n', { allow: 'GET, HEAD' })
      if (path === '/healthz') return answer(response, 200, 'ok\n')
      if (path !== '/metrics') return answer(response, 404, 'only /metrics and /healthz are served here\n')
      this.registry.metrics().then((text) => answer(response, 200, text, { 'content-type': this.registry.contentType }),
        (error: Error) => answer(response, 500, `${error.message}\n`))
    })
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX })
    new Gauge({ name: name('build_info'), help: 'This server\'s release, protocol version and Node version (always 1)', labelNames: ['version', 'protocol', 'node'], registers })
      .set({ version: SOFTWARE_VERSION, protocol: String(PROTOCOL_VERSION), node: process.version }, 1)

    const candidates = new Counter({ name: name('candidates_searched_total'), help: 'Candidates searched in completed chunks', labelNames: ['algorithm'], registers })
    const results = new Counter({ name: name('results_total'), help: 'Targets found (potfile and restored results included)', labelNames: ['algorithm'], registers })
    for (const algorithm of ALGORITHMS) {
      candidates.inc({ algorithm }, 0)
      results.inc({ algorithm }, 0)
    }
    const chunks = {
      issued: new Counter({ name: name('chunks_issued_total'), help: 'Chunks handed to workers (a straggler\'s copy counts again)', registers }),
      completed: new Counter({ name: name('chunks_completed_total'), help: 'Chunks whose DONE counted', registers }),
      requeued: new Counter({ name: name('chunks_requeued_total'), help: 'Chunks taken back from a worker that was lost or fell silent', registers }),
      failed: new Counter({ name: name('chunks_failed_total'), help: 'Chunks that failed: a miscounted DONE, an unreadable wordlist', registers })
    }
    const duration = new Histogram({
      name: name('chunk_duration_seconds'), help: 'From handing a chunk out to its DONE', registers,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
    })
    const refused = new Counter({ name: name('connections_refused_total'), help: 'Connections refused: at once (limits), or after authenticating (version, role)', labelNames: ['reason'], registers })
    const handshakes = new Counter({ name: name('handshake_failures_total'), help: 'Handshakes that failed, by error code', labelNames: ['reason'], registers })
    for (const reason of ['limits', 'version', 'role']) refused.inc({ reason }, 0)
    for (const reason of ['token_rejected', 'replay', 'version', 'timeout', 'handshake_closed', 'handshake']) handshakes.inc({ reason }, 0)

    orch.on('chunk', (event) => {
      chunks[event.outcome].inc()
      if (event.outcome !== 'completed') return
      candidates.inc({ algorithm: event.algorithm }, event.candidates)
      if (event.seconds !== undefined) duration.observe(event.seconds)
    })
    orch.on('found', (job) => results.inc({ algorithm: job.state.algorithm }))
    orch.on('refused', (reason) => refused.inc({ reason }))
    orch.on('handshake-failed', (error) => handshakes.inc({ reason: error.code.replace(/^TASKORCH_ERR_/, '').toLowerCase() }))

    new Gauge({ name: name('workers'), help: 'Workers connected', registers, collect () { this.set(orch.workers.length) } })
    // Both worker gauges are set when the rate is read, which a scrape does first (registration order).
    const recent = new Set<string>() // worker names with a series, least recently connected first
    const up = new Gauge({ name: name('worker_up'), help: '1 for a connected worker, 0 for one seen lately that is gone', labelNames: ['worker'], registers: [] })
    new Gauge({
      name: name('worker_hash_rate'), help: 'Candidates per second each worker reports lately', labelNames: ['worker'], registers,
      collect () {
        const speeds = new Map<string, number>()
        for (const w of orch.workers) speeds.set(w.name, (speeds.get(w.name) ?? 0) + w.speed)
        for (const worker of speeds.keys()) {
          recent.delete(worker)
          recent.add(worker)
        }
        for (const worker of recent) if (recent.size > MAX_WORKER_SERIES) recent.delete(worker)
        this.reset()
        up.reset()
        let other: number | null = null
        for (const [worker, speed] of speeds) {
          if (recent.has(worker)) this.set({ worker }, Math.round(speed))
          else other = (other ?? 0) + speed
        }
        for (const worker of recent) up.set({ worker }, speeds.has(worker) ? 1 : 0)
        if (other !== null) {
          this.set({ worker: OTHER_WORKERS }, Math.round(other))
          up.set({ worker: OTHER_WORKERS }, 1)
        }
      }
    })
    this.registry.registerMetric(up)
    new Gauge({
      name: name('keyspace_remaining'), help: 'Candidates not yet searched, per running or paused job', labelNames: ['job', 'algorithm'], registers,
      collect () {
        this.reset()
        for (const job of orch.jobs) {
          if (isLive(job.state)) this.set({ job: job.id, algorithm: job.state.algorithm }, Number(job.keyspaceSize - job.state.hashed))
        }
      }
    })
  }
}

// HOST:PORT, [IPv6]:PORT; a port alone means 127.0.0.1, so nothing is exposed by surprise.
export function parseListenAddress (text: string, flag: string): { host: string, port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(text) ?? /^()()(\d{1,5})$/.exec(text)
  const port = match ? Number(match[3]) : NaN
  if (!match || port > 65535) throw new InvalidInputError(`${flag} ${text}: give HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464, or 0.0.0.0:9464 for every interface)`)
  return { host: match[1] || match[2] || '127.0.0.1', port }
}

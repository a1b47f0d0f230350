// --metrics: a scrape during a job shows the worker's rate; after it, the candidates counted equal
// the keyspace and the results the targets found. Worker series stay bounded whatever names a fleet
// chooses.
import { afterEach, describe, expect, it } from 'vitest'
import { EventEmitter } from 'node:events'
import { MAX_WORKER_SERIES, MetricsServer, OTHER_WORKERS, parseListenAddress } from '../server/metrics.ts'
import type { Orchestrator } from '../server/orchestrator.ts'
import { TOKEN, cli, eventually, hex, within, type Run, WAIT_MS } from './helpers.ts'

const children: Run[] = []
afterEach(async () => {
  for (const run of children.splice(0)) {
    run.child.kill('SIGKILL')
    await run.exit
  }
})

// The value of one series in Prometheus' text format, or undefined when it is absent.
function sample (text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function scrape (port: number, path = '/metrics'): Promise<{ status: number, text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: response.status, text: await response.text() }
}

describe('metrics', () => {
  it('count every candidate and result of a job, and show the worker working', async () => {
    const run = cli('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--headless', '--no-download', '--potfile-disable', '--token', TOKEN,
      '--metrics', '127.0.0.1:0', '--local-worker', '--algo', 'sha256', '--range', '0-40000000',
      '--target', hex('sha256', '1234567'), '--target', hex('sha256', '39999999'), '--target', hex('sha256', 'absent')])
    children.push(run)
    const port = Number((await eventually(() => /serving metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(run.stderr), WAIT_MS, 'metrics port'))[1])
    expect(await scrape(port, '/healthz')).toEqual({ status: 200, text: 'ok\n' })
    expect((await scrape(port, '/other')).status).toBe(404)

    // While it works: a rate above zero, and what is left of the job.
    let during = ''
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      during = (await scrape(port)).text
      if ((sample(during, 'taskorch_worker_hash_rate{worker="local"}') ?? 0) > 0) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(sample(during, 'taskorch_worker_hash_rate{worker="local"}')).toBeGreaterThan(0)
    expect(sample(during, 'taskorch_worker_up{worker="local"}')).toBe(1)
    expect(sample(during, 'taskorch_keyspace_remaining{job="1",algorithm="sha256"}')).toBeGreaterThan(0)

    await within(90_000, eventually(() => /job 1 exhausted/.test(run.stderr), 90_000, 'job end'), 'job end')
    const after = (await scrape(port)).text
    expect(sample(after, 'taskorch_candidates_searched_total{algorithm="sha256"}')).toBe(40_000_000)
    expect(sample(after, 'taskorch_results_total{algorithm="sha256"}')).toBe(2)
    const completed = sample(after, 'taskorch_chunks_completed_total')!
    expect(completed).toBeGreaterThan(0)
    expect(sample(after, 'taskorch_chunks_issued_total')).toBeGreaterThanOrEqual(completed)
    expect(sample(after, 'taskorch_chunk_duration_seconds_count')).toBe(completed)
    expect(sample(after, 'taskorch_chunks_failed_total')).toBe(0)
    expect(after).not.toContain('taskorch_keyspace_remaining{')
    expect(after).toMatch(/^taskorch_build_info\{version="[^"]+",protocol="\d+",node="v[\d.]+"\} 1$/m)
    expect(after).toMatch(/^taskorch_process_resident_memory_bytes \d+/m)
  })

  it('give at most MAX_WORKER_SERIES workers a series of their own', async () => {
    const fleet = Array.from({ length: MAX_WORKER_SERIES + 50 }, (_, i) => ({ name: `w${i}`, speed: 10 }))
    const orch = Object.assign(new EventEmitter(), { workers: fleet, jobs: [] }) as unknown as Orchestrator
    const metrics = new MetricsServer(orch)
    const text = await metrics.registry.metrics()
    const rates = text.split('\n').filter((l) => l.startsWith('taskorch_worker_hash_rate{'))
    expect(rates).toHaveLength(MAX_WORKER_SERIES + 1)
    expect(sample(text, `taskorch_worker_hash_rate{worker="${OTHER_WORKERS}"}`)).toBe(500)
    // The rest leave: those with a series show 0 until newer names push them out.
    fleet.splice(0)
    const later = await metrics.registry.metrics()
    expect(later.split('\n').filter((l) => l.startsWith('taskorch_worker_up{') && l.endsWith(' 0'))).toHaveLength(MAX_WORKER_SERIES)
    expect(later).not.toContain('taskorch_worker_hash_rate{')
  })

  it('takes HOST:PORT, [IPv6]:PORT or a port alone', () => {
    expect(parseListenAddress('0.0.0.0:9464', '--metrics')).toEqual({ host: '0.0.0.0', port: 9464 })
    expect(parseListenAddress('[::1]:9464', '--metrics')).toEqual({ host: '::1', port: 9464 })
    expect(parseListenAddress('9464', '--metrics')).toEqual({ host: '127.0.0.1', port: 9464 })
    expect(() => parseListenAddress('localhost', '--metrics')).toThrow(/--metrics localhost: give HOST:PORT/)
    expect(() => parseListenAddress('1.2.3.4:70000', '--metrics')).toThrow(/give HOST:PORT/)
  })
})

// Notifications: --on-found CMD and --on-job-end CMD run a program (no shell: CMD is the program's
// path, without arguments), the details in TASKORCH_* environment variables, never in argv (a
// plaintext in argv is visible to every local user). --webhook URL POSTs the same details as JSON.
// Each runs on its own, never awaited by the search; one that fails or outlives its timeout is
// killed (or aborted) and logged. `settle` gives the running ones their timeout before an exit.
import { spawn, type ChildProcess } from 'node:child_process'
import { toHex } from '../shared/algorithms.ts'
import type { LogLevel } from '../shared/log.ts'
import type { Found, Job } from './job.ts'
import type { FleetView } from './fleet.ts'
import { formatPlaintext } from './pot-format.ts'

export const DEFAULT_HOOK_TIMEOUT_MS = 10_000

export type HookOptions = {
  onFound?: string
  onJobEnd?: string
  webhook?: string
  timeoutMs?: number
  log: (level: LogLevel, message: string) => void
}

// What a hook is told: environment variables (TASKORCH_ + the key in upper case) and the webhook's JSON.
type Details = Record<string, string>

export class Hooks {
  readonly #options: HookOptions
  readonly #timeoutMs: number
  readonly #running = new Set<Promise<void>>()

  constructor (options: HookOptions) {
    this.#options = options
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS
  }

  attach (orch: FleetView): void {
    orch.on('found', (job, found) => this.#fire('found', this.#options.onFound, foundDetails(job, found)))
    orch.on('job-ended', (job) => this.#fire('job-end', this.#options.onJobEnd, endDetails(job)))
  }

  // Waits for the hooks still running, each bounded by its timeout.
  async settle (): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running])
  }

  #fire (event: string, command: string | undefined, details: Details): void {
    const all = { event, ...details }
    if (command) this.#track(this.#run(command, all))
    if (this.#options.webhook) this.#track(this.#post(this.#options.webhook, all))
  }

  #track (work: Promise<void>): void {
    this.#running.add(work)
    void work.finally(() => this.#running.delete(work))
  }

  #run (command: string, details: Details): Promise<void> {
    // Our own TASKORCH_* settings (the token among them, if it came that way) are not the hook's.
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TASKORCH_')))
    for (const [key, value] of Object.entries(details)) env[`TASKORCH_${key.toUpperCase()}`] = value
    return new Promise((resolve) => {
      let child: ChildProcess
      try {
        child = spawn(command, [], { env, stdio: 'ignore', shell: false })
      } catch (error) {
        this.#options.log('warn', `hook ${command}: cannot start it (${(error as Error).message})`)
        return resolve()
      }
      const timer = setTimeout(() => {
        this.#options.log('warn', `hook ${command} (${details.event}) ran longer than ${this.#timeoutMs / 1000} s: killed`)
        child.kill('SIGKILL')
      }, this.#timeoutMs)
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        this.#options.log('warn', `hook ${command}: cannot run it (${error.code ?? error.message})`)
        resolve()
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        if (code !== 0 && signal !== 'SIGKILL') this.#options.log('warn', `hook ${command} (${details.event}) exited ${code ?? signal}`)
        resolve()
      })
    })
  }

  async #post (url: string, details: Details): Promise<void> {
    try {
      const response = await fetch(url, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(details), signal: AbortSignal.timeout(this.#timeoutMs)
      })
      await response.body?.cancel()
      if (!response.ok) this.#options.log('warn', `webhook ${url} (${details.event}) answered ${response.status}`)
    } catch (error) {
      this.#options.log('warn', `webhook ${url} (${details.event}): ${(error as Error).name === 'TimeoutError' ? `no answer within ${this.#timeoutMs / 1000} s` : (error as Error).message}`)
    }
  }
}

function foundDetails (job: Job, found: Found): Details {
  return { job: job.id, algorithm: job.state.algorithm, hash: found.hash, plaintext: formatPlaintext(found.bytes), plaintext_hex: toHex(found.bytes), users: found.users.join(',') }
}

function endDetails (job: Job): Details {
  const s = job.state
  return { job: s.id, algorithm: s.algorithm, status: s.status, found: String(s.found.length), targets: String(s.targets.size), hashed: s.hashed.toString(), keyspace: s.keyspace.size.toString() }
}

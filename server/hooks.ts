// Notifications: --on-found CMD and --on-job-end CMD run a program (no shell: CMD is the program's
// path, without arguments), the details in TASKORCH_* environment variables, never in argv (a
// plaintext in argv is visible to every local user). --webhook URL POSTs the same details as JSON.
// They run a few at once through a bounded queue, never awaited by the search: thousands of results
// known at a job's start must not start thousands of programs. One that fails or outlives its timeout
// is killed (or aborted) and logged. A webhook's URL often carries a secret: logs show its origin.
import { spawn, type ChildProcess } from 'node:child_process'
import { toHex } from '../shared/algorithms.ts'
import type { LogLevel } from '../shared/log.ts'
import type { Found, Job } from './job.ts'
import type { FleetView } from './fleet.ts'
import { formatPlaintext } from './pot-format.ts'

export const DEFAULT_HOOK_TIMEOUT_MS = 10_000
// Programs and webhook posts running at once; further runs wait, up to MAX_QUEUED_HOOKS, and beyond
// that are dropped (and counted).
export const HOOKS_AT_ONCE = 4
export const MAX_QUEUED_HOOKS = 100_000

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
  readonly #queue: (() => Promise<void>)[] = []
  #running = 0
  #waited = 0 // runs that queued since the last summary
  #dropped = 0
  #idle: (() => void)[] = []

  constructor (options: HookOptions) {
    this.#options = options
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS
  }

  attach (orch: FleetView): void {
    orch.on('found', (job, found) => this.#fire('found', this.#options.onFound, foundDetails(job, found)))
    orch.on('job-ended', (job) => this.#fire('job-end', this.#options.onJobEnd, endDetails(job)))
  }

  // Waits for the queue to drain, each run bounded by its timeout. With `dropAfterMs` (an exit),
  // runs still waiting then are dropped, so an exit waits at most that and one hook timeout.
  settle (dropAfterMs?: number): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve()
    const drained = new Promise<void>((resolve) => this.#idle.push(resolve))
    if (dropAfterMs === undefined) return drained
    const timer = setTimeout(() => {
      this.#dropped += this.#queue.length
      this.#queue.length = 0
    }, dropAfterMs)
    return drained.finally(() => clearTimeout(timer))
  }

  #fire (event: string, command: string | undefined, details: Details): void {
    const all = { event, ...details }
    if (command) this.#enqueue(() => this.#run(command, all))
    if (this.#options.webhook) this.#enqueue(() => this.#post(this.#options.webhook!, all))
  }

  #enqueue (run: () => Promise<void>): void {
    if (this.#running < HOOKS_AT_ONCE) return this.#start(run)
    if (this.#queue.length >= MAX_QUEUED_HOOKS) {
      this.#dropped++
      return
    }
    this.#waited++
    this.#queue.push(run)
  }

  #start (run: () => Promise<void>): void {
    this.#running++
    void run().finally(() => {
      this.#running--
      const next = this.#queue.shift()
      if (next) return this.#start(next)
      if (this.#running > 0) return
      if (this.#waited > 0 || this.#dropped > 0) {
        this.#options.log(this.#dropped > 0 ? 'warn' : 'info', `hooks: ${this.#waited} run(s) waited for one of the ${HOOKS_AT_ONCE} slots, ${this.#dropped} dropped (over ${MAX_QUEUED_HOOKS} waiting, or still waiting at exit)`)
        this.#waited = 0
        this.#dropped = 0
      }
      for (const resolve of this.#idle.splice(0)) resolve()
    })
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
      if (!response.ok) this.#options.log('warn', `webhook ${redactUrl(url)} (${details.event}) answered ${response.status}`)
    } catch (error) {
      // The error's message may quote the URL: only its kind and cause are logged.
      const cause = (error as { cause?: { code?: string } }).cause?.code
      this.#options.log('warn', `webhook ${redactUrl(url)} (${details.event}): ${(error as Error).name === 'TimeoutError' ? `no answer within ${this.#timeoutMs / 1000} s` : `${(error as Error).name}${cause ? ` (${cause})` : ''}`}`)
    }
  }
}

// A webhook's URL as logs show it: its origin only (Slack's and Discord's carry their secret in the
// path, others in the query or the user part).
export function redactUrl (url: string): string {
  return `${new URL(url).origin}/…`
}

function foundDetails (job: Job, found: Found): Details {
  return { job: job.id, algorithm: job.state.algorithm, hash: found.hash, plaintext: formatPlaintext(found.bytes), plaintext_hex: toHex(found.bytes), ...(found.users.length > 0 ? { users: found.users.join(',') } : {}) }
}

function endDetails (job: Job): Details {
  const s = job.state
  return { job: s.id, algorithm: s.algorithm, status: s.status, found: String(s.found.length), targets: String(s.targets.size), hashed: s.hashed.toString(), keyspace: s.keyspace.size.toString() }
}

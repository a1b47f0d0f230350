// A worker child process on loopback, for the demo and for single-machine use (--local-worker, or
// the Orchestrator's localWorker option).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BackendMode } from '../shared/hashcat.ts'
import type { LogLevel } from '../shared/log.ts'

const WORKER_MAIN = fileURLToPath(new URL('../worker/main.ts', import.meta.url))
const LOG_LINE = /^\S+ (DEBUG|INFO|WARN|ERROR|FATAL)\s+(.*)$/

export type LocalWorkerOptions = {
  port: number
  token: string
  serverKey: string // the fingerprint: the worker accepts this server's key and pins nothing
  threads?: number
  // What runs its chunks (the worker's --backend); wasm unless asked: it shares the server's machine.
  backend?: BackendMode
  script?: string // a single-file build to run instead of the repository's worker (the bench compares them)
  cacheDir?: string // the worker's --cache-dir (default: beside its config file)
}

// What may be chosen of the local worker: its threads (default: all cores) and backend (default wasm).
export type LocalWorkerChoice = Pick<LocalWorkerOptions, 'threads' | 'backend'>

// The token goes through a pipe on stdin: never argv (ps shows it) nor the environment. Each log line
// of the worker comes back as its level and message.
export function spawnLocalWorker (options: LocalWorkerOptions, onLog: (level: LogLevel, message: string) => void): ChildProcess {
  const { port, token, serverKey, threads, backend = 'wasm', script, cacheDir } = options
  const entry = script ? [script] : ['--import', 'tsx', WORKER_MAIN]
  const args = [...entry, '--host', '127.0.0.1', '--port', String(port), '--name', 'local', '--token-stdin', '--server-key', serverKey, '--backend', backend]
  if (threads) args.push('--threads', String(threads))
  if (cacheDir) args.push('--cache-dir', cacheDir)
  const env = { ...process.env }
  delete env.TASKORCH_TOKEN
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'ignore', 'pipe'] })
  child.stdin!.end(token + '\n')
  // A worker left behind would look for its server forever.
  const kill = () => child.kill()
  process.once('exit', kill)
  child.once('exit', () => process.off('exit', kill))
  let partial = ''
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    const lines = (partial + text).split('\n')
    partial = lines.pop()!
    for (const line of lines) {
      if (!line) continue
      const match = LOG_LINE.exec(line)
      const level = match?.[1] === 'DEBUG' ? 'debug' : match?.[1] === 'WARN' ? 'warn' : match?.[1] === 'ERROR' || match?.[1] === 'FATAL' ? 'error' : 'info'
      onLog(level, match ? match[2] : line)
    }
  })
  return child
}

// A server's local worker: started once the server listens (it needs the port), stopped with it.
export class LocalWorker {
  readonly #options: Omit<LocalWorkerOptions, 'port'>
  readonly #onLog: (level: LogLevel, message: string) => void
  #child: ChildProcess | null = null

  constructor (options: Omit<LocalWorkerOptions, 'port'>, onLog: (level: LogLevel, message: string) => void) {
    this.#options = options
    this.#onLog = onLog
  }

  start (port: number): void { this.#child ??= spawnLocalWorker({ ...this.#options, port }, this.#onLog) }
  stop (): void { this.#child?.kill() }
}

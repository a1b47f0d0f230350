// A worker child process on loopback, for the demo and for single-machine use (--local-worker).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const WORKER_MAIN = fileURLToPath(new URL('../worker/main.ts', import.meta.url))

// The token goes through the environment, not argv, so other local users cannot read it from ps.
export function spawnLocalWorker (port: number, token: string, onLine: (line: string) => void, threads?: number): ChildProcess {
  const args = ['--import', 'tsx', WORKER_MAIN, '--host', '127.0.0.1', '--port', String(port), '--name', 'local']
  if (threads) args.push('--threads', String(threads))
  const child = spawn(process.execPath, args, { env: { ...process.env, TASKORCH_TOKEN: token }, stdio: ['ignore', 'ignore', 'pipe'] })
  let partial = ''
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    const lines = (partial + text).split('\n')
    partial = lines.pop()!
    for (const line of lines) if (line) onLine(line)
  })
  return child
}

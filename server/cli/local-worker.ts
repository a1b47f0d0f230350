// A worker child process on loopback, for the demo and for single-machine use (--local-worker).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const WORKER_MAIN = fileURLToPath(new URL('../../worker/main.ts', import.meta.url))

// The token goes through a pipe on stdin: never argv (ps shows it) nor the environment.
export function spawnLocalWorker (port: number, token: string, onLine: (line: string) => void, threads?: number): ChildProcess {
  const args = ['--import', 'tsx', WORKER_MAIN, '--host', '127.0.0.1', '--port', String(port), '--name', 'local', '--token-stdin']
  if (threads) args.push('--threads', String(threads))
  const env = { ...process.env }
  delete env.TASKORCH_TOKEN
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'ignore', 'pipe'] })
  child.stdin!.end(token + '\n')
  let partial = ''
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    const lines = (partial + text).split('\n')
    partial = lines.pop()!
    for (const line of lines) if (line) onLine(line)
  })
  return child
}

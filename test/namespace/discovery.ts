// Run by test/discovery.test.ts inside a private network namespace (unshare -rn, loopback only,
// multicast on): announcements never reach a real network. Drives the real command lines and prints
// one JSON report of what they said, for the test to check.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TOKEN = process.env.TEST_TOKEN!
const target = createHash('md5').update('4242').digest('hex')

type Run = { stdout: string, stderr: string, exit: Promise<number | null>, kill: () => void }

function cli (file: string, args: string[], stdin = ''): Run {
  const env = { ...process.env, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'taskorch-config-')), TASKORCH_TOKEN: TOKEN }
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
  child.stdin.end(stdin)
  const run: Run = { stdout: '', stderr: '', exit: once(child, 'exit').then(([code]) => code as number | null), kill: () => child.kill('SIGTERM') }
  child.stdout.on('data', (d) => { run.stdout += d })
  child.stderr.on('data', (d) => { run.stderr += d })
  return run
}

async function waitFor (run: Run, pattern: RegExp): Promise<RegExpExecArray> {
  for (let i = 0; i < 300; i++) {
    const match = pattern.exec(run.stderr)
    if (match) return match
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${pattern} in:\n${run.stderr}`)
}

const server = (extra: string[]) => cli('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--advertise', '--headless', '--no-download', '--potfile-disable', ...extra])
const worker = (args: string[]) => cli('worker/main.ts', [...args, '--token-stdin', '--threads', '1'], TOKEN + '\n')

const report: Record<string, unknown> = {}
const nobody = worker([])
report.nobody = { exit: await nobody.exit, stderr: nobody.stderr }

const first = server(['--target', target, '--range', '0-100000', '--exit-when-done'])
const port = Number((await waitFor(first, /listening on 127\.0\.0\.1:(\d+)/))[1])
const serverKey = (await waitFor(first, /server key (SHA256:\S+)/))[1]
await waitFor(first, /announcing this server on the LAN/)
const listing = cli('worker/main.ts', ['--discover'])
report.listing = { exit: await listing.exit, stdout: listing.stdout, stderr: listing.stderr, port, serverKey }

const second = server(['--target', target, '--range', '100000-200000'])
await waitFor(second, /announcing this server on the LAN/)
const confused = worker([])
report.several = { exit: await confused.exit, stderr: confused.stderr }
// The one whose key it was told to expect: discovery narrowed by the key.
const joining = worker(['--server-key', serverKey, '--name', 'discovered'])
report.joined = { serverExit: await first.exit, serverStdout: first.stdout, serverStderr: first.stderr, workerStderr: joining.stderr }
joining.kill()
second.kill()
await Promise.all([joining.exit, second.exit])
process.stdout.write(JSON.stringify(report) + '\n')

// Run by test/discovery.test.ts inside a private network namespace (unshare -rn, loopback only,
// multicast on): announcements never reach a real network. Drives the real command lines and prints
// one JSON report of what they said, for the test to check.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { advertise } from '../../shared/discovery.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TOKEN = process.env.TEST_TOKEN!
const target = createHash('md5').update('4242').digest('hex')

type Run = { stdout: string, stderr: string, exit: Promise<number | null>, kill: () => void }

function cli (file: string, args: string[], stdin = '', home = mkdtempSync(join(tmpdir(), 'taskorch-config-'))): Run {
  const env = { ...process.env, XDG_CONFIG_HOME: home, TASKORCH_TOKEN: TOKEN }
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
const worker = (args: string[], home?: string) => cli('worker/main.ts', [...args, '--token-stdin', '--threads', '1'], TOKEN + '\n', home)

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

// An impostor holding the token, at another port. It announces itself; then a forged announcement
// gives its port the real server's key: a worker that pinned the real server picks that one by its
// key, and must refuse the key it is shown.
const impostor = server(['--target', target, '--range', '0-100000'])
const impostorPort = Number((await waitFor(impostor, /listening on 127\.0\.0\.1:(\d+)/))[1])
const impostorKey = (await waitFor(impostor, /server key (SHA256:\S+)/))[1]
const home = mkdtempSync(join(tmpdir(), 'taskorch-config-'))
mkdirSync(join(home, 'taskorch'))
const knownServers = join(home, 'taskorch', 'known_servers')
writeFileSync(knownServers, `127.0.0.1:${port} ${serverKey}\n`)
// The impostor announces its own key (--advertise): a worker with pins does not take it unasked.
const wary = worker(['--name', 'wary'], home)
report.unpinned = { exit: await wary.exit, stderr: wary.stderr }
const forged = advertise({ name: 'TaskOrchestrator (forged)', port: impostorPort, serverKey, onError: () => {} })
const fooled = worker(['--name', 'fooled'], home)
await waitFor(fooled, /presented key/)
fooled.kill()
await fooled.exit
report.forged = { workerStderr: fooled.stderr, impostorStderr: impostor.stderr, knownServers: readFileSync(knownServers, 'utf8'), impostorKey }
await forged.stop()

impostor.kill()
await impostor.exit
process.stdout.write(JSON.stringify(report) + '\n')

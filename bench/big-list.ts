// `npm run bench:list -- [--targets N] [--runs N]`: how long the server takes to read a hash list
// of N random MD5 digests and add the job, and its peak memory (VmHWM), measured on the server's
// own command line as a user runs it (no worker: the search is not what is measured here).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { integerFlag, parseFlags, runMain } from '../shared/cli.ts'
import { generateToken } from '../shared/protocol/credentials.ts'
import { median } from './hashcat.ts'

const HELP = `Usage: npm run bench:list -- [options]

Options:
  --targets N   digests in the generated list (default 10000000)
  --runs N      server runs on the same list; medians are reported (default 3)`

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DIGESTS_PER_WRITE = 100_000

runMain(async () => {
  const flags = parseFlags({ targets: { type: 'string' }, runs: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const, process.argv.slice(2))
  if (flags.help) {
    process.stdout.write(HELP + '\n')
    return 0
  }
  const count = integerFlag(flags.targets, 'targets', 10_000_000, 1, 10_000_000)
  const runs = integerFlag(flags.runs, 'runs', 3, 1, 20)
  const dir = mkdtempSync(join(tmpdir(), 'taskorch-big-list-'))
  try {
    const list = join(dir, 'targets.txt')
    await writeList(list, count)
    const rows: { seconds: number, peakMb: number }[] = []
    for (let run = 1; run <= runs; run++) {
      const row = await measure(list, count)
      process.stdout.write(`run ${run}: list read and job added in ${row.seconds.toFixed(1)} s, server peak ${row.peakMb} MB\n`)
      rows.push(row)
    }
    process.stdout.write(`${count} MD5 targets, median of ${runs}: ${median(rows.map((r) => r.seconds)).toFixed(1)} s, peak ${median(rows.map((r) => r.peakMb))} MB\n`)
    return 0
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

// N random digests in hex, one a line.
async function writeList (path: string, count: number): Promise<void> {
  const out = createWriteStream(path)
  for (let written = 0; written < count; written += DIGESTS_PER_WRITE) {
    const n = Math.min(DIGESTS_PER_WRITE, count - written)
    const bytes = randomBytes(16 * n)
    const lines = Array.from({ length: n }, (_, i) => bytes.toString('hex', 16 * i, 16 * i + 16)).join('\n') + '\n'
    if (!out.write(lines)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'close')
}

// One server start: from spawning it to its log line for the added job; its peak resident memory.
async function measure (list: string, count: number): Promise<{ seconds: number, peakMb: number }> {
  const started = performance.now()
  const args = ['--import', 'tsx', 'server/cli/main.ts', '--headless', '--host', '127.0.0.1', '--port', '0', '--no-download', '--potfile-disable',
    '--algo', 'md5', '--targets', list, '--mask', '?d?d?d?d?d?d?d?d']
  const env = { ...process.env, TASKORCH_TOKEN: generateToken(), XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'taskorch-bench-config-')) }
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  const added = new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      log += text
      if (new RegExp(`job 1: md5, ${count} target\\(s\\)`).test(log)) resolve()
    })
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before adding the job:\n${log}`)))
  })
  await added
  const seconds = (performance.now() - started) / 1000
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
  const peakMb = Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024)
  child.kill('SIGKILL')
  await once(child, 'exit').catch(() => {})
  rmSync(env.XDG_CONFIG_HOME, { recursive: true, force: true })
  return { seconds, peakMb }
}

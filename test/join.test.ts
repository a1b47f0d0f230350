// Joining a new machine: the server serves the single-file worker and prints one line that fetches
// it, checks it and starts it; the file alone, in an empty directory, joins and finds a target.
import { describe, expect, it } from 'vitest'
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { Orchestrator } from '../server/orchestrator.ts'
import { EXECUTABLE_PATH, buildWorkerBundle } from '../worker/bundle/build.ts'
import { promptHidden } from '../worker/prompt.ts'
import { TOKEN, eventually, killedAfterTest, tempDir, within, WAIT_MS } from './helpers.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const md5 = (text: string) => createHash('md5').update(text).digest('hex')

type Run = { child: ChildProcess, stdout: string, stderr: string, exit: Promise<number | null> }

function run (command: string, args: string[], options: { cwd: string, stdin?: string }): Run {
  const env = { ...process.env, XDG_CONFIG_HOME: tempDir('taskorch-config-'), TASKORCH_TOKEN: TOKEN, TASKORCH_BACKEND: 'wasm' }
  const child = spawn(command, args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] })
  killedAfterTest(child)
  child.stdin!.end(options.stdin ?? '')
  const result: Run = { child, stdout: '', stderr: '', exit: once(child, 'exit').then(([code]) => code as number | null) }
  child.stdout!.on('data', (d) => { result.stdout += d })
  child.stderr!.on('data', (d) => { result.stderr += d })
  return result
}

// The parts of a join line: `curl -fsSLo FILE URL && echo "SHA  FILE" | sha256sum -c --quiet - && node FILE --host H --port P --server-key K`.
function parseJoinLine (line: string) {
  const match = /^curl -fsSLo taskorch-worker\.mjs (\S+) && echo "([0-9a-f]{64})  taskorch-worker\.mjs" \| sha256sum -c --quiet - && node taskorch-worker\.mjs --host (\S+) --port (\d+) --server-key (SHA256:[A-Za-z0-9_-]{43})$/.exec(line)
  if (!match) throw new Error(`not a join line: ${line}`)
  return { url: match[1], sha256: match[2], host: match[3], port: match[4], serverKey: match[5] }
}

async function startServer (target: string) {
  const server = run(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', '--host', '127.0.0.1', '--port', '0', '--download-port', '0', '--headless',
    '--potfile-disable', '--target', target, '--range', '0-1000000', '--exit-when-done'], { cwd: ROOT })
  const line = await within(30_000, eventually(() => /join a machine with: (.*)\n/.exec(server.stderr)?.[1], 30_000, 'the join line'), 'the join line')
  return { server, line, parts: parseJoinLine(line) }
}

describe('joining a machine', () => {
  it('the served file alone, in an empty directory, joins with the line\'s key and finds a planted target', async () => {
    const { server, line, parts } = await startServer(md5('31337'))
    expect(line).not.toContain(TOKEN)
    const response = await fetch(parts.url)
    expect(response.status).toBe(200)
    const bytes = Buffer.from(await response.arrayBuffer())
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(parts.sha256)
    expect((await buildWorkerBundle()).sha256).toBe(parts.sha256) // what npm run build writes to dist/
    expect((await fetch(parts.url.replace('taskorch-worker.mjs', 'config.json'))).status).toBe(404)

    const machine = tempDir('taskorch-machine-')
    writeFileSync(join(machine, 'taskorch-worker.mjs'), bytes)
    const worker = run(process.execPath, ['taskorch-worker.mjs', '--host', parts.host, '--port', parts.port, '--server-key', parts.serverKey,
      '--token-stdin', '--threads', '1', '--name', 'new-machine'], { cwd: machine, stdin: TOKEN + '\n' })
    expect(await within(60_000, server.exit, 'the server ending the job')).toBe(0)
    expect(server.stdout).toBe(`${md5('31337')}:31337\n`)
    expect(server.stderr).toMatch(/worker new-machine joined from 127\.0\.0\.1:\d+ \(\d+ cores?, 1 thread, version 0\.2\.0, wasm\)/)
    expect(server.stderr).toMatch(/worker download by .*127\.0\.0\.1 \(1 so far\)/)
    worker.child.kill('SIGTERM') // a worker outlives its server (it waits for it to come back) until stopped
    expect(await within(WAIT_MS, worker.exit, 'the worker stopping')).toBe(0)
    expect(readdirSync(machine)).toEqual(['taskorch-worker.mjs']) // nothing installed beside it
  })

  it('the line\'s download and checksum run as printed (curl and sha256sum), and a tampered file fails the check', async (context) => {
    for (const tool of ['curl', 'sha256sum']) {
      try {
        execFileSync(tool, ['--version'], { stdio: 'ignore' })
      } catch {
        return context.skip(`${tool} is not installed here`)
      }
    }
    const { server, line } = await startServer(md5('not in range'))
    const machine = tempDir('taskorch-machine-')
    const fetchAndCheck = line.slice(0, line.indexOf(' && node '))
    execFileSync('sh', ['-c', fetchAndCheck], { cwd: machine })
    const fetched = readFileSync(join(machine, 'taskorch-worker.mjs'))
    expect(createHash('sha256').update(fetched).digest('hex')).toBe(parseJoinLine(line).sha256)
    // The same check refuses a file that differs from what the server printed.
    const check = fetchAndCheck.slice(fetchAndCheck.indexOf('echo '))
    writeFileSync(join(machine, 'taskorch-worker.mjs'), Buffer.concat([fetched, Buffer.from('\n// altered\n')]))
    expect(() => execFileSync('sh', ['-c', check], { cwd: machine, stdio: 'ignore' })).toThrow()
    server.child.kill('SIGTERM')
    await server.exit
  })
})

describe('the executable (npm run build:sea)', () => {
  it('runs alone in an empty directory, without node on its PATH, and finds a planted target with its threads', async () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'worker/bundle/build.ts', '--sea'], { cwd: ROOT, stdio: 'ignore' })
    const machine = tempDir('taskorch-machine-')
    copyFileSync(EXECUTABLE_PATH, join(machine, 'taskorch-worker'))
    mkdirSync(join(machine, 'tmp'))
    chmodSync(join(machine, 'taskorch-worker'), 0o755)
    const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN })
    await orch.start()
    try {
      const job = orch.addTasks({ algorithm: 'md5', targets: [Buffer.from(md5('7654321'), 'hex')], keyspace: { type: 'range', start: 0, end: 20_000_000 } })
      const worker = spawn('./taskorch-worker', ['--host', '127.0.0.1', '--port', String(orch.port), '--server-key', orch.serverKeyFingerprint, '--token-stdin', '--threads', '2'],
        { cwd: machine, env: { PATH: '/nonexistent', XDG_CONFIG_HOME: machine, TMPDIR: join(machine, 'tmp') }, stdio: ['pipe', 'ignore', 'pipe'] })
      killedAfterTest(worker)
      worker.stdin!.end(TOKEN + '\n')
      const outcome = await within(60_000, job.done, 'the job')
      expect(outcome.status).toBe('found')
      expect(orch.workers[0]?.threads).toBe(2)
      const exit = once(worker, 'exit')
      worker.kill('SIGTERM')
      expect((await within(WAIT_MS, exit, 'the worker stopping'))[0]).toBe(0)
      expect(readdirSync(join(machine, 'tmp'))).toEqual([]) // the copy its threads ran from is gone
    } finally {
      await orch.stop()
    }
  })
})

describe('the token prompt', () => {
  function terminal () {
    const input = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[], setRawMode (raw: boolean) { this.modes.push(raw) } })
    const output = new PassThrough()
    let shown = ''
    output.on('data', (d) => { shown += d })
    return { input, output, shown: () => shown }
  }

  it('reads a line without echoing it, with backspace, in raw mode and out of it after', async () => {
    const t = terminal()
    const answer = promptHidden('Token: ', t)
    t.input.write('secrex')
    t.input.write('\u007ft-token\r')
    expect(await answer).toBe('secret-token')
    expect(t.shown()).toBe('Token: \n') // the question, then a newline; never the token
    expect(t.input.modes).toEqual([true, false])
  })

  it('a worker on a real terminal asks for the token without echoing it, and saves it at mode 0600 when told yes', async (context) => {
    if (spawnSync('script', ['--version']).error) return context.skip('script (util-linux) is not installed, so no terminal can be given to the worker')
    const config = tempDir('taskorch-config-')
    const command = `'${process.execPath}' --import tsx worker/main.ts --host 127.0.0.1 --port 1 --threads 1`
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: config, TASKORCH_BACKEND: 'wasm' }
    delete env.TASKORCH_TOKEN
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
    killedAfterTest(child)
    let shown = ''
    child.stdout!.on('data', (d) => { shown += d })
    await eventually(() => shown.includes('input hidden): '), WAIT_MS, 'the token prompt')
    child.stdin!.write(TOKEN + '\r')
    await eventually(() => shown.includes('[Y/n]'), WAIT_MS, 'the question to save it')
    child.stdin!.write('y\r')
    await eventually(() => shown.includes('saved the token to'), WAIT_MS, 'the token saved')
    child.kill('SIGKILL')
    expect(shown).not.toContain(TOKEN)
    const path = join(config, 'taskorch', 'config.json')
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ token: TOKEN })
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })

  it('Ctrl-C cancels', async () => {
    const t = terminal()
    const answer = promptHidden('Token: ', t)
    t.input.write('abc\u0003')
    await expect(answer).rejects.toThrow('cancelled at the token prompt')
    expect(t.input.modes).toEqual([true, false])
  })
})

// A long-lived server steered by `npm run ctl`: started with no job, given a hash-list job (its files
// uploaded) and a mask job, restarted with --restore, one job watched to its end and its results
// read, the other cancelled; the workers' token is refused with a clear message.
import { describe, expect, it, onTestFinished } from 'vitest'
import { createHash } from 'node:crypto'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT_REFUSED, EXIT_UNREACHABLE } from '../shared/cli.ts'
import { SHUTDOWN_GRACE_MS } from '../shared/protocol/limits.ts'
import { buildCtlBundle } from '../worker/bundle/build.ts'
import { ControlClient } from '../server/ctl/client.ts'
import { Orchestrator } from '../server/orchestrator.ts'
import { ConnectionClosedError, RemoteError } from '../shared/errors.ts'
import { describeForm, type JobForm } from '../server/job-description.ts'
import { TOKEN, cli, hex, listeningPort, tempDir, within, workerArgs, type Run, WAIT_MS } from './helpers.ts'


function start (file: string, args: string[], home: string, env: Record<string, string> = {}): Run {
  const run = cli(file, args, { XDG_CONFIG_HOME: home, ...env })
  return run
}

describe('npm run ctl', () => {
  it('submits, restores, watches, reads results and cancels on a server started with no job', async () => {
    const home = tempDir('taskorch-ctl-')
    const dir = tempDir('taskorch-ctl-files-')
    const journal = join(dir, 'session.journal')
    const uploads = join(dir, 'uploads') // the setting a container points at its volume
    const server = (restore: boolean) => start('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--headless', '--no-download', '--potfile-disable', '--token', TOKEN, '--session', journal, ...(restore ? ['--restore'] : [])], home, { TASKORCH_UPLOADS: uploads })
    let run = server(false)
    let port = await listeningPort(run)
    const ctl = async (args: string[], env: Record<string, string> = {}) => {
      const c = cli('server/ctl/main.ts', ['--port', String(port), ...args], { XDG_CONFIG_HOME: home, ...env })
      const code = await within(30_000, c.exit, `ctl ${args.join(' ')}`)
      return { code, stdout: c.stdout, stderr: c.stderr }
    }

    // The admin token was generated beside the workers' token, and saved at mode 0600.
    const config = join(home, 'taskorch', 'config.json')
    expect(statSync(config).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(config, 'utf8')).adminToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await ctl(['jobs'])).toMatchObject({ code: 0, stdout: 'no jobs\n' })
    // Nothing to watch is no usage error (it was exit 2).
    expect(await ctl(['watch'])).toMatchObject({ code: 0, stdout: '', stderr: expect.stringMatching(/no job is running or paused: nothing to watch/) })

    const words = join(dir, 'words.txt')
    writeFileSync(words, ['hello', 'password', ...Array.from({ length: 500 }, (_, i) => `filler${i}`)].join('\n') + '\n')
    const rules = join(dir, 'rules.txt')
    writeFileSync(rules, ':\n$1\nr\n')
    const hashes = join(dir, 'hashes.txt')
    writeFileSync(hashes, `# a hash list\nalice:${hex('md5', 'hello1')}\nbob:${hex('md5', 'drowssap')}\ncarol:${hex('md5', 'drowssap')}\n\u001b[2Jmallory:${hex('md5', 'password')}\n`)
    const listJob = await ctl(['submit', '--targets', hashes, '--username', '--wordlist', words, '-r', rules, '--priority', '1'])
    expect(listJob, listJob.stderr).toMatchObject({ code: 0, stdout: 'job 1\n' })
    const maskJob = await ctl(['submit', '--json', '--mask', '?a?a?a?a?a?a?a', '--target', hex('md5', 'not in it')])
    expect(JSON.parse(maskJob.stdout)).toEqual({ job: '2' })
    // Each file is stored once, by its SHA-256, readable by this user only.
    expect(readdirSync(uploads)).toHaveLength(3)
    for (const sha of readdirSync(uploads)) for (const name of readdirSync(join(uploads, sha))) expect(statSync(join(uploads, sha, name)).mode & 0o777).toBe(0o600)

    const refused = await ctl(['jobs'], { TASKORCH_ADMIN_TOKEN: TOKEN })
    expect(refused.code).toBe(EXIT_REFUSED)
    expect(refused.stderr).toMatch(/this is the workers' token, which cannot control the server: npm run ctl needs the admin token/)
    const stranger = await ctl(['jobs', '--admin-token', 'x'.repeat(10) + TOKEN.slice(10)])
    expect(stranger.code).toBe(EXIT_REFUSED)
    expect(stranger.stderr).toMatch(/the handshake failed at 127\.0\.0\.1:\d+: the admin token is not this server's/)
    // ctl pinned the server's key on its first connection, and refuses another key at that address
    // before sending anything an impostor could test token guesses against.
    const known = join(home, 'taskorch', 'known_servers')
    const pinned = readFileSync(known, 'utf8')
    expect(pinned).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port} SHA256:[A-Za-z0-9_-]{43}\n$`))
    writeFileSync(known, `127.0.0.1:${port} SHA256:${'A'.repeat(43)}\n`)
    const impostor = await ctl(['jobs'])
    expect(impostor.code).toBe(EXIT_REFUSED)
    expect(impostor.stderr).toMatch(/the server at 127\.0\.0\.1:\d+ presented key SHA256:\S+, but .*known_servers:1 pins SHA256:A+/)
    writeFileSync(known, pinned)
    const badJob = await ctl(['status', '7'])
    expect(badJob.code).toBe(2)
    expect(badJob.stderr).toMatch(/no job "7" on this server/)

    // kill -9, then --restore: both submitted jobs come back, the uploaded files with them.
    run.child.kill('SIGKILL')
    await run.exit
    run = server(true)
    port = await listeningPort(run)
    // The single-file ctl (npm run build writes it to dist/) works alone in an empty directory.
    const alone = tempDir('taskorch-ctl-alone-')
    writeFileSync(join(alone, 'taskorch-ctl.mjs'), (await buildCtlBundle()).bytes)
    const bundled = spawn(process.execPath, ['taskorch-ctl.mjs', '--port', String(port), 'jobs', '--json'], { cwd: alone, env: { ...process.env, XDG_CONFIG_HOME: home } })
    let listedText = ''
    bundled.stdout.on('data', (d) => { listedText += d })
    expect(await within(30_000, once(bundled, 'exit'), 'the single-file ctl')).toEqual([0, null])
    const listed = { stdout: listedText }
    expect(JSON.parse(listed.stdout).map((j: { job: string, status: string }) => [j.job, j.status])).toEqual([['1', 'running'], ['2', 'running']])

    const [file, ...args] = workerArgs(port, 'w1')
    start(file, args, home)
    const watched = await ctl(['watch', '1', '--interval', '1'])
    expect(watched.code, watched.stderr).toBe(0)
    // Uploaded files are shown by their names, not the server's upload paths.
    expect(watched.stdout.trim().split('\n').at(-1)).toMatch(/^job 1 found: md5 words\.txt -r rules\.txt, [\d.]+% \(\d+\/1506\), 3\/3 found$/)
    // The users of the list came back with the job from the journal.
    const results = await ctl(['results', '1'])
    expect(results.stdout.split('\n').filter(Boolean).sort()).toEqual([`alice:${hex('md5', 'hello1')}:hello1`, `bob:${hex('md5', 'drowssap')}:drowssap`, `carol:${hex('md5', 'drowssap')}:drowssap`, `$HEX[1b5b324a6d616c6c6f7279]:${hex('md5', 'password')}:password`].sort())

    const cancelled = await ctl(['cancel', '2', '--json'])
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ job: '2', status: 'cancelled', recovered: [0, 1] })
    const watchCancelled = await ctl(['watch', '2'])
    expect(watchCancelled.code).toBe(1)
    // -a 1 with -k: both lists uploaded, the rule carried.
    const right = join(dir, 'right.txt')
    writeFileSync(right, '7\n8\n9\n')
    const combined = await ctl(['submit', '-a', '1', '--wordlist', words, '--wordlist', right, '-k', '$!', '--target', hex('md5', 'filler4008!')])
    expect(combined, combined.stderr).toMatchObject({ code: 0, stdout: 'job 3\n' })
    const watchCombined = await ctl(['watch', '3', '--interval', '1'])
    expect(watchCombined.stdout.trim().split('\n').at(-1)).toMatch(/^job 3 found: md5 words\.txt \+ right\.txt -k \$!, [\d.]+% \(\d+\/1506\), 1\/1 found$/)
    const workers = JSON.parse((await ctl(['workers', '--json'])).stdout)
    expect(workers).toMatchObject([{ name: 'w1', threads: 1 }])

    run.child.kill('SIGKILL')
    await run.exit
    expect((await ctl(['jobs'])).code).toBe(EXIT_UNREACHABLE)
  })

  it('is off, and the server says so, when a generated admin token cannot be saved (a read-only config)', async () => {
    const dir = tempDir('taskorch-ctl-')
    const notADirectory = join(dir, 'config-home')
    writeFileSync(notADirectory, '')
    const run = start('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--headless', '--no-download', '--potfile-disable', '--token', TOKEN, '--key', join(dir, 'server.key')], notADirectory)
    await listeningPort(run)
    expect(run.stderr).toMatch(/WARN  cannot save a generated admin token to \S+config-home\/taskorch\/config\.json \(ENOTDIR\): npm run ctl is off; set adminToken/)
    expect(run.stderr).not.toMatch(/control this server with/)
  })

  it('keep an upload only when it arrives whole, in order and with its SHA-256, and leave nothing behind otherwise', async () => {
    const admin = 'y'.repeat(8) + TOKEN.slice(8)
    const uploadDir = tempDir('taskorch-uploads-')
    const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, control: { adminToken: admin, uploadDir } })
    await orch.start()
    onTestFinished(() => orch.stop())
    const client = await ControlClient.connect({ host: '127.0.0.1', port: orch.port, adminToken: admin })
    const data = Buffer.from('hello\nworld\n')
    const sha256 = createHash('sha256').update(data).digest('hex')
    const piece = (offset: number, end: number, file = { sha256, name: 'w.txt' }) => client.request({ type: 'upload', file, size: data.length, offset, data: data.subarray(offset, end) })

    await expect(piece(0, 6, { sha256: '0'.repeat(64), name: 'w.txt' }).then(() => piece(6, 12, { sha256: '0'.repeat(64), name: 'w.txt' }))).rejects.toThrow(/upload of w\.txt: its SHA-256 is [0-9a-f]{16}…, not the 0{16}… announced/)
    expect(await piece(0, 6)).toMatchObject({ stored: false, received: 6 })
    await expect(piece(8, 12)).rejects.toThrow(RemoteError) // a gap: the piece does not follow
    expect(readdirSync(uploadDir)).toEqual([]) // neither attempt left a partial file
    expect(await piece(0, 6)).toMatchObject({ stored: false, received: 6 })
    expect(await piece(6, 12)).toMatchObject({ stored: true, received: 12 })
    expect(readFileSync(join(uploadDir, sha256, 'w.txt'))).toEqual(data)
    expect(await piece(0, 6)).toMatchObject({ stored: true, received: 12 }) // known: nothing more is sent
    expect(readdirSync(uploadDir)).toEqual([sha256])
    client.close()
  })

  it('are closed by a stopping server, which does not wait for them', async () => {
    const admin = 'y'.repeat(8) + TOKEN.slice(8)
    const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, control: { adminToken: admin, uploadDir: tempDir('taskorch-uploads-') } })
    await orch.start()
    const client = await ControlClient.connect({ host: '127.0.0.1', port: orch.port, adminToken: admin })
    expect((await client.request({ type: 'jobs' })).jobs).toEqual([])
    const started = Date.now()
    await within(WAIT_MS, orch.stop(), 'the server stopping')
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_GRACE_MS) // the time a peer that never closes gets
    await expect(client.request({ type: 'jobs' })).rejects.toThrow(ConnectionClosedError)
  })

  it('says what is wrong with its command line before connecting', async () => {
    const home = tempDir('taskorch-ctl-')
    const ctl = async (args: string[]) => {
      const c = cli('server/ctl/main.ts', ['--port', '1', '--admin-token', TOKEN, ...args], { XDG_CONFIG_HOME: home })
      const code = await within(30_000, c.exit, `ctl ${args.join(' ')}`)
      return { code, stderr: c.stderr }
    }
    expect(await ctl([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/give a command: submit, jobs/) })
    expect(await ctl(['status'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/status needs a job id/) })
    expect(await ctl(['jobs', '--mask', '?d'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--mask is a job option, for submit only/) })
    expect(await ctl(['submit', '--target', hex('md5', 'x')])).toMatchObject({ code: 2, stderr: expect.stringMatching(/submit needs a keyspace/) })
    const bad = join(tempDir('taskorch-ctl-files-'), 'bad.rule')
    writeFileSync(bad, '# no rule we can apply\nQ\n')
    expect(await ctl(['submit', '--target', hex('md5', 'x'), '--wordlist', bad, '-r', bad])).toMatchObject({ code: 2, stderr: expect.stringMatching(/bad\.rule: no rules in it .*bad\.rule:2: memory function "Q"/) })
  })

  // One module describes every job: the server's flags, ctl's submit and the dashboard's form refuse
  // a bad priority, a bad mask and an unknown mode in the same words.
  it('refuses a bad priority, mask or mode in the same words from the server\'s flags, ctl and the form', async () => {
    const target = hex('md5', 'x')
    const form: JobForm = {
      algorithm: 'md5', targets: target, targetsFile: '', username: '', hexSalt: '', strict: '', attackMode: '', keyspace: '?d', wordlist: '', rules: '', ruleLeft: '', ruleRight: '',
      charset1: '', charset2: '', charset3: '', charset4: '', increment: '', priority: '0'
    }
    const cases: [string[], Partial<JobForm>][] = [
      [['--mask', '?d', '--priority', '5000000'], { priority: '5000000' }],
      [['--mask', '?d?q'], { keyspace: '?d?q' }],
      [['--mask', '?d', '-m', 'sha3-256'], { algorithm: 'sha3-256' }]
    ]
    for (const [flags, fields] of cases) {
      const words = (() => { try { describeForm({ ...form, ...fields }) } catch (error) { return (error as Error).message } })()
      expect(words, `the form takes ${flags.join(' ')}`).toBeDefined()
      const server = cli('server/cli/main.ts', ['--headless', '--host', '127.0.0.1', '--port', '0', '--token', TOKEN, '--target', target, ...flags])
      const ctl = cli('server/ctl/main.ts', ['submit', '--target', target, ...flags])
      for (const [name, run] of [['server', server], ['ctl', ctl]] as const) {
        expect(await within(WAIT_MS, run.exit, `${name} exit`), run.stderr).toBe(2)
        expect(run.stderr.split('\n')[0], name).toBe(`error: ${words}`)
      }
    }
  })
})

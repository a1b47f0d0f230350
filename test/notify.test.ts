// Watching a headless server from scripts: --status-json lines that parse and end at [total, total],
// --on-found and --on-job-end programs told everything in their environment, a webhook, and a hook
// that sleeps 10 s delaying the exit by no more than --hook-timeout.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { TOKEN, cli, hex, tempDir, within, type Run, WAIT_MS } from './helpers.ts'

const children: Run[] = []
afterEach(async () => {
  for (const run of children.splice(0)) {
    run.child.kill('SIGKILL')
    await run.exit
  }
})

function server (args: string[], env: Record<string, string> = {}): Run {
  const run = cli('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--headless', '--no-download', '--potfile-disable', '--token', TOKEN, '--exit-when-done', '--local-worker', ...args], env)
  children.push(run)
  return run
}

function script (dir: string, name: string, body: string): string {
  const path = join(dir, name)
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}

describe('status lines and notifications', () => {
  it('--status-json prints parsable lines whose progress reaches [total, total]', async () => {
    const run = server(['--status-json', '--status-timer', '1', '--algo', 'sha256', '--target', hex('sha256', 'absent'), '--range', '0-30000000'])
    expect(await within(90_000, run.exit, 'server exit'), run.stderr).toBe(1)
    const lines = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    expect(lines.length).toBeGreaterThan(1)
    for (const line of lines) {
      expect(line).toMatchObject({ job: '1', algorithm: 'sha256', keyspace: '0-30000000', recovered: [0, 1] })
      expect(typeof line.speed).toBe('number')
      expect(Array.isArray(line.workers)).toBe(true)
    }
    expect(lines.some((l) => l.status === 'running' && l.workers.length === 1 && l.workers[0].speed >= 0)).toBe(true)
    expect(lines.at(-1)).toMatchObject({ status: 'exhausted', progress: [30_000_000, 30_000_000], eta: null })
  })

  it('runs hooks with the details in their environment, posts a webhook, and exits within the hook timeout', async () => {
    const dir = tempDir('taskorch-hooks-')
    const log = join(dir, 'found.env')
    const onFound = script(dir, 'on-found.sh', `env | grep '^TASKORCH_' | sort >> '${log}'`)
    const slow = script(dir, 'on-end.sh', 'sleep 10')
    const posts: Record<string, string>[] = []
    const web = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d) => { body += d })
      req.on('end', () => { posts.push(JSON.parse(body)); res.end() })
    })
    web.listen(0, '127.0.0.1')
    await once(web, 'listening')
    try {
      const url = `http://127.0.0.1:${(web.address() as { port: number }).port}/hook`
      const run = server(['--on-found', onFound, '--on-job-end', slow, '--webhook', url, '--hook-timeout', '2', '--target', hex('md5', '123456'), '--range', '0-1000000'], { TASKORCH_POTFILE: join(dir, 'pot') })
      let endedAt = 0
      run.child.stderr!.on('data', () => { if (!endedAt && /job 1 found/.test(run.stderr)) endedAt = Date.now() })
      expect(await within(60_000, run.exit, 'server exit'), run.stderr).toBe(0)
      // The 10 s hook is killed after 2 s; the exit waits for nothing else (the rest is room for a
      // busy machine, well short of the hook's 10 s).
      expect(Date.now() - endedAt).toBeLessThan(2_000 + 6_000)
      expect(run.stderr).toMatch(/hook .*on-end\.sh \(job-end\) ran longer than 2 s: killed/)
      const env = readFileSync(log, 'utf8')
      expect(env).toContain(`TASKORCH_HASH=${hex('md5', '123456')}`)
      expect(env).toContain('TASKORCH_PLAINTEXT=123456')
      expect(env).toContain(`TASKORCH_PLAINTEXT_HEX=${Buffer.from('123456').toString('hex')}`)
      expect(env).toContain('TASKORCH_EVENT=found')
      expect(env).toContain('TASKORCH_JOB=1')
      expect(env).not.toContain('TASKORCH_POTFILE') // the server's own settings stay its own
      expect(env).not.toContain('TASKORCH_USERS') // set only when the list named users
      expect(posts).toContainEqual(expect.objectContaining({ event: 'found', job: '1', hash: hex('md5', '123456'), plaintext: '123456' }))
      expect(posts).toContainEqual(expect.objectContaining({ event: 'job-end', job: '1', status: 'found', found: '1', targets: '1' }))
    } finally {
      web.close()
    }
  })

  it('names a hook it cannot run and a webhook that is not a URL (exit 2)', async () => {
    for (const [args, message] of [
      [['--on-found', '/nonexistent/hook'], /--on-found \/nonexistent\/hook: cannot run it \(ENOENT\)/],
      [['--webhook', 'https://alice:s3cret@hooks.example.org/x'], /^error: webhook: a URL with user:password@ cannot be posted to \(fetch refuses it\); put the secret in its path or query$/m],
      [['--webhook', 'ftp://x/secret'], /^error: webhook: not an http:\/\/ or https:\/\/ URL \(the setting is a secret, so it is not repeated here\)$/m],
      [['--status-timer', '5'], /--status-timer needs --status-json/]
    ] as const) {
      const run = server([...args, '--target', hex('md5', 'a'), '--range', '0-10'])
      expect(await within(WAIT_MS, run.exit, 'server exit')).toBe(2)
      expect(run.stderr).toMatch(message)
    }
  })
})

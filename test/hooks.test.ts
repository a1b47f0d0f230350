// Hooks under a flood: 2000 results with a program hook never run more than HOOKS_AT_ONCE programs
// at once, all of them run, the log says how many waited, and a webhook's URL (which often carries
// a secret) never reaches the log whole.
import { describe, expect, it } from 'vitest'
import { EventEmitter } from 'node:events'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { HOOKS_AT_ONCE, Hooks, redactUrl } from '../server/hooks.ts'
import type { FleetView } from '../server/fleet.ts'
import { tempDir } from './helpers.ts'

const job = { id: '1', state: { id: '1', algorithm: 'md5', status: 'running', found: [], targets: new Set(), hashed: 0n, keyspace: { size: 10n } } }
const found = (i: number) => ({ hash: i.toString(16).padStart(32, '0'), bytes: Buffer.from(`pw${i}`), users: [] })

describe('hooks', () => {
  it('run 2000 results through a bounded queue: never more than HOOKS_AT_ONCE at once, every one run', async () => {
    const dir = tempDir('taskorch-hooks-')
    const log = join(dir, 'runs.log')
    const hook = join(dir, 'hook.sh')
    writeFileSync(hook, `#!/bin/sh\necho + >> '${log}'\necho - >> '${log}'\n`)
    chmodSync(hook, 0o755)
    const lines: string[] = []
    const hooks = new Hooks({ onFound: hook, log: (_level, message) => lines.push(message) })
    const fleet = new EventEmitter()
    hooks.attach(fleet as unknown as FleetView)
    for (let i = 0; i < 2000; i++) fleet.emit('found', job, found(i))
    await hooks.settle()
    let running = 0
    let most = 0
    const marks = readFileSync(log, 'utf8').split('\n').filter(Boolean)
    for (const mark of marks) {
      running += mark === '+' ? 1 : -1
      most = Math.max(most, running)
    }
    expect(marks.length).toBe(4000)
    expect(most).toBeLessThanOrEqual(HOOKS_AT_ONCE)
    expect(lines.join('\n')).toMatch(/hooks: \d+ run\(s\) waited for one of the 4 slots, 0 dropped/)
  })

  it('redacts a webhook URL to its origin in what it logs', async () => {
    const web = http.createServer((_request, response) => { response.statusCode = 500; response.end() })
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve))
    try {
      const origin = `http://127.0.0.1:${(web.address() as { port: number }).port}`
      const url = `${origin}/services/T0/B0/s3cr3t?token=hunter2`
      expect(redactUrl(url)).toBe(`${origin}/…`)
      expect(redactUrl('https://user:pass@example.org/')).toBe('https://example.org/…')
      const lines: string[] = []
      const hooks = new Hooks({ webhook: url, log: (_level, message) => lines.push(message) })
      const fleet = new EventEmitter()
      hooks.attach(fleet as unknown as FleetView)
      fleet.emit('found', job, found(1))
      await hooks.settle()
      expect(lines.join('\n')).toContain(`webhook ${origin}/… (found) answered 500`)
      expect(lines.join('\n')).not.toMatch(/s3cr3t|hunter2/)
    } finally {
      web.close()
    }
  })
})

// The web view's HTTP side, without a browser: nothing without a session (401, and no data), logins
// with the admin and view tokens (cookie flags, a guessing address throttled), cross-site requests
// refused, a read-only view, uploads in pieces, jobs submitted and steered, the event stream. The
// browser itself is test/web-browser.test.ts.
import { afterEach, describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import http from 'node:http'
import { DownloadServer } from '../server/download.ts'
import { Orchestrator } from '../server/orchestrator.ts'
import { UploadStore } from '../server/uploads.ts'
import { Potfile } from '../server/store/potfile.ts'
import { buildWebPage, type WebPage } from '../server/web/page-bundle.ts'
import { LOGIN_WINDOW_MS, MAX_LOGIN_FAILURES, MAX_WEB_SESSIONS, SESSION_IDLE_MS, WebSessions } from '../server/web/sessions.ts'
import { MAX_EVENT_STREAMS, MAX_STREAMS_PER_SESSION, REQUEST_HEADER, THROTTLED_LOGIN_DELAY_MS, WebView } from '../server/web/web-view.ts'
import type { WebSnapshot } from '../server/web/api.ts'
import { TOKEN, eventually, hex, tempDir, within, WAIT_MS } from './helpers.ts'

const ADMIN = 'aD7vQ2mX9pLr4Wz8bN3cYh6Jd5Fg1Ss0Ae-Uo_Ii2Mz'
const VIEW = 'vW3kR8nB2qTz6Yx1cM5hJ9dF4gL7sP0aE-Uo_Ii2Mq'
const SAME_SITE = { [REQUEST_HEADER]: '1', 'content-type': 'application/json' }

let page: WebPage | null = null
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop()
})

async function webServer (tokens = { admin: ADMIN as string | null, view: VIEW as string | null }, potfile?: Potfile) {
  const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN, potfile })
  await orch.start()
  const uploads = new UploadStore(join(tempDir('taskorch-web-'), 'uploads'))
  page ??= await buildWebPage()
  const logs: string[] = []
  const web = new WebView({ fleet: orch, uploads, tokens, page, joinLine: () => 'npm run worker -- --host 127.0.0.1', log: (_, message) => logs.push(message) })
  const port = new DownloadServer(null, web, () => {})
  await port.start('127.0.0.1', 0)
  stops.push(() => orch.stop(), () => port.stop(), async () => web.close())
  const base = `http://127.0.0.1:${port.port}`
  const login = async (token: string) => {
    const response = await fetch(`${base}/api/login`, { method: 'POST', headers: SAME_SITE, body: JSON.stringify({ token }) })
    return { response, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0] }
  }
  return { orch, web, base, uploads, logs, login }
}

// A response's JSON, as the tests read it.
const json = (response: Response) => response.json() as Promise<any>

// A mask job as the page submits it.
function maskJob (keyspace: string, targets: string[], extra: Record<string, unknown> = {}) {
  return {
    algorithm: 'md5', targets: targets.join('\n'), targetsFile: null, username: false, hexSalt: false, strict: false, attackMode: '3', keyspace,
    charsets: ['', '', '', ''], increment: '', wordlists: [], rules: [], ruleLeft: '', ruleRight: '', priority: '0', ...extra
  }
}

describe('the web view over HTTP', () => {
  it('answers 401 on every data endpoint without a session, and shows nothing', async () => {
    const { orch, base } = await webServer()
    const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', 'secret')], keyspace: { type: 'range', start: 0, end: 10 ** 12 } })
    const endpoints: [string, string][] = [
      ['GET', '/api/session'], ['GET', '/api/events'], ['GET', `/api/events?job=${job.id}`], ['GET', '/api/files'], ['GET', `/api/jobs/${job.id}/results?from=0`],
      ['POST', '/api/jobs'], ['POST', '/api/files?name=a&size=1&offset=0'], ['POST', `/api/jobs/${job.id}/pause`], ['POST', `/api/jobs/${job.id}/resume`],
      ['POST', `/api/jobs/${job.id}/cancel`], ['POST', `/api/jobs/${job.id}/priority`], ['POST', '/api/logout'], ['GET', '/api/jobs/nope/results']
    ]
    for (const [method, path] of endpoints) {
      // With the page's own header, and with a stale cookie: still no session.
      const response = await fetch(base + path, { method, headers: { ...SAME_SITE, cookie: 'taskorch_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, body: method === 'POST' ? '{}' : undefined })
      const body = await response.text()
      expect(response.status, `${method} ${path}`).toBe(401)
      expect(JSON.parse(body), `${method} ${path}`).toEqual({ error: { code: 'TASKORCH_ERR_WEB_ACCESS', message: 'log in first (with the admin token or the view token)' } })
    }
    expect(job.status).toBe('running')
    // The page itself holds no data: anyone may load it.
    for (const path of ['/', '/app.js', '/app.css']) {
      const response = await fetch(base + path)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(await response.text()).not.toContain(hex('md5', 'secret'))
    }
    job.cancel()
  })

  it('logs in with either token into an HttpOnly, SameSite=Strict cookie, and slows down an address that guesses', async () => {
    const { base, login, logs } = await webServer()
    const admin = await login(ADMIN)
    expect(admin.response.status).toBe(200)
    expect(admin.response.headers.get('set-cookie')).toMatch(/^taskorch_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/)
    expect(await json(admin.response)).toMatchObject({ role: 'admin', joinLine: 'npm run worker -- --host 127.0.0.1', modes: expect.arrayContaining([{ mode: 0, name: 'md5', title: 'MD5' }]) })
    const view = await login(VIEW)
    expect(await json(view.response)).toMatchObject({ role: 'view' })
    // The workers' token opens nothing here.
    const worker = await login(TOKEN)
    expect(worker.response.status).toBe(401)
    expect(worker.response.headers.get('set-cookie')).toBeNull()
    for (let i = 1; i < MAX_LOGIN_FAILURES; i++) expect((await login('wrong')).response.status).toBe(401)
    // Throttled: each login waits, a wrong one is still refused, the right one still gets in (behind
    // a proxy every browser has the same address), and the log says it once.
    for (const [token, status] of [['wrong', 401], ['wrong', 401], [ADMIN, 200]] as const) {
      const started = performance.now()
      expect((await login(token)).response.status).toBe(status)
      expect(performance.now() - started).toBeGreaterThanOrEqual(THROTTLED_LOGIN_DELAY_MS - 50)
    }
    expect(logs.filter((l) => l.includes('a wrong token from'))).toHaveLength(MAX_LOGIN_FAILURES)
    expect(logs.filter((l) => l.includes('keeps giving wrong tokens; each of its logins now waits 1 s'))).toHaveLength(1)
    // A login's body is small: a large one is refused before it is read whole.
    const large = await fetch(`${base}/api/login`, { method: 'POST', headers: SAME_SITE, body: JSON.stringify({ token: 'x'.repeat(5000) }) })
    expect(large.status).toBe(400)
    // Logging out ends the session on the server, whatever the browser keeps.
    expect((await fetch(`${base}/api/session`, { headers: { cookie: admin.cookie } })).status).toBe(200)
    expect((await fetch(`${base}/api/logout`, { method: 'POST', headers: { ...SAME_SITE, cookie: admin.cookie } })).status).toBe(204)
    expect((await fetch(`${base}/api/session`, { headers: { cookie: admin.cookie } })).status).toBe(401)
  })

  it('refuses a cross-site request, and a change from a view-only session', async () => {
    const { orch, base, login } = await webServer()
    const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', 'x')], keyspace: { type: 'range', start: 0, end: 10 ** 12 } })
    const { cookie } = await login(ADMIN)
    const cancel = (headers: Record<string, string>, body = '{}') => fetch(`${base}/api/jobs/${job.id}/cancel`, { method: 'POST', headers: { cookie, ...headers }, body })
    // A form another site posts: no custom header, a form's content type, its own Origin.
    const crossSite: Record<string, string>[] = [
      { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { ...SAME_SITE, origin: 'http://evil.example' },
      { ...SAME_SITE, 'sec-fetch-site': 'cross-site' },
      { ...SAME_SITE, 'sec-fetch-site': 'same-site' }
    ]
    for (const headers of crossSite) {
      const response = await cancel(headers, 'x=1')
      expect(response.status, JSON.stringify(headers)).toBe(403)
      expect((await json(response)).error.code).toBe('TASKORCH_ERR_WEB_ACCESS')
    }
    // Logging in is guarded too (a site must not log a browser in to its own choice of session).
    expect((await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ token: ADMIN }) })).status).toBe(403)
    expect(job.status).toBe('running')

    const viewer = await login(VIEW)
    for (const path of [`/api/jobs/${job.id}/cancel`, `/api/jobs/${job.id}/pause`, '/api/jobs', '/api/files?name=a&size=1&offset=0']) {
      const response = await fetch(base + path, { method: 'POST', headers: { ...SAME_SITE, cookie: viewer.cookie }, body: '{}' })
      expect(response.status, path).toBe(403)
      expect((await json(response)).error.message).toMatch(/watches only/)
    }
    expect(job.status).toBe('running')
    // What the view token may do: read.
    expect((await fetch(`${base}/api/jobs/${job.id}/results?from=0`, { headers: { cookie: viewer.cookie } })).status).toBe(200)
    // The same origin, with the page's header: the change goes through; behind a TLS proxy that
    // passes the Host on, the page's origin is https.
    expect((await fetch(`${base}/api/jobs/${job.id}/pause`, { method: 'POST', headers: { cookie, ...SAME_SITE, origin: base.replace('http:', 'https:') }, body: '{}' })).status).toBe(200)
    expect((await cancel({ ...SAME_SITE, origin: base, 'sec-fetch-site': 'same-origin' })).status).toBe(200)
    expect(job.status).toBe('cancelled')
  })

  it('stores an upload sent in pieces under its SHA-256, and refuses pieces out of order and bad names', async () => {
    const { base, login, uploads } = await webServer()
    const { cookie } = await login(ADMIN)
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => `word${i}`).join('\n') + '\n')
    const put = (name: string, offset: number, piece: Uint8Array, size = bytes.length) =>
      fetch(`${base}/api/files?name=${encodeURIComponent(name)}&size=${size}&offset=${offset}`, { method: 'POST', headers: { [REQUEST_HEADER]: '1', 'content-type': 'application/octet-stream', cookie }, body: piece })
    const first = await put('words.txt', 0, bytes.subarray(0, 10_000))
    expect(await json(first)).toEqual({ received: 10_000, file: null })
    // A piece that does not follow: refused, and the upload must start again.
    const skipped = await put('words.txt', 20_000, bytes.subarray(20_000))
    expect(skipped.status).toBe(400)
    expect((await json(skipped)).error.message).toMatch(/does not follow what was received/)
    expect(await json(await put('words.txt', 0, bytes.subarray(0, 10_000)))).toEqual({ received: 10_000, file: null })
    const last = await put('words.txt', 10_000, bytes.subarray(10_000))
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    expect(await json(last)).toEqual({ received: bytes.length, file: { sha256, name: 'words.txt' } })
    expect(readFileSync(uploads.pathOf({ sha256, name: 'words.txt' }))).toEqual(bytes)
    expect(await (await fetch(`${base}/api/files`, { headers: { cookie } })).json()).toEqual({ files: [{ sha256, name: 'words.txt', size: bytes.length, storedAt: expect.any(Number) }] })
    for (const name of ['../x', 'a/b', '.hidden', 'tab\there']) {
      const response = await put(name, 0, bytes.subarray(0, 10))
      expect(response.status, name).toBe(400)
    }
    // A hash list with a line that is no MD5 hash: skipped with a warning, or with strict refused,
    // naming its file and line.
    const list = Buffer.from(`${hex('md5', 'a')}\nnot a hash\n`)
    const stored = await json(await put('list.txt', 0, list, list.length))
    const submit = (strict: boolean) => fetch(`${base}/api/jobs`, { method: 'POST', headers: { ...SAME_SITE, cookie }, body: JSON.stringify(maskJob('?l', [], { targetsFile: stored.file, strict })) })
    const refused = await submit(true)
    expect(refused.status).toBe(400)
    expect((await json(refused)).error.message).toMatch(/list\.txt:2/)
    expect(await json(await submit(false))).toEqual({ job: '1', warnings: [expect.stringMatching(/list\.txt: skipped 1 line/)] })
    // A piece longer than the size announced.
    expect((await put('short.txt', 0, bytes.subarray(0, 100), 50)).status).toBe(400)
    // A second file begun drops the first one's partial file; logging out drops the second's.
    const partials = () => readdirSync(uploads.dir).filter((name) => name.startsWith('.partial-'))
    await put('a.txt', 0, bytes.subarray(0, 100))
    expect(partials()).toHaveLength(1)
    await put('b.txt', 0, bytes.subarray(0, 100))
    await eventually(() => partials().length === 1, WAIT_MS, 'the first partial file removed') // removed in the background
    expect((await put('a.txt', 100, bytes.subarray(100, 200))).status).toBe(400)
    await fetch(`${base}/api/logout`, { method: 'POST', headers: { ...SAME_SITE, cookie } })
    await eventually(() => partials().length === 0, WAIT_MS, 'the partial upload removed')
    // What a stopped server left is removed at the next start.
    const left = await uploads.begin('c.txt', 10)
    await left.write(bytes.subarray(0, 5))
    expect(partials()).toHaveLength(1)
    uploads.removePartials()
    expect(partials()).toEqual([])
    await left.abandon()
  })

  it('submits a job as the flags read it, names what is wrong in a bad one, and steers it', async () => {
    const { orch, base, login } = await webServer()
    const { cookie } = await login(ADMIN)
    const post = (path: string, body: unknown) => fetch(base + path, { method: 'POST', headers: { ...SAME_SITE, cookie }, body: JSON.stringify(body) })
    const bad = await post('/api/jobs', maskJob('?l?q', [hex('md5', 'ab')]))
    expect(bad.status).toBe(400)
    expect((await json(bad)).error.message).toMatch(/\?q/)
    expect((await json(await post('/api/jobs', maskJob('?l?l', ['nothex'])))).error.message).toMatch(/nothex|hex/)
    expect((await post('/api/jobs', { ...maskJob('?l', [hex('md5', 'a')]), extra: 1 })).status).toBe(400)
    const added = await post('/api/jobs', maskJob('?1?1?1?1?1?1?1?1?1?1', [hex('md5', 'unfindable')], { charsets: ['?l?d', '', '', ''], priority: '3' }))
    expect(added.status).toBe(201)
    const { job: id } = await json(added)
    const job = orch.jobs.find((j) => j.id === id)!
    expect(job.keyspaceText).toBe('?1?1?1?1?1?1?1?1?1?1 -1 ?l?d')
    expect(job.state.priority).toBe(3)
    expect((await post(`/api/jobs/${id}/priority`, { priority: 7 })).status).toBe(200)
    expect(job.state.priority).toBe(7)
    expect((await post(`/api/jobs/${id}/priority`, { priority: -1 })).status).toBe(400)
    expect((await post(`/api/jobs/${id}/priority`, { priority: 10 ** 9 })).status).toBe(400)
    expect((await post(`/api/jobs/${id}/pause`, {})).status).toBe(200)
    expect(job.status).toBe('paused')
    expect((await post(`/api/jobs/${id}/resume`, {})).status).toBe(200)
    expect(job.status).toBe('running')
    expect((await post(`/api/jobs/${id}/explode`, {})).status).toBe(400)
    expect((await post(`/api/jobs/${id}/cancel`, {})).status).toBe(200)
    expect(job.status).toBe('cancelled')
    const again = await post(`/api/jobs/${id}/resume`, {})
    expect((await json(again)).error.message).toMatch(/has already ended \(cancelled\)/)
    expect((await post('/api/jobs/99/pause', {})).status).toBe(404)
  })

  it('pushes a snapshot when something changes, and tells an open page when its session ends', async () => {
    const { orch, base, login } = await webServer()
    const { cookie } = await login(ADMIN)
    const response = await fetch(`${base}/api/events`, { headers: { cookie } })
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let received = ''
    const events = async function * () {
      for (;;) {
        const end = received.indexOf('\n\n')
        if (end >= 0) {
          const event = received.slice(0, end)
          received = received.slice(end + 2)
          yield event
          continue
        }
        const { value, done } = await reader.read()
        if (done) return
        received += value
      }
    }()
    const next = async () => (await within(WAIT_MS, events.next(), 'an event')).value as string
    const snapshot = (event: string) => JSON.parse(event.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as WebSnapshot
    expect(snapshot(await next())).toEqual({ jobs: [], workers: [], chunks: null })
    const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', 'x')], keyspace: { type: 'range', start: 0, end: 1000 }, priority: 2 })
    let seen: WebSnapshot
    do seen = snapshot(await next())
    while (seen.jobs.length === 0)
    expect(seen.jobs[0]).toMatchObject({ job: job.id, status: 'running', priority: 2, attack: 3, keyspace: '0-1000', progress: [0, 1000], recovered: [0, 1], ended: false })
    job.cancel()
    do seen = snapshot(await next())
    while (seen.jobs[0].status !== 'cancelled')
    await fetch(`${base}/api/logout`, { method: 'POST', headers: { ...SAME_SITE, cookie } })
    let last: string
    do last = await next()
    while (last.startsWith('event: snapshot'))
    expect(last).toBe('event: logged-out\ndata: {}')
    expect((await within(WAIT_MS, reader.read(), 'the stream closed')).done).toBe(true)
  })

  it('gives a job\'s results page by page, and whole as --show --username prints them', async () => {
    const path = join(tempDir('taskorch-web-pot-'), 'taskorch.potfile')
    writeFileSync(path, `${hex('md5', 'secret')}:secret\n${hex('md5', 'a:b')}:$HEX[613a62]\n`)
    const { orch, base, login } = await webServer(undefined, await Potfile.open(path))
    const targets = [hex('md5', 'secret'), hex('md5', 'a:b'), hex('md5', 'unknown')]
    const job = orch.addTasks({ algorithm: 'md5', targets, keyspace: { type: 'range', start: 0, end: 10 }, users: { [targets[0]]: ['<img src=x>', 'bob'] } })
    await eventually(() => job.state.found.length === 2, WAIT_MS, 'the potfile\'s results')
    const { cookie } = await login(VIEW)
    const page = await json(await fetch(`${base}/api/jobs/${job.id}/results?from=0`, { headers: { cookie } }))
    expect(page).toEqual({
      total: 2, next: null,
      results: expect.arrayContaining([
        { hash: targets[0], plaintext: 'secret', users: ['<img src=x>', 'bob'], confirmedBy: null, byFinder: false },
        { hash: targets[1], plaintext: '$HEX[613a62]', users: [], confirmedBy: null, byFinder: false }
      ])
    })
    expect((await json(await fetch(`${base}/api/jobs/${job.id}/results?from=2`, { headers: { cookie } }))).results).toEqual([])
    const whole = await fetch(`${base}/api/jobs/${job.id}/results.txt`, { headers: { cookie } })
    expect(whole.headers.get('content-disposition')).toBe(`attachment; filename="job-${job.id}.potfile"`)
    expect((await whole.text()).split('\n').sort()).toEqual(['', `<img src=x>:${targets[0]}:secret`, `bob:${targets[0]}:secret`, `${hex('md5', 'a:b')}:$HEX[613a62]`].sort())
    expect((await fetch(`${base}/api/jobs/${job.id}/results.txt`)).status).toBe(401)
    job.cancel()
  })

  it('refuses to start without a token to log in with', async () => {
    await expect(webServer({ admin: null, view: null })).rejects.toThrow(/needs the admin token or a view token/)
  })
})

describe('web sessions', () => {
  it('end when unused for SESSION_IDLE_MS, and keep at most MAX_WEB_SESSIONS', () => {
    let now = 0
    const sessions = new WebSessions({ admin: ADMIN, view: null }, () => now)
    const cookie = (id: string) => `other=1; taskorch_session=${id}`
    const first = sessions.login(ADMIN, 'a')!
    now += SESSION_IDLE_MS - 1
    expect(sessions.session(cookie(first.id))).toEqual({ id: first.id, role: 'admin' }) // used: its idle time starts again
    now += SESSION_IDLE_MS - 1
    expect(sessions.session(cookie(first.id))?.role).toBe('admin')
    now += SESSION_IDLE_MS
    expect(sessions.session(cookie(first.id))).toBeNull()
    const ids = Array.from({ length: MAX_WEB_SESSIONS + 1 }, () => sessions.login(ADMIN, 'a')!.id)
    expect(sessions.session(cookie(ids[0]))).toBeNull()
    expect(sessions.session(cookie(ids[1]))?.role).toBe('admin')
    expect(sessions.login(VIEW, 'a')).toBeNull() // no view token was set
  })

  it('let a throttled address try again once the window has passed', () => {
    let now = 0
    const sessions = new WebSessions({ admin: ADMIN, view: VIEW }, () => now)
    for (let i = 0; i < MAX_LOGIN_FAILURES; i++) sessions.login('wrong', 'a')
    expect(sessions.throttled('a')).toBe(true)
    expect(sessions.throttled('b')).toBe(false)
    now += LOGIN_WINDOW_MS
    expect(sessions.throttled('a')).toBe(false)
  })

  it(`refuse more than ${MAX_EVENT_STREAMS} open pages, and more than ${MAX_STREAMS_PER_SESSION} per session`, async () => {
    const { base, login } = await webServer()
    const cookies: string[] = []
    for (let i = 0; i < MAX_EVENT_STREAMS / MAX_STREAMS_PER_SESSION + 1; i++) cookies.push((await login(ADMIN)).cookie)
    // From several loopback addresses: one address may hold only MAX_CONNECTIONS_PER_ADDRESS.
    let next = 0
    const open = (cookie: string) => new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${base}/api/events`, { headers: { cookie }, localAddress: `127.0.0.${2 + (next++ % 8)}` }, resolve).on('error', reject)
    })
    const streams: http.IncomingMessage[] = []
    for (let i = 0; i < MAX_STREAMS_PER_SESSION; i++) streams.push(await open(cookies[0]))
    const perSession = await open(cookies[0])
    expect(perSession.statusCode).toBe(503)
    perSession.resume()
    for (let i = MAX_STREAMS_PER_SESSION; i < MAX_EVENT_STREAMS; i++) streams.push(await open(cookies[Math.floor(i / MAX_STREAMS_PER_SESSION)]))
    expect(streams.map((r) => r.statusCode)).toEqual(Array(MAX_EVENT_STREAMS).fill(200))
    const refused = await open(cookies.at(-1)!)
    expect(refused.statusCode).toBe(503)
    refused.resume()
    for (const stream of streams) stream.destroy()
  })
})

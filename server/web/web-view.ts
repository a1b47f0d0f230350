// The web view (--web): a page for watching and steering the server from a browser, served on the
// download port. Its API (server/web/api.ts) answers 401 to anyone without a session;
// requests that change something must come from the page itself (a custom header, which a
// cross-site form or fetch cannot send, and no other Origin), and from an admin session. Live figures
// go out as server-sent events, a whole snapshot at a time, at most once a second and only when
// something changed.
import { once } from 'node:events'
import type http from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import { InvalidInputError, UnknownJobError, WebAccessError, coded } from '../../shared/errors.ts'
import type { LogLevel } from '../../shared/log.ts'
import { MAX_UPLOAD_BYTES } from '../../shared/protocol/limits.ts'
import { fileName, validateLogin, validatePriorityChange, validateSubmission, type WebSession, type WebSubmission } from './api.ts'
import { infoOf, modesByNumber } from '../../shared/algorithms.ts'
import { SOFTWARE_VERSION } from '../../shared/version.ts'
import { jobById, type Fleet } from '../fleet.ts'
import { addressKey } from '../listener.ts'
import { foundOf, type Job } from '../job.ts'
import { resultLines, shownResult } from '../pot-format.ts'
import { MAX_PRIORITY, describeForm, requestOf, type JobForm } from '../job-description.ts'
import type { Incoming, UploadStore } from '../uploads.ts'
import type { WebPage } from './page-bundle.ts'
import { WebSessions, sessionCookie } from './sessions.ts'
import { webResults, webSnapshot } from './snapshot.ts'

// The custom header every request of the page carries: a cross-site form cannot send it, and a
// cross-site fetch may not without a CORS preflight, which this server never grants.
export const REQUEST_HEADER = 'x-taskorch-request'
// A JSON request body, at most (a form with 2,048 pasted hashes fits); a login's, before any session.
export const MAX_WEB_BODY_BYTES = 4 * 1024 * 1024
const MAX_LOGIN_BODY_BYTES = 4 * 1024
// Once an address has guessed wrong MAX_LOGIN_FAILURES times in a minute, each of its logins is
// answered this much later: guessing stays slow, and the right token still gets in (behind a proxy
// or a tunnel every browser has the same address, and must not be locked out by one of them).
export const THROTTLED_LOGIN_DELAY_MS = 1_000
// A file comes in pieces of at most this many bytes, so no request outlives the port's request
// timeout however large the file.
export const WEB_UPLOAD_PIECE_BYTES = 8 * 1024 * 1024
// Open event streams at most (each is a page left open), and per session; more are refused with 503.
export const MAX_EVENT_STREAMS = 32
export const MAX_STREAMS_PER_SESSION = 8
const PUSH_INTERVAL_MS = 1_000
// Results per write of a download.
const DOWNLOAD_BATCH = 10_000
// A comment line this often keeps proxies and idle-connection timers from closing a quiet stream.
const KEEPALIVE_MS = 15_000
// An upload not continued for this long is dropped.
const UPLOAD_IDLE_MS = 10 * 60_000

// The page's files: no inline script or style, so the policy can forbid both.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY'
}

const STEERED: Record<string, string> = { pause: 'paused', resume: 'resumed', cancel: 'cancelled' }

type Stream = { response: http.ServerResponse, session: string, job: string | null, last: string, sentAt: number }
type Upload = { incoming: Incoming, timer: NodeJS.Timeout } // waiting for its next piece
type Route = { session: { id: string, role: 'admin' | 'view' }, request: http.IncomingMessage, response: http.ServerResponse, url: URL }

export type WebViewOptions = {
  fleet: Fleet
  uploads: UploadStore
  tokens: { admin: string | null, view: string | null }
  page: WebPage
  joinLine: () => string | null // the line the server prints, once its ports are known
  log: (level: LogLevel, message: string) => void
}

export class WebView {
  readonly #options: WebViewOptions
  readonly #sessions: WebSessions
  readonly #streams = new Set<Stream>()
  readonly #uploads = new Map<string, Upload>() // by session id: one file at a time each
  #ticker: NodeJS.Timeout | null = null

  constructor (options: WebViewOptions) {
    if (!options.tokens.admin && !options.tokens.view) throw new InvalidInputError('the web view needs the admin token or a view token (setting adminToken or viewToken) to log in with')
    this.#options = options
    this.#sessions = new WebSessions(options.tokens)
  }

  // Every request of the port but the worker download.
  handle (request: http.IncomingMessage, response: http.ServerResponse): void {
    this.#route(request, response).catch((error: unknown) => this.#fail(response, error))
  }

  close (): void {
    if (this.#ticker) clearInterval(this.#ticker)
    this.#ticker = null
    for (const stream of this.#streams) stream.response.end()
    this.#streams.clear()
    for (const sessionId of [...this.#uploads.keys()]) this.#dropUpload(sessionId)
  }

  async #route (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://x')
    const method = request.method ?? 'GET'
    const page = this.#options.page
    if (method === 'GET' || method === 'HEAD') {
      const file = url.pathname === '/' ? page.html : url.pathname === '/app.js' ? page.js : url.pathname === '/app.css' ? page.css : null
      if (file) return send(response, 200, file.type, file.bytes, { 'cache-control': 'no-cache', etag: file.etag }, method === 'HEAD')
    }
    if (!url.pathname.startsWith('/api/')) return sendJson(response, 404, { error: { code: 'TASKORCH_ERR_INVALID_INPUT', message: `nothing at ${url.pathname.slice(0, 64)}` } })
    if (method !== 'GET') checkSameSite(request)
    if (url.pathname === '/api/login' && method === 'POST') return this.#login(request, response)
    const session = this.#sessions.session(request.headers.cookie)
    if (!session) throw new WebAccessError(401, 'log in first (with the admin token or the view token)')
    const route: Route = { session, request, response, url }
    const parts = url.pathname.split('/').slice(2).map(decoded) // api/a/b -> [a, b]
    if (method === 'GET') {
      if (url.pathname === '/api/session') return sendJson(response, 200, this.#sessionInfo(session.role))
      if (url.pathname === '/api/events') return this.#stream(route)
      if (url.pathname === '/api/files') return sendJson(response, 200, { files: this.#options.uploads.list() })
      if (parts[0] === 'jobs' && parts[2] === 'results' && parts.length === 3) {
        return sendJson(response, 200, webResults(jobById(this.#options.fleet, parts[1]), count(url.searchParams.get('from') ?? '0', 'from')))
      }
      if (parts[0] === 'jobs' && parts[2] === 'results.txt' && parts.length === 3) return download(response, jobById(this.#options.fleet, parts[1]))
    }
    if (method === 'POST') {
      if (url.pathname === '/api/logout') {
        this.#sessions.logout(request.headers.cookie)
        this.#dropUpload(session.id)
        return send(response, 204, 'text/plain', new Uint8Array(), { 'set-cookie': sessionCookie(null) })
      }
      if (session.role !== 'admin') throw new WebAccessError(403, 'this session watches only: log in with the admin token to change anything')
      if (url.pathname === '/api/files') return this.#upload(route)
      if (url.pathname === '/api/jobs') return this.#submit(route)
      if (parts[0] === 'jobs' && parts.length === 3) return this.#steer(route, jobById(this.#options.fleet, parts[1]), parts[2])
    }
    return sendJson(response, 404, { error: { code: 'TASKORCH_ERR_INVALID_INPUT', message: `no ${method} ${url.pathname.slice(0, 64)}` } })
  }

  async #login (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const address = request.socket.remoteAddress ?? '?'
    const guesser = addressKey(address) // an IPv6 /64 is one machine's, as the listener counts it
    const { token } = validateLogin(await jsonBody(request, MAX_LOGIN_BODY_BYTES))
    const throttled = this.#sessions.throttled(guesser)
    if (throttled) await delay(THROTTLED_LOGIN_DELAY_MS)
    const session = this.#sessions.login(token, guesser)
    if (!session) {
      // Logged until the address is throttled, then once a minute at most.
      if (!throttled) this.#options.log('warn', `web view: a wrong token from ${address}`)
      else if (this.#sessions.justThrottled(guesser)) this.#options.log('warn', `web view: ${address} keeps giving wrong tokens; each of its logins now waits ${THROTTLED_LOGIN_DELAY_MS / 1000} s, and is not logged for a minute`)
      throw new WebAccessError(401, 'that is neither the admin token nor the view token')
    }
    this.#options.log('info', `web view: ${session.role === 'admin' ? 'an admin' : 'a viewer'} logged in from ${address}`)
    sendJson(response, 200, this.#sessionInfo(session.role), { 'set-cookie': sessionCookie(session.id) })
  }

  #sessionInfo (role: WebSession['role']): WebSession {
    return { role, joinLine: this.#options.joinLine(), version: SOFTWARE_VERSION, modes: modesByNumber().map((a) => ({ mode: infoOf(a).hashcat, name: a, title: infoOf(a).name })), maxPriority: MAX_PRIORITY }
  }

  // The form, read as the server's flags are; its files chosen among those the server holds.
  async #submit ({ request, response }: Route): Promise<void> {
    const s: WebSubmission = validateSubmission(await jsonBody(request))
    const uploads = this.#options.uploads
    const [charset1, charset2, charset3, charset4] = s.charsets
    const form: JobForm = {
      algorithm: s.algorithm, targets: s.targets, targetsFile: '', username: s.username ? 'y' : '', hexSalt: s.hexSalt ? 'y' : '', strict: s.strict ? 'y' : '', keyspace: s.keyspace, increment: s.increment,
      charset1, charset2, charset3, charset4, wordlist: '', rules: '', ruleLeft: s.ruleLeft, ruleRight: s.ruleRight, attackMode: s.attackMode, priority: s.priority || '0'
    }
    const files = { targetsFile: s.targetsFile ? uploads.stored(s.targetsFile) : undefined, wordlists: s.wordlists.map((f) => uploads.stored(f)), rules: s.rules.map((f) => uploads.stored(f)) }
    const { request: job, warnings } = await requestOf(describeForm(form, files))
    for (const warning of warnings) this.#options.log('warn', warning)
    const added = await this.#options.fleet.addTasks(job, { waitForHashcat: false })
    this.#options.log('info', `web view: job ${added.id} submitted from ${request.socket.remoteAddress}`)
    sendJson(response, 201, { job: added.id, warnings })
  }

  async #steer ({ request, response }: Route, job: Job, action: string): Promise<void> {
    if (job.state.endedAt !== null) throw new InvalidInputError(`job ${job.id} has already ended (${job.status})`)
    if (action === 'pause') job.pause()
    else if (action === 'resume') job.resume()
    else if (action === 'cancel') job.cancel()
    else if (action === 'priority') job.setPriority(validatePriorityChange(await jsonBody(request)).priority)
    else throw new InvalidInputError(`no action "${action.slice(0, 32)}" on a job: pause, resume, cancel or priority`)
    const done = action === 'priority' ? `given priority ${job.state.priority}` : STEERED[action]
    this.#options.log('info', `web view: job ${job.id} ${done} from ${request.socket.remoteAddress}`)
    this.#push()
    sendJson(response, 200, { job: job.id, status: job.status })
  }

  // POST /api/files?name=NAME&size=BYTES&offset=N, the piece as the body. Offset 0 starts a file
  // (dropping one this session left unfinished); the answer gives what arrived, and the stored
  // file once the last piece is in.
  async #upload ({ session, request, response, url }: Route): Promise<void> {
    const name = fileName(url.searchParams.get('name'))
    const size = count(url.searchParams.get('size') ?? '', 'size', MAX_UPLOAD_BYTES)
    const offset = count(url.searchParams.get('offset') ?? '', 'offset', size)
    const length = count(request.headers['content-length'] ?? '', 'content-length', WEB_UPLOAD_PIECE_BYTES)
    if (offset + length > size) throw new InvalidInputError(`upload of ${name}: the piece at ${offset} runs past the ${size} bytes announced`)
    let incoming = this.#uploads.get(session.id)?.incoming ?? null
    if (offset === 0) {
      this.#dropUpload(session.id)
      incoming = await this.#options.uploads.begin(name, size)
    }
    if (!incoming || incoming.name !== name || incoming.size !== size || incoming.received !== offset) {
      throw new InvalidInputError(`upload of ${name}: the piece at ${offset} does not follow what was received; start again`)
    }
    this.#takeUpload(session.id)
    try {
      for await (const piece of request) await incoming.write(piece as Buffer)
      if (incoming.received - offset !== length) throw new InvalidInputError(`upload of ${name}: the piece at ${offset} was cut short`)
    } catch (error) {
      await incoming.abandon()
      throw error
    }
    if (incoming.received < size) {
      this.#dropUpload(session.id) // another file begun meanwhile (the page sends one at a time)
      const waiting: Upload = { incoming, timer: setTimeout(() => this.#uploads.get(session.id) === waiting && this.#dropUpload(session.id), UPLOAD_IDLE_MS).unref() }
      this.#uploads.set(session.id, waiting)
      return sendJson(response, 200, { received: incoming.received, file: null })
    }
    const file = await incoming.finish()
    this.#options.log('info', `web view: stored ${name} (${size} bytes) in ${this.#options.uploads.pathOf(file)}`)
    sendJson(response, 200, { received: size, file })
  }

  // The session's unfinished upload, no longer waiting for its next piece.
  #takeUpload (sessionId: string): Incoming | null {
    const upload = this.#uploads.get(sessionId)
    if (!upload) return null
    clearTimeout(upload.timer)
    this.#uploads.delete(sessionId)
    return upload.incoming
  }

  #dropUpload (sessionId: string): void {
    void this.#takeUpload(sessionId)?.abandon()
  }

  // GET /api/events?job=ID: snapshots while the page is open and its session lives.
  #stream ({ session, request, response, url }: Route): void {
    const open = [...this.#streams]
    if (open.length >= MAX_EVENT_STREAMS || open.filter((s) => s.session === session.id).length >= MAX_STREAMS_PER_SESSION) {
      return sendJson(response, 503, { error: { code: 'TASKORCH_ERR_SERVER_BUSY', message: 'too many pages are open already: close some' } })
    }
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', ...SECURITY_HEADERS })
    const stream: Stream = { response, session: session.id, job: url.searchParams.get('job'), last: '', sentAt: 0 }
    this.#streams.add(stream)
    response.once('close', () => this.#streams.delete(stream))
    this.#ticker ??= setInterval(() => this.#push(), PUSH_INTERVAL_MS).unref()
    this.#push()
  }

  // Each stream gets the snapshot if it changed (or a keep-alive comment when quiet for long), unless
  // it has not taken the last one yet (a page that stopped reading costs one snapshot, not a queue);
  // a stream whose session has ended is closed, and the page asks to log in again.
  #push (): void {
    const time = Date.now()
    let snapshot: ReturnType<typeof webSnapshot> | null = null // made once a push, if a stream is open
    const shared = new Map<string | null, string>() // one text per job shown, for all streams
    for (const stream of this.#streams) {
      if (!this.#sessions.touch(stream.session)) {
        stream.response.end('event: logged-out\ndata: {}\n\n')
        this.#streams.delete(stream)
        continue
      }
      let data = shared.get(stream.job)
      if (data === undefined) {
        snapshot ??= webSnapshot(this.#options.fleet, time)
        data = JSON.stringify({ ...snapshot.base, chunks: snapshot.chunks(stream.job) })
        shared.set(stream.job, data)
      }
      if (stream.response.writableNeedDrain) continue
      if (data !== stream.last) {
        stream.last = data
        stream.sentAt = time
        stream.response.write(`event: snapshot\ndata: ${data}\n\n`)
      } else if (time - stream.sentAt >= KEEPALIVE_MS) {
        stream.sentAt = time
        stream.response.write(': keep-alive\n\n')
      }
    }
    if (this.#streams.size === 0 && this.#ticker) {
      clearInterval(this.#ticker)
      this.#ticker = null
    }
  }

  #fail (response: http.ServerResponse, thrown: unknown): void {
    const error = coded(thrown)
    const status = error instanceof WebAccessError ? error.status : error instanceof UnknownJobError ? 404 : error instanceof InvalidInputError || error.code === 'TASKORCH_ERR_INVALID_MESSAGE' ? 400 : 500
    if (status === 500) this.#options.log('error', `web view: ${error.message}`)
    if (response.headersSent) return void response.destroy()
    // A failure of the server's own (its disk, a bug) is told in its log, not to the browser.
    sendJson(response, status, { error: { code: error.code, message: status === 500 ? 'the server failed: its log says why' : error.message } })
  }
}

// A request that changes something must come from the page: its header, and no other site's Origin
// (its scheme aside: a TLS proxy in front serves the page as https).
function checkSameSite (request: http.IncomingMessage): void {
  const origin = request.headers.origin
  const site = request.headers['sec-fetch-site']
  if (request.headers[REQUEST_HEADER] !== '1' || (origin !== undefined && originHost(origin) !== request.headers.host) || (site !== undefined && site !== 'same-origin')) {
    throw new WebAccessError(403, 'refused: a request that changes something must come from the web view\'s own page')
  }
}

function originHost (origin: string): string | null {
  try {
    return new URL(origin).host
  } catch {
    return null // "null", or nonsense
  }
}

// A path part, percent-decoded (an id in a URL may be encoded); as given if it does not decode.
function decoded (part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

async function jsonBody (request: http.IncomingMessage, max = MAX_WEB_BODY_BYTES): Promise<unknown> {
  if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) throw new InvalidInputError('send JSON (content-type application/json)')
  const pieces: Buffer[] = []
  let length = 0
  for await (const piece of request) {
    length += (piece as Buffer).length
    if (length > max) throw new InvalidInputError(`the request is larger than ${max} bytes${max === MAX_WEB_BODY_BYTES ? ': upload large hash lists as a file' : ''}`)
    pieces.push(piece as Buffer)
  }
  try {
    return JSON.parse(Buffer.concat(pieces).toString('utf8'))
  } catch {
    throw new InvalidInputError('the request\'s body is not JSON')
  }
}

function count (text: string | string[], what: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = typeof text === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : NaN
  if (!(value <= max)) throw new InvalidInputError(`"${what}" must be a whole number from 0 to ${max}`)
  return value
}

// A job's results as `--show --username` prints them ([user:]hash:plaintext), to save; written a
// batch at a time, waiting while the browser is slower than the server.
async function download (response: http.ServerResponse, job: Job): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-disposition': `attachment; filename="job-${job.id}.potfile"`, 'cache-control': 'no-store', ...SECURITY_HEADERS })
  const found = job.state.found
  for (let from = 0; from < found.length; from += DOWNLOAD_BATCH) {
    const lines = found.slice(from, from + DOWNLOAD_BATCH).flatMap((f) => resultLines(shownResult(job.state.algorithm, foundOf(f, job.users))))
    if (!response.write(lines.join('\n') + '\n')) await once(response, 'drain')
  }
  response.end()
}

function send (response: http.ServerResponse, status: number, type: string, bytes: Uint8Array, headers: http.OutgoingHttpHeaders = {}, headOnly = false): void {
  response.writeHead(status, { 'content-type': type, 'content-length': bytes.length, ...SECURITY_HEADERS, ...headers })
  response.end(headOnly ? undefined : bytes)
}

function sendJson (response: http.ServerResponse, status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  send(response, status, 'application/json; charset=utf-8', Buffer.from(JSON.stringify(value)), { 'cache-control': 'no-store', ...headers })
}

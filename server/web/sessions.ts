// Who is logged in to the web view: a login with the admin token (steers) or the view token (watches)
// gives a random session id, kept in an HttpOnly, SameSite=Strict cookie and in memory only (a
// restarted server asks again). Tokens are compared in constant time; an address that keeps
// guessing is throttled (the web view slows its logins down).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { WebRole } from './api.ts'

export const SESSION_COOKIE = 'taskorch_session'
// A session unused this long is gone (an open page keeps its session in use).
export const SESSION_IDLE_MS = 12 * 60 * 60_000
// At most this many sessions at once: a new login drops the least recently used.
export const MAX_WEB_SESSIONS = 64
// Wrong tokens an address may give in LOGIN_WINDOW_MS before it is throttled until the window passes.
export const MAX_LOGIN_FAILURES = 10
export const LOGIN_WINDOW_MS = 60_000
// Addresses whose failures are remembered (the oldest forgotten first).
const MAX_FAILING_ADDRESSES = 1_024

type Session = { role: WebRole, usedAt: number }
type Failures = { count: number, since: number }

const digest = (text: string) => createHash('sha256').update(text).digest()

export class WebSessions {
  readonly #tokens: { digest: Buffer, role: WebRole }[]
  readonly #sessions = new Map<string, Session>() // least recently used first
  readonly #failures = new Map<string, Failures>()
  readonly #now: () => number

  constructor (tokens: { admin: string | null, view: string | null }, now = Date.now) {
    this.#tokens = ([['admin', tokens.admin], ['view', tokens.view]] as const).flatMap(([role, token]) => token ? [{ digest: digest(token), role }] : [])
    this.#now = now
  }

  // Whether this address has guessed wrong too often lately.
  throttled (address: string): boolean {
    const failures = this.#failures.get(address)
    if (!failures) return false
    if (this.#now() - failures.since >= LOGIN_WINDOW_MS) {
      this.#failures.delete(address)
      return false
    }
    return failures.count >= MAX_LOGIN_FAILURES
  }

  // Whether the last wrong token was the one that got this address throttled (for one log line).
  justThrottled (address: string): boolean {
    return this.#failures.get(address)?.count === MAX_LOGIN_FAILURES + 1
  }

  // A new session's id for a right token; null (and a failure counted) for a wrong one.
  login (token: string, address: string): { id: string, role: WebRole } | null {
    const given = digest(token)
    let role: WebRole | null = null
    for (const known of this.#tokens) if (timingSafeEqual(known.digest, given)) role = known.role
    if (role === null) {
      const failures = this.#failures.get(address) ?? { count: 0, since: this.#now() }
      failures.count++
      this.#failures.delete(address)
      this.#failures.set(address, failures)
      for (const oldest of this.#failures.keys()) if (this.#failures.size > MAX_FAILING_ADDRESSES) this.#failures.delete(oldest)
      return null
    }
    const id = randomBytes(32).toString('base64url')
    this.#sessions.set(id, { role, usedAt: this.#now() })
    for (const oldest of this.#sessions.keys()) if (this.#sessions.size > MAX_WEB_SESSIONS) this.#sessions.delete(oldest)
    return { id, role }
  }

  // The session a request's cookie names, marked used; null without a live one.
  session (cookieHeader: string | undefined): { id: string, role: WebRole } | null {
    const id = sessionId(cookieHeader)
    const role = id === null ? null : this.touch(id)
    return role === null ? null : { id: id!, role }
  }

  // The role of session `id`, marked used; null once it has ended.
  touch (id: string): WebRole | null {
    const session = this.#sessions.get(id)
    if (!session) return null
    const now = this.#now()
    this.#sessions.delete(id)
    if (now - session.usedAt >= SESSION_IDLE_MS) return null
    session.usedAt = now
    this.#sessions.set(id, session) // now the most recently used
    return session.role
  }

  logout (cookieHeader: string | undefined): void {
    const id = sessionId(cookieHeader)
    if (id !== null) this.#sessions.delete(id)
  }
}

function sessionId (cookieHeader: string | undefined): string | null {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, value] = part.trim().split('=', 2)
    if (name === SESSION_COOKIE && value && /^[A-Za-z0-9_-]{43}$/.test(value)) return value
  }
  return null
}

// The cookie a login sets (and a logout clears): kept until the browser closes, the server ending
// the session when it goes unused. No Secure flag: the port is plain HTTP (docs/security.md).
export function sessionCookie (id: string | null): string {
  return `${SESSION_COOKIE}=${id ?? ''}; HttpOnly; SameSite=Strict; Path=/${id === null ? '; Max-Age=0' : ''}`
}

// The web view's page: log in, then jobs, one job, workers, a new job and the join line, kept live by
// the server's event stream (one snapshot at a time, each replacing what the page shows, so a page
// left open for days neither drifts nor grows).
import type { WebSession, WebSnapshot } from '../api.ts'
import type { App, Page } from './app.ts'
import { ApiError, api, h } from './dom.ts'
import { jobPage, jobsPage, joinPage, workersPage } from './pages.ts'
import { submitPage } from './submit.ts'

const RETRY_MS = 3_000
const root = document.getElementById('app')!
let events: EventSource | null = null
let page: Page | null = null
let app: App | null = null

async function start (): Promise<void> {
  try {
    showApp(await api<WebSession>('/api/session'))
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showLogin()
    root.replaceChildren(h('p', { class: 'error' }, `Cannot reach the server: ${(error as Error).message}`))
    setTimeout(() => void start(), RETRY_MS)
  }
}

function showLogin (message = ''): void {
  events?.close()
  events = null
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true, placeholder: 'admin token or view token' })
  const note = h('p', { class: 'error', role: 'alert' }, message)
  const form = h('form', {
    class: 'login',
    onsubmit: (event) => {
      event.preventDefault()
      api<WebSession>('/api/login', { json: { token: token.value } }).then(showApp, (error: Error) => { note.textContent = error.message })
    }
  }, h('h1', {}, 'TaskOrchestrator'), h('label', {}, 'Token', token), h('button', { type: 'submit' }, 'Log in'), note)
  root.replaceChildren(form)
  token.focus()
}

function showApp (session: WebSession): void {
  const status = h('span', { class: 'live', 'aria-live': 'polite' }, 'connecting…')
  const nav = h('nav', {},
    h('a', { href: '#/jobs' }, 'Jobs'), h('a', { href: '#/workers' }, 'Workers'),
    session.role === 'admin' && h('a', { href: '#/new' }, 'New job'), h('a', { href: '#/join' }, 'Join a machine'),
    h('span', { class: 'spacer' }), status, h('span', { class: 'role' }, session.role === 'admin' ? 'admin' : 'view only'),
    h('button', { class: 'link', onclick: () => void api('/api/logout', { method: 'POST' }).finally(() => showLogin()) }, 'Log out'))
  const content = h('section', {})
  const notice = h('p', { class: 'error', role: 'alert', hidden: true })
  root.replaceChildren(h('header', {}, h('strong', {}, 'TaskOrchestrator'), nav), notice, content)
  app = {
    session,
    snapshot: null,
    go: (route) => { location.hash = route },
    fail: (error) => {
      if (error instanceof ApiError && error.status === 401) return showLogin('Your session has ended: log in again.')
      notice.textContent = (error as Error).message
      notice.hidden = false
    }
  }
  const route = () => {
    notice.hidden = true
    const [name, id] = location.hash.replace(/^#\/?/, '').split('/')
    page = name === 'job' && id ? jobPage(app!, decodeURIComponent(id)) : name === 'workers' ? workersPage(app!) : name === 'new' && session.role === 'admin' ? submitPage(app!) : name === 'join' ? joinPage(app!) : jobsPage(app!)
    for (const link of nav.querySelectorAll('a')) link.classList.toggle('current', link.getAttribute('href') === `#/${name || 'jobs'}`)
    content.replaceChildren(page.element)
    if (app!.snapshot) page.update(app!.snapshot)
    listen(name === 'job' && id ? decodeURIComponent(id) : null, status)
  }
  window.onhashchange = route
  route()
}

// The event stream: reopened for the job a page shows (its chunks come with it).
function listen (job: string | null, status: HTMLElement): void {
  events?.close()
  const source = new EventSource(`/api/events${job === null ? '' : `?job=${encodeURIComponent(job)}`}`)
  events = source
  source.addEventListener('open', () => { status.textContent = 'live' })
  source.addEventListener('snapshot', (event) => {
    const snapshot = JSON.parse((event as MessageEvent<string>).data) as WebSnapshot
    app!.snapshot = snapshot
    page?.update(snapshot)
  })
  source.addEventListener('logged-out', () => showLogin('Your session has ended: log in again.'))
  source.addEventListener('error', () => {
    status.textContent = 'reconnecting…'
    if (source.readyState !== EventSource.CLOSED) return // the browser tries again by itself
    // Refused (logged out, or the server restarted and forgot the session): ask why.
    api<WebSession>('/api/session').then(() => setTimeout(() => events === source && listen(job, status), RETRY_MS), (error) => app!.fail(error))
  })
}

void start()

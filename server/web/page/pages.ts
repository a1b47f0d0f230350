// The pages that show the fleet: jobs, one job (its results and chunks), workers, and the join line.
import type { WebJob, WebResult, WebResults, WebSnapshot } from '../api.ts'
import { ago, api, duration, grouped, h, num, rate } from './dom.ts'
import type { App, Page } from './app.ts'

// Results drawn on a job's page at most (ctl results gives them all).
const MAX_SHOWN_RESULTS = 5_000

const ATTACKS: Record<number, string> = { 0: 'wordlist', 1: 'combinator', 3: 'mask', 6: 'hybrid word+mask', 7: 'hybrid mask+word' }

function progress (job: WebJob): HTMLElement {
  const [done, size] = job.progress.map(num)
  const share = size > 0 ? Math.min(1, done / size) : 1
  return h('div', { class: 'progress', title: `${grouped(job.progress[0])} of ${grouped(job.progress[1])}` },
    h('progress', { max: 1, value: share }), h('span', { class: 'share' }, `${(share * 100).toFixed(share < 0.1 ? 2 : 1)}%`))
}

function state (job: WebJob): HTMLElement {
  return h('span', { class: `state ${job.status}` }, job.status)
}

// Pause or resume, and cancel: for admins, on a job still running or paused.
function controls (app: App, job: WebJob): HTMLElement | null {
  if (app.session.role !== 'admin' || job.ended) return null
  const act = (action: string) => () => {
    if (action === 'cancel' && !confirm(`Cancel job ${job.job}? It cannot be resumed.`)) return
    api(`/api/jobs/${encodeURIComponent(job.job)}/${action}`, { method: 'POST', json: {} }).catch(app.fail)
  }
  const paused = job.status === 'paused' || job.status === 'pausing'
  return h('span', { class: 'actions' },
    h('button', { type: 'button', onclick: act(paused ? 'resume' : 'pause') }, paused ? 'Resume' : 'Pause'),
    h('button', { type: 'button', class: 'danger', onclick: act('cancel') }, 'Cancel'))
}

// Each cell names its column (data-label), which a phone shows beside it, a row to a card.
function table (headings: string[], rows: HTMLElement[][], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'quiet' }, empty)
  const body = rows.map((cells) => h('tr', {}, cells.map((cell, i) => { cell.setAttribute('data-label', headings[i]); return cell })))
  return h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, headings.map((t) => h('th', {}, t)))), h('tbody', {}, body)))
}

export function jobsPage (app: App): Page {
  const list = h('div', {})
  const element = h('div', {}, h('h2', {}, 'Jobs'), list)
  return {
    element,
    update: (snapshot) => {
      const rows = [...snapshot.jobs].reverse().map((job) => [
        h('td', {}, h('a', { href: `#/job/${encodeURIComponent(job.job)}` }, job.job)),
        h('td', {}, state(job)),
        h('td', {}, job.algorithm),
        h('td', { class: 'keyspace' }, h('span', {}, h('span', { class: 'quiet' }, `-a ${job.attack} `), job.keyspace)),
        h('td', {}, progress(job)),
        h('td', { class: 'num' }, job.ended ? '' : rate(job.speed)),
        h('td', { class: 'num' }, job.eta === null ? '' : duration(job.eta)),
        h('td', { class: 'num' }, `${job.recovered[0]}/${job.recovered[1]}`),
        h('td', { class: 'num' }, job.priority),
        h('td', {}, controls(app, job))])
      list.replaceChildren(table(['Job', 'State', 'Mode', 'Keyspace', 'Progress', 'Speed', 'ETA', 'Found', 'Priority', ''], rows,
        app.session.role === 'admin' ? 'No jobs yet: add one under New job.' : 'No jobs yet.'))
    }
  }
}

export function jobPage (app: App, id: string): Page {
  const figures = h('div', {})
  const chunks = h('div', { class: 'chunks' })
  const results: WebResult[] = []
  const resultRows = h('div', {})
  let fetching = false
  let total = 0
  const priority = h('input', { type: 'number', min: 0, max: app.session.maxPriority, step: 1, name: 'priority', class: 'short' })
  let priorityShown = false
  const steer = app.session.role === 'admin'
    ? h('form', {
      class: 'inline',
      onsubmit: (event) => {
        event.preventDefault()
        api(`/api/jobs/${encodeURIComponent(id)}/priority`, { json: { priority: Number(priority.value) } }).catch(app.fail)
      }
    }, h('label', {}, 'Priority ', priority), h('button', { type: 'submit' }, 'Set'))
    : null
  const controlsSlot = h('span', {})
  const element = h('div', {},
    h('h2', {}, `Job ${id}`), figures, h('div', { class: 'toolbar' }, controlsSlot, steer),
    h('h3', {}, 'Results'), resultRows, h('h3', {}, 'Chunks in flight'), chunks)

  // Results come a page at a time, from the first not yet held, whenever the count says more exist.
  const fetchResults = async () => {
    if (fetching) return
    fetching = true
    try {
      while (results.length < total && results.length < MAX_SHOWN_RESULTS) {
        const page = await api<WebResults>(`/api/jobs/${encodeURIComponent(id)}/results?from=${results.length}`)
        results.push(...page.results)
        if (page.next === null) break
      }
    } catch (error) {
      app.fail(error)
    }
    fetching = false
    drawResults()
  }
  const drawResults = () => {
    // Confirmations exist only for modes we have no kernel for (hashcat workers confirm their finds).
    const confirmed = results.some((r) => r.confirmedBy !== null)
    const rows = results.slice(0, MAX_SHOWN_RESULTS).map((r) => [
      h('td', {}, r.users.join(', ')), h('td', { class: 'hash' }, r.hash), h('td', { class: 'plain' }, r.plaintext),
      confirmed && h('td', {}, r.confirmedBy === null ? '' : r.byFinder ? `${r.confirmedBy} (its own hashcat)` : r.confirmedBy)].filter((c) => c !== false))
    resultRows.replaceChildren(table(['User', 'Hash', 'Plaintext', ...(confirmed ? ['Confirmed by'] : [])], rows, 'Nothing found yet.'),
      total > 0 ? h('p', {}, h('a', { href: `/api/jobs/${encodeURIComponent(id)}/results.txt`, download: `job-${id}.potfile` }, 'Download them all'), h('span', { class: 'quiet' }, ' ([user:]hash:plaintext lines, as --show prints them)')) : '',
      total > MAX_SHOWN_RESULTS ? h('p', { class: 'quiet' }, `The first ${MAX_SHOWN_RESULTS} of ${total} are shown.`) : '')
  }

  return {
    element,
    update: (snapshot: WebSnapshot) => {
      const job = snapshot.jobs.find((j) => j.job === id)
      if (!job) {
        figures.replaceChildren(h('p', { class: 'error' }, `No job ${id} on this server.`))
        return
      }
      if (!priorityShown && steer) {
        priority.value = String(job.priority)
        priorityShown = true
      }
      figures.replaceChildren(h('dl', { class: 'figures' },
        h('dt', {}, 'State'), h('dd', {}, state(job)),
        h('dt', {}, 'Mode'), h('dd', {}, job.algorithm),
        h('dt', {}, 'Attack'), h('dd', {}, `-a ${job.attack} (${ATTACKS[job.attack] ?? '?'})`),
        h('dt', {}, 'Keyspace'), h('dd', { class: 'keyspace' }, job.keyspace),
        h('dt', {}, 'Progress'), h('dd', {}, progress(job), h('span', { class: 'quiet' }, `${grouped(job.progress[0])} of ${grouped(job.progress[1])} candidates`)),
        h('dt', {}, 'Speed'), h('dd', {}, rate(job.speed)),
        h('dt', {}, 'ETA'), h('dd', {}, job.eta === null ? '–' : duration(job.eta)),
        h('dt', {}, 'Found'), h('dd', {}, `${job.recovered[0]} of ${job.recovered[1]}`),
        h('dt', {}, 'Priority'), h('dd', {}, job.priority),
        h('dt', {}, 'Started'), h('dd', {}, new Date(job.createdAt).toLocaleString()),
        h('dt', {}, 'Workers on it'), h('dd', {}, job.workers.length === 0 ? '–' : job.workers.map((w) => `${w.name} (${rate(w.speed)}, ${w.state})`).join('; '))))
      controlsSlot.replaceChildren(controls(app, job) ?? '')
      const held = snapshot.chunks ?? []
      chunks.replaceChildren(table(['Worker', 'From candidate', 'Candidates', 'Searched', ''], held.map((c) => [
        h('td', {}, c.worker), h('td', { class: 'num' }, grouped(c.offset)), h('td', { class: 'num' }, grouped(c.length)), h('td', { class: 'num' }, grouped(c.searched)), h('td', {}, c.twin ? 'twin' : '')]),
      job.ended ? 'The job has ended.' : 'No chunk is out.'))
      if (job.recovered[0] !== total || results.length === 0) {
        total = job.recovered[0]
        if (results.length < total) void fetchResults()
        else drawResults()
      }
    }
  }
}

export function workersPage (app: App): Page {
  const list = h('div', {})
  return {
    element: h('div', {}, h('h2', {}, 'Workers'), list),
    update: (snapshot) => {
      const rows = snapshot.workers.map((w) => [
        h('td', {}, w.name), h('td', {}, w.address), h('td', { class: 'backend' }, w.backend), h('td', { class: 'num' }, `${w.threads} / ${w.cores}`),
        h('td', {}, w.quarantined ? h('span', { class: 'state cancelled' }, 'caught') : w.state),
        h('td', { class: 'num' }, rate(w.speed)),
        h('td', {}, w.speeds.map(([algorithm, speed]) => `${algorithm} ${rate(speed)}`).join(', ')),
        h('td', { class: 'num' }, w.chunks),
        h('td', {}, ago(w.lastSeenAt)),
        h('td', {}, w.quarantined ? 'caught skipping work' : w.verified > 0 ? `yes (${w.verified} checked)` : 'not yet')])
      list.replaceChildren(table(['Name', 'Address', 'Backend', 'Threads / cores', 'State', 'Speed', 'Speed by mode', 'Chunks', 'Last report', 'Verified'], rows,
        'No worker is connected: Join a machine shows how to add one.'))
    }
  }
}

export function joinPage (app: App): Page {
  const line = app.session.joinLine
  const note = h('span', { class: 'quiet', 'aria-live': 'polite' })
  const code = h('pre', { class: 'join' }, line ?? '')
  const copy = () => {
    const done = () => { note.textContent = 'copied' }
    // The clipboard API needs a secure context (https or localhost); elsewhere, select and copy.
    if (navigator.clipboard && window.isSecureContext) return void navigator.clipboard.writeText(line ?? '').then(done, app.fail)
    getSelection()?.selectAllChildren(code)
    if (document.execCommand('copy')) done()
    else note.textContent = 'selected: copy it with your keyboard'
  }
  return {
    element: h('div', {}, h('h2', {}, 'Join a machine'),
      line === null
        ? h('p', {}, 'This server serves no worker download (--no-download): start a worker from the repository with npm run worker.')
        : [h('p', {}, 'Paste this line on the new machine (it needs Node 20 and curl). It downloads the worker, checks its SHA-256, and asks for the workers\' token.'),
            code, h('button', { type: 'button', onclick: copy }, 'Copy'), ' ', note]),
    update: () => {}
  }
}

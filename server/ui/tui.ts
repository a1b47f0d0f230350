// The server's terminal UI (blessed): lays out the Dashboard's view and turns keys into job controls.
// It redraws at most RENDER_INTERVAL_MS apart and only when something changed, so a busy server
// spends its time on sockets, not on the screen. The terminal is restored on every way out.
import { infoOf, isPassThrough, parseAlgorithm } from '../../shared/algorithms.ts'
import blessed from 'blessed'
import type { Dashboard, View } from './dashboard.ts'
import type { Job } from '../job.ts'
import { isLive } from '../scheduler/state.ts'
import type { JobForm } from '../job-description.ts'

const RENDER_INTERVAL_MS = 250
const SAMPLE_INTERVAL_MS = 1_000
// Cursor home, then erase the display.
const CLEAR_SCREEN = '\x1b[H\x1b[2J'
// How long a notice stays up before it closes by itself.
export const NOTICE_SECONDS = 2

// What the add-a-job form asks, as text; the server reads it as it reads the same flags.
const FORM_FIELDS: [keyof JobForm, string][] = [
  ['algorithm', 'hash mode (name or -m number)'],
  ['targets', 'target digests (hex, spaces between)'],
  ['targetsFile', 'or a hash list file (--targets)'],
  ['username', 'its lines start user: (--username, y)'],
  ['hexSalt', 'salts given in hex (--hex-salt, y)'],
  ['attackMode', 'attack -a 0/1/3/6/7 (blank: inferred)'],
  ['keyspace', 'range A-B or mask (?l?d...)'],
  ['wordlist', 'or a wordlist file (two for -a 1)'],
  ['rules', 'rule files -r (spaces between)'],
  ['ruleLeft', '-a 1: rule for left words (-j)'],
  ['ruleRight', '-a 1: rule for right words (-k)'],
  ['charset1', 'custom charset -1'],
  ['charset2', 'custom charset -2'],
  ['charset3', 'custom charset -3'],
  ['charset4', 'custom charset -4'],
  ['increment', 'mask --increment MIN-MAX'],
  ['priority', 'priority (higher runs first)'],
  ['strict', 'stop at a bad list line (--strict, y)']
]

// What the form's mode field names, as it is typed: hashcat's number and name, or that it names none.
function modeHint (text: string): string {
  if (text.trim() === '') return ''
  try {
    const algorithm = parseAlgorithm(text)
    if (isPassThrough(algorithm)) return `-m ${infoOf(algorithm).hashcat}: not ours, hashcat workers run it`
    return `-m ${infoOf(algorithm).hashcat} ${infoOf(algorithm).name}`
  } catch {
    return 'no such mode'
  }
}

const EMPTY_FORM: JobForm = {
  algorithm: 'md5', targets: '', targetsFile: '', username: '', hexSalt: '', attackMode: '', keyspace: '', wordlist: '', rules: '', ruleLeft: '', ruleRight: '',
  charset1: '', charset2: '', charset3: '', charset4: '', increment: '', priority: '0', strict: ''
}

export type TuiOptions = {
  dashboard: Dashboard
  jobs: () => Job[]
  addJob: (form: JobForm) => Promise<string> // resolves to a confirmation; rejects with a message on bad input
  quit: () => Promise<void>
  screen?: blessed.Widgets.Screen // tests pass one on a fake terminal
  noticeSeconds?: number // tests shorten it
}

const HELP_TEXT = [
  '{bold}Keys{/bold}',
  '',
  '  a        add a job (every option the command line has)',
  '  j        show the line that joins a new machine, whole, to copy',
  '  c        cancel the selected job (asks: y or enter stops it, n or esc keeps it)',
  '  p        pause or resume the selected job',
  '  tab      move between the workers and jobs tables',
  '  up/down  select a row',
  '  q        quit (asks first while jobs are running: y or enter quits)',
  '  ?        this help; any key closes it',
  '',
  'The form takes a hash mode by name or hashcat\'s -m number, and names the mode as it is typed;',
  'npm run ctl -- modes (or the server\'s --help) lists them all.'
].join('\n')

const WORKER_COLUMNS = ['worker', 'address', 'version', 'backend', 'cores/thr', 'speed', 'chunks', 'state', 'connected']
const JOB_COLUMNS = ['job', 'algo', 'keyspace', 'progress', 'speed', 'ETA', 'found', 'prio', 'status']

export class Tui {
  readonly screen: blessed.Widgets.Screen
  readonly #options: TuiOptions
  readonly #header: blessed.Widgets.BoxElement
  readonly #workers: blessed.Widgets.ListTableElement
  readonly #jobs: blessed.Widgets.ListTableElement
  readonly #results: blessed.Widgets.BoxElement
  readonly #speed: blessed.Widgets.BoxElement
  readonly #log: blessed.Widgets.BoxElement
  readonly #timers: NodeJS.Timeout[] = []
  #renderPending: NodeJS.Timeout | null = null
  #lastRender = 0
  #modal = false
  #destroyed = false
  #stepsAside = false // the screen is the terminal's own (the join line): nothing is drawn

  constructor (options: TuiOptions) {
    this.#options = options
    this.screen = options.screen ?? blessed.screen({ smartCSR: true, fullUnicode: true, title: 'TaskOrchestrator', warnings: false })
    // Draw borders as UTF-8 box characters, not the terminal's alternate charset, when the terminal
    // speaks UTF-8: same look, and copies and screen captures keep the lines.
    const tput = this.screen.tput as unknown as { unicode: boolean, brokenACS: boolean }
    if (tput.unicode) tput.brokenACS = true
    const parent = this.screen
    this.#header = blessed.box({ parent, top: 0, left: 0, width: '100%', height: 5, tags: true, border: { type: 'line' }, label: ' TaskOrchestrator ' })
    const table = (top: number | string, height: number | string, label: string) => blessed.listtable({
      parent, top, left: 0, width: '100%', height, border: { type: 'line' }, label, keys: true, tags: true, noCellBorders: true, align: 'left',
      style: { header: { bold: true }, cell: { selected: { inverse: true } }, border: {}, focus: { border: { fg: 'cyan' } } } as blessed.Widgets.ListTableOptions['style']
    })
    this.#workers = table(5, '30%-2', ' workers ')
    this.#jobs = table('30%+3', '30%-2', ' jobs ')
    const bottom = '60%+1'
    // Results and log keep their newest lines in view; wrapped lines make counting rows unreliable.
    const pane = (options: blessed.Widgets.BoxOptions) => blessed.box({ parent, border: { type: 'line' }, tags: false, scrollable: true, alwaysScroll: true, ...options })
    this.#results = pane({ top: bottom, left: 0, width: '40%', height: '40%-1', label: ' results (hash:plaintext) ' })
    this.#speed = blessed.box({ parent, top: bottom, left: '40%', width: '60%', height: 4, border: { type: 'line' }, label: ' total speed ', tags: false })
    this.#log = pane({ top: '60%+5', left: '40%', width: '60%', height: '40%-5', label: ' log ' })
    this.#jobs.focus()
    this.#bindKeys()
    this.screen.on('resize', () => this.render(true))
    this.#timers.push(setInterval(() => { options.dashboard.sample(); this.render() }, SAMPLE_INTERVAL_MS))
    for (const timer of this.#timers) timer.unref?.()
    this.render(true)
  }

  // Asks for a redraw; coalesced so bursts of events draw once.
  render (now = false): void {
    if (this.#destroyed || this.#stepsAside) return
    const wait = RENDER_INTERVAL_MS - (Date.now() - this.#lastRender)
    if (!now && wait > 0) {
      this.#renderPending ??= setTimeout(() => { this.#renderPending = null; this.render(true) }, wait)
      return
    }
    this.#lastRender = Date.now()
    this.#draw(this.#options.dashboard.view(Date.now(), Math.max(10, (this.#speed.width as number) - 4)))
    this.screen.render()
  }

  #draw (view: View): void {
    const { header } = view
    this.#header.setContent([
      ` listening on {bold}${header.listen}{/bold}   token fingerprint {bold}${header.fingerprint}{/bold}   server key {bold}${header.serverKey}{/bold}   ${view.workers.filter((w) => w.state === 'working' || w.state === 'idle').length} worker(s)`,
      ` join a machine (j shows the whole line): {bold}${blessed.escape(header.workerCommand)}{/bold}`,
      ' {gray-fg}a add job  c cancel  p pause/resume  j join line  tab switch table  q quit  ? help{/gray-fg}'
    ].join('\n'))
    keepSelection(this.#workers, [WORKER_COLUMNS, ...view.workers.map((w) => [w.name, w.address, w.version, w.backend, w.threads, w.speed, w.inFlight, w.state, w.connected].map(blessed.escape))])
    keepSelection(this.#jobs, [JOB_COLUMNS, ...view.jobs.map((j) => [j.id, j.algorithm, j.keyspace, j.progress, j.speed, j.eta, j.found, j.priority, j.status].map(blessed.escape))])
    // A line wider than the pane is shortened in the digest's middle, never wrapped inside it; the
    // full lines are printed on the way out.
    const width = Math.max(20, (this.#results.width as number) - 2)
    this.#results.setContent(view.results.length > 0 ? view.results.map((line) => blessed.escape(fitResult(line, width))).join('\n') : 'nothing found yet')
    this.#results.setScrollPerc(100)
    this.#speed.setContent(`${view.totalSpeed}\n${view.sparkline}`)
    this.#log.setContent(view.log.join('\n'))
    this.#log.setScrollPerc(100)
  }

  #selectedJob (): Job | undefined {
    const index = (this.#jobs as unknown as { selected: number }).selected - 1 // row 0 is the header
    return this.#options.jobs()[index]
  }

  #bindKeys (): void {
    const screen = this.screen
    const guarded = (handler: () => void) => () => { if (!this.#modal) handler() }
    screen.key(['tab'], guarded(() => (screen.focused === this.#jobs ? this.#workers : this.#jobs).focus()))
    screen.key(['?'], guarded(() => this.#message(HELP_TEXT)))
    screen.key(['c'], guarded(() => {
      const job = this.#selectedJob()
      if (!job || (job.status !== 'running' && job.status !== 'paused')) return
      const searched = Number(job.searched) / Number(job.keyspaceSize)
      // Worded so that the dialog's Cancel button keeps the job, as it reads.
      this.#confirm(`Stop job ${job.id} for good (${(searched * 100).toFixed(1)}% searched, ${job.state.found.length}/${job.state.targets.size} found)?`, () => job.cancel())
    }))
    screen.key(['p'], guarded(() => {
      const job = this.#selectedJob()
      if (job?.status === 'running') job.pause()
      else if (job?.status === 'paused') job.resume()
      this.render(true)
    }))
    screen.key(['a'], guarded(() => this.#addJobForm()))
    screen.key(['j'], guarded(() => this.#showJoinLine()))
    screen.key(['q'], guarded(() => {
      const running = this.#options.jobs().filter((j) => isLive(j.state)).length
      if (running === 0) return void this.#options.quit()
      this.#confirm(`${running} job(s) still running. Quit anyway?`, () => void this.#options.quit())
    }))
    screen.key(['C-c'], () => void this.#options.quit())
  }

  // A yes/no question: its buttons are the one set of choices (y or enter: Okay, n or esc: Cancel).
  #confirm (text: string, yes: () => void): void {
    this.#modal = true
    const question = blessed.question({ parent: this.screen, top: 'center', left: 'center', width: 64, height: 7, border: { type: 'line' }, tags: true, keys: true })
    question.ask(blessed.escape(text), (_error, answer) => {
      question.destroy()
      this.#modal = false
      if (answer) yes()
      this.render(true)
    })
  }

  // A message any key closes (the help).
  #message (text: string): void {
    this.#modal = true
    const box = blessed.message({ parent: this.screen, top: 'center', left: 'center', width: '60%', height: 'shrink', border: { type: 'line' }, tags: true, keys: true })
    box.display(text, 0, () => {
      box.destroy()
      this.#modal = false
      this.render(true)
    })
  }

  // A line wider than the screen cannot be copied out of a drawn box (the terminal sees separate
  // rows), so the dashboard steps aside, draws nothing, and prints it plainly on a cleared screen
  // (CR LF: the terminal is raw) until a key is pressed; then every cell is drawn again.
  #showJoinLine (): void {
    this.#modal = true
    this.#stepsAside = true
    const line = this.#options.dashboard.header.workerCommand
    const screen = this.screen as blessed.Widgets.Screen & { leave (): void, enter (): void, realloc (): void } // in blessed, not in its types
    screen.leave()
    const text = ['Join a machine with this line (the worker asks for the token on its terminal):', '', line, '', 'Press any key to return to the dashboard.', '']
    this.screen.program.output.write(`${CLEAR_SCREEN}${text.join('\r\n')}`)
    setImmediate(() => this.screen.once('keypress', () => {
      this.screen.program.output.write(CLEAR_SCREEN)
      screen.enter()
      screen.realloc()
      this.#stepsAside = false
      this.#modal = false
      this.render(true)
    }))
  }

  // The add-a-job form: every option the command line has, one field a line. Keys go straight into
  // the current field as they arrive, so pasted text is kept whole; tab and the arrows move between
  // fields, enter adds the job, esc closes. A refusal is shown in the form, which keeps its values.
  #addJobForm (): void {
    this.#modal = true
    const values: JobForm = { ...EMPTY_FORM }
    let current = FORM_FIELDS.findIndex(([name]) => name === 'targets') // the algorithm has a default; the targets do not
    let problem = ''
    const form = blessed.box({ parent: this.screen, top: 'center', left: 'center', width: 90, height: FORM_FIELDS.length + 6, border: { type: 'line' }, label: ' add a job ', tags: true })
    const draw = () => {
      const lines = FORM_FIELDS.map(([name, label], i) => {
        const value = blessed.escape(values[name]) + (i === current ? '{inverse} {/inverse}' : '')
        const hint = name === 'algorithm' ? `  {gray-fg}${blessed.escape(modeHint(values.algorithm))}{/gray-fg}` : ''
        return `${i === current ? '{cyan-fg}>{/cyan-fg}' : ' '} ${label.padEnd(34)} ${i === current ? `{bold}${value}{/bold}` : value}${hint}`
      })
      lines.push('', problem ? `{red-fg}${blessed.escape(problem)}{/red-fg}` : '{gray-fg}tab/up/down: move   enter: add the job   esc: close{/gray-fg}')
      form.setContent(lines.join('\n'))
      this.screen.render()
    }
    const close = () => {
      this.screen.removeListener('keypress', onKey)
      form.destroy()
      this.#modal = false
      this.#jobs.focus()
      this.render(true)
    }
    const submit = () => {
      Promise.resolve().then(() => this.#options.addJob({ ...values })).then((confirmation) => {
        close()
        this.#notice(confirmation)
      }, (error: Error) => {
        problem = error.message
        draw()
      })
    }
    const onKey = (ch: string | undefined, key: { name?: string, ctrl?: boolean, meta?: boolean, full?: string }) => {
      const name = FORM_FIELDS[current][0]
      switch (key.name) {
        case 'escape': return close()
        case 'enter': return submit() // blessed reports a return key as 'return', then again as 'enter'
        case 'tab': current = (current + (key.full === 'S-tab' ? FORM_FIELDS.length - 1 : 1)) % FORM_FIELDS.length; break
        case 'down': current = (current + 1) % FORM_FIELDS.length; break
        case 'up': current = (current + FORM_FIELDS.length - 1) % FORM_FIELDS.length; break
        case 'backspace': values[name] = values[name].slice(0, -1); break
        default:
          if (!ch || key.ctrl || key.meta || ch < ' ') return
          values[name] += ch
      }
      problem = ''
      draw()
    }
    // Listening from the next turn: the 'a' that opened the form is not its first character.
    setImmediate(() => this.screen.on('keypress', onKey))
    draw()
  }

  // A note that closes by itself and takes no keys: the next key goes where it was meant to.
  #notice (text: string): void {
    const box = blessed.box({ parent: this.screen, top: 'center', left: 'center', width: '60%', height: 3, border: { type: 'line' }, tags: true, content: blessed.escape(text) })
    this.screen.render()
    const timer = setTimeout(() => { box.destroy(); this.render(true) }, (this.#options.noticeSeconds ?? NOTICE_SECONDS) * 1000)
    timer.unref()
  }

  destroy (): void {
    if (this.#destroyed) return
    this.#destroyed = true
    for (const timer of this.#timers) clearInterval(timer)
    if (this.#renderPending) clearTimeout(this.#renderPending)
    this.screen.destroy()
  }
}

// setData resets the highlighted row; put it back, clamped to the new rows.
function keepSelection (table: blessed.Widgets.ListTableElement, rows: string[][]): void {
  const selected = (table as unknown as { selected: number }).selected ?? 1
  table.setData(rows)
  table.select(Math.max(1, Math.min(selected, rows.length - 1)))
}

// `hash:plaintext` in `width` columns: the digest keeps its first and last 8 digits around an ellipsis.
export function fitResult (line: string, width: number): string {
  if (line.length <= width) return line
  const colon = line.indexOf(':')
  const hash = line.slice(0, colon)
  return hash.length > 17 ? `${hash.slice(0, 8)}…${hash.slice(-8)}${line.slice(colon)}` : line
}

// The add-a-job form: every option the server's flags take (server/job-description.ts reads it as
// it reads them), its files chosen among those the server holds or uploaded from this browser.
import type { FileRef, WebFile, WebSubmission } from '../api.ts'
import { api, bytes, h } from './dom.ts'
import type { App, Page } from './app.ts'

// The server takes a file in pieces of at most this size (WEB_UPLOAD_PIECE_BYTES).
const PIECE_BYTES = 8 * 1024 * 1024

type Uploaded = { received: number, file: FileRef | null }

// Sends a file a piece at a time, saying how far it got.
async function upload (file: File, progress: (text: string) => void): Promise<FileRef> {
  for (let offset = 0; ; offset += PIECE_BYTES) {
    const piece = file.slice(offset, Math.min(file.size, offset + PIECE_BYTES))
    const query = new URLSearchParams({ name: file.name, size: String(file.size), offset: String(offset) })
    const answer = await api<Uploaded>(`/api/files?${query}`, { body: piece })
    progress(`uploading ${file.name}: ${bytes(answer.received)} of ${bytes(file.size)}`)
    if (answer.file) return answer.file
  }
}

const key = (file: FileRef) => `${file.sha256}/${file.name}`

// A choice among the server's files (one, or several for rule files), and a button to upload more.
class FilePicker {
  readonly element: HTMLElement
  readonly #select: HTMLSelectElement
  readonly #multiple: boolean
  #files: WebFile[] = []

  constructor (label: string, name: string, multiple: boolean, picked: (file: FileRef) => void, uploadFile: (file: File) => Promise<FileRef>) {
    this.#multiple = multiple
    this.#select = h('select', { name, multiple, size: multiple ? 4 : 0 })
    const input = h('input', {
      type: 'file',
      name: `${name}-upload`,
      onchange: () => {
        const file = input.files?.[0]
        if (file) void uploadFile(file).then(picked).finally(() => { input.value = '' })
      }
    })
    this.element = h('label', {}, label, this.#select, h('span', { class: 'upload' }, 'or upload ', input))
  }

  show (files: WebFile[], selected: string[] = this.#selectedKeys()): void {
    this.#files = files
    const options = files.map((f) => h('option', { value: key(f), selected: selected.includes(key(f)) }, `${f.name} (${bytes(f.size)})`))
    this.#select.replaceChildren(...(this.#multiple ? [] : [h('option', { value: '' }, files.length ? '– none –' : '– no file on the server yet –')]), ...options)
  }

  select (file: FileRef): void {
    this.show(this.#files, this.#multiple ? [...this.#selectedKeys(), key(file)] : [key(file)])
  }

  get value (): FileRef[] {
    const chosen = this.#selectedKeys()
    return this.#files.filter((f) => chosen.includes(key(f))).map(({ sha256, name }) => ({ sha256, name }))
  }

  #selectedKeys (): string[] {
    return [...this.#select.selectedOptions].map((o) => o.value).filter(Boolean)
  }
}

export function submitPage (app: App): Page {
  const status = h('p', { class: 'quiet', 'aria-live': 'polite' })
  const text = (name: string, props: Record<string, string> = {}) => h('input', { type: 'text', name, autocomplete: 'off', spellcheck: false, ...props })
  const algorithm = text('algorithm', { value: 'md5', placeholder: 'md5, or a hashcat -m number' })
  algorithm.setAttribute('list', 'modes')
  const modes = h('datalist', { id: 'modes' }, app.session.modes.map((m) => h('option', { value: m.name }, `${m.mode} ${m.title}`)))
  const targets = h('textarea', { name: 'targets', rows: 4, spellcheck: false, placeholder: 'one hash per line' })
  const username = h('input', { type: 'checkbox', name: 'username' })
  const hexSalt = h('input', { type: 'checkbox', name: 'hexSalt' })
  const strict = h('input', { type: 'checkbox', name: 'strict' })
  const attack = h('select', { name: 'attackMode' },
    h('option', { value: '3' }, '3: mask or range'), h('option', { value: '0' }, '0: wordlist (+ rules)'), h('option', { value: '1' }, '1: combinator (two wordlists)'),
    h('option', { value: '6' }, '6: wordlist + mask'), h('option', { value: '7' }, '7: mask + wordlist'))
  const keyspace = text('keyspace', { placeholder: '?l?l?l?l?d?d, or a range such as 0-100000000' })
  const charsets = [1, 2, 3, 4].map((i) => text(`charset${i}`, { placeholder: `-${i}`, class: 'short' }))
  const increment = text('increment', { placeholder: 'MIN-MAX, e.g. 1-8', class: 'short' })
  const ruleLeft = text('ruleLeft', { placeholder: '-j rule', class: 'short' })
  const ruleRight = text('ruleRight', { placeholder: '-k rule', class: 'short' })
  const priority = h('input', { type: 'number', name: 'priority', min: 0, max: app.session.maxPriority, step: 1, value: '0', class: 'short' })

  const pickers: FilePicker[] = []
  const refresh = async () => {
    const { files } = await api<{ files: WebFile[] }>('/api/files')
    for (const picker of pickers) picker.show(files)
  }
  // One file at a time: the server takes one upload per session (a second would drop the first).
  let uploads = Promise.resolve()
  const uploadFile = async (file: File) => {
    const mine = uploads.then(() => upload(file, (t) => { status.textContent = t }))
    uploads = mine.then(() => {}, () => {})
    try {
      const stored = await mine
      status.textContent = `${file.name} is on the server`
      await refresh()
      return stored
    } catch (error) {
      app.fail(error)
      throw error
    }
  }
  const picker = (label: string, name: string, multiple = false) => {
    const p: FilePicker = new FilePicker(label, name, multiple, (file) => p.select(file), uploadFile)
    pickers.push(p)
    return p
  }
  const targetsFile = picker('Hash list file', 'targetsFile')
  const wordlist = picker('Wordlist', 'wordlist')
  const rightList = picker('Right wordlist (-a 1)', 'wordlist2')
  const rules = picker('Rule files (-r; Ctrl-click for several)', 'rules', true)

  const field = (label: string, ...inputs: HTMLElement[]) => h('label', {}, label, ...inputs)
  const maskFields = h('fieldset', {}, h('legend', {}, 'Mask'),
    field('Mask or range', keyspace), h('div', { class: 'row' }, ...charsets.map((c, i) => field(`Charset ?${i + 1}`, c))), field('Increment', increment))
  const wordFields = h('fieldset', {}, h('legend', {}, 'Words'), wordlist.element, rightList.element, rules.element, h('div', { class: 'row' }, field('Left rule', ruleLeft), field('Right rule', ruleRight)))
  const shape = () => {
    const mode = attack.value
    maskFields.hidden = mode === '0' || mode === '1'
    wordFields.hidden = mode === '3'
    rightList.element.hidden = mode !== '1'
    rules.element.hidden = mode !== '0'
    ruleLeft.parentElement!.parentElement!.hidden = mode !== '1'
  }
  attack.addEventListener('change', shape)

  const submit = async (event: Event) => {
    event.preventDefault()
    const mode = attack.value
    const job: WebSubmission = {
      algorithm: algorithm.value.trim(), targets: targets.value, targetsFile: targetsFile.value[0] ?? null, username: username.checked, hexSalt: hexSalt.checked, strict: strict.checked,
      attackMode: mode, keyspace: mode === '0' || mode === '1' ? '' : keyspace.value.trim(),
      charsets: charsets.map((c) => mode === '0' || mode === '1' ? '' : c.value) as WebSubmission['charsets'], increment: mode === '0' || mode === '1' ? '' : increment.value,
      wordlists: mode === '3' ? [] : [...wordlist.value, ...(mode === '1' ? rightList.value : [])], rules: mode === '0' ? rules.value : [],
      ruleLeft: mode === '1' ? ruleLeft.value : '', ruleRight: mode === '1' ? ruleRight.value : '', priority: priority.value
    }
    status.textContent = 'submitting…'
    try {
      const added = await api<{ job: string, warnings: string[] }>('/api/jobs', { json: job })
      status.textContent = added.warnings.join(' ')
      app.go(`#/job/${encodeURIComponent(added.job)}`)
    } catch (error) {
      status.textContent = ''
      app.fail(error)
    }
  }

  const element = h('form', { class: 'submit', onsubmit: (event) => void submit(event) },
    h('h2', {}, 'New job'),
    h('fieldset', {}, h('legend', {}, 'Hashes'),
      field('Mode (-m)', algorithm, modes), field('Hashes', targets), targetsFile.element,
      h('div', { class: 'row' }, h('label', { class: 'check' }, username, ' lines start with USER:'), h('label', { class: 'check' }, hexSalt, ' salts are hex'),
        h('label', { class: 'check' }, strict, ' stop at a line that is no hash (else skipped)'))),
    h('fieldset', {}, h('legend', {}, 'Attack'), field('Attack mode (-a)', attack), field('Priority (higher first)', priority)),
    maskFields, wordFields,
    h('button', { type: 'submit' }, 'Start the job'), status)
  shape()
  refresh().catch(app.fail)
  return { element, update: () => {} }
}

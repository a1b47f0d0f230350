// The web view's API (server/web/): what the browser page and the server say to each other over HTTP
// on the download port, typed in one place. The server checks what a browser sends (the validate
// functions); the page reads what its own server sends, and shows every string as text.
import type { JobLine, WorkerLine, FileRef } from '../../shared/protocol/control-protocol.ts'
import { exactFields, fail, flag, list, plainObject, printableText, text, sha256Hex } from '../../shared/protocol/fields.ts'
import { MAX_KEYSPACE_TEXT_LENGTH, MAX_NAME_LENGTH, MAX_RULE_FILES, MAX_TARGETS_PER_MESSAGE } from '../../shared/protocol/limits.ts'
import { MAX_TARGET_BYTES } from '../../shared/algorithms.ts'

export type { FileRef }

// admin: steers the server (the admin token); view: watches it (the view token).
export type WebRole = 'admin' | 'view'

// POST /api/login
export type Login = { token: string }
// GET /api/session: who is logged in, and what the page needs once.
// modes: the hash modes we have kernels for (hashcat's number, our name, hashcat's name), for the
// form's suggestions; any other hashcat number runs on hashcat workers.
export type WebMode = { mode: number, name: string, title: string }
// maxPriority: a job's highest priority.
export type WebSession = { role: WebRole, joinLine: string | null, version: string, modes: WebMode[], maxPriority: number }

// A job on the jobs page: its --status-json figures, and how it searches (hashcat's -a number).
export type WebJob = Omit<JobLine, 'time'> & { attack: number, createdAt: number, ended: boolean }
// A worker on the workers page. speeds: by algorithm, its best measured candidates per second.
// lastSeenAt: its last report of progress (or when it was given work while idle).
export type WebWorker = WorkerLine & {
  id: string, cores: number, connectedAt: number, lastSeenAt: number, verified: number, quarantined: boolean, speeds: [string, number][]
}
// A chunk in flight of the job a page shows: who searches which candidates, and how far it got.
export type WebChunk = { worker: string, offset: string, length: number, searched: number, twin: boolean }
// One push of GET /api/events (server-sent events, event "snapshot"): everything a page shows,
// whole, so a page left open never drifts. `chunks`: those of the job named by ?job=, if any.
// Sent when it differs from the last one sent; event "logged-out" when the session has ended.
export type WebSnapshot = { jobs: WebJob[], workers: WebWorker[], chunks: WebChunk[] | null }

// GET /api/jobs/ID/results?from=N: a page of results (plaintexts as hashcat writes them, $HEX[] when
// not printable), and where the next starts.
export type WebResult = { hash: string, plaintext: string, users: string[], confirmedBy: string | null, byFinder: boolean }
export type WebResults = { results: WebResult[], next: number | null, total: number }

// GET /api/files: the files the server holds (uploaded by the web view or ctl), newest first.
// POST /api/files?name=NAME with the file as the body answers the FileRef it is stored as.
export type WebFile = FileRef & { size: number, storedAt: number }

// POST /api/jobs: the add-a-job form, as the server's flags take a job (server/job-description.ts).
// Files are chosen among those the server holds. keyspace: a mask or a range (A-B); increment: MIN-MAX.
export type WebSubmission = {
  algorithm: string, targets: string, targetsFile: FileRef | null, username: boolean, hexSalt: boolean, strict: boolean,
  attackMode: string, keyspace: string, charsets: [string, string, string, string], increment: string,
  wordlists: FileRef[], rules: FileRef[], ruleLeft: string, ruleRight: string, priority: string
}
// POST /api/jobs/ID/priority
export type PriorityChange = { priority: number }
// Every answer that is not a 2xx: a stable code and words for the user.
export type WebError = { error: { code: string, message: string } }

const TYPE = 'request'
const SHORT_FIELD = 256

function fileRef (value: unknown): FileRef {
  const file = plainObject(value)
  exactFields(file, TYPE, ['sha256', 'name'])
  return { sha256: sha256Hex(file.sha256, TYPE, 'sha256'), name: fileName(file.name) }
}

// A base name, as uploads are stored: no directory parts.
export function fileName (value: unknown): string {
  const name = printableText(value, TYPE, 'name', MAX_NAME_LENGTH)
  if (name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.startsWith('.')) fail(TYPE, 'a file\'s "name" must be a base name not starting with a dot')
  return name
}

export function validateLogin (value: unknown): Login {
  const m = plainObject(value)
  exactFields(m, TYPE, ['token'])
  return { token: text(m.token, TYPE, 'token', 1024, 1) }
}

export function validatePriorityChange (value: unknown): PriorityChange {
  const m = plainObject(value)
  exactFields(m, TYPE, ['priority'])
  if (typeof m.priority !== 'number' || !Number.isSafeInteger(m.priority) || m.priority < 0) fail(TYPE, '"priority" must be a whole number from 0')
  return { priority: m.priority as number }
}

export function validateSubmission (value: unknown): WebSubmission {
  const m = plainObject(value)
  exactFields(m, TYPE, ['algorithm', 'targets', 'targetsFile', 'username', 'hexSalt', 'strict', 'attackMode', 'keyspace', 'charsets', 'increment', 'wordlists', 'rules', 'ruleLeft', 'ruleRight', 'priority'])
  const field = (name: string, max = SHORT_FIELD) => text(m[name], TYPE, name, max)
  const charsets = list(m.charsets, TYPE, 'charsets', (c) => text(c, TYPE, 'charsets[]', SHORT_FIELD))
  if (charsets.length !== 4) fail(TYPE, '"charsets" must hold the four custom charsets (empty when unused)')
  const wordlists = list(m.wordlists, TYPE, 'wordlists', fileRef)
  if (wordlists.length > 2) fail(TYPE, '"wordlists" takes at most two files (-a 1)')
  const rules = list(m.rules, TYPE, 'rules', fileRef)
  if (rules.length > MAX_RULE_FILES) fail(TYPE, `"rules" takes at most ${MAX_RULE_FILES} files`)
  return {
    algorithm: field('algorithm'), targets: field('targets', MAX_TARGETS_PER_MESSAGE * (2 * MAX_TARGET_BYTES + 64)), targetsFile: m.targetsFile === null ? null : fileRef(m.targetsFile),
    username: flag(m.username, TYPE, 'username'), hexSalt: flag(m.hexSalt, TYPE, 'hexSalt'), strict: flag(m.strict, TYPE, 'strict'), attackMode: field('attackMode'), keyspace: field('keyspace', MAX_KEYSPACE_TEXT_LENGTH),
    charsets: charsets as WebSubmission['charsets'], increment: field('increment'), wordlists, rules, ruleLeft: field('ruleLeft'), ruleRight: field('ruleRight'), priority: field('priority')
  }
}

// hashcat as a worker backend: found on PATH (or named), asked for its version and devices, then run
// once per chunk, two chunks at a time at most, in a private directory. A chunk counts as done only when
// hashcat exits 0 or 1 with its last status at the chunk's exact count; a crash, a kill, a hang (no
// status line for a deadline), an unreadable output or a short count fails it, with the reason, and
// the server hands it out again. Cancelling kills hashcat at once.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { open, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { infoOf, isPassThrough, targetParts, toHex, type Algorithm } from '../../shared/algorithms.ts'
import { HashcatError, coded } from '../../shared/errors.ts'
import { MIN_HASHCAT_VERSION } from '../../shared/hashcat.ts'
import { matches } from '../../shared/hashing/modes.ts'
import type { PackedTargets } from '../search/targets.ts'
import { COMMON_ARGS, hashLine, targetArgs, digestOfHashLine, type HashcatRun } from './plan.ts'
import { parseCheckedLines, parseDevices, parseOutfileLine, parseVersion, StatusReader, type HashcatDevice, type HashcatStatus, type HashcatVersion } from './parse.ts'

export type HashcatInfo = { path: string, version: HashcatVersion, devices: HashcatDevice[] }

// How long hashcat may take to print its first status (it compiles its kernels on a first run: half a
// minute on a 2-core CPU, more on slow machines), and then between status lines (one a second).
export type HashcatTimings = { startupMs: number, statusMs: number }
export const HASHCAT_TIMINGS: HashcatTimings = { startupMs: 300_000, statusMs: 30_000 }
const PROBE_TIMEOUT_MS = 60_000
const STDERR_KEPT_CHARS = 2_000
const HASH_FILE_BATCH = 65_536
// Two runs at once hide hashcat's start-up (seconds) behind the other's search: measured here, two
// runs of half a mask each took 67.0 s together, one run of the whole mask 66.4 s, and one after the
// other about 75 s.
const MAX_CONCURRENT_RUNS = 2

// hashcat's version and devices, or why it cannot be used.
export async function detectHashcat (path = 'hashcat'): Promise<HashcatInfo> {
  const version = parseVersion(await output(path, ['--version']))
  if (version.major < MIN_HASHCAT_VERSION.major || (version.major === MIN_HASHCAT_VERSION.major && version.minor < MIN_HASHCAT_VERSION.minor)) {
    throw new HashcatError(`${path} is hashcat ${version.text}; the hashcat backend needs ${MIN_HASHCAT_VERSION.major}.${MIN_HASHCAT_VERSION.minor} or later`)
  }
  return { path, version, devices: parseDevices(await output(path, ['-I', '--force'])) }
}

function output (path: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { timeout: PROBE_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout)
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `${error.message.split('\n')[0]} ${stderr.trim().slice(0, 200)}`
      reject(new HashcatError(`cannot run ${path} ${args.join(' ')}: ${why}`))
    })
  })
}

export type HashcatHit = { hash: Uint8Array, plaintext: Uint8Array }
export type HashcatOutcome = { hashed: number, cancelled: boolean, failure?: string }
// What the worker knows of a job: its id (one hash file each), algorithm and targets.
export type HashcatJob = { id: string, algorithm: Algorithm, targets: PackedTargets }

export class HashcatChunk {
  readonly done: Promise<HashcatOutcome>
  #hashed = 0
  #cancelled = false
  #started = false
  #child: ChildProcess | null = null

  constructor (done: (chunk: HashcatChunk) => Promise<HashcatOutcome>) {
    this.done = done(this)
  }

  hashed (): number { return this.#hashed }
  get cancelled (): boolean { return this.#cancelled }
  // Until hashcat prints its first status it is starting: loading, or compiling its kernels on a
  // kernel's first use (half a minute to minutes on a CPU).
  starting (): boolean { return !this.#started }

  cancel (): void {
    this.#cancelled = true
    this.#child?.kill('SIGKILL')
  }

  // Used by the backend only.
  setProgress (hashed: number): void {
    this.#hashed = hashed
    this.#started = true
  }
  attach (child: ChildProcess): void { this.#child = child }
}

export class HashcatBackend {
  readonly info: HashcatInfo
  readonly #timings: HashcatTimings
  readonly dir: string // private to this backend: hash files, outfiles, slices
  // hashcat's working directory, empty: it reads a mask or charset that names a file as that file.
  readonly #cwd: string
  // Each job's hash files, the newest last: one per packing of its targets (more come, found ones go).
  readonly #hashFiles = new Map<string, { packing: number, path: Promise<string> }[]>()
  readonly #waiting: { kernel: string, start: () => void }[] = []
  readonly #warm = new Set<string>() // kernels a run of ours has compiled or loaded (it printed a status)
  #byDigest: { packing: number, targets: Map<string, Uint8Array[]> } | null = null
  #active = 0
  #runs = 0
  #closed = false

  constructor (info: HashcatInfo, timings: Partial<HashcatTimings> = {}) {
    this.info = info
    this.#timings = { ...HASHCAT_TIMINGS, ...timings }
    this.dir = mkdtempSync(join(tmpdir(), 'taskorch-hashcat-'))
    mkdirSync(this.#cwd = join(this.dir, 'cwd'))
  }

  // Chunks start in the order given, at most MAX_CONCURRENT_RUNS at once, and a second one only once
  // a run has loaded its kernel (two first runs would compile it twice into the same cache file). A
  // chunk is one run or several (a hybrid's mask lengths), one after another, their counts summed.
  // `plan` makes the runs once the chunk's turn has come (writing any file they read); a HashcatError
  // it throws fails the chunk with its message. `kernel`: the first run's, known in advance.
  run (job: HashcatJob, plan: () => Promise<HashcatRun[]>, length: number, onHit: (hit: HashcatHit) => void, kernel: string): HashcatChunk {
    return new HashcatChunk(async (chunk) => {
      await new Promise<void>((resolve) => {
        this.#waiting.push({ kernel, start: resolve })
        this.#startWaiting()
      })
      try {
        if (chunk.cancelled || this.#closed) return { hashed: 0, cancelled: true }
        const runs = await plan()
        const total = runs.reduce((n, r) => n + r.count, 0n)
        if (total !== BigInt(length)) return { hashed: 0, cancelled: false, failure: `hashcat's runs hold ${total} candidates, the chunk ${length}` }
        let before = 0
        for (const run of runs) {
          const outcome = await this.#execute(chunk, job, run, before, onHit)
          if (outcome.failure || outcome.cancelled) return { ...outcome, hashed: before + outcome.hashed }
          before += outcome.hashed
        }
        return { hashed: before, cancelled: false }
      } catch (error) {
        return { hashed: 0, cancelled: false, failure: coded(error).message }
      } finally {
        this.#active--
        this.#startWaiting()
      }
    })
  }

  #startWaiting (): void {
    while (this.#waiting.length > 0 && (this.#active === 0 || (this.#active < MAX_CONCURRENT_RUNS && this.#warm.has(this.#waiting[0].kernel)))) {
      this.#active++
      this.#waiting.shift()!.start()
    }
  }

  // How many rules hashcat applies of these files together: it skips, with a warning, rules its
  // device engine cannot run (specific.rule's `>A k u`), which its --stdout still prints, so only an
  // attack tells. One word through them against the job's hash file; its count, per salt.
  async ruleCount (job: HashcatJob, rules: string[]): Promise<bigint> {
    const word = join(this.dir, 'one-word.txt')
    await writeFile(word, 'x\n')
    const { args } = await this.#commandLine(job, ['-m', String(infoOf(job.algorithm).hashcat), '-a', '0', ...targetArgs(job.algorithm), ...rules.flatMap((r) => ['-r', r])], [word], 'rules')
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(this.info.path, args, { cwd: this.#cwd, timeout: this.#timings.startupMs, maxBuffer: 16 * 1024 * 1024 }, (error, out) => {
        // 1: exhausted, as it should be; 0 if the word happened to crack a target.
        if (error && (error as { code?: unknown }).code !== 1) reject(new HashcatError(`hashcat could not count the rules: ${error.message.split('\n')[0]}`))
        else resolve(out)
      })
    })
    // Its warnings about the rules it skips come on stdout too, before the status lines.
    const reader = new StatusReader()
    const statuses = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => line + '\n')
    const last = [...reader.push(statuses.join('')), ...reader.end()].at(-1)
    if (!last) throw new HashcatError('hashcat printed no status while counting the rules')
    return last.progress[1] / BigInt(Math.max(1, last.salts))
  }

  // Hash lines of a mode we have no kernel for, read by hashcat's own parser (server/pass-through.ts):
  // each as hashcat writes it back (the form its outfile and potfile use), or why it refused it.
  // Each goes in as `i:line` with --username, so every line comes out under its number (--left
  // alone would drop repeats). Throws HashcatError when hashcat cannot read them at all (no such mode).
  async checkHashes (mode: number, lines: readonly Uint8Array[]): Promise<(Uint8Array | string)[]> {
    const n = ++this.#runs
    const list = join(this.dir, `check-${n}.hashes`)
    const potfile = join(this.dir, `check-${n}.pot`)
    try {
      await writeFile(list, Buffer.concat(lines.flatMap((line, i) => [Buffer.from(`${i}:`), line, NEWLINE])), { mode: 0o600 })
      await writeFile(potfile, '', { mode: 0o600 })
      const args = ['-m', String(mode), '--left', '--username', '--potfile-path', potfile, '--quiet', '--logfile-disable', '--session', `taskorch-${process.pid}-${n}`, '--', list]
      const { stdout, stderr, code } = await this.#runQuick(args)
      const checked = parseCheckedLines(stdout, stderr, lines.length)
      // 255 with no line refused: hashcat has no such mode, or could not start.
      if (code !== 0 && checked.every((line) => typeof line !== 'string' && line.refused === 'hashcat did not load it')) {
        throw new HashcatError(`hashcat -m ${mode} could not read the hashes (exit ${code}): ${lastLines(stderr)}`)
      }
      return checked.map((line) => typeof line === 'string' ? Uint8Array.from(Buffer.from(line, 'latin1')) : line.refused)
    } finally {
      rmSync(list, { force: true })
      rmSync(potfile, { force: true })
    }
  }

  // Whether `plaintext` cracks `hash` in hashcat -m `mode`: one word against one hash, the word in
  // hashcat's $HEX[] form so any byte goes in as it is.
  async confirm (mode: number, hash: Uint8Array, plaintext: Uint8Array): Promise<boolean> {
    const n = ++this.#runs
    const hashes = join(this.dir, `confirm-${n}.hashes`)
    const word = join(this.dir, `confirm-${n}.word`)
    const outfile = join(this.dir, `confirm-${n}.out`)
    try {
      await writeFile(hashes, Buffer.concat([hash, NEWLINE]), { mode: 0o600 })
      await writeFile(word, `$HEX[${toHex(plaintext)}]\n`, { mode: 0o600 })
      const args = ['-m', String(mode), '-a', '0', '--force', '--quiet', '--potfile-disable', '--restore-disable', '--logfile-disable', '--outfile-format', '1,3',
        '--session', `taskorch-${process.pid}-${n}`, '--outfile', outfile, '--', hashes, word]
      const { stderr, code } = await this.#runQuick(args)
      // 0: cracked, 1: exhausted.
      if (code !== 0 && code !== 1) throw new HashcatError(`hashcat -m ${mode} could not try the plaintext (exit ${code}): ${lastLines(stderr)}`)
      const cracked = await readFile(outfile, 'latin1').catch(() => '')
      return cracked.split('\n').some((line) => line !== '' && Buffer.from(parseOutfileLine(line).plaintext).equals(plaintext))
    } finally {
      for (const path of [hashes, word, outfile]) rmSync(path, { force: true })
    }
  }

  // A short run of hashcat (a check, a confirmation): its output and exit code, within the start-up
  // deadline (a confirmation may compile a kernel first).
  #runQuick (args: string[]): Promise<{ stdout: string, stderr: string, code: number }> {
    return new Promise((resolve, reject) => {
      execFile(this.info.path, args, { cwd: this.#cwd, timeout: this.#timings.startupMs, maxBuffer: 64 * 1024 * 1024, encoding: 'latin1' }, (error, stdout, stderr) => {
        const code = error ? (error as { code?: unknown }).code : 0
        if (typeof code !== 'number') return reject(new HashcatError(`cannot run ${this.info.path}${error!.killed ? `: no answer in ${this.#timings.startupMs / 1000} s` : `: ${error!.message.split('\n')[0]}`}`))
        resolve({ stdout, stderr, code })
      })
    })
  }

  // Forgets a job's hash files (the connection closed: a server announces its jobs again).
  async forget (jobId: string): Promise<void> {
    const files = this.#hashFiles.get(jobId) ?? []
    this.#hashFiles.delete(jobId)
    for (const file of files) {
      const path = await file.path.catch(() => null)
      if (path) rmSync(path, { force: true })
    }
  }

  close (): void {
    this.#closed = true
    rmSync(this.dir, { recursive: true, force: true })
  }

  // The job's targets by their digests' hex, for the packing in hand.
  #targetsByDigest (job: HashcatJob): Map<string, Uint8Array[]> {
    if (this.#byDigest?.packing === job.targets.id) return this.#byDigest.targets
    const targets = new Map<string, Uint8Array[]>()
    let start = 0
    for (const end of job.targets.ends) {
      const target = job.targets.bytes.subarray(start, end)
      const key = toHex(targetParts(job.algorithm, target).digest)
      targets.set(key, [...targets.get(key) ?? [], target])
      start = end
    }
    this.#byDigest = { packing: job.targets.id, targets }
    return targets
  }

  // The file of the job's targets as packed now. Named by the packing, never by anything the server
  // sends; older ones stay until the job is forgotten (a run may be reading one).
  #hashFile (job: HashcatJob): Promise<string> {
    let files = this.#hashFiles.get(job.id)
    if (!files) this.#hashFiles.set(job.id, files = [])
    const newest = files.at(-1)
    if (newest?.packing === job.targets.id) return newest.path
    const path = join(this.dir, `targets-${job.targets.id}.hashes`)
    const file = { packing: job.targets.id, path: writeHashLines(path, job.algorithm, job.targets).then(() => path) }
    files.push(file)
    return file.path
  }

  // A run's command line: its own flags, ours, a session and outfile of its own, then the hash file
  // and its inputs after `--`, which ends the options (a hybrid's mask is text, and may begin with a
  // dash).
  async #commandLine (job: HashcatJob, flags: string[], inputs: string[], kind: string): Promise<{ args: string[], outfile: string }> {
    const n = ++this.#runs
    const outfile = join(this.dir, `${kind}-${n}.out`)
    return { outfile, args: [...flags, ...COMMON_ARGS, '--session', `taskorch-${process.pid}-${n}`, '--outfile', outfile, '--', await this.#hashFile(job), ...inputs] }
  }

  // One run; `before`: what the chunk's earlier runs searched, for its progress.
  async #execute (chunk: HashcatChunk, job: HashcatJob, plan: HashcatRun, before: number, onHit: (hit: HashcatHit) => void): Promise<HashcatOutcome> {
    const count = Number(plan.count)
    const { args, outfile } = await this.#commandLine(job, plan.args, plan.inputs, 'run')
    const child = spawn(this.info.path, args, { cwd: this.#cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    chunk.attach(child)
    if (chunk.cancelled) child.kill('SIGKILL')
    const cracks = new OutfileReader(outfile, (line) => {
      const { hash, plaintext } = parseOutfileLine(line)
      // hashcat writes a hash its own way (sha512crypt without rounds=5000, say): the job's target is
      // the one with its digest that the plaintext matches. Checked here too (the server checks every
      // FOUND): a crack that does not verify is a broken hashcat or device, and fails the chunk
      // instead of costing the connection.
      const digest = digestOfHashLine(job.algorithm, hash)
      // A passed-through mode's crack is confirmed by another worker's hashcat instead (server/pass-through.ts).
      const target = digest && this.#targetsByDigest(job).get(toHex(digest))?.find((t) => isPassThrough(job.algorithm) || matches(job.algorithm, t, plaintext))
      if (!target) {
        throw new HashcatError(`hashcat reported "${hash.slice(0, 80)}:${toHex(plaintext).slice(0, 80)}", which does not verify`)
      }
      onHit({ hash: target, plaintext })
    })
    let failure: string | null = null
    let last: HashcatStatus | null = null
    let stderr = ''
    const fail = (why: string) => {
      failure ??= why
      child.kill('SIGKILL')
    }
    let deadline = setTimeout(() => fail(`hashcat printed no status in ${this.#timings.startupMs / 1000} s`), this.#timings.startupMs)
    const reader = new StatusReader()
    const onStatuses = (statuses: HashcatStatus[]) => {
      for (const status of statuses) {
        // hashcat counts each candidate once per salt (salted and crypt modes; plain ones have one),
        // and counts the words it skipped (-s) as done.
        const salts = BigInt(Math.max(1, status.salts))
        if (status.progress[1] !== (plan.skipped + plan.count) * salts) return fail(`hashcat counts ${status.progress[1] / salts - plan.skipped} candidates in this run (${salts} salt(s)), we count ${count}`)
        // A hash line hashcat's parser refused (a salt over its limit, say) is skipped with a warning:
        // that target would not be searched.
        if (status.recovered[1] !== job.targets.ends.length) return fail(`hashcat loaded ${status.recovered[1]} of the job's ${job.targets.ends.length} targets`)
        last = status
        const done = status.progress[0] / salts - plan.skipped
        chunk.setProgress(before + Math.max(0, Math.min(count, Number(done))))
        if (!this.#warm.has(plan.kernel)) {
          this.#warm.add(plan.kernel)
          this.#startWaiting()
        }
      }
      clearTimeout(deadline)
      deadline = setTimeout(() => fail(`hashcat printed no status for ${this.#timings.statusMs / 1000} s`), this.#timings.statusMs)
      cracks.read().catch((error) => fail(coded(error).message))
    }
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      try {
        onStatuses(reader.push(text))
      } catch (error) {
        fail(coded(error).message)
      }
    })
    child.stderr!.setEncoding('utf8').on('data', (text: string) => { stderr = (stderr + text).slice(-STDERR_KEPT_CHARS) })
    const exit = await new Promise<{ code: number | null, signal: string | null, error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }))
      child.once('close', (code, signal) => resolve({ code, signal }))
    })
    clearTimeout(deadline)
    try {
      onStatuses(reader.end())
      await cracks.read(true) // every crack is reported before the chunk counts as done
    } catch (error) {
      failure ??= coded(error).message
    }
    await cracks.close()
    rmSync(outfile, { force: true })
    const hashed = chunk.hashed() - before
    if (chunk.cancelled) return { hashed, cancelled: true }
    const final = last as HashcatStatus | null
    const why = failure ?? (exit.error ? `cannot run ${this.info.path}: ${exit.error.message}`
      : exit.signal ? `hashcat was killed by ${exit.signal}`
        : exit.code !== 0 && exit.code !== 1 ? `hashcat exited with code ${exit.code}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-2).join(' ')}` : ''}`
          : !final || final.progress[0] !== final.progress[1] ? `hashcat ended at ${hashed} of ${count} candidates` : null)
    if (why) return { hashed, cancelled: false, failure: why }
    return { hashed: count, cancelled: false }
  }
}

const NEWLINE = Buffer.from('\n')

// hashcat's last words on stderr, for an error message.
function lastLines (stderr: string): string {
  return stderr.trim().split('\n').slice(-2).join(' ').slice(0, 200) || 'it said nothing'
}

// The job's targets as hashcat reads them, a line each (plan.ts, hashLine), written a batch at a time
// (ten million SHA-512 digests in one string would pass V8's string limit).
async function writeHashLines (path: string, algorithm: Algorithm, targets: PackedTargets): Promise<void> {
  const file = await open(path, 'w', 0o600)
  try {
    let start = 0
    for (let first = 0; first < targets.ends.length; first += HASH_FILE_BATCH) {
      const lines: string[] = []
      for (const end of targets.ends.subarray(first, first + HASH_FILE_BATCH)) {
        lines.push(hashLine(algorithm, targets.bytes.subarray(start, end)))
        start = end
      }
      // latin1: a crypt salt's bytes as they are (the lines are otherwise ASCII), as the outfile is read back.
      await file.write(Buffer.from(lines.join('\n') + '\n', 'latin1'))
    }
  } finally {
    await file.close()
  }
}

// Lines appended to hashcat's outfile, read as they come; a line without its newline waits, unless
// hashcat has ended (`all`).
class OutfileReader {
  readonly #path: string
  readonly #onLine: (line: string) => void
  #offset = 0
  #pending = ''
  #reading: Promise<void> = Promise.resolve()

  constructor (path: string, onLine: (line: string) => void) {
    this.#path = path
    this.#onLine = onLine
  }

  read (all = false): Promise<void> {
    this.#reading = this.#reading.then(() => this.#readMore(all))
    return this.#reading
  }

  async close (): Promise<void> {
    await this.#reading.catch(() => {})
  }

  async #readMore (all: boolean): Promise<void> {
    let file
    try {
      file = await open(this.#path, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // nothing cracked yet
      throw error
    }
    try {
      const buffer = Buffer.alloc(64 * 1024)
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, this.#offset)
        if (bytesRead === 0) break
        this.#offset += bytesRead
        this.#pending += buffer.toString('latin1', 0, bytesRead)
      }
    } finally {
      await file.close()
    }
    const lines = this.#pending.split('\n')
    this.#pending = all ? '' : lines.pop()!
    for (const line of lines) if (line.trim() !== '') this.#onLine(line.replace(/\r$/, ''))
  }
}

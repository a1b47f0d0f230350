// One server per session: a lock file beside the journal (PATH.lock), created exclusively, naming
// the process that holds it. Two servers on one journal lose work (the second's compaction renames a
// new file over the one the first appends to), so a second server refuses, naming the holder. A lock
// left by a process of this machine that is gone (a crash, kill -9) is taken over; one held by a live
// process, or by another machine (a shared disk, where its processes cannot be seen), is not.
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { InvalidInputError } from '../../shared/errors.ts'

type Holder = { pid: number, host: string, since: string }

export class SessionLock {
  readonly path: string
  #held = true

  private constructor (path: string) {
    this.path = path
    // Every way out of the process passes here (process.exit, an uncaught error); kill -9 does not.
    process.once('exit', () => this.release())
  }

  // `warn`: told when a dead process's lock is taken over.
  static acquire (journal: string, warn: (message: string) => void): SessionLock {
    const path = `${journal}.lock`
    const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
    for (let attempt = 0; attempt < 2; attempt++) {
      if (create(path, me)) return new SessionLock(path)
      const holder = readHolder(path)
      const held = `session ${journal} is in use by process ${holder.pid} on ${holder.host} (since ${holder.since}); its lock is ${path}`
      if (holder.host !== me.host) throw new InvalidInputError(`${held}. If no server runs there, remove the lock`)
      if (isAlive(holder.pid)) throw new InvalidInputError(`${held}. Stop that server first, or give another --session path`)
      warn(`session lock ${path}: process ${holder.pid}, which held it, is gone; taking it over`)
      rmSync(path, { force: true })
    }
    throw new InvalidInputError(`session ${journal}: another server took its lock (${path}) while this one started`)
  }

  release (): void {
    if (!this.#held) return
    this.#held = false
    try {
      if (readHolder(this.path).pid === process.pid) rmSync(this.path, { force: true })
    } catch {} // gone already, or replaced: not ours to remove
  }
}

// False when the lock exists already. 'wx' never follows a link planted at the path.
function create (path: string, holder: Holder): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new InvalidInputError(`session lock ${path}: cannot create it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  try {
    writeSync(fd, JSON.stringify(holder) + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return true
}

function readHolder (path: string): Holder {
  let holder: Partial<Holder> | null = null
  try {
    holder = JSON.parse(readFileSync(path, 'utf8'))
  } catch {}
  if (!holder || !Number.isSafeInteger(holder.pid) || typeof holder.host !== 'string' || typeof holder.since !== 'string') {
    throw new InvalidInputError(`session lock ${path} is there but unreadable: if no server uses this session, remove it`)
  }
  return holder as Holder
}

// Whether a process of this machine runs under that id (EPERM: it does, as another user).
function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

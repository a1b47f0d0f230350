// An append-only file whose every append is durable before it returns: the whole text written (short
// writes continued), then fsynced. A failed append (disk full, I/O error) is cut back off, so the file
// never keeps half a record and the same append can simply be tried again later. An append may come
// in pieces (a job of millions of targets is more text than one JavaScript string holds): all are
// written, then synced once, and a failure cuts them all off.
import * as fs from 'node:fs'
import { dirname } from 'node:path'
import { StoreError } from '../../shared/errors.ts'

// The calls an append makes, so tests can inject a disk that fills up.
export type FileIO = Pick<typeof fs, 'writeSync' | 'fsyncSync' | 'ftruncateSync'>

export class AppendFile {
  readonly path: string
  readonly #fd: number
  readonly #io: FileIO
  #size: number

  constructor (path: string, io: FileIO = fs) {
    const created = !fs.existsSync(path)
    this.path = path
    this.#io = io
    // Never through a link: in a directory others can write to, one could point it anywhere.
    this.#fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600)
    this.#size = fs.fstatSync(this.#fd).size
    // A new file's directory entry is durable only once the directory itself is synced.
    if (created) syncDirectory(dirname(path))
  }

  append (text: string | readonly string[]): void {
    let appended = 0
    try {
      for (const piece of typeof text === 'string' ? [text] : text) {
        appended += writeWhole(this.#io, this.#fd, piece)
      }
      this.#io.fsyncSync(this.#fd)
    } catch (error) {
      try { this.#io.ftruncateSync(this.#fd, this.#size) } catch {} // best effort: replay drops a torn tail anyway
      throw new StoreError(this.path, error as Error)
    }
    this.#size += appended
  }

  close (): void {
    fs.closeSync(this.#fd)
  }
}

// Writes all of `text` at the file's position, continuing short writes; returns its length in bytes.
export function writeWhole (io: Pick<FileIO, 'writeSync'>, fd: number, text: string): number {
  const bytes = Buffer.from(text, 'utf8')
  for (let written = 0; written < bytes.length;) written += io.writeSync(fd, bytes, written, bytes.length - written)
  return bytes.length
}

// Why a store file cannot be opened, in words: a link (which the server does not follow), or the code.
export function openFailure (error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ELOOP' ? 'it is a symbolic link, which the server does not follow: give the file itself' : `cannot open it (${code ?? (error as Error).message})`
}

// Refuses a path that is a link before anything reads it (a missing file is fine: it is created).
export function refuseLink (path: string): void {
  if (fs.lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) throw Object.assign(new Error('a symbolic link'), { code: 'ELOOP' })
}

export function syncDirectory (path: string): void {
  const fd = fs.openSync(path, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

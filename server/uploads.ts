// The files controllers send (hash lists, wordlists, rule files), from ctl or the web view: kept as
// `<dir>/<sha256>/<name>` (mode 0600), where a restored session finds them again, each written to a
// temporary file first and moved into place whole, synced, its SHA-256 checked.
import { createHash, randomUUID, type Hash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidInputError } from '../shared/errors.ts'
import type { FileRef } from '../shared/protocol/control-protocol.ts'

export type StoredFile = FileRef & { size: number, storedAt: number }

const SHA256_DIRECTORY = /^[0-9a-f]{64}$/
const PARTIAL_PREFIX = '.partial-'

export class UploadStore {
  readonly dir: string

  constructor (dir: string) {
    this.dir = dir
  }

  pathOf (file: FileRef): string {
    return join(this.dir, file.sha256, file.name)
  }

  has (file: FileRef, size: number): boolean {
    const path = this.pathOf(file)
    return existsSync(path) && statSync(path).size === size
  }

  // The path of a file a submission names, which must have been uploaded.
  stored (file: FileRef): string {
    const path = this.pathOf(file)
    if (!existsSync(path)) throw new InvalidInputError(`${file.name} (SHA-256 ${file.sha256.slice(0, 16)}…) was not uploaded to this server`)
    return path
  }

  // Every file held, newest first (a missing directory holds none).
  list (): StoredFile[] {
    if (!existsSync(this.dir)) return []
    const files: StoredFile[] = []
    for (const sha256 of readdirSync(this.dir)) {
      if (!SHA256_DIRECTORY.test(sha256)) continue // a partial upload, or something not ours
      for (const name of readdirSync(join(this.dir, sha256))) {
        const stat = statSync(join(this.dir, sha256, name))
        if (stat.isFile()) files.push({ sha256, name, size: stat.size, storedAt: stat.mtimeMs })
      }
    }
    return files.sort((a, b) => b.storedAt - a.storedAt || a.name.localeCompare(b.name))
  }

  // What a stopped server left of unfinished uploads (nothing else can be writing them at start).
  removePartials (): void {
    if (!existsSync(this.dir)) return
    for (const name of readdirSync(this.dir)) if (name.startsWith(PARTIAL_PREFIX)) rmSync(join(this.dir, name), { force: true })
  }

  // A file on its way in, written to a temporary file of this directory.
  async begin (name: string, size: number): Promise<Incoming> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    const temporary = join(this.dir, `${PARTIAL_PREFIX}${randomUUID()}`)
    return new Incoming(this, name, size, await open(temporary, 'wx', 0o600), temporary)
  }
}

export class Incoming {
  readonly name: string
  readonly size: number
  received = 0
  readonly #store: UploadStore
  readonly #hash: Hash = createHash('sha256')
  readonly #handle: FileHandle
  readonly #path: string

  constructor (store: UploadStore, name: string, size: number, handle: FileHandle, path: string) {
    this.#store = store
    this.name = name
    this.size = size
    this.#handle = handle
    this.#path = path
  }

  async write (data: Uint8Array): Promise<void> {
    if (this.received + data.length > this.size) throw new InvalidInputError(`upload of ${this.name}: more than the ${this.size} bytes announced`)
    await this.#handle.write(data)
    this.#hash.update(data)
    this.received += data.length
  }

  // The whole file received: synced and moved into place under its SHA-256, which must be
  // `expected` when the sender announced one. Removed instead if anything fails.
  async finish (expected: string | null = null): Promise<FileRef> {
    try {
      if (this.received !== this.size) throw new InvalidInputError(`upload of ${this.name}: ${this.received} of the ${this.size} bytes announced arrived`)
      await this.#handle.sync()
      const sha256 = this.#hash.digest('hex')
      if (expected !== null && sha256 !== expected) throw new InvalidInputError(`upload of ${this.name}: its SHA-256 is ${sha256.slice(0, 16)}…, not the ${expected.slice(0, 16)}… announced`)
      await this.#handle.close()
      const file = { sha256, name: this.name }
      mkdirSync(join(this.#store.dir, sha256), { recursive: true, mode: 0o700 })
      await rename(this.#path, this.#store.pathOf(file))
      return file
    } catch (error) {
      await this.abandon()
      throw error
    }
  }

  // Closed (if it still is open) and removed, whatever fails on the way.
  async abandon (): Promise<void> {
    await this.#handle.close().catch(() => {})
    await rm(this.#path, { force: true }).catch(() => {})
  }
}

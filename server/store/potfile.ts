// The potfile: every verified result as a `hash:plaintext` line (hashcat's format), appended and
// fsynced before the result is reported, and read back at start so known targets are never searched.
import { createReadStream, existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { InvalidInputError } from '../../shared/errors.ts'
import { decodeHexForm, isHexForm } from '../../shared/hex-form.ts'
import { AppendFile, type FileIO } from './append-file.ts'

// As hashcat writes a plaintext: raw when it is printable UTF-8, else `$HEX[..]`: when it has a control
// byte (below 0x20, or 0x7f) or a byte sequence that is not UTF-8, when it holds a colon (the line
// would be ambiguous), or when it would itself read back as `$HEX[..]`.
export function formatPlaintext (plaintext: Uint8Array): string {
  const raw = plaintext.every((b) => b >= 0x20 && b !== 0x7f && b !== 0x3a) && isUtf8(plaintext) && !isHexForm(plaintext)
  return raw ? Buffer.from(plaintext).toString('utf8') : `$HEX[${Buffer.from(plaintext).toString('hex')}]`
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function isUtf8 (bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes)
    return true
  } catch {
    return false
  }
}

// A potfile's plaintext field (the bytes after the first colon) as the plaintext's bytes.
export function parsePlaintext (field: Uint8Array): Uint8Array {
  if (!isHexForm(field)) return field
  const out = new Uint8Array((field.length - 6) / 2)
  decodeHexForm(field, 0, field.length, out)
  return out
}

export function potLine (hash: string, plaintext: Uint8Array): string {
  return `${hash}:${formatPlaintext(plaintext)}`
}

// Unsalted digests of the algorithms we know; other lines (salted modes of other tools) are kept in
// the file but not loaded.
const DIGEST_HEX = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$/

export class Potfile {
  readonly #file: AppendFile
  // Every plaintext a line gives for a digest: lines of other modes (salted, say) can share a digest
  // with ours, so a lookup gets them all and the caller keeps the one that verifies.
  readonly #known: Map<string, Uint8Array[]>

  private constructor (file: AppendFile, known: Map<string, Uint8Array[]>) {
    this.#file = file
    this.#known = known
  }

  // `createDirectory`: make the file's directory if it is missing (the default place); a path the user
  // typed into a directory that does not exist is more likely a typo, and an error.
  static async open (path: string, options: { io?: FileIO, createDirectory?: boolean } = {}): Promise<Potfile> {
    if (!options.createDirectory && !existsSync(dirname(path))) throw new InvalidInputError(`potfile ${path}: its directory ${dirname(path)} does not exist`)
    const known = new Map<string, Uint8Array[]>()
    try {
      if (existsSync(path)) {
        // latin1 keeps every byte of a plaintext as it is; lines can be any length and the file any size.
        const lines = createInterface({ input: createReadStream(path, { encoding: 'latin1' }), crlfDelay: Infinity })
        for await (const line of lines) {
          const colon = line.indexOf(':')
          const hash = line.slice(0, colon).toLowerCase()
          if (colon > 0 && DIGEST_HEX.test(hash)) addKnown(known, hash, parsePlaintext(Uint8Array.from(Buffer.from(line.slice(colon + 1), 'latin1'))))
        }
      }
      if (options.createDirectory) mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      return new Potfile(new AppendFile(path, options.io), known)
    } catch (error) {
      throw new InvalidInputError(`potfile ${path}: cannot open it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
  }

  get path (): string { return this.#file.path }

  // Distinct digests with at least one line.
  get size (): number { return this.#known.size }

  plaintexts (hash: string): readonly Uint8Array[] {
    return this.#known.get(hash) ?? []
  }

  // Durable before it returns: a result reported is a result kept. The same line is never written twice.
  append (hash: string, plaintext: Uint8Array): void {
    if (this.plaintexts(hash).some((p) => Buffer.compare(p, plaintext) === 0)) return
    this.#file.append(potLine(hash, plaintext) + '\n')
    addKnown(this.#known, hash, plaintext)
  }

  close (): void {
    this.#file.close()
  }
}

function addKnown (known: Map<string, Uint8Array[]>, hash: string, plaintext: Uint8Array): void {
  const list = known.get(hash)
  if (list) list.push(plaintext)
  else known.set(hash, [plaintext])
}

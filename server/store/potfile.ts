// The potfile: every verified result as a `hash:plaintext` line (hashcat's format), appended and
// fsynced before the result is reported, and read back at start so known targets are never searched.
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'

// `$HEX[..]` when the plaintext is not plain printable ASCII or contains a colon (which would make
// the line ambiguous), or itself looks like $HEX[..].
export function formatPlaintext (plaintext: Uint8Array): string {
  const printable = plaintext.every((b) => b >= 0x20 && b < 0x7f && b !== 0x3a)
  const text = Buffer.from(plaintext).toString('latin1')
  return printable && !text.startsWith('$HEX[') ? text : `$HEX[${Buffer.from(plaintext).toString('hex')}]`
}

export function parsePlaintext (text: string): Uint8Array {
  const hex = /^\$HEX\[([0-9a-fA-F]*)\]$/.exec(text)
  return Uint8Array.from(hex && hex[1].length % 2 === 0 ? Buffer.from(hex[1], 'hex') : Buffer.from(text, 'latin1'))
}

export function potLine (hash: string, plaintext: Uint8Array): string {
  return `${hash}:${formatPlaintext(plaintext)}`
}

// Unsalted digests of the algorithms we know; other lines (salted modes of other tools) are kept in
// the file but not loaded.
const DIGEST_HEX = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$/

export class Potfile {
  readonly path: string
  readonly #known: Map<string, Uint8Array>
  readonly #fd: number

  private constructor (path: string, known: Map<string, Uint8Array>) {
    this.path = path
    this.#known = known
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    this.#fd = openSync(path, 'a', 0o600)
  }

  static async open (path: string): Promise<Potfile> {
    const known = new Map<string, Uint8Array>()
    if (existsSync(path)) {
      // latin1 keeps every byte of a plaintext as it is; lines can be any length and the file any size.
      const lines = createInterface({ input: createReadStream(path, { encoding: 'latin1' }), crlfDelay: Infinity })
      for await (const line of lines) {
        const colon = line.indexOf(':')
        const hash = line.slice(0, colon).toLowerCase()
        if (colon > 0 && DIGEST_HEX.test(hash)) known.set(hash, parsePlaintext(line.slice(colon + 1)))
      }
    }
    return new Potfile(path, known)
  }

  get size (): number { return this.#known.size }

  get (hash: string): Uint8Array | undefined {
    return this.#known.get(hash)
  }

  // Durable before it returns: a result reported is a result kept.
  append (hash: string, plaintext: Uint8Array): void {
    if (this.#known.has(hash)) return
    writeSync(this.#fd, potLine(hash, plaintext) + '\n')
    fsyncSync(this.#fd)
    this.#known.set(hash, plaintext)
  }

  close (): void {
    closeSync(this.#fd)
  }
}

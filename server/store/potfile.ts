// The potfile: every verified result as a `hash:plaintext` line (hashcat's format), appended and
// fsynced before the result is reported, and read back at start so known targets are never searched.
import { createReadStream, existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { hasPotfileForm, isPassThrough, parseTarget, potfileLookup, type Algorithm } from '../../shared/algorithms.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { matches } from '../../shared/hashing/modes.ts'
import { parsePlaintext, potLine } from '../pot-format.ts'
import { AppendFile, openFailure, refuseLink, type FileIO } from './append-file.ts'

const HEX_ONLY = /^[0-9a-fA-F]+$/
// hashcat's WPA results: `PMK*ESSID`, in hex. They are found by `*ESSID` too (potfileLookup).
const PMK_KEY = /^[0-9a-f]{64}(\*[0-9a-f]*)$/

// The plaintext a potfile holds for a hash that really hashes to it, if any: lines of other modes
// that look alike, or a damaged file, cannot make us report a wrong plaintext (except for a mode we
// have no kernel for, whose line is believed). The target's bytes
// are made from its text only when the potfile names it.
export function verifiedPlaintext (potfile: { plaintexts (hash: string): readonly Uint8Array[] }, algorithm: Algorithm, hash: string, target?: Uint8Array): Uint8Array | undefined {
  const own = hasPotfileForm(algorithm)
  const plaintexts = potfile.plaintexts(own ? potfileLookup(algorithm, target ?? parseTarget(algorithm, hash)) : hash)
  if (plaintexts.length === 0) return undefined
  // A mode we have no kernel for: taken as the potfile says (its line names the hash exactly).
  if (isPassThrough(algorithm)) return plaintexts[0]
  const bytes = target ?? parseTarget(algorithm, hash)
  return plaintexts.find((p) => matches(algorithm, bytes, p))
}

export class Potfile {
  readonly #file: AppendFile
  // Every plaintext a line may give for a hash. Where the hash ends is not known without its mode (a
  // salt may hold colons; another tool may write a plaintext's colon raw), so a line is read at each
  // of its colons; a lookup gets every reading and the caller keeps the plaintext that verifies.
  readonly #known: Map<string, Uint8Array[]>
  #lines: number

  private constructor (file: AppendFile, known: Map<string, Uint8Array[]>, lines: number) {
    this.#file = file
    this.#known = known
    this.#lines = lines
  }

  // `createDirectory`: make the file's directory if it is missing (the default place); a path the user
  // typed into a directory that does not exist is more likely a typo, and an error.
  static async open (path: string, options: { io?: FileIO, createDirectory?: boolean } = {}): Promise<Potfile> {
    if (!options.createDirectory && !existsSync(dirname(path))) throw new InvalidInputError(`potfile ${path}: its directory ${dirname(path)} does not exist`)
    try {
      refuseLink(path)
      const { known, lines } = await readKnown(path)
      if (options.createDirectory) mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      return new Potfile(new AppendFile(path, options.io), known, lines)
    } catch (error) {
      throw new InvalidInputError(`potfile ${path}: ${openFailure(error)}`)
    }
  }

  // The file's results, without opening it for writing (--show, --left); a missing file knows nothing.
  static async read (path: string): Promise<{ plaintexts: (hash: string) => readonly Uint8Array[] }> {
    try {
      const { known } = await readKnown(path)
      return { plaintexts: (hash) => known.get(hash) ?? [] }
    } catch (error) {
      throw new InvalidInputError(`potfile ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
  }

  get path (): string { return this.#file.path }

  // Results it holds: its lines that look like results.
  get size (): number { return this.#lines }

  plaintexts (hash: string): readonly Uint8Array[] {
    return this.#known.get(hash) ?? []
  }

  // Every hash it has a result for (a line with colons in its plaintext gives one per colon).
  hashes (): IterableIterator<string> {
    return this.#known.keys()
  }

  // Durable before it returns: a result reported is a result kept. The same line is never written twice.
  append (hash: string, plaintext: Uint8Array): void {
    if (this.plaintexts(hash).some((p) => Buffer.compare(p, plaintext) === 0)) return
    this.#file.append(potLine(hash, plaintext) + '\n')
    addKnown(this.#known, hash, plaintext)
    const network = PMK_KEY.exec(hash)
    if (network) addKnown(this.#known, network[1], plaintext)
    this.#lines++
  }

  close (): void {
    this.#file.close()
  }
}

async function readKnown (path: string): Promise<{ known: Map<string, Uint8Array[]>, lines: number }> {
  const known = new Map<string, Uint8Array[]>()
  let count = 0
  if (!existsSync(path)) return { known, lines: count }
  // latin1 keeps every byte of a plaintext as it is; lines can be any length and the file any size.
  const lines = createInterface({ input: createReadStream(path, { encoding: 'latin1' }), crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.indexOf(':') <= 0) continue
    count++
    for (let colon = line.indexOf(':'); colon > 0; colon = line.indexOf(':', colon + 1)) {
      // latin1 kept the bytes; the hash's text is UTF-8 (a salt may be), digests lower-case hex.
      const field = Buffer.from(line.slice(0, colon), 'latin1').toString('utf8')
      const hash = HEX_ONLY.test(field) ? field.toLowerCase() : field
      const plaintext = parsePlaintext(Uint8Array.from(Buffer.from(line.slice(colon + 1), 'latin1')))
      addKnown(known, hash, plaintext)
      const network = PMK_KEY.exec(hash)
      if (network) addKnown(known, network[1], plaintext)
    }
  }
  return { known, lines: count }
}

function addKnown (known: Map<string, Uint8Array[]>, hash: string, plaintext: Uint8Array): void {
  const list = known.get(hash)
  if (list) list.push(plaintext)
  else known.set(hash, [plaintext])
}

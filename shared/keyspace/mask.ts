// hashcat masks: each position is a literal byte or a charset, `?l ?u ?d ?h ?H ?s ?a ?b` built in,
// `?1..?4` the custom charsets given with -1..-4, `??` a literal question mark. Masks and charsets
// are UTF-8 text, read byte by byte as hashcat does, so a non-ASCII literal is several positions.
import { InvalidInputError } from '../errors.ts'

const bytesOf = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'))
const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i)
const LOWER = range(0x61, 0x7a)
const UPPER = range(0x41, 0x5a)
const DIGITS = range(0x30, 0x39)
const SPECIAL = bytesOf(' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')

export const BUILT_IN_CHARSETS: Record<string, Uint8Array> = {
  l: LOWER,
  u: UPPER,
  d: DIGITS,
  h: Uint8Array.from([...DIGITS, ...range(0x61, 0x66)]),
  H: Uint8Array.from([...DIGITS, ...range(0x41, 0x46)]),
  s: SPECIAL,
  a: Uint8Array.from([...LOWER, ...UPPER, ...DIGITS, ...SPECIAL]),
  b: range(0x00, 0xff)
}

export const CUSTOM_CHARSETS = 4

// The built-in charset holding exactly these bytes, in any order (hashcat dedupes charsets), or null.
export function builtInName (charset: Uint8Array): string | null {
  for (const [name, builtIn] of Object.entries(BUILT_IN_CHARSETS)) {
    if (builtIn.length === charset.length && builtIn.every((byte) => charset.includes(byte))) return name
  }
  return null
}
const BUILT_IN_LIST = Object.keys(BUILT_IN_CHARSETS).map((k) => `?${k}`).join(' ')

// A custom charset (-1..-4): built-ins, literals and the custom charsets defined before it (`-2 ?1x`,
// as hashcat allows), duplicates dropped (as hashcat does), so every candidate has exactly one index.
// `earlier[i]` is -(i+1)'s set, when defined.
export function parseCustomCharset (text: string, which: number, earlier: readonly (Uint8Array | undefined)[] = []): Uint8Array {
  const where = `custom charset -${which} "${text}"`
  const out: number[] = []
  const bytes = Buffer.from(text, 'utf8')
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x3f) { out.push(bytes[i]); continue }
    const key = String.fromCharCode(bytes[++i] ?? 0)
    if (i >= bytes.length) throw new InvalidInputError(`${where} ends with a lone "?"; write ?? for a literal question mark`)
    if (key === '?') out.push(0x3f)
    else if (Object.hasOwn(BUILT_IN_CHARSETS, key)) out.push(...BUILT_IN_CHARSETS[key])
    else if (key >= '1' && key <= String(CUSTOM_CHARSETS)) {
      const set = Number(key) < which ? earlier[Number(key) - 1] : undefined
      if (!set) throw new InvalidInputError(`${where}: "?${key}" must name a custom charset defined before it (-1..-${which - 1}), and -${key} is not`)
      out.push(...set)
    } else throw new InvalidInputError(`${where}: "?${key}" is not a charset usable here (${BUILT_IN_LIST}, ?1..?${which - 1} defined before it, or ?? for "?")`)
  }
  if (out.length === 0) throw new InvalidInputError(`${where} is empty`)
  return Uint8Array.from(new Set(out))
}

// The charset of every position of `mask`. `custom[i]` is -(i+1)'s definition, or undefined.
export function parseMask (mask: string, custom: readonly (string | undefined)[] = []): Uint8Array[] {
  const customSets: (Uint8Array | undefined)[] = []
  for (const [i, text] of custom.entries()) customSets.push(text === undefined || text === '' ? undefined : parseCustomCharset(text, i + 1, customSets))
  const positions: Uint8Array[] = []
  const bytes = Buffer.from(mask, 'utf8')
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x3f) { positions.push(Uint8Array.of(bytes[i])); continue }
    if (i + 1 >= bytes.length) throw new InvalidInputError(`mask "${mask}" ends with a lone "?"; write ?? for a literal question mark`)
    const key = String.fromCharCode(bytes[++i])
    if (key === '?') positions.push(Uint8Array.of(0x3f))
    else if (Object.hasOwn(BUILT_IN_CHARSETS, key)) positions.push(BUILT_IN_CHARSETS[key])
    else if (key >= '1' && key <= String(CUSTOM_CHARSETS)) {
      const set = customSets[Number(key) - 1]
      if (!set) throw new InvalidInputError(`mask "${mask}" uses ?${key} but no custom charset -${key} (--custom-charset${key}) was given`)
      positions.push(set)
    } else {
      throw new InvalidInputError(`mask "${mask}": "?${key}" at position ${positions.length + 1} is not a charset (${BUILT_IN_LIST}, ?1..?4, or ?? for "?")`)
    }
  }
  if (positions.length === 0) throw new InvalidInputError('the mask is empty')
  return positions
}

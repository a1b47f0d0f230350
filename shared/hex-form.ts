// hashcat's `$HEX[..]` form, as potfiles and wordlists use it for bytes that cannot stand as text:
// the prefix `$HEX[`, an even number of hex digits (either case), `]`. Anything else that looks like
// it is taken literally, as hashcat does.
const PREFIX = [0x24, 0x48, 0x45, 0x58, 0x5b] // $HEX[
const CLOSE = 0x5d // ]

// A hex digit's value (either case), or -1.
export function hexValue (b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30
  if (b >= 0x61 && b <= 0x66) return b - 0x57
  if (b >= 0x41 && b <= 0x46) return b - 0x37
  return -1
}

// Whether bytes[start, end) is in the form.
export function isHexForm (bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  const n = end - start
  if (n < 6 || n % 2 === 1 || bytes[end - 1] !== CLOSE) return false
  for (let i = 0; i < PREFIX.length; i++) if (bytes[start + i] !== PREFIX[i]) return false
  for (let i = start + 5; i < end - 1; i++) if (hexValue(bytes[i]) < 0) return false
  return true
}

// Decodes bytes[start, end) (which must be in the form) into `out`; returns how many bytes it wrote.
export function decodeHexForm (bytes: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let n = 0
  for (let i = start + 5; i < end - 1; i += 2) out[n++] = (hexValue(bytes[i]) << 4) | hexValue(bytes[i + 1])
  return n
}

// hashcat's potfile line: `hash:plaintext`, with `$HEX[..]` when the plaintext is not plain printable
// ASCII or contains a colon (which would make the line ambiguous).
export function formatPlaintext (plaintext: Uint8Array): string {
  const printable = plaintext.every((b) => b >= 0x20 && b < 0x7f && b !== 0x3a)
  const text = Buffer.from(plaintext).toString('latin1')
  return printable && !text.startsWith('$HEX[') ? text : `$HEX[${Buffer.from(plaintext).toString('hex')}]`
}

export function potLine (hash: string, plaintext: Uint8Array): string {
  return `${hash}:${formatPlaintext(plaintext)}`
}

// The server's long-term P-256 key, which workers pin: made on first start and kept in a file (64 hex
// characters and a newline, mode 0600, beside the config file unless --key says otherwise). Losing
// or replacing it makes every pinned worker refuse this server until told the new fingerprint.
import { existsSync, readFileSync } from 'node:fs'
import { writeSecretFile } from '../shared/config.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { generateStaticKey, staticKeyFrom, type StaticKeyPair } from '../shared/protocol/noise.ts'

export function loadServerKey (path: string): { key: StaticKeyPair, created: boolean } {
  if (!existsSync(path)) {
    const key = generateStaticKey()
    writeSecretFile(path, Buffer.from(key.secretKey).toString('hex') + '\n')
    return { key, created: true }
  }
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new InvalidInputError(`server key ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  const hex = text.trim()
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new InvalidInputError(`server key ${path}: expected 64 hex characters (a P-256 secret key); move the file away to make a new key (workers that pinned the old one will then refuse this server)`)
  try {
    return { key: staticKeyFrom(Uint8Array.from(Buffer.from(hex, 'hex'))), created: false }
  } catch {
    throw new InvalidInputError(`server key ${path}: not a valid P-256 secret key (zero or above the curve order)`)
  }
}

// Server keys this worker or ctl trusts, one line per server address, like OpenSSH's known_hosts:
//   host:port SHA256:<base64url>
// The first server to complete a handshake at an address is pinned (trust on first use); after that,
// a server presenting another key at that address is refused with both fingerprints named.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { InvalidInputError, ServerKeyMismatchError } from './errors.ts'
import { SERVER_KEY_FINGERPRINT_PATTERN } from './protocol/credentials.ts'

type Pin = { fingerprint: string, line: number }

export class KnownServers {
  readonly path: string
  readonly #pins = new Map<string, Pin>()
  #lines = 0
  #endsInNewline = true

  constructor (path: string) {
    this.path = path
    if (!existsSync(path)) return
    const text = readFileSync(path, 'utf8')
    this.#endsInNewline = text === '' || text.endsWith('\n')
    const lines = text.split('\n')
    if (lines.at(-1) === '') lines.pop()
    this.#lines = lines.length
    lines.forEach((text, index) => {
      const line = text.trim()
      if (line === '' || line.startsWith('#')) return
      const [address, fingerprint, extra] = line.split(/\s+/)
      if (extra !== undefined || !SERVER_KEY_FINGERPRINT_PATTERN.test(fingerprint ?? '') || !address.includes(':')) {
        throw new InvalidInputError(`${path}:${index + 1}: expected "host:port SHA256:<43 base64url characters>"`)
      }
      this.#pins.set(address, { fingerprint, line: index + 1 })
    })
  }

  // The fingerprints pinned for any address, for discovery: a server announcing one of these is ours.
  get fingerprints (): Set<string> {
    return new Set([...this.#pins.values()].map((pin) => pin.fingerprint))
  }

  // Throws when `address` is pinned to another key.
  check (address: string, presented: string): void {
    const pin = this.#pins.get(address)
    if (pin === undefined || pin.fingerprint === presented) return
    throw new ServerKeyMismatchError(
      `the server at ${address} presented key ${presented}, but ${this.path}:${pin.line} pins ${pin.fingerprint} for it. ` +
      'If its key changed on purpose (a reinstalled server, a deleted server.key), delete that line or start this worker with ' +
      `--server-key ${presented}; otherwise another machine holding the token is posing as your server`, presented, pin.fingerprint)
  }

  // Records a key proven by a completed handshake; returns false when it was already pinned.
  pin (address: string, fingerprint: string): boolean {
    if (this.#pins.has(address)) return false
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 })
    appendFileSync(this.path, `${this.#endsInNewline ? '' : '\n'}${address} ${fingerprint}\n`, { mode: 0o600 })
    this.#endsInNewline = true
    chmodSync(this.path, 0o600)
    this.#pins.set(address, { fingerprint, line: ++this.#lines })
    return true
  }
}

// What a worker or ctl expects of the key a server presents: `serverKey` when it has one (from
// --server-key, or from the announcement discovery chose the server by: `from` names which), and
// in any case the pin for the address, if there is one. Called before message 1 is sent.
export type ServerKeyExpectation = { serverKey?: string, from?: string, knownServers?: KnownServers }

export function checkServerKey (address: string, presented: string, expect: ServerKeyExpectation): void {
  const expected = expect.serverKey
  if (expected !== undefined && presented !== expected) {
    throw new ServerKeyMismatchError(`the server at ${address} presented key ${presented}, but ${expect.from ?? '--server-key'} says ${expected}. ` +
      'If its key changed on purpose, take the new one from its join line; otherwise another machine holding the token is posing as your server', presented, expected)
  }
  expect.knownServers?.check(address, presented)
}

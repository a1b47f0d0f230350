// Admission: the TCP listener, bounds on connections that have not proved the token yet (overall
// and per address, an IPv6 /64 counting as one address), and the handshake with its replay check.
// A connection is pending until its message 1 proves the token (the MAC is checked first, a hash);
// a proven one never waits for a slot nor pays for its address's failures. With no slot free, a new
// connection takes the oldest pending one's once that has idled PENDING_GRACE_MS, else the newcomer is
// told the server is busy (HANDSHAKE_BUSY): idle sockets and probes cannot keep a real peer out
// unless renewed faster than that, from as many addresses as there are slots.
// What comes out is a started, authenticated session.
import { EventEmitter } from 'node:events'
import net, { type Socket } from 'node:net'
import { HandshakeClosedError, InvalidInputError, TimeoutError, VersionMismatchError } from '../shared/errors.ts'
import type { LogLevel } from '../shared/log.ts'
import { frameHeader } from '../shared/protocol/frames.ts'
import { HANDSHAKE_BUSY, MAX_CONNECTIONS, MAX_PENDING_HANDSHAKES, MAX_PENDING_HANDSHAKES_PER_ADDRESS, PENDING_GRACE_MS } from '../shared/protocol/limits.ts'
import type { StaticKeyPair } from '../shared/protocol/noise.ts'
import { preamble } from '../shared/protocol/preamble.ts'
import { ReplayGuard } from '../shared/protocol/replay.ts'
import { acceptSession, type PeerRole, type ServerSession, type SessionTimings } from '../shared/protocol/session.ts'

const SUMMARY_INTERVAL_MS = 60_000
// A connection told it is busy gets this long to read that before it is cut; an address with more
// than MAX_LINGERING_PER_ADDRESS such connections has the next ones cut at once (they would hold
// connection slots other addresses need).
const BUSY_LINGER_MS = 200
const MAX_LINGERING_PER_ADDRESS = 8

type Pending = { socket: Socket, address: string, since: number }

export interface ListenerEvents {
  session: [ServerSession, PeerRole]
  'handshake-failed': [Error]
  shed: []
  log: [LogLevel, string]
}

export class Listener extends EventEmitter<ListenerEvents> {
  readonly #host: string
  readonly #port: number
  readonly #token: Uint8Array
  readonly #adminToken: Uint8Array | undefined
  readonly #staticKey: StaticKeyPair
  readonly #timings: SessionTimings
  readonly #replays = new ReplayGuard()
  readonly #pending = new Set<Pending>() // oldest first
  readonly #failuresByAddress = new Map<string, number>() // this minute's failed handshakes, for the log
  readonly #sockets = new Set<Socket>()
  readonly #lingering = new AddressCounts() // connections told busy, not yet cut
  #busy = 0 // connections told the server was busy this minute
  #evicted = 0 // idle pending connections dropped for a newcomer this minute
  #server: net.Server | null = null
  #summary: NodeJS.Timeout | null = null

  constructor (options: { host: string, port: number, token: Uint8Array, adminToken?: Uint8Array, staticKey: StaticKeyPair, timings: SessionTimings }) {
    super()
    this.#host = options.host
    this.#port = options.port
    this.#token = options.token
    this.#adminToken = options.adminToken
    this.#staticKey = options.staticKey
    this.#timings = options.timings
  }

  get port (): number {
    const address = this.#server?.address()
    return typeof address === 'object' && address ? address.port : this.#port
  }

  // Remote addresses (or /64 prefixes) of connections that have not proved the token yet.
  get pending (): string[] {
    return [...this.#pending].map((p) => p.address)
  }

  start (): Promise<void> {
    const server = net.createServer({ noDelay: true }, (socket) => this.#onConnection(socket))
    server.maxConnections = MAX_CONNECTIONS
    this.#server = server
    this.#summary = setInterval(() => this.#summarise(), SUMMARY_INTERVAL_MS)
    this.#summary.unref()
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, this.#host, this.#port)))
      server.listen(this.#port, this.#host, () => {
        server.removeAllListeners('error')
        server.on('error', (error) => this.emit('log', 'error', `listener: ${error.message}`))
        this.emit('log', 'info', `listening on ${this.#host}:${this.port}`)
        resolve()
      })
    })
  }

  // Stops accepting; connections not yet admitted are dropped.
  stop (): Promise<void> {
    if (this.#summary) clearInterval(this.#summary)
    for (const socket of this.#sockets) socket.destroy()
    return new Promise<void>((resolve) => this.#server ? this.#server.close(() => resolve()) : resolve())
  }

  #onConnection (socket: Socket): void {
    const address = addressKey(socket.remoteAddress ?? '?')
    socket.on('error', () => {})
    if (!this.#makeRoom(address)) {
      this.#busy++
      this.emit('shed')
      return this.#tellBusy(socket, address, true)
    }
    const pending: Pending = { socket, address, since: Date.now() }
    this.#pending.add(pending)
    this.#sockets.add(socket)
    const settle = () => this.#pending.delete(pending)
    acceptSession(socket, {
      token: this.#token, adminToken: this.#adminToken, staticKey: this.#staticKey, replays: this.#replays, timings: this.#timings, proven: settle
    }).then(({ session, role }) => {
      this.#sockets.delete(socket)
      // Its HELLO (or CONTROL) shows it is live; one that never comes is dropped after the deadline.
      const deadline = setTimeout(() => session.destroy(new TimeoutError('HELLO after the handshake', this.#timings.handshakeTimeoutMs)), this.#timings.handshakeTimeoutMs)
      const live = () => clearTimeout(deadline)
      session.once('message', live)
      session.once('close', live)
      this.emit('session', session, role)
      session.start()
    }, (error: Error) => {
      settle()
      this.#sockets.delete(socket)
      // A connection that never sent its message 1 (a probe, a port check, an idle socket) failed nothing.
      if (error instanceof HandshakeClosedError || error instanceof TimeoutError) return
      this.emit('handshake-failed', error)
      const failures = this.#failuresByAddress.get(address) ?? 0
      this.#failuresByAddress.set(address, failures + 1)
      // A peer of another version is worth telling the operator about, once a minute per address;
      // everything else (a wrong token, a replay, a scanner) is summarised.
      const level = error instanceof VersionMismatchError && failures === 0 ? 'warn' : 'debug'
      this.emit('log', level, `handshake from ${socket.remoteAddress} failed: ${error.message}`)
    })
  }

  // Whether a connection from `address` may start its handshake: a slot is free, or the oldest
  // pending connection (from that address when it is the address that is full) has idled long enough
  // to give its slot up.
  #makeRoom (address: string): boolean {
    const fromAddress = [...this.#pending].filter((p) => p.address === address)
    const full = fromAddress.length >= MAX_PENDING_HANDSHAKES_PER_ADDRESS ? fromAddress : this.#pending.size >= MAX_PENDING_HANDSHAKES ? [...this.#pending] : null
    if (full === null) return true
    const oldest = full[0]
    if (Date.now() - oldest.since < PENDING_GRACE_MS) return false
    this.#pending.delete(oldest)
    this.#sockets.delete(oldest.socket)
    this.#evicted++
    this.#tellBusy(oldest.socket, oldest.address, false)
    return true
  }

  // HANDSHAKE_BUSY where message 2 would come (after our preamble and key, for a new connection), then
  // the end; what the peer still sends is read and dropped so the words reach it before the close.
  #tellBusy (socket: Socket, address: string, opening: boolean): void {
    socket.removeAllListeners('data')
    socket.on('data', () => {})
    socket.resume()
    const busy = frameHeader(HANDSHAKE_BUSY)
    socket.end(opening ? Buffer.concat([preamble(), this.#staticKey.publicKey, busy]) : busy)
    if (!this.#lingering.add(address, MAX_LINGERING_PER_ADDRESS)) return void socket.destroy()
    setTimeout(() => {
      socket.destroy()
      this.#lingering.remove(address)
    }, BUSY_LINGER_MS).unref()
  }

  // One warning a minute says how many handshakes failed, and from where, instead of a line each.
  #summarise (): void {
    const failures = [...this.#failuresByAddress].sort((a, b) => b[1] - a[1])
    const total = failures.reduce((sum, [, n]) => sum + n, 0)
    if (total > 0 || this.#busy > 0 || this.#evicted > 0) {
      const top = failures.slice(0, 5).map(([address, n]) => `${address} (${n})`).join(', ')
      this.emit('log', 'warn', `${total} handshake(s) failed in the last minute${top ? `, from ${top}` : ''} (a wrong token, a replay, or a clock off by minutes); ` +
        `${this.#busy} connection(s) told the server was busy, ${this.#evicted} idle one(s) dropped for newcomers`)
    }
    this.#failuresByAddress.clear()
    this.#busy = 0
    this.#evicted = 0
  }
}

// How many of something each address holds, for per-address limits.
export class AddressCounts {
  readonly #counts = new Map<string, number>()

  // Counts one more for `address` unless it holds `max` already.
  add (address: string, max: number): boolean {
    const count = this.#counts.get(address) ?? 0
    if (count >= max) return false
    this.#counts.set(address, count + 1)
    return true
  }

  remove (address: string): void {
    const left = (this.#counts.get(address) ?? 1) - 1
    if (left === 0) this.#counts.delete(address)
    else this.#counts.set(address, left)
  }
}

// An IPv4 address as it is; an IPv6 address by its /64, the share one machine usually gets.
export function addressKey (address: string): string {
  if (!address.includes(':') || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address)) return address.replace(/^::ffff:/i, '')
  const [head, tail = ''] = address.split('::')
  const left = head ? head.split(':') : []
  const right = address.includes('::') ? (tail ? tail.split(':') : []) : []
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((g) => parseInt(g || '0', 16).toString(16)).join(':')}::/64`
}

// Why the port could not be opened, in words a user can act on (exit 2), or the error itself.
function listenError (error: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (error.code) {
    case 'EADDRINUSE': return new InvalidInputError(`port ${port} is already in use on ${host}; choose another --port`)
    case 'EADDRNOTAVAIL': return new InvalidInputError(`${host} is not an address of this machine; choose another --host (0.0.0.0 listens on all of them)`)
    case 'EACCES': return new InvalidInputError(`port ${port} needs privileges this user lacks; choose a --port above 1023`)
    default: return error
  }
}

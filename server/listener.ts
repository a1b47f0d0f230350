// Admission: the TCP listener, bounds on connections that have not proved themselves yet (overall and
// per address, an IPv6 /64 counting as one address), the handshake with its replay check, and a
// per-address limit on failed handshakes. A connection counts as pending until its session's first
// transport message (HELLO): a replayed handshake can neither finish nor hold a slot for long.
// What comes out is a started, authenticated session; everything else is closed without a word.
import { EventEmitter } from 'node:events'
import net, { type Socket } from 'node:net'
import { InvalidInputError, TimeoutError, VersionMismatchError } from '../shared/errors.ts'
import type { LogLevel } from '../shared/log.ts'
import { MAX_CONNECTIONS, MAX_FAILED_HANDSHAKES_PER_MINUTE, MAX_PENDING_HANDSHAKES, MAX_PENDING_HANDSHAKES_PER_ADDRESS } from '../shared/protocol/limits.ts'
import type { StaticKeyPair } from '../shared/protocol/noise.ts'
import { ReplayGuard } from '../shared/protocol/replay.ts'
import { acceptSession, type PeerRole, type ServerSession, type SessionTimings } from '../shared/protocol/session.ts'

const FAILURE_WINDOW_MS = 60_000

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
  readonly #pendingByAddress = new Map<string, number>()
  readonly #failuresByAddress = new Map<string, number>() // this minute's failed handshakes
  readonly #sockets = new Set<Socket>()
  #pending = 0
  #shed = 0 // connections refused at once this minute
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

  // Remote addresses (or /64 prefixes) of connections that have not said HELLO yet.
  get pending (): string[] {
    return [...this.#pendingByAddress].flatMap(([address, count]) => Array<string>(count).fill(address))
  }

  start (): Promise<void> {
    const server = net.createServer({ noDelay: true }, (socket) => this.#onConnection(socket))
    server.maxConnections = MAX_CONNECTIONS
    this.#server = server
    this.#summary = setInterval(() => this.#summarise(), FAILURE_WINDOW_MS)
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
    const fromAddress = this.#pendingByAddress.get(address) ?? 0
    if (this.#pending >= MAX_PENDING_HANDSHAKES || fromAddress >= MAX_PENDING_HANDSHAKES_PER_ADDRESS ||
        (this.#failuresByAddress.get(address) ?? 0) >= MAX_FAILED_HANDSHAKES_PER_MINUTE) {
      this.#shed++
      this.emit('shed')
      socket.destroy()
      return
    }
    this.#pending++
    this.#pendingByAddress.set(address, fromAddress + 1)
    this.#sockets.add(socket)
    let settled = false
    const settle = () => {
      if (settled) return
      settled = true
      this.#sockets.delete(socket)
      this.#pending--
      const left = (this.#pendingByAddress.get(address) ?? 1) - 1
      if (left === 0) this.#pendingByAddress.delete(address)
      else this.#pendingByAddress.set(address, left)
    }
    acceptSession(socket, { token: this.#token, adminToken: this.#adminToken, staticKey: this.#staticKey, replays: this.#replays, timings: this.#timings }).then(({ session, role }) => {
      // Its HELLO (or CONTROL) shows it is live, not a replay; one that never comes is dropped after
      // the handshake's deadline.
      const deadline = setTimeout(() => session.destroy(new TimeoutError('HELLO after the handshake', this.#timings.handshakeTimeoutMs)), this.#timings.handshakeTimeoutMs)
      const live = () => {
        clearTimeout(deadline)
        settle()
      }
      session.once('message', live)
      session.once('close', live)
      this.emit('session', session, role)
      session.start()
    }, (error: Error) => {
      settle()
      this.emit('handshake-failed', error)
      const failures = this.#failuresByAddress.get(address) ?? 0
      this.#failuresByAddress.set(address, failures + 1)
      // A peer of another version is worth telling the operator about, once a minute per address;
      // everything else (a wrong token, a replay, a scanner) is summarised.
      const level = error instanceof VersionMismatchError && failures === 0 ? 'warn' : 'debug'
      this.emit('log', level, `handshake from ${socket.remoteAddress} failed: ${error.message}`)
    })
  }

  // One warning a minute says how many handshakes failed, and from where, instead of a line each.
  #summarise (): void {
    const failures = [...this.#failuresByAddress].sort((a, b) => b[1] - a[1])
    const total = failures.reduce((sum, [, n]) => sum + n, 0)
    if (total > 0 || this.#shed > 0) {
      const top = failures.slice(0, 5).map(([address, n]) => `${address} (${n})`).join(', ')
      this.emit('log', 'warn', `${total} handshake(s) failed in the last minute${top ? `, from ${top}` : ''}; ${this.#shed} connection(s) refused at once (limits or too many failures); a wrong token, a replay, or a clock off by minutes`)
    }
    this.#failuresByAddress.clear()
    this.#shed = 0
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

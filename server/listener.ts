// Admission: the TCP listener, bounds on connections that have not authenticated yet (overall and
// per address), and the handshake. What comes out is an authenticated session; everything else is
// closed without a word and logged at debug level.
import { EventEmitter } from 'node:events'
import net, { type Socket } from 'node:net'
import type { LogLevel } from '../shared/log.ts'
import { MAX_CONNECTIONS, MAX_PENDING_HANDSHAKES, MAX_PENDING_HANDSHAKES_PER_ADDRESS } from '../shared/protocol/limits.ts'
import { acceptSession, type ServerSession, type SessionTimings } from '../shared/protocol/session.ts'

export interface ListenerEvents {
  session: [ServerSession]
  log: [LogLevel, string]
}

export class Listener extends EventEmitter<ListenerEvents> {
  readonly #host: string
  readonly #port: number
  readonly #token: Uint8Array
  readonly #timings: SessionTimings
  readonly #pendingByAddress = new Map<string, number>()
  readonly #sockets = new Set<Socket>()
  #pending = 0
  #server: net.Server | null = null

  constructor (options: { host: string, port: number, token: Uint8Array, timings: SessionTimings }) {
    super()
    this.#host = options.host
    this.#port = options.port
    this.#token = options.token
    this.#timings = options.timings
  }

  get port (): number {
    const address = this.#server?.address()
    return typeof address === 'object' && address ? address.port : this.#port
  }

  // Remote addresses of connections still in their handshake.
  get handshaking (): string[] {
    return [...this.#pendingByAddress].flatMap(([address, count]) => Array<string>(count).fill(address))
  }

  start (): Promise<void> {
    const server = net.createServer({ noDelay: true }, (socket) => this.#onConnection(socket))
    server.maxConnections = MAX_CONNECTIONS
    this.#server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#port, this.#host, () => {
        server.off('error', reject)
        server.on('error', (error) => this.emit('log', 'error', `listener: ${error.message}`))
        this.emit('log', 'info', `listening on ${this.#host}:${this.port}`)
        resolve()
      })
    })
  }

  // Stops accepting; connections still handshaking are dropped.
  stop (): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    return new Promise<void>((resolve) => this.#server ? this.#server.close(() => resolve()) : resolve())
  }

  #onConnection (socket: Socket): void {
    const address = socket.remoteAddress ?? '?'
    const fromAddress = this.#pendingByAddress.get(address) ?? 0
    if (this.#pending >= MAX_PENDING_HANDSHAKES || fromAddress >= MAX_PENDING_HANDSHAKES_PER_ADDRESS) {
      this.emit('log', 'debug', `refused ${address}: too many handshakes in progress`)
      socket.destroy()
      return
    }
    this.#pending++
    this.#pendingByAddress.set(address, fromAddress + 1)
    this.#sockets.add(socket)
    const settle = () => {
      this.#sockets.delete(socket)
      this.#pending--
      const left = (this.#pendingByAddress.get(address) ?? 1) - 1
      if (left === 0) this.#pendingByAddress.delete(address)
      else this.#pendingByAddress.set(address, left)
    }
    acceptSession(socket, this.#token, this.#timings).then((session) => {
      settle()
      this.emit('session', session)
    }, (error: Error) => {
      settle()
      // Pre-auth failures get no detail on the wire.
      this.emit('log', 'debug', `handshake from ${address} failed: ${error.message}`)
    })
  }
}

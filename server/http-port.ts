// A small plain-HTTP side port (the worker download, the metrics): a request handler behind bounds on
// connections (in all, and per address so one machine cannot lock out the others) and slow clients,
// a start that names the flag to change when the port is taken, a stop that does not wait for idle
// keep-alive connections.
import http from 'node:http'
import type { Socket } from 'node:net'
import { InvalidInputError } from '../shared/errors.ts'
import { AddressCounts, addressKey } from './listener.ts'

const MAX_CONNECTIONS = 64
// A browser opens up to 6 connections to a host; a script, one.
export const MAX_CONNECTIONS_PER_ADDRESS = 8
const REQUEST_TIMEOUT_MS = 60_000
// A client has this long to send its headers; Node checks every CHECK_INTERVAL_MS (by default every
// 30 s, which let a drip hold a connection three times as long).
export const HEADERS_TIMEOUT_MS = 10_000
const CHECK_INTERVAL_MS = 1_000

export class HttpPort {
  readonly #server: http.Server
  readonly #flag: string

  // `flag`: the option that moves this port, for the error when it is taken.
  constructor (flag: string, handle: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
    this.#flag = flag
    this.#server = http.createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: CHECK_INTERVAL_MS }, handle)
    this.#server.maxConnections = MAX_CONNECTIONS
    const byAddress = new AddressCounts()
    this.#server.on('connection', (socket: Socket) => {
      const address = addressKey(socket.remoteAddress ?? '?')
      if (!byAddress.add(address, MAX_CONNECTIONS_PER_ADDRESS)) return socket.destroy()
      socket.once('close', () => byAddress.remove(address))
    })
  }

  get port (): number {
    const address = this.#server.address()
    return typeof address === 'object' && address ? address.port : 0
  }

  start (host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE'
        ? new InvalidInputError(`port ${port} is already in use on ${host}; choose another ${this.#flag}`)
        : error.code === 'EADDRNOTAVAIL' ? new InvalidInputError(`${host} is not an address of this machine; choose another ${this.#flag}`) : error))
      this.#server.listen(port, host, () => resolve())
    })
  }

  stop (): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}

// A host as a URL holds it: an IPv6 address in brackets.
export function hostForUrl (host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

export function answer (response: http.ServerResponse, status: number, text: string, headers: http.OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
  response.end(text)
}

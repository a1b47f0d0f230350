// A small plain-HTTP side port (the worker download, the metrics): a request handler behind bounds on
// connections and slow clients, a start that names the flag to change when the port is taken, a stop
// that does not wait for idle keep-alive connections.
import http from 'node:http'
import { InvalidInputError } from '../shared/errors.ts'

const MAX_CONNECTIONS = 32
const REQUEST_TIMEOUT_MS = 60_000
const HEADERS_TIMEOUT_MS = 10_000

export class HttpPort {
  readonly #server: http.Server
  readonly #flag: string

  // `flag`: the option that moves this port, for the error when it is taken.
  constructor (flag: string, handle: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
    this.#flag = flag
    this.#server = http.createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS }, handle)
    this.#server.maxConnections = MAX_CONNECTIONS
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

// The opt-out HTTP side port that hands new machines the single-file worker, and the one line that
// fetches it, checks its SHA-256 and starts it. It serves that file and nothing else: no secrets
// (the token is never in the file nor the line), so plain HTTP is fine; the checksum in the line,
// read off the server's own screen, is what makes the download trustworthy.
import type { LogLevel } from '../shared/log.ts'
import { BUNDLE_NAME, type Bundle } from '../worker/bundle/build.ts'
import { HttpPort, answer, hostForUrl } from './http-port.ts'

export class DownloadServer extends HttpPort {
  readonly #bundle: Bundle
  #downloads = 0

  constructor (bundle: Bundle, onLog: (level: LogLevel, message: string) => void) {
    super('--download-port, or --no-download', (request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname
      if (path !== `/${BUNDLE_NAME}`) return answer(response, 404, `only /${BUNDLE_NAME} is served here\n`)
      if (request.method !== 'GET' && request.method !== 'HEAD') return answer(response, 405, 'GET or HEAD only\n', { allow: 'GET, HEAD' })
      response.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'content-length': this.#bundle.bytes.length,
        etag: `"${this.#bundle.sha256}"`,
        'x-content-sha256': this.#bundle.sha256,
        'cache-control': 'no-cache'
      })
      if (request.method === 'HEAD') return response.end()
      response.end(this.#bundle.bytes)
      onLog('info', `worker download by ${request.socket.remoteAddress} (${++this.#downloads} so far)`)
    })
    this.#bundle = bundle
  }
}

// The line to paste on a new machine (POSIX shell, curl, sha256sum, node >= 20.11). The worker asks
// for the token on its terminal, so the line can be shared without giving away the fleet.
export function joinCommand (options: { host: string, port: number, downloadPort: number, sha256: string, serverKey: string }): string {
  const url = `http://${hostForUrl(options.host)}:${options.downloadPort}/${BUNDLE_NAME}`
  return `curl -fsSLo ${BUNDLE_NAME} ${url} && echo "${options.sha256}  ${BUNDLE_NAME}" | sha256sum -c --quiet - && ` +
    `node ${BUNDLE_NAME} --host ${options.host} --port ${options.port} --server-key ${options.serverKey}`
}

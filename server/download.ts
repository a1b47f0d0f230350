// The opt-out HTTP side port that hands new machines the single-file worker, and the one line that
// fetches it, checks its SHA-256 and starts it. The file holds no secrets (the token is never in the
// file nor the line), so plain HTTP is fine; the checksum in the line, read off the server's own
// screen, is what makes the download trustworthy. With --web it also serves the web view
// (server/web/web-view.ts), which asks for a token before it shows anything.
import type { LogLevel } from '../shared/log.ts'
import { BUNDLE_NAME, type Bundle } from '../worker/bundle/build.ts'
import { HttpPort, answer, hostForUrl } from './http-port.ts'
import type { WebView } from './web/web-view.ts'

export class DownloadServer extends HttpPort {
  #downloads = 0

  // `bundle`: null with --no-download; `web`: null without --web.
  constructor (bundle: Bundle | null, web: WebView | null, onLog: (level: LogLevel, message: string) => void) {
    super(bundle ? '--download-port, or --no-download' : '--download-port', (request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname
      if (path !== `/${BUNDLE_NAME}` || !bundle) {
        if (web) return web.handle(request, response)
        return answer(response, 404, bundle ? `only /${BUNDLE_NAME} is served here\n` : 'nothing is served here\n')
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return answer(response, 405, 'GET or HEAD only\n', { allow: 'GET, HEAD' })
      response.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'content-length': bundle.bytes.length,
        etag: `"${bundle.sha256}"`,
        'x-content-sha256': bundle.sha256,
        'cache-control': 'no-cache'
      })
      if (request.method === 'HEAD') return response.end()
      response.end(bundle.bytes)
      onLog('info', `worker download by ${request.socket.remoteAddress} (${++this.#downloads} so far)`)
    })
  }
}

// The line to paste on a new machine (POSIX shell, curl, sha256sum, node >= 20.11). The worker asks
// for the token on its terminal, so the line can be shared without giving away the fleet.
export function joinCommand (options: { host: string, port: number, downloadPort: number, sha256: string, serverKey: string }): string {
  const url = `http://${hostForUrl(options.host)}:${options.downloadPort}/${BUNDLE_NAME}`
  return `curl -fsSLo ${BUNDLE_NAME} ${url} && echo "${options.sha256}  ${BUNDLE_NAME}" | sha256sum -c --quiet - && ` +
    `node ${BUNDLE_NAME} --host ${options.host} --port ${options.port} --server-key ${options.serverKey}`
}

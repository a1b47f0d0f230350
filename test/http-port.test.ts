// The plain-HTTP side ports (worker download, metrics) against slow clients: connections that send
// their headers a byte at a time are cut after the headers deadline, and one address holding many
// cannot keep another machine from its download.
import { afterEach, describe, expect, it } from 'vitest'
import http from 'node:http'
import net from 'node:net'
import { HEADERS_TIMEOUT_MS, HttpPort, MAX_CONNECTIONS_PER_ADDRESS, answer } from '../server/http-port.ts'
import { within } from './helpers.ts'

const open: net.Socket[] = []
let port: HttpPort | null = null
afterEach(async () => {
  for (const socket of open.splice(0)) socket.destroy()
  await port?.stop()
})

function get (at: number, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: at, path: '/', localAddress, agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    }).on('error', reject)
  })
}

describe('a side port under slow clients', () => {
  it('serves another address while one holds 40 dripping connections, and cuts the drips after the headers deadline', async () => {
    port = new HttpPort('--test-port', (_request, response) => answer(response, 200, 'ok\n'))
    await port.start('127.0.0.1', 0)
    const closed: Promise<void>[] = []
    for (let i = 0; i < 40; i++) {
      const socket = net.connect({ host: '127.0.0.1', port: port.port, localAddress: '127.0.0.1' })
      socket.on('error', () => {})
      socket.write('GET / HTTP/1.1\r\n')
      const drip = setInterval(() => socket.write('X'), 500)
      closed.push(new Promise((resolve) => socket.once('close', () => { clearInterval(drip); resolve() })))
      open.push(socket)
    }
    // Another machine (another loopback address) gets its answer at once.
    expect(await within(15_000, get(port.port, '127.0.0.2'), 'a GET from another address')).toBe(200)
    // Every drip is gone within the headers deadline (plus room for a busy machine); those over the
    // per-address limit at once.
    await within(HEADERS_TIMEOUT_MS + 30_000, Promise.all(closed), 'the slow connections closed')
    expect(MAX_CONNECTIONS_PER_ADDRESS).toBeLessThan(40)
    expect(await within(15_000, get(port.port, '127.0.0.1'), 'a GET from the same address after')).toBe(200)
  })
})

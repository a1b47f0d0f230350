// Which server a worker trusts, and what each side says when the other speaks another protocol:
// preambles, the server's static key, pinning on first use, --server-key.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { Orchestrator } from '../server/orchestrator.ts'
import { loadServerKey } from '../server/identity.ts'
import { ServerKeyMismatchError, VersionMismatchError, InvalidInputError } from '../shared/errors.ts'
import { frameHeader } from '../shared/protocol/frames.ts'
import { PROTOCOL_VERSION } from '../shared/protocol/limits.ts'
import { serverKeyFingerprint, tokenKey } from '../shared/protocol/credentials.ts'
import { generateStaticKey } from '../shared/protocol/noise.ts'
import { preamble } from '../shared/protocol/preamble.ts'
import { connectSession } from '../shared/protocol/session.ts'
import { WorkerClient } from '../worker/client.ts'
import { KnownServers } from '../shared/known-servers.ts'
import { FAST_TIMINGS, TOKEN, closed, eventually, rawConnect, sessionServer, tempDir, within, type SessionServer, WAIT_MS } from './helpers.ts'

const stops: (() => Promise<unknown>)[] = []
afterEach(async () => { for (const stop of stops.splice(0).reverse()) await stop() })

async function server (port = 0, staticKey = generateStaticKey()): Promise<Orchestrator> {
  const orch = new Orchestrator({ host: '127.0.0.1', port, token: TOKEN, staticKey, timings: FAST_TIMINGS })
  await orch.start()
  stops.push(() => orch.stop())
  return orch
}

// A worker whose log lines the test can wait on.
function worker (port: number, options: { knownServers?: KnownServers, serverKey?: string } = {}) {
  const client = new WorkerClient({ host: '127.0.0.1', port, token: TOKEN, name: 'pinned', cores: 1, threads: 1, timings: FAST_TIMINGS, reconnectInitialMs: 20, ...options })
  const lines: string[] = []
  client.on('log', (level, message) => lines.push(`${level} ${message}`))
  void client.start()
  stops.push(() => client.stop())
  return { client, lines }
}

// A server of another version: it sends its preamble and a key, then hangs up.
async function fakeServer (opening: Uint8Array): Promise<number> {
  const sockets = new Set<net.Socket>()
  const listener = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.end(Buffer.concat([opening, generateStaticKey().publicKey]))
  })
  listener.listen(0, '127.0.0.1')
  await once(listener, 'listening')
  stops.push(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise((resolve) => listener.close(resolve))
  })
  return (listener.address() as net.AddressInfo).port
}

describe('version preambles', () => {
  let bare: SessionServer | undefined
  afterEach(async () => {
    await bare?.close()
    bare = undefined
  })

  it('a worker of another version is told apart from a wrong token, on the server', async () => {
    bare = await sessionServer()
    const socket = await rawConnect(bare.port)
    socket.write(preamble(PROTOCOL_VERSION + 1))
    const failure = await within(WAIT_MS, bare.nextFailure(), 'the refusal')
    expect(failure).toBeInstanceOf(VersionMismatchError)
    expect(failure.message).toBe(`worker speaks protocol ${PROTOCOL_VERSION + 1}, this server ${PROTOCOL_VERSION}: update the server`)
    await within(WAIT_MS, closed(socket), 'the close')
  })

  it('recognises a protocol-3 worker, which sent no preamble', async () => {
    bare = await sessionServer()
    const socket = await rawConnect(bare.port)
    socket.write(Buffer.concat([frameHeader(57), new Uint8Array(57)]))
    const failure = await within(WAIT_MS, bare.nextFailure(), 'the refusal')
    expect(failure.message).toBe(`worker speaks protocol 3, this server ${PROTOCOL_VERSION}: update the worker`)
  })

  it('a worker reads the server\'s version before sending anything secret, and says which side to update', async () => {
    const socket = await rawConnect(await fakeServer(preamble(PROTOCOL_VERSION + 1)))
    let checked = false
    const attempt = connectSession(socket, { token: tokenKey(TOKEN), checkServerKey: () => { checked = true }, timings: FAST_TIMINGS })
    await expect(attempt).rejects.toThrow(`server speaks protocol ${PROTOCOL_VERSION + 1}, this worker ${PROTOCOL_VERSION}: update the worker`)
    await expect(attempt).rejects.toBeInstanceOf(VersionMismatchError)
    expect(checked).toBe(false)
  })

  it('the real worker logs the mismatch as such, not as a token problem, and keeps trying', async () => {
    const { lines } = worker(await fakeServer(preamble(2)))
    await eventually(() => lines.filter((l) => l.includes(`server speaks protocol 2, this worker ${PROTOCOL_VERSION}: update the server`)).length >= 2, WAIT_MS, 'two attempts')
    expect(lines.join('\n')).not.toMatch(/wrong token/)
  })
})

describe('server keys', () => {
  it('a first connection pins the server key; the same key is accepted again', async () => {
    const dir = tempDir('taskorch-known-')
    const knownServers = new KnownServers(join(dir, 'known_servers'))
    const orch = await server()
    const { lines } = worker(orch.port, { knownServers })
    await eventually(() => orch.workers.length === 1, WAIT_MS, 'the worker joined')
    expect(readFileSync(knownServers.path, 'utf8')).toBe(`127.0.0.1:${orch.port} ${orch.serverKeyFingerprint}\n`)
    expect(statSync(knownServers.path).mode & 0o777).toBe(0o600)
    expect(lines).toContainEqual(`info first connection to 127.0.0.1:${orch.port}: pinned its key ${orch.serverKeyFingerprint} in ${knownServers.path}`)
    expect(new KnownServers(knownServers.path).fingerprints).toEqual(new Set([orch.serverKeyFingerprint]))
  })

  it('a server holding the right token but another key is refused by a worker that pinned the first, naming both keys', async () => {
    const dir = tempDir('taskorch-known-')
    const path = join(dir, 'known_servers')
    const first = await server()
    const port = first.port
    const pinned = worker(port, { knownServers: new KnownServers(path) })
    await eventually(() => first.workers.length === 1, WAIT_MS, 'the worker joined the real server')
    await pinned.client.stop()
    await first.stop()

    const impostor = await server(port) // same address, same token, its own key
    const { lines } = worker(port, { knownServers: new KnownServers(path) })
    const refusal = await eventually(() => lines.find((l) => l.startsWith('error ')), WAIT_MS, 'the refusal')
    expect(refusal).toContain(`the server at 127.0.0.1:${port} presented key ${impostor.serverKeyFingerprint}, but ${path}:1 pins ${first.serverKeyFingerprint} for it`)
    expect(refusal).toContain(`delete that line or start this worker with --server-key ${impostor.serverKeyFingerprint}`)
    expect(impostor.workers).toEqual([])
    // Refused before message 1: the impostor sees a preamble and a close (which may reach it a moment
    // after the worker logged the refusal, on a busy machine).
    await eventually(() => impostor.connecting.length === 0, WAIT_MS, 'the impostor seeing the close')
    expect(impostor.workers).toEqual([])
  })

  it('--server-key decides: the named key is accepted, any other refused, and nothing is pinned', async () => {
    const dir = tempDir('taskorch-known-')
    const orch = await server()
    const wrong = serverKeyFingerprint(generateStaticKey().publicKey)
    const refused = worker(orch.port, { serverKey: wrong })
    const refusal = await eventually(() => refused.lines.find((l) => l.startsWith('error ')), WAIT_MS, 'the refusal')
    expect(refusal).toContain(`presented key ${orch.serverKeyFingerprint}, but --server-key says ${wrong}`)
    await refused.client.stop()
    worker(orch.port, { serverKey: orch.serverKeyFingerprint })
    await eventually(() => orch.workers.length === 1, WAIT_MS, 'the worker joined')
    expect(() => statSync(join(dir, 'known_servers'))).toThrow()
  })

  it('the check sees the key before the worker sends message 1', async () => {
    const bare = await sessionServer()
    stops.push(() => bare.close())
    const socket = await rawConnect(bare.port)
    const attempt = connectSession(socket, {
      token: tokenKey(TOKEN),
      checkServerKey: (key) => { throw new ServerKeyMismatchError('not ours', serverKeyFingerprint(key), 'SHA256:x') },
      timings: FAST_TIMINGS
    })
    await expect(attempt).rejects.toBeInstanceOf(ServerKeyMismatchError)
    // The server saw a preamble and a close, never a message 1.
    expect((await within(WAIT_MS, bare.nextFailure(), 'the server side')).code).toBe('TASKORCH_ERR_HANDSHAKE_CLOSED')
  })

  it('a known-servers file with a bad line is named by file and line', () => {
    const path = join(tempDir('taskorch-known-'), 'known_servers')
    writeFileSync(path, `# pinned keys\n10.0.0.2:8080 ${serverKeyFingerprint(generateStaticKey().publicKey)}\n10.0.0.3:8080 SHA256:short\n`)
    expect(() => new KnownServers(path)).toThrow(InvalidInputError)
    expect(() => new KnownServers(path)).toThrow(`${path}:3: expected "host:port SHA256:<43 base64url characters>"`)
  })

  it('a pin appended to a file without a final newline starts its own line', () => {
    const path = join(tempDir('taskorch-known-'), 'known_servers')
    const a = serverKeyFingerprint(generateStaticKey().publicKey)
    const b = serverKeyFingerprint(generateStaticKey().publicKey)
    writeFileSync(path, `10.0.0.2:8080 ${a}`)
    expect(new KnownServers(path).pin('10.0.0.3:8080', b)).toBe(true)
    expect(readFileSync(path, 'utf8')).toBe(`10.0.0.2:8080 ${a}\n10.0.0.3:8080 ${b}\n`)
    expect(() => new KnownServers(path).check('10.0.0.3:8080', a)).toThrow(`${path}:2 pins ${b}`)
  })

  it('the server key file is made once at mode 0600 and read back; a damaged one is refused by name', () => {
    const dir = tempDir('taskorch-key-')
    const path = join(dir, 'keys', 'server.key')
    const made = loadServerKey(path)
    expect(made.created).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const again = loadServerKey(path)
    expect(again.created).toBe(false)
    expect(Buffer.from(again.key.publicKey)).toEqual(Buffer.from(made.key.publicKey))
    writeFileSync(path, 'not a key\n')
    expect(() => loadServerKey(path)).toThrow(`server key ${path}: expected 64 hex characters`)
    writeFileSync(path, '0'.repeat(64) + '\n')
    expect(() => loadServerKey(path)).toThrow(`server key ${path}: not a valid P-256 secret key`)
  })
})

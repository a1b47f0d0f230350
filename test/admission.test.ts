// Admission by proof (#27): a peer holding the token gets in whatever else its address does (probes
// that connect and close, a wrong-token peer retrying, idle sockets filling its slots), a busy server
// says so instead of looking like a wrong token, and ctl under a burst never reports a bad credential.
import { afterEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import net, { type Socket } from 'node:net'
import { join } from 'node:path'
import { ServerBusyError, TokenRejectedError } from '../shared/errors.ts'
import { preamble } from '../shared/protocol/preamble.ts'
import { tokenKey } from '../shared/protocol/credentials.ts'
import { Initiator } from '../shared/protocol/noise.ts'
import { MAX_PENDING_HANDSHAKES_PER_ADDRESS, PENDING_GRACE_MS } from '../shared/protocol/limits.ts'
import { connectController } from '../shared/protocol/session.ts'
import { Orchestrator } from '../server/orchestrator.ts'
import { buildCtlBundle } from '../worker/bundle/build.ts'
import { WorkerClient } from '../worker/client.ts'
import { SERVER_OPENING_BYTES, TEST_SERVER_KEY, TOKEN, eventually, frame, tempDir, within, WAIT_MS } from './helpers.ts'

const ADMIN_TOKEN = 'aD4mIn7vQ2mX9pLr4Wz8bN3cYh6Jd5Fg1Ss0Ae-Uo_Ix'
const cleanup: (() => unknown)[] = []
afterEach(async () => { for (const step of cleanup.splice(0).reverse()) await step() })

async function server () {
  const orch = new Orchestrator({ token: TOKEN, host: '127.0.0.1', port: 0, staticKey: TEST_SERVER_KEY, control: { adminToken: ADMIN_TOKEN, uploadDir: tempDir('taskorch-uploads-') } })
  const lines: string[] = []
  orch.on('log', (level, message) => lines.push(`${level} ${message}`))
  await orch.start()
  cleanup.push(() => orch.stop())
  return { orch, lines }
}

// Runs `step` every `ms` until stopped (at cleanup).
function every (ms: number, step: () => void): void {
  let stopped = false
  const loop = () => { if (!stopped) { step(); setTimeout(loop, ms) } }
  loop()
  cleanup.push(() => { stopped = true })
}

function connect (port: number): Socket {
  const socket = net.connect({ host: '127.0.0.1', port })
  socket.on('error', () => {})
  return socket
}

describe('admission by proof', () => {
  it('a worker with the token joins while its address probes every 0.5 s, a wrong-token peer retries and idle sockets fill its slots', async () => {
    const { orch, lines } = await server()
    const port = orch.port
    every(500, () => connect(port).once('connect', function (this: Socket) { this.destroy() })) // a health probe
    every(50, () => { // a wrong-token peer, over 30 tries a minute
      const socket = connect(port)
      socket.once('connect', () => socket.end(Buffer.concat([preamble(), frame(new Initiator(tokenKey('not-the-token-0123456789abcdefghijklmnopq'), TEST_SERVER_KEY.publicKey).writeMessage1())])))
    })
    const idle = new Set<Socket>()
    every(100, () => { // idle sockets, reopened as they are dropped
      while (idle.size < 2 * MAX_PENDING_HANDSHAKES_PER_ADDRESS) {
        const socket = connect(port)
        idle.add(socket)
        socket.once('close', () => idle.delete(socket))
      }
    })
    cleanup.push(() => { for (const socket of idle) socket.destroy() })
    // Past the old lockout of 30 failures a minute from one address.
    await eventually(() => lines.filter((l) => l.includes('handshake from')).length > 30, WAIT_MS, '31 wrong-token handshakes failing')
    const client = new WorkerClient({ host: '127.0.0.1', port, token: TOKEN, name: 'steadfast', cores: 1, threads: 1, reconnectInitialMs: 100 })
    const running = client.start()
    cleanup.push(() => client.stop().then(() => running))
    const started = performance.now()
    await eventually(() => orch.workers.some((w) => w.name === 'steadfast'), WAIT_MS, 'the worker joining')
    // A few seconds at most: the bound is room for a busy machine, not for a lockout (which lasted a minute).
    expect(performance.now() - started).toBeLessThan(15_000)
    // Probes that sent nothing are not failed handshakes.
    expect(lines.join('\n')).not.toMatch(/handshake from \S+ failed: .*(closed|timed out)/)
  })

  it('gives an idle connection\'s slot to a newcomer, telling the idle one the server is busy; a wrong token is told apart', async () => {
    const { orch } = await server()
    const hogs = Array.from({ length: MAX_PENDING_HANDSHAKES_PER_ADDRESS }, () => {
      const socket = connect(orch.port)
      const received: Buffer[] = []
      socket.on('data', (d: Buffer) => received.push(d))
      return { socket, received }
    })
    cleanup.push(() => { for (const hog of hogs) hog.socket.destroy() })
    await eventually(() => orch.connecting.length === MAX_PENDING_HANDSHAKES_PER_ADDRESS, WAIT_MS, 'the slots taken')
    const opened = performance.now()
    await eventually(() => performance.now() - opened > PENDING_GRACE_MS, WAIT_MS, 'the hogs idle past the grace')
    // A controller with the token gets in; the oldest hog was told, where message 2 would be, that the server is busy.
    const socket = connect(orch.port)
    await new Promise((resolve) => socket.once('connect', resolve))
    const { session } = await connectController(socket, { token: tokenKey(ADMIN_TOKEN), checkServerKey: () => {} })
    session.destroy(new ServerBusyError())
    await eventually(() => hogs.some((hog) => Buffer.concat(hog.received).subarray(SERVER_OPENING_BYTES).equals(Buffer.from([0xff, 0xff, 0xff, 0xff]))), WAIT_MS, 'a hog told busy')
    // A client reads those bytes as ServerBusyError (a server with no room at all sends them at once).
    const busyServer = net.createServer((peer) => peer.end(Buffer.concat([preamble(), TEST_SERVER_KEY.publicKey, Buffer.from([0xff, 0xff, 0xff, 0xff])])))
    await new Promise<void>((resolve) => busyServer.listen(0, '127.0.0.1', resolve))
    cleanup.push(() => busyServer.close())
    const toBusy = connect((busyServer.address() as net.AddressInfo).port)
    await new Promise((resolve) => toBusy.once('connect', resolve))
    const error = await connectController(toBusy, { token: tokenKey(ADMIN_TOKEN), checkServerKey: () => {} }).then(() => null, (e: Error) => e)
    expect(error).toBeInstanceOf(ServerBusyError)
    // A wrong token is told apart: the server closed after reading message 1.
    const wrong = connect(orch.port)
    await new Promise((resolve) => wrong.once('connect', resolve))
    const rejected = await connectController(wrong, { token: tokenKey('not-the-token-0123456789abcdefghijklmnopq'), checkServerKey: () => {} }).then(() => null, (e: Error) => e)
    expect(rejected).toBeInstanceOf(TokenRejectedError)
  })

  // 50 ctl processes at once: each is slow to send its message 1 on a loaded machine, so the slots
  // fill; 802 of 1000 were told "the admin token is not this server's" (exit 3).
  it('ctl: 50 processes at once, every one answered, none told its token is wrong', async () => {
    const { orch } = await server()
    const dir = tempDir('taskorch-ctl-burst-')
    const ctl = join(dir, 'taskorch-ctl.mjs')
    writeFileSync(ctl, (await buildCtlBundle()).bytes)
    const runs = Array.from({ length: 50 }, () => {
      const child = spawn(process.execPath, [ctl, '--port', String(orch.port), 'jobs'], { cwd: dir, env: { ...process.env, XDG_CONFIG_HOME: dir, TASKORCH_ADMIN_TOKEN: ADMIN_TOKEN } })
      let stderr = ''
      child.stderr.on('data', (d) => { stderr += d })
      return once(child, 'exit').then(([code]) => ({ code, stderr }))
    })
    const outcomes = await within(240_000, Promise.all(runs), 'the 50 ctl runs')
    expect(outcomes.filter((o) => o.code !== 0)).toEqual([])
  })
})

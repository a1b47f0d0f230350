// Shared test plumbing: loopback servers on port 0, raw sockets, waiting with a deadline, and
// temporary directories.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import net, { type Socket } from 'node:net'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, onTestFailed, onTestFinished } from 'vitest'
import { frameHeader } from '../shared/protocol/frames.ts'
import { hashBytes } from '../shared/hashing/scalar.ts'
import { tokenKey } from '../shared/protocol/credentials.ts'
import { Initiator, generateStaticKey, type StaticKeyPair, type TransportKeys } from '../shared/protocol/noise.ts'
import { preamble } from '../shared/protocol/preamble.ts'
import { acceptSession, connectSession, type ServerSession, type SessionTimings, type WorkerSession } from '../shared/protocol/session.ts'
import { PREAMBLE_BYTES, PROTOCOL_VERSION, PUBLIC_KEY_BYTES } from '../shared/protocol/limits.ts'
import { SOFTWARE_VERSION } from '../shared/version.ts'
import { ReplayGuard } from '../shared/protocol/replay.ts'
import type { Hello, ServerMessage } from '../shared/protocol/worker-protocol.ts'
import type { TaskOrchError } from '../shared/errors.ts'

export const TOKEN = 'tK7vQ2mX9pLr4Wz8bN3cYh6Jd5Fg1Ss0Ae-Uo_Ii2Mn' // as a generated one looks
// The static key of test servers that need a known one (sessionServer's; Orchestrators given it).
export const TEST_SERVER_KEY: StaticKeyPair = generateStaticKey()
// What a server sends first: its preamble and static key.
export const SERVER_OPENING_BYTES = PREAMBLE_BYTES + PUBLIC_KEY_BYTES
export const HELLO = { type: 'hello', version: PROTOCOL_VERSION, software: SOFTWARE_VERSION, cores: 1, threads: 1 } as const
// Short enough that tests of a deadline end quickly, long enough that a busy machine's pauses (a GC,
// a module compiled on first import) do not drop a healthy session: a frame sent in one write
// completes at once, while a handshake and a heartbeat take a few event-loop turns.
export const FAST_TIMINGS: SessionTimings = { handshakeTimeoutMs: 2_000, frameCompletionTimeoutMs: 300, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 2_000 }

export type SessionServer = {
  port: number
  sessions: ServerSession[]
  failures: TaskOrchError[]
  next: () => Promise<ServerSession>
  nextFailure: () => Promise<TaskOrchError>
  close: () => Promise<void>
}

// A bare server that runs the real handshake on every connection and records the outcome.
export async function sessionServer (timings: SessionTimings = FAST_TIMINGS, token = TOKEN, staticKey = TEST_SERVER_KEY): Promise<SessionServer> {
  const sessions: ServerSession[] = []
  const failures: TaskOrchError[] = []
  const waiters: ((s: ServerSession) => void)[] = []
  const failureWaiters: ((e: TaskOrchError) => void)[] = []
  const sockets = new Set<Socket>()
  const replays = new ReplayGuard()
  let taken = 0
  let failuresTaken = 0
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    acceptSession(socket, { token: tokenKey(token), staticKey, replays, timings }).then(({ session }) => {
      session.start()
      sessions.push(session)
      waiters.shift()?.(session)
    }, (error) => {
      failures.push(error)
      failureWaiters.shift()?.(error)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions,
    failures,
    // Each call takes the next session (or failure) in arrival order, waiting for it if need be.
    next: () => taken < sessions.length ? Promise.resolve(sessions[taken++]) : new Promise((resolve) => { taken++; waiters.push(resolve) }),
    nextFailure: () => failuresTaken < failures.length ? Promise.resolve(failures[failuresTaken++]) : new Promise((resolve) => { failuresTaken++; failureWaiters.push(resolve) }),
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

export async function rawConnect (port: number): Promise<Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' })
  socket.on('error', () => {})
  await once(socket, 'connect')
  return socket
}

// Reads and drops what the server sent (its preamble, say): a paused socket never reports its close.
export function closed (socket: Socket): Promise<void> {
  socket.resume()
  return socket.destroyed && socket.closed ? Promise.resolve() : once(socket, 'close').then(() => {})
}

export function frame (body: Uint8Array): Uint8Array {
  return Buffer.concat([frameHeader(body.length), body])
}

// What a worker sends to open a handshake: its preamble and message 1 for this server key.
export function opening (token = TOKEN, serverKey = TEST_SERVER_KEY.publicKey, clock = Date.now()): Buffer {
  return Buffer.concat([preamble(), frame(new Initiator(tokenKey(token), serverKey).writeMessage1(clock))])
}

// The real worker side of the handshake, trusting whatever key the server presents.
export async function connectTestSession (socket: Socket, token = TOKEN, timings: SessionTimings = FAST_TIMINGS): Promise<WorkerSession> {
  return (await connectSession(socket, { token: tokenKey(token), checkServerKey: () => {}, timings })).session
}

// Completes a handshake by hand and returns the raw socket and keys, so tests can forge frames.
export async function manualHandshake (port: number, token = TOKEN): Promise<{ socket: Socket, keys: TransportKeys, received: Buffer[] }> {
  const socket = await rawConnect(port)
  socket.write(preamble())
  const received: Buffer[] = []
  let buffered = Buffer.alloc(0)
  let initiator: Initiator | null = null
  const answer = SERVER_OPENING_BYTES + 4 + 49
  const keys = await new Promise<TransportKeys>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      if (initiator === null && buffered.length >= SERVER_OPENING_BYTES) {
        initiator = new Initiator(tokenKey(token), buffered.subarray(PREAMBLE_BYTES, SERVER_OPENING_BYTES))
        socket.write(frame(initiator.writeMessage1()))
      }
      if (initiator === null || buffered.length < answer) return
      socket.off('data', onData)
      try {
        resolve(initiator.readMessage2(buffered.subarray(SERVER_OPENING_BYTES + 4, answer)))
      } catch (error) { reject(error) }
      if (buffered.length > answer) received.push(buffered.subarray(answer))
      socket.on('data', (c: Buffer) => received.push(c))
    }
    socket.on('data', onData)
    socket.once('close', () => reject(new Error('closed during handshake')))
  })
  return { socket, keys, received }
}

// An encrypted transport frame as a real peer would send it.
export function sealedFrame (keys: TransportKeys, plaintext: Uint8Array): Buffer {
  const header = frameHeader(plaintext.length + 16)
  return Buffer.concat([header, keys.send.encrypt(header, plaintext)])
}

// How long a test waits for something that should happen soon but need not happen fast: a guard that
// names what never came, not a bound on speed (a busy 2-core machine may be ten times slower than
// an idle one). Bounds that are the point of a test are written out where they are checked.
export const WAIT_MS = 30_000

export async function within<T> (ms: number, promise: Promise<T>, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms) })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// A fresh temporary directory, removed when the current test finishes.
export function tempDir (prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

// A seeded PRNG (mulberry32) for tests that draw random cases: the seed comes from TEST_SEED or is
// drawn, and is printed when the test fails so the run can be repeated exactly.
export function seededRandom (): () => number {
  let seed = Number(process.env.TEST_SEED ?? Math.floor(Math.random() * 2 ** 31)) >>> 0
  const shown = seed
  onTestFailed(() => { console.error(`random seed ${shown}: rerun with TEST_SEED=${shown}`) })
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

// Waits until `check` returns something truthy, looking again after each turn of the event loop's
// timers, and fails after `ms` naming what it waited for.
export async function eventually<T> (check: () => T, ms = WAIT_MS, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export type ScriptedWorker = {
  session: WorkerSession
  // The first message not yet taken that has this type (and passes `where`), waiting for it if need be.
  take: <T extends ServerMessage['type']>(type: T, where?: (m: Extract<ServerMessage, { type: T }>) => boolean) => Promise<Extract<ServerMessage, { type: T }>>
  closed: Promise<unknown>
}

// A worker driven by the test over the real protocol on loopback: it says HELLO and does only what
// the test tells it.
export async function scriptedWorker (port: number, name = 'scripted', token = TOKEN, hello: Partial<Hello> = {}): Promise<ScriptedWorker> {
  const socket = await rawConnect(port)
  // Heartbeats quick enough for tests, but patient with a server busy with another test's flood.
  const session = await connectTestSession(socket, token, { ...FAST_TIMINGS, heartbeatTimeoutMs: 5_000 })
  const inbox: ServerMessage[] = []
  const waiters: (() => void)[] = []
  session.on('message', (m) => {
    inbox.push(m)
    for (const wake of waiters.splice(0)) wake()
  })
  const closed = once(session, 'close')
  session.start()
  session.send({ ...HELLO, name, ...hello })
  const take: ScriptedWorker['take'] = async (type, where) => {
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type && (!where || where(m as never)))
      if (i >= 0) return inbox.splice(i, 1)[0] as never
      await within(10_000, new Promise<void>((resolve) => waiters.push(resolve)), `a ${type} message`)
    }
  }
  return { session, take, closed }
}

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
// What a job's algorithm makes of a plaintext, independently of shared/hashing/modes.ts: node:crypto,
// and for NTLM our MD4 (checked against RFC 1320) over the UTF-16LE form Node gives a UTF-8 string
// (a plaintext that is not UTF-8: every byte followed by a zero byte).
export function referenceDigest (algorithm: string, data: string | Uint8Array): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  if (algorithm !== 'ntlm') return createHash(algorithm).update(bytes).digest()
  const text = Buffer.from(bytes).toString('utf8')
  const message = Buffer.from(text).equals(Buffer.from(bytes)) ? Buffer.from(text, 'utf16le') : Buffer.from(Array.from(bytes).flatMap((b) => [b, 0]))
  return Buffer.from(hashBytes('md4', message))
}
export const hex = (algorithm: string, text: string | Uint8Array) => referenceDigest(algorithm, text).toString('hex')
// The algorithms whose targets are bare digests (the others have salts: test/modes.test.ts).
export const UNSALTED = ['md5', 'sha1', 'sha256', 'sha512', 'ntlm'] as const

export type Run = { child: ChildProcess, stdout: string, stderr: string, exit: Promise<number | null> }

// Every process a test started (cli() registers its own), killed by stopChildren: test/setup.ts
// runs it after each test, so no worker or server outlives the test that started it.
const children = new Set<ChildProcess>()

export function killedAfterTest<T extends ChildProcess> (child: T): T {
  children.add(child)
  return child
}

export async function stopChildren (): Promise<void> {
  const running = [...children].filter((child) => child.exitCode === null && child.signalCode === null)
  children.clear()
  await Promise.all(running.map((child) => {
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    return exited
  }))
}

// Runs one of the project's CLIs the way a user would, through tsx; killed after the test.
// Each run gets an empty config directory, so no settings of the machine running the tests leak in.
export function cli (file: string, args: string[], env: Record<string, string> = {}): Run {
  // Workers search with the WASM kernels unless a test asks for hashcat, installed or not.
  const isolated = { ...process.env, XDG_CONFIG_HOME: tempDir('taskorch-config-'), TASKORCH_BACKEND: 'wasm', ...env }
  const child = killedAfterTest(spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env: isolated, stdio: ['ignore', 'pipe', 'pipe'] }))
  const run: Run = { child, stdout: '', stderr: '', exit: once(child, 'exit').then(([code]) => code as number | null) }
  child.stdout!.on('data', (d) => { run.stdout += d })
  child.stderr!.on('data', (d) => { run.stderr += d })
  return run
}

// The port a server started with --port 0 listens on, from its log. A server reads its job's
// wordlist before it listens: two million words on a busy 2-core machine took over 15 s once.
export async function listeningPort (run: Run): Promise<number> {
  const match = await within(2 * WAIT_MS, eventually(() => /listening on \S+:(\d+)\n/.exec(run.stderr), 2 * WAIT_MS, 'listening'), 'server listening')
  return Number(match[1])
}


// A session journal's complete records (the server may be writing the next line).
export function journalRecords (path: string): Record<string, string>[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l.slice(9)))
}

// Exactly once: the journal's completed chunks tile [0, size) with no gap and no overlap.
export function expectChunksTile (path: string, size: bigint | number): void {
  const chunks = journalRecords(path).filter((r) => r.t === 'done')
    .map((r) => [BigInt(r.offset), BigInt(r.length)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1))
  let next = 0n
  for (const [offset, length] of chunks) {
    expect(offset).toBe(next)
    next += length
  }
  expect(next).toBe(BigInt(size))
}

// Kills a server with SIGKILL once `chunks` completed chunks are in its session journal.
export async function killAfterChunks (server: Run, journal: string, chunks = 2): Promise<void> {
  await eventually(() => journalRecords(journal).filter((r) => r.t === 'done').length >= chunks, 60_000, `${chunks} chunks journaled`)
  server.child.kill('SIGKILL')
  await server.exit
}

// A one-thread worker process's arguments, on loopback.
export function workerArgs (port: number, name: string): string[] {
  return ['worker/main.ts', '--host', '127.0.0.1', '--port', String(port), '--token', TOKEN, '--threads', '1', '--name', name]
}

// hashcat's version where it is installed (its tests are skipped otherwise), else null.
export const HASHCAT = (() => {
  try {
    return execFileSync('hashcat', ['--version']).toString().trim()
  } catch {
    return null
  }
})()

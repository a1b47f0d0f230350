// Shared test plumbing: loopback servers on port 0, raw sockets, waiting with a deadline, and
// temporary directories.
import net, { type Socket } from 'node:net'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { frameHeader } from '../shared/protocol/frames.ts'
import { Initiator, tokenBytes, type TransportKeys } from '../shared/protocol/noise.ts'
import { acceptSession, type ServerSession, type SessionTimings } from '../shared/protocol/session.ts'
import type { TaskOrchError } from '../shared/errors.ts'

export const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuv'
export const FAST_TIMINGS: SessionTimings = { handshakeTimeoutMs: 300, frameCompletionTimeoutMs: 300, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400 }

export type SessionServer = {
  port: number
  sessions: ServerSession[]
  failures: TaskOrchError[]
  next: () => Promise<ServerSession>
  nextFailure: () => Promise<TaskOrchError>
  close: () => Promise<void>
}

// A bare server that runs the real handshake on every connection and records the outcome.
export async function sessionServer (timings: SessionTimings = FAST_TIMINGS, token = TOKEN): Promise<SessionServer> {
  const sessions: ServerSession[] = []
  const failures: TaskOrchError[] = []
  const waiters: ((s: ServerSession) => void)[] = []
  const failureWaiters: ((e: TaskOrchError) => void)[] = []
  const sockets = new Set<Socket>()
  let taken = 0
  let failuresTaken = 0
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    acceptSession(socket, tokenBytes(token), timings).then((session) => {
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

export function closed (socket: Socket): Promise<void> {
  return socket.destroyed && socket.closed ? Promise.resolve() : once(socket, 'close').then(() => {})
}

export function frame (body: Uint8Array): Uint8Array {
  return Buffer.concat([frameHeader(body.length), body])
}

// Completes a handshake by hand and returns the raw socket and keys, so tests can forge frames.
export async function manualHandshake (port: number, token = TOKEN): Promise<{ socket: Socket, keys: TransportKeys, received: Buffer[] }> {
  const socket = await rawConnect(port)
  const initiator = new Initiator(tokenBytes(token))
  socket.write(frame(initiator.writeMessage1()))
  const received: Buffer[] = []
  let buffered = Buffer.alloc(0)
  const keys = await new Promise<TransportKeys>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length < 53) return
      socket.off('data', onData)
      try {
        resolve(initiator.readMessage2(buffered.subarray(4, 53)))
      } catch (error) { reject(error) }
      if (buffered.length > 53) received.push(buffered.subarray(53))
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

// An authenticated, encrypted message channel over one TCP socket. The rest of the system sees only
// validated, typed messages; everything about bytes, keys, deadlines and heartbeats stays here.
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { encodeMessage, decodeMessage } from './codec.ts'
import { ConnectionClosedError, HandshakeClosedError, MessageTooLargeError, OutboundOverflowError, ReplayError, TaskOrchError, TimeoutError, coded } from '../errors.ts'
import { FrameReader, frameHeader, type Frame } from './frames.ts'
import {
  AEAD_TAG_BYTES, FRAME_COMPLETION_TIMEOUT_MS, HANDSHAKE_MESSAGE1_BYTES, HANDSHAKE_MESSAGE2_BYTES, HANDSHAKE_TIMEOUT_MS,
  HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS, MAX_FIRST_FRAME_BYTES, MAX_FRAME_BYTES, MAX_OUTBOUND_BUFFER_BYTES, MIN_LINK_BYTES_PER_SECOND
} from './limits.ts'
import { validateServerMessage, validateWorkerMessage, type Bye, type Ping, type Pong, type ServerMessage, type WorkerMessage } from './messages.ts'
import { Initiator, Responder, type CipherState } from './noise.ts'
import type { ReplayGuard } from './replay.ts'

export type SessionTimings = {
  handshakeTimeoutMs: number
  frameCompletionTimeoutMs: number
  heartbeatIntervalMs: number
  heartbeatTimeoutMs: number
}

export const DEFAULT_TIMINGS: SessionTimings = {
  handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
  frameCompletionTimeoutMs: FRAME_COMPLETION_TIMEOUT_MS,
  heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
  heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS
}

type Validator<T> = (value: unknown) => T

const EMPTY = new Uint8Array(0)

export interface SessionEvents<In> {
  message: [In]
  close: [TaskOrchError | null]
}

// In: what this side receives; Out: what it sends.
export class Session<In extends { type: string }, Out extends { type: string }> extends EventEmitter<SessionEvents<In>> {
  readonly socket: Socket
  readonly remoteAddress: string
  readonly #send: CipherState
  readonly #receive: CipherState
  readonly #reader: FrameReader
  readonly #validate: Validator<In>
  readonly #timings: SessionTimings
  readonly #leftover: Uint8Array[]
  #lastReceived = Date.now()
  #heartbeat: NodeJS.Timeout | null = null
  #frameTimer: NodeJS.Timeout | null = null
  #frameStartedAt = 0
  #frameTimerLength = -1 // the declared length the frame timer was set for (0: header not complete)
  #started = false
  #closed = false

  // `firstFrameMax`: the largest frame accepted before the peer's first message. The server keeps it
  // small, so a peer that replays a handshake cannot make it buffer megabytes before saying HELLO.
  constructor (socket: Socket, keys: { send: CipherState, receive: CipherState }, validate: Validator<In>,
    timings: SessionTimings, leftover: Uint8Array[], firstFrameMax = MAX_FRAME_BYTES) {
    super()
    this.socket = socket
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
    this.#send = keys.send
    this.#receive = keys.receive
    this.#reader = new FrameReader(AEAD_TAG_BYTES, firstFrameMax)
    this.#validate = validate
    this.#timings = timings
    this.#leftover = leftover
    socket.on('error', () => {}) // 'close' follows every error; that is where we report it
    socket.on('close', () => { if (this.#started) this.#finish(new ConnectionClosedError()) })
  }

  // Starts reading, once the owner listens: whatever happens from here on (even at once, with bytes
  // that came with the handshake) is reported through 'message' and 'close'.
  start (): void {
    if (this.#started) return
    this.#started = true
    if (this.socket.destroyed) return this.#finish(new ConnectionClosedError())
    this.#heartbeat = setInterval(() => this.#tick(), this.#timings.heartbeatIntervalMs)
    this.#heartbeat.unref()
    for (const chunk of this.#leftover.splice(0)) this.#onData(chunk)
    this.socket.on('data', (chunk) => this.#onData(chunk))
    this.socket.resume()
  }

  get closed (): boolean {
    return this.#closed
  }

  send (message: Out | Ping | Pong | Bye): void {
    if (this.#closed) return
    const plaintext = encodeMessage(message)
    const length = plaintext.length + AEAD_TAG_BYTES
    if (length > MAX_FRAME_BYTES) throw new MessageTooLargeError(message.type, length, MAX_FRAME_BYTES)
    const header = frameHeader(length)
    const ciphertext = this.#send.encrypt(header, plaintext)
    const frame = Buffer.allocUnsafe(header.length + ciphertext.length)
    frame.set(header, 0)
    frame.set(ciphertext, header.length)
    this.socket.write(frame)
    if (this.socket.writableLength > MAX_OUTBOUND_BUFFER_BYTES) this.destroy(new OutboundOverflowError(this.socket.writableLength))
  }

  // Polite close: the peer learns why, then the socket ends once the goodbye is flushed.
  close (reason: string): void {
    if (this.#closed) return
    this.send({ type: 'bye', reason })
    this.socket.end()
    this.#finish(null)
  }

  destroy (error: TaskOrchError): void {
    this.socket.destroy()
    this.#finish(error)
  }

  #finish (error: TaskOrchError | null): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    if (this.#frameTimer) clearTimeout(this.#frameTimer)
    this.#send.destroy()
    this.#receive.destroy()
    this.emit('close', error)
  }

  // Judged after the event loop has read what is waiting on the socket (setImmediate runs after the
  // poll phase): when this process itself was paused, its peers' queued frames count before its timers.
  #tick (): void {
    setImmediate(() => {
      if (this.#closed) return
      if (Date.now() - this.#lastReceived > this.#timings.heartbeatTimeoutMs) {
        this.destroy(new TimeoutError('heartbeat', this.#timings.heartbeatTimeoutMs))
        return
      }
      this.send({ type: 'ping' })
    })
  }

  #onData (chunk: Uint8Array): void {
    if (this.#closed) return
    // Bytes of a frame still arriving show the peer alive (a big task on a slow link takes longer than
    // the heartbeat timeout); the frame deadline keeps a drip from abusing that.
    this.#lastReceived = Date.now()
    try {
      // One frame at a time: handling one (the first message) can change the bound the next is read against.
      for (let frames = this.#reader.push(chunk, 1); frames.length > 0; frames = this.#reader.push(EMPTY, 1)) {
        this.#onFrame(frames[0])
        if (this.#closed) return
      }
    } catch (error) {
      this.destroy(coded(error))
      return
    }
    this.#armFrameTimer()
  }

  // A frame once started must finish promptly, at no less than MIN_LINK_BYTES_PER_SECOND once its
  // length is known: a one-byte drip cannot hold a socket open, and a big task still crosses a slow link.
  #armFrameTimer (): void {
    if (!this.#reader.partial) {
      if (this.#frameTimer) clearTimeout(this.#frameTimer)
      this.#frameTimer = null
      this.#frameTimerLength = -1
      return
    }
    const length = this.#reader.pendingLength
    if (this.#frameTimer !== null && length === this.#frameTimerLength) return
    if (this.#frameTimer === null) this.#frameStartedAt = Date.now()
    else clearTimeout(this.#frameTimer)
    const ms = this.#timings.frameCompletionTimeoutMs + Math.ceil(length * 1000 / MIN_LINK_BYTES_PER_SECOND)
    this.#frameTimerLength = length
    this.#frameTimer = setTimeout(() => this.destroy(new TimeoutError('frame', ms)), Math.max(0, this.#frameStartedAt + ms - Date.now()))
    this.#frameTimer.unref()
  }

  #onFrame ({ header, body }: Frame): void {
    const message = this.#validate(decodeMessage(this.#receive.decrypt(header, body)))
    this.#lastReceived = Date.now()
    this.#reader.setMaxLength(MAX_FRAME_BYTES) // the peer has proved itself live: full-size frames from now on
    if (this.#frameTimer) {
      clearTimeout(this.#frameTimer)
      this.#frameTimer = null
      this.#frameTimerLength = -1
    }
    if (message.type === 'ping') this.send({ type: 'pong' })
    else if (message.type === 'pong') return
    else this.emit('message', message)
    if (message.type === 'bye') {
      this.socket.end()
      this.#finish(null)
    }
  }
}

export type ServerSession = Session<WorkerMessage, ServerMessage>
export type WorkerSession = Session<ServerMessage, WorkerMessage>

// Reads exactly one handshake message (or fails on deadline, close, or a malformed length).
function readHandshakeMessage (socket: Socket, reader: FrameReader, deadline: AbortSignal): Promise<{ body: Uint8Array, leftover: Uint8Array[] }> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      socket.off('data', onData)
      socket.off('close', onClose)
      deadline.removeEventListener('abort', onAbort)
    }
    const onData = (chunk: Uint8Array) => {
      let frames: Frame[]
      try {
        frames = reader.push(chunk, 1)
      } catch (error) {
        cleanup()
        reject(error)
        return
      }
      if (frames.length === 0) return
      cleanup()
      socket.pause() // hold further bytes until the session attaches its own listener
      // Anything after this frame belongs to the transport phase.
      resolve({ body: frames[0].body, leftover: reader.partial ? [reader.takeBuffered()] : [] })
    }
    const onClose = () => {
      cleanup()
      reject(new HandshakeClosedError())
    }
    const onAbort = () => {
      cleanup()
      reject(deadline.reason)
    }
    if (deadline.aborted) return onAbort()
    socket.on('data', onData)
    socket.on('close', onClose)
    deadline.addEventListener('abort', onAbort)
    socket.resume()
  })
}

function writeHandshakeMessage (socket: Socket, body: Uint8Array): void {
  const frame = Buffer.allocUnsafe(4 + body.length)
  frame.set(frameHeader(body.length), 0)
  frame.set(body, 4)
  socket.write(frame)
}

async function withDeadline<T> (socket: Socket, timings: SessionTimings, run: (deadline: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new TimeoutError('handshake', timings.handshakeTimeoutMs)), timings.handshakeTimeoutMs)
  socket.on('error', () => {})
  try {
    return await run(controller.signal)
  } catch (error) {
    socket.destroy()
    throw error
  } finally {
    clearTimeout(timer)
  }
}

// Server side. Rejects without a word when the worker lacks the token or replays a message 1 (the
// caller logs at debug); only a fresh message 1 costs the server a key generation and an ECDH.
// The session is returned unstarted: call start() once listening to it.
export function acceptSession (socket: Socket, token: Uint8Array, replays: ReplayGuard, timings: SessionTimings = DEFAULT_TIMINGS): Promise<ServerSession> {
  return withDeadline(socket, timings, async (deadline) => {
    const reader = new FrameReader(HANDSHAKE_MESSAGE1_BYTES, HANDSHAKE_MESSAGE1_BYTES)
    const { body, leftover } = await readHandshakeMessage(socket, reader, deadline)
    const responder = new Responder(token)
    const { ephemeralKey, sentAt } = responder.readMessage1(body)
    const verdict = replays.check(ephemeralKey, sentAt)
    if (verdict !== 'fresh') throw new ReplayError(verdict)
    const { message, keys } = responder.writeMessage2()
    writeHandshakeMessage(socket, message)
    return new Session(socket, keys, validateWorkerMessage, timings, leftover, MAX_FIRST_FRAME_BYTES) as ServerSession
  })
}

// Worker side. A server without the token cannot produce a message 2 that authenticates.
// The session is returned unstarted: call start() once listening to it.
export function connectSession (socket: Socket, token: Uint8Array, timings: SessionTimings = DEFAULT_TIMINGS): Promise<WorkerSession> {
  return withDeadline(socket, timings, async (deadline) => {
    const initiator = new Initiator(token)
    writeHandshakeMessage(socket, initiator.writeMessage1())
    const reader = new FrameReader(HANDSHAKE_MESSAGE2_BYTES, HANDSHAKE_MESSAGE2_BYTES)
    const { body, leftover } = await readHandshakeMessage(socket, reader, deadline)
    const keys = initiator.readMessage2(body)
    return new Session(socket, keys, validateServerMessage, timings, leftover) as WorkerSession
  })
}

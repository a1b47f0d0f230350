// An authenticated, encrypted message channel over one TCP socket. The rest of the system sees only
// validated, typed messages; everything about bytes, keys, deadlines and heartbeats stays here.
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { encodeMessage, decodeMessage } from './codec.ts'
import {
  ConnectionClosedError, HandshakeClosedError, HandshakeError, MessageTooLargeError, OutboundOverflowError, ReplayError, ServerBusyError, TaskOrchError,
  TimeoutError, TokenRejectedError, coded
} from '../errors.ts'
import { FrameReader, frameHeader, type Frame } from './frames.ts'
import {
  AEAD_TAG_BYTES, FRAME_COMPLETION_TIMEOUT_MS, FRAME_HEADER_BYTES, HANDSHAKE_BUSY, HANDSHAKE_MESSAGE1_BYTES, HANDSHAKE_MESSAGE2_BYTES, HANDSHAKE_TIMEOUT_MS,
  HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS, MAX_FIRST_FRAME_BYTES, MAX_FRAME_BYTES, MAX_OUTBOUND_BUFFER_BYTES, MIN_LINK_BYTES_PER_SECOND,
  PREAMBLE_BYTES, PUBLIC_KEY_BYTES
} from './limits.ts'
import { validateControlReply, type ControlMessage, type Reply } from './control-protocol.ts'
import { validateClientMessage } from './messages.ts'
import { validateServerMessage, type Bye, type Ping, type Pong, type Refused, type ServerMessage, type WorkerMessage } from './worker-protocol.ts'
import { Initiator, Responder, readPublicKey, type CipherState, type StaticKeyPair } from './noise.ts'
import { checkPreamble, preamble } from './preamble.ts'
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

export type ServerSession = Session<WorkerMessage | ControlMessage, ServerMessage>
export type WorkerSession = Session<ServerMessage, WorkerMessage>
export type ControllerSession = Session<Reply | Refused, ControlMessage>
// Which token a peer proved it holds: the workers' or the admin token (npm run ctl).
export type PeerRole = 'worker' | 'controller'

// The handshake's reads: exact byte counts in order, on the handshake's deadline. What arrives after
// the last one belongs to the transport phase and is handed over with the socket paused.
class HandshakeReader {
  readonly #socket: Socket
  readonly #deadline: AbortSignal
  #buffered: Buffer = Buffer.alloc(0)
  #wanted: { bytes: number, resolve: (bytes: Uint8Array) => void, reject: (error: Error) => void } | null = null
  #failure: Error | null = null

  constructor (socket: Socket, deadline: AbortSignal) {
    this.#socket = socket
    this.#deadline = deadline
    socket.on('data', this.#onData)
    socket.on('close', this.#onClose)
    deadline.addEventListener('abort', this.#onAbort)
    if (deadline.aborted) this.#onAbort()
    socket.resume()
  }

  read (bytes: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.#wanted = { bytes, resolve, reject }
      this.#serve()
    })
  }

  // A handshake message: a frame header announcing exactly `bytes`, then the message.
  async readMessage (bytes: number, what: string): Promise<Uint8Array> {
    const length = new DataView((await this.read(FRAME_HEADER_BYTES)).buffer).getUint32(0)
    if (length === HANDSHAKE_BUSY) throw new ServerBusyError()
    if (length !== bytes) throw new HandshakeError(`${what} announced ${length} bytes, not ${bytes}`)
    return await this.read(bytes)
  }

  // Stops listening; returns what came after the handshake.
  finish (): Uint8Array[] {
    this.#socket.pause() // hold further bytes until the session attaches its own listener
    this.#detach()
    return this.#buffered.length > 0 ? [this.#buffered] : []
  }

  #detach (): void {
    this.#socket.off('data', this.#onData)
    this.#socket.off('close', this.#onClose)
    this.#deadline.removeEventListener('abort', this.#onAbort)
  }

  #serve (): void {
    const wanted = this.#wanted
    if (wanted === null) return
    if (this.#buffered.length >= wanted.bytes) {
      this.#wanted = null
      wanted.resolve(Uint8Array.prototype.slice.call(this.#buffered, 0, wanted.bytes))
      this.#buffered = this.#buffered.subarray(wanted.bytes)
    } else if (this.#failure) {
      this.#wanted = null
      wanted.reject(this.#failure)
    }
  }

  #fail (error: Error): void {
    this.#failure ??= error
    this.#detach()
    this.#serve()
  }

  #onData = (chunk: Buffer): void => {
    // Nothing in a handshake is bigger than a message and its header; more is the transport's, at most a frame.
    if (this.#buffered.length + chunk.length > MAX_HANDSHAKE_BUFFER_BYTES) return this.#fail(new HandshakeError('peer sent too much during the handshake'))
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk])
    this.#serve()
  }

  #onClose = (): void => this.#fail(new HandshakeClosedError())
  #onAbort = (): void => this.#fail(this.#deadline.reason as Error)
}

// Bytes a peer may send before the handshake is over: preambles, message 1 and a first frame.
const MAX_HANDSHAKE_BUFFER_BYTES = PREAMBLE_BYTES + PUBLIC_KEY_BYTES + 2 * FRAME_HEADER_BYTES + HANDSHAKE_MESSAGE1_BYTES + MAX_FRAME_BYTES

function writeHandshakeMessage (socket: Socket, body: Uint8Array): void {
  socket.write(Buffer.concat([frameHeader(body.length), body]))
}

async function withDeadline<T> (socket: Socket, timings: SessionTimings, run: (reader: HandshakeReader) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new TimeoutError('handshake', timings.handshakeTimeoutMs)), timings.handshakeTimeoutMs)
  socket.on('error', () => {})
  const reader = new HandshakeReader(socket, controller.signal)
  try {
    return await run(reader)
  } catch (error) {
    reader.finish()
    socket.destroy()
    throw error
  } finally {
    clearTimeout(timer)
  }
}

// `adminToken`: a second token, which makes its holder a controller rather than a worker. `proven`:
// called once message 1 has proved the token (MAC, fresh clock, unseen key), before message 2.
export type AcceptOptions = {
  token: Uint8Array, adminToken?: Uint8Array, staticKey: StaticKeyPair, replays: ReplayGuard, timings?: SessionTimings, proven?: () => void
}

// Server side. Sends its preamble and static key at once; refuses another protocol version (a
// VersionMismatchError the caller reports), and, without a word, a peer holding neither token (a MAC,
// no Diffie-Hellman) or replaying a message 1 (seen ephemeral key, or a clock outside the window).
// A peer that sends nothing fails with HandshakeClosedError or a TimeoutError, never another error.
// The session is returned unstarted (call start() once listening to it), with the role its token gives.
export function acceptSession (socket: Socket, options: AcceptOptions): Promise<{ session: ServerSession, role: PeerRole }> {
  const timings = options.timings ?? DEFAULT_TIMINGS
  return withDeadline(socket, timings, async (reader) => {
    socket.write(Buffer.concat([preamble(), options.staticKey.publicKey]))
    checkPreamble(await reader.read(PREAMBLE_BYTES), 'worker')
    const message1 = await reader.readMessage(HANDSHAKE_MESSAGE1_BYTES, 'message 1')
    const { responder, role, ephemeral } = respondTo(message1, options)
    if (options.replays.seen(ephemeral)) throw new ReplayError('replayed')
    const { ephemeralKey, sentAt } = responder.readMessage1(message1)
    const verdict = options.replays.check(ephemeralKey, sentAt)
    // A full replay store is the server's state, not the peer's fault: said as busy, not as a rejection.
    if (verdict === 'busy') socket.write(frameHeader(HANDSHAKE_BUSY))
    if (verdict !== 'fresh') throw new ReplayError(verdict)
    options.proven?.()
    const { message, keys } = responder.writeMessage2()
    writeHandshakeMessage(socket, message)
    return { session: new Session(socket, keys, validateClientMessage, timings, reader.finish(), MAX_FIRST_FRAME_BYTES) as ServerSession, role }
  })
}

// The token whose MAC message 1 carries decides the role: a hash each, no Diffie-Hellman.
function respondTo (message1: Uint8Array, options: AcceptOptions): { responder: Responder, role: PeerRole, ephemeral: Uint8Array } {
  const worker = new Responder(options.token, options.staticKey)
  try {
    return { responder: worker, role: 'worker', ephemeral: worker.checkMac(message1) }
  } catch (error) {
    if (!options.adminToken || !(error instanceof TokenRejectedError)) throw error
    const controller = new Responder(options.adminToken, options.staticKey)
    return { responder: controller, role: 'controller', ephemeral: controller.checkMac(message1) }
  }
}

export type ConnectOptions = {
  token: Uint8Array
  // Called with the key the server presents, before this side sends anything that depends on it:
  // throws (a ServerKeyMismatchError) to refuse a key other than the pinned one.
  checkServerKey: (publicKey: Uint8Array) => void
  timings?: SessionTimings
}

// Worker side. Only a server holding both the token and the static key it presented can produce a
// message 2 that authenticates. Returns the session, unstarted (call start() once listening), and the
// server's key, now proven. A server that closes after reading message 1 rejected it (a
// TokenRejectedError: another token, or a clock minutes off); one that closes before answering at all
// is a HandshakeClosedError, and one with no room says so (ServerBusyError): both worth retrying.
export function connectSession (socket: Socket, options: ConnectOptions): Promise<{ session: WorkerSession, serverKey: Uint8Array }> {
  return initiate(socket, options, validateServerMessage)
}

// Controller side (npm run ctl), with the admin token: the same handshake, then requests and replies.
export function connectController (socket: Socket, options: ConnectOptions): Promise<{ session: ControllerSession, serverKey: Uint8Array }> {
  return initiate(socket, options, validateControlReply as Validator<Reply | Refused>)
}

async function initiate<In extends { type: string }, Out extends { type: string }> (socket: Socket, options: ConnectOptions, validate: Validator<In>): Promise<{ session: Session<In, Out>, serverKey: Uint8Array }> {
  const timings = options.timings ?? DEFAULT_TIMINGS
  return await withDeadline(socket, timings, async (reader) => {
    socket.write(preamble())
    checkPreamble(await reader.read(PREAMBLE_BYTES), 'server')
    const serverKey = readPublicKey(await reader.read(PUBLIC_KEY_BYTES), 'server key')
    options.checkServerKey(serverKey)
    const initiator = new Initiator(options.token, serverKey)
    writeHandshakeMessage(socket, initiator.writeMessage1())
    const message2 = await reader.readMessage(HANDSHAKE_MESSAGE2_BYTES, 'message 2').catch((error: unknown) => {
      throw error instanceof HandshakeClosedError ? new TokenRejectedError('the server closed the connection on reading message 1: it holds another token, or the clocks differ by minutes') : error
    })
    const keys = initiator.readMessage2(message2)
    return { session: new Session<In, Out>(socket, keys, validate, timings, reader.finish()), serverKey }
  })
}

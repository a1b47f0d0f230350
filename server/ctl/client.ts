// The control client's connection: the admin token's handshake, CONTROL, then one request at a time
// as `request()` calls come, and files sent in acknowledged pieces. Errors the server replies with
// come back as classes: bad input or an unknown job as InvalidInputError, anything else RemoteError.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import net from 'node:net'
import { basename } from 'node:path'
import {
  ConnectError, ConnectionClosedError, HandshakeClosedError, InvalidInputError, RefusedError, RemoteError, ServerBusyError, TaskOrchError, TimeoutError,
  TokenRejectedError
} from '../../shared/errors.ts'
import { reconnectDelay } from '../../shared/backoff.ts'
import { MAX_NAME_LENGTH, MAX_UPLOAD_BYTES, PROTOCOL_VERSION, UPLOAD_CHUNK_BYTES } from '../../shared/protocol/limits.ts'
import type { ControlMessage, FileRef, Reply } from '../../shared/protocol/control-protocol.ts'
import { serverKeyFingerprint, tokenKey } from '../../shared/protocol/credentials.ts'
import { checkServerKey, type KnownServers } from '../../shared/known-servers.ts'
import { connectController, type ControllerSession, type SessionTimings } from '../../shared/protocol/session.ts'
import { escapeControls } from '../../shared/printable.ts'
import { SOFTWARE_VERSION } from '../../shared/version.ts'

// Upload pieces sent before waiting for the oldest one's reply.
const UPLOADS_IN_FLIGHT = 4
// A busy server (or one that closed before its greeting, or a handshake that timed out) is tried again, 50 ms doubling to 2 s,
// until this long has passed since the first try; then ctl says it could not get in (exit 4).
export const CONNECT_DEADLINE_MS = 30_000
const RETRY_INITIAL_MS = 50
const RETRY_MAX_MS = 2_000

// A request as the caller writes it: the id is the client's business.
type Request = ControlMessage extends infer M ? M extends ControlMessage ? Omit<M, 'id'> : never : never

// `serverKey` and `knownServers`: what the server's key must be, as for a worker (shared/known-servers.ts).
export type ControlClientOptions = {
  host: string, port: number, adminToken: string, serverKey?: string, knownServers?: KnownServers, timings?: SessionTimings, deadlineMs?: number
}

export class ControlClient {
  readonly #session: ControllerSession
  readonly #waiting = new Map<number, { resolve: (reply: Reply) => void, reject: (error: Error) => void }>()
  #nextId = 0
  #closedBy: TaskOrchError | null = null

  private constructor (session: ControllerSession) {
    this.#session = session
    session.on('message', (message) => {
      if (message.type === 'refused') return this.#fail(new RefusedError(message.reason, 'ctl'))
      const waiter = this.#waiting.get(message.id)
      this.#waiting.delete(message.id)
      if (!waiter) return
      const { error } = message
      if (!error) return waiter.resolve(message)
      const input = error.code === 'TASKORCH_ERR_INVALID_INPUT' || error.code === 'TASKORCH_ERR_UNKNOWN_JOB'
      waiter.reject(input ? new InvalidInputError(escapeControls(error.message)) : new RemoteError(error.code, escapeControls(error.message)))
    })
    session.on('close', (error) => this.#fail(this.#closedBy ?? error ?? new ConnectionClosedError()))
  }

  // The server's answer to the handshake and to CONTROL tells a wrong token from a worker's token;
  // a busy server is tried again until the deadline.
  static async connect (options: ControlClientOptions): Promise<ControlClient> {
    const address = `${options.host}:${options.port}`
    const deadlineMs = options.deadlineMs ?? CONNECT_DEADLINE_MS
    const started = Date.now()
    let session: ControllerSession
    for (let attempt = 0; ; attempt++) {
      try {
        session = await handshake(options, address)
        break
      } catch (error) {
        if (error instanceof TokenRejectedError) {
          throw new RefusedError(`the handshake failed at ${address}: the admin token is not this server's (setting adminToken, in the server's config file), or this machine's clock is minutes off the server's`, 'ctl')
        }
        // Busy, closed before answering, or too slow (a loaded machine, either end): worth another try.
        if (!(error instanceof ServerBusyError || error instanceof HandshakeClosedError || error instanceof TimeoutError)) throw error
        const delay = reconnectDelay(attempt, RETRY_INITIAL_MS, Math.random, RETRY_MAX_MS)
        if (Date.now() + delay - started > deadlineMs) throw new TimeoutError(`a free slot at ${address} (${error.message}, tried ${attempt + 1} times)`, deadlineMs)
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
    const client = new ControlClient(session)
    session.start()
    await client.request({ type: 'control', version: PROTOCOL_VERSION, software: SOFTWARE_VERSION })
    return client
  }

  request (message: Request): Promise<Reply> {
    if (this.#closedBy) return Promise.reject(this.#closedBy)
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      this.#session.send({ ...message, id } as ControlMessage)
    })
  }

  // Sends a file unless the server already has it (same SHA-256 and name); returns how to name it.
  async upload (path: string, flag: string): Promise<FileRef> {
    const size = await stat(path).then((s) => s.size, (error: NodeJS.ErrnoException) => {
      throw new InvalidInputError(`--${flag} ${path}: cannot read it (${error.code ?? error.message})`)
    })
    if (size > MAX_UPLOAD_BYTES) throw new InvalidInputError(`--${flag} ${path}: ${size} bytes, over the ${MAX_UPLOAD_BYTES} a server takes`)
    const hash = createHash('sha256')
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
    const file: FileRef = { sha256: hash.digest('hex'), name: uploadName(path) }
    const handle = await open(path, 'r')
    const changed = () => new InvalidInputError(`--${flag} ${path}: the file changed while it was being sent`)
    try {
      // The first piece alone (the server may have the file already), then a few in flight, so that
      // encrypting here and decrypting there overlap. send() copies the bytes: the buffer is reused.
      const buffer = Buffer.alloc(Math.min(UPLOAD_CHUNK_BYTES, size))
      const inFlight: Promise<Reply>[] = []
      let last: Reply | undefined
      for (let offset = 0; offset < size || offset === 0;) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - offset), offset)
        if (bytesRead === 0 && size > 0) throw changed()
        const reply = this.request({ type: 'upload', file, size, offset, data: buffer.subarray(0, bytesRead) })
        offset += bytesRead
        if (offset === bytesRead) { // the first piece
          if ((await reply).stored) return file
          if (size === 0) throw changed()
          continue
        }
        reply.catch(() => {}) // awaited below; one failing must not leave the others unhandled
        inFlight.push(reply)
        if (inFlight.length >= UPLOADS_IN_FLIGHT) last = await inFlight.shift()
      }
      for (const reply of inFlight) last = await reply
      if (!last?.stored) throw changed()
      return file
    } finally {
      await handle.close()
    }
  }

  close (): void {
    this.#closedBy ??= new ConnectionClosedError()
    this.#session.close('done')
  }

  #fail (error: TaskOrchError): void {
    this.#closedBy ??= error
    for (const waiter of this.#waiting.values()) waiter.reject(this.#closedBy)
    this.#waiting.clear()
  }
}

async function handshake (options: ControlClientOptions, address: string): Promise<ControllerSession> {
  const token = tokenKey(options.adminToken) // scrypt, before the server's handshake deadline starts
  const socket = net.connect({ host: options.host, port: options.port, noDelay: true })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', (error) => reject(new ConnectError(address, error)))
  })
  // Only a holder of the admin token can answer the handshake, but the key is checked (and pinned)
  // before message 1 goes out: an impostor gets nothing to test guesses of the token against.
  const { serverKey, knownServers } = options
  const checkKey = (key: Uint8Array) => checkServerKey(address, serverKeyFingerprint(key), { serverKey, knownServers })
  const { session, serverKey: proven } = await connectController(socket, { token, checkServerKey: checkKey, timings: options.timings })
  knownServers?.pin(address, serverKeyFingerprint(proven))
  return session
}

// The file's base name as the server may store it: printable, short, never a path.
function uploadName (path: string): string {
  const name = escapeControls(basename(path)).replace(/\\/g, '_').slice(-MAX_NAME_LENGTH)
  return name === '' || name === '.' || name === '..' ? 'file' : name
}

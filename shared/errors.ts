// One error class per failure, each with a stable code that tests, logs and users can match on.
// Code that reacts to an error recognises it by class (`instanceof`), never by its message.

export type ErrorCode =
  | 'TASKORCH_ERR_FRAME_TOO_LARGE'
  | 'TASKORCH_ERR_FRAME_TOO_SMALL'
  | 'TASKORCH_ERR_MESSAGE_TOO_LARGE'
  | 'TASKORCH_ERR_HANDSHAKE'
  | 'TASKORCH_ERR_HANDSHAKE_CLOSED'
  | 'TASKORCH_ERR_SERVER_BUSY'
  | 'TASKORCH_ERR_REPLAY'
  | 'TASKORCH_ERR_VERSION'
  | 'TASKORCH_ERR_SERVER_KEY'
  | 'TASKORCH_ERR_REFUSED'
  | 'TASKORCH_ERR_WEAK_TOKEN'
  | 'TASKORCH_ERR_TOKEN_REJECTED'
  | 'TASKORCH_ERR_DECRYPT'
  | 'TASKORCH_ERR_NONCE_EXHAUSTED'
  | 'TASKORCH_ERR_MESSAGE_DECODE'
  | 'TASKORCH_ERR_INVALID_MESSAGE'
  | 'TASKORCH_ERR_PROTOCOL'
  | 'TASKORCH_ERR_TIMEOUT'
  | 'TASKORCH_ERR_OUTBOUND_OVERFLOW'
  | 'TASKORCH_ERR_CLOSED'
  | 'TASKORCH_ERR_CONNECT'
  | 'TASKORCH_ERR_MISCOUNT'
  | 'TASKORCH_ERR_FALSE_FOUND'
  | 'TASKORCH_ERR_KERNEL'
  | 'TASKORCH_ERR_STORE'
  | 'TASKORCH_ERR_INVALID_INPUT'
  | 'TASKORCH_ERR_UNKNOWN_JOB'
  | 'TASKORCH_ERR_REMOTE'
  | 'TASKORCH_ERR_HASHCAT_FORMAT'
  | 'TASKORCH_ERR_HASHCAT'
  | 'TASKORCH_ERR_FILE_CACHE'
  | 'TASKORCH_ERR_NO_KERNEL'
  | 'TASKORCH_ERR_WEB_ACCESS'
  | 'TASKORCH_ERR_INTERNAL'

export class TaskOrchError extends Error {
  readonly code: ErrorCode
  constructor (code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

export class FrameTooLargeError extends TaskOrchError {
  constructor (length: number, max: number) {
    super('TASKORCH_ERR_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds the maximum of ${max}`)
  }
}

export class FrameTooSmallError extends TaskOrchError {
  constructor (length: number, min: number) {
    super('TASKORCH_ERR_FRAME_TOO_SMALL', `frame of ${length} bytes is shorter than the minimum of ${min}`)
  }
}

// Raised before sending: a message that cannot fit one frame is a bug of the sender, not of the peer.
export class MessageTooLargeError extends TaskOrchError {
  constructor (type: string, length: number, max: number) {
    super('TASKORCH_ERR_MESSAGE_TOO_LARGE', `message ${type} needs ${length} bytes, over ${max}`)
  }
}

export class HandshakeError extends TaskOrchError {
  constructor (message: string, options?: ErrorOptions) {
    super('TASKORCH_ERR_HANDSHAKE', message, options)
  }
}

// The peer closed the connection before the handshake finished (a server refusing our token does this).
export class HandshakeClosedError extends TaskOrchError {
  constructor () {
    super('TASKORCH_ERR_HANDSHAKE_CLOSED', 'connection closed during the handshake')
  }
}

// The server has too many connections still proving themselves; a moment later it will not.
export class ServerBusyError extends TaskOrchError {
  constructor () {
    super('TASKORCH_ERR_SERVER_BUSY', 'the server is busy with other connections')
  }
}

// A message 1 that is a replay, or whose clock is outside the window, or that came while the server
// remembers as many handshakes as it can: refused before any Diffie-Hellman.
export class ReplayError extends TaskOrchError {
  constructor (verdict: 'stale' | 'replayed' | 'busy') {
    const why = { stale: 'its clock is outside the replay window', replayed: 'its ephemeral key was seen before', busy: 'too many recent handshakes to remember another' }[verdict]
    super('TASKORCH_ERR_REPLAY', `refused message 1: ${why}`)
  }
}

// The peer's clear-text preamble names another protocol version (or none: an older program, or not
// ours). Unauthenticated, so a worker logs it and keeps trying; the text says which side to update.
export class VersionMismatchError extends TaskOrchError {
  readonly peerVersion: number | null
  constructor (peer: 'server' | 'worker', peerVersion: number | null, ownVersion: number) {
    const self = peer === 'server' ? 'this worker' : 'this server'
    const older = peerVersion === null || peerVersion < ownVersion ? peer : peer === 'server' ? 'worker' : 'server'
    const speaks = peerVersion === null ? `speaks a protocol older than ${ownVersion} (no preamble), or is not a TaskOrchestrator ${peer}` : `speaks protocol ${peerVersion}`
    super('TASKORCH_ERR_VERSION', `${peer} ${speaks}, ${self} ${ownVersion}: update the ${older}`)
    this.peerVersion = peerVersion
  }
}

// The server presented a static key other than the one this worker pinned (or was told to expect).
export class ServerKeyMismatchError extends TaskOrchError {
  readonly presented: string
  readonly expected: string
  constructor (message: string, presented: string, expected: string) {
    super('TASKORCH_ERR_SERVER_KEY', message)
    this.presented = presented
    this.expected = expected
  }
}

// The server authenticated and then refused this worker (or ctl), saying why (a REFUSED message): final.
export class RefusedError extends TaskOrchError {
  constructor (reason: string, peer: 'worker' | 'ctl' = 'worker') {
    super('TASKORCH_ERR_REFUSED', `the server refused this ${peer}: ${reason}`)
  }
}

// The peer's first authenticated message failed: it does not hold our token.
export class TokenRejectedError extends TaskOrchError {
  constructor (message = 'the peer rejected the handshake; the token is the likely cause') {
    super('TASKORCH_ERR_TOKEN_REJECTED', message)
  }
}

export class DecryptError extends TaskOrchError {
  constructor (options?: ErrorOptions) {
    super('TASKORCH_ERR_DECRYPT', 'a frame failed authentication (tampered, replayed, reordered or reflected)', options)
  }
}

export class NonceExhaustedError extends TaskOrchError {
  constructor () {
    super('TASKORCH_ERR_NONCE_EXHAUSTED', 'the session sent its maximum number of frames for one key')
  }
}

export class MessageDecodeError extends TaskOrchError {
  constructor (message: string, options?: ErrorOptions) {
    super('TASKORCH_ERR_MESSAGE_DECODE', `malformed message: ${message}`, options)
  }
}

export class InvalidMessageError extends TaskOrchError {
  constructor (message: string) {
    super('TASKORCH_ERR_INVALID_MESSAGE', `invalid message: ${message}`)
  }
}

// A well-formed message at the wrong moment: a second HELLO, a task for a job never announced.
export class ProtocolError extends TaskOrchError {
  constructor (message: string) {
    super('TASKORCH_ERR_PROTOCOL', `protocol violation: ${message}`)
  }
}

export class TimeoutError extends TaskOrchError {
  constructor (what: string, ms: number) {
    super('TASKORCH_ERR_TIMEOUT', `${what} did not complete within ${ms} ms`)
  }
}

export class OutboundOverflowError extends TaskOrchError {
  constructor (bytes: number) {
    super('TASKORCH_ERR_OUTBOUND_OVERFLOW', `peer is not reading: ${bytes} bytes queued`)
  }
}

export class ConnectionClosedError extends TaskOrchError {
  constructor () {
    super('TASKORCH_ERR_CLOSED', 'connection closed')
  }
}

// The TCP connection itself failed (refused, unreachable, reset) before any protocol ran.
export class ConnectError extends TaskOrchError {
  constructor (address: string, cause: Error) {
    super('TASKORCH_ERR_CONNECT', `cannot connect to ${address}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`, { cause })
  }
}

// A worker's DONE counted other than its chunk's length: a lie or a bug, either way not counted.
export class MiscountError extends TaskOrchError {
  constructor (chunkId: string, claimed: number, length: number) {
    super('TASKORCH_ERR_MISCOUNT', `DONE for ${chunkId} counts ${claimed}, the chunk has ${length}`)
  }
}

// A worker's FOUND whose plaintext does not hash to the digest it names, or names no target.
export class FalseFoundError extends TaskOrchError {
  constructor (jobId: string) {
    super('TASKORCH_ERR_FALSE_FOUND', `FOUND for job ${jobId} does not hash to one of its targets`)
  }
}

export class KernelError extends TaskOrchError {
  constructor (chunkId: string, cause: Error) {
    super('TASKORCH_ERR_KERNEL', `chunk ${chunkId} failed: ${cause.message}`, { cause })
  }
}

// The potfile or the session journal could not be written (disk full, I/O error, permissions).
export class StoreError extends TaskOrchError {
  readonly path: string
  constructor (path: string, cause: Error) {
    super('TASKORCH_ERR_STORE', `cannot write ${path}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`, { cause })
    this.path = path
  }
}

// Bad user input (job definitions, keyspaces, targets, CLI flags, files); the message names what is wrong.
export class InvalidInputError extends TaskOrchError {
  constructor (message: string, code: 'TASKORCH_ERR_INVALID_INPUT' | 'TASKORCH_ERR_WEAK_TOKEN' | 'TASKORCH_ERR_UNKNOWN_JOB' = 'TASKORCH_ERR_INVALID_INPUT') {
    super(code, message)
  }
}

// A token too short or too plain to resist guessing from a recorded handshake.
export class WeakTokenError extends InvalidInputError {
  constructor (guessesLog10: number, needed: number) {
    super(`the token is too weak (guessed in about 10^${Math.floor(guessesLog10)} tries by an estimator that knows common passwords, words and patterns; 10^${needed} are needed). Use a generated one: delete it from the config file and start the server, which generates and saves a 256-bit token, or run: node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`, 'TASKORCH_ERR_WEAK_TOKEN')
  }
}

// A control request named a job this server does not have.
export class UnknownJobError extends InvalidInputError {
  constructor (jobId: string) {
    super(`no job ${JSON.stringify(jobId)} on this server (npm run ctl -- jobs lists them)`, 'TASKORCH_ERR_UNKNOWN_JOB')
  }
}

// The server could not carry out a control request for a reason of its own (its disk, a bug): the
// code and message are the server's.
export class RemoteError extends TaskOrchError {
  readonly remoteCode: string
  constructor (remoteCode: string, message: string) {
    super('TASKORCH_ERR_REMOTE', `the server failed: ${message} (${remoteCode})`)
    this.remoteCode = remoteCode
  }
}

// hashcat printed something its parser (worker/hashcat/parse.ts) does not know: another version's
// format, or a failure. `source` names what was being read (--status-json, --keyspace, ...).
export class HashcatFormatError extends TaskOrchError {
  constructor (source: string, what: string) {
    super('TASKORCH_ERR_HASHCAT_FORMAT', `hashcat's ${source} output: ${what}`)
  }
}

// hashcat could not be used (absent, too old) or did not finish a chunk: it crashed, hung, was
// killed, or ended short of the chunk's count. The chunk goes back to the server.
export class HashcatError extends TaskOrchError {
  constructor (message: string) {
    super('TASKORCH_ERR_HASHCAT', message)
  }
}

// The worker's file cache could not take or give a file: no room under its limit or on the disk, a
// download whose bytes do not have the digest the server named, a file that cannot be written.
export class FileCacheError extends TaskOrchError {
  constructor (message: string) {
    super('TASKORCH_ERR_FILE_CACHE', message)
  }
}

// A mode we have no kernel for (a passed-through hashcat mode) reached something that would hash it.
export class NoKernelError extends TaskOrchError {
  constructor (algorithm: string) {
    super('TASKORCH_ERR_NO_KERNEL', `${algorithm} has no kernel here: only hashcat workers search it, and hashcat workers confirm its finds`)
  }
}

// The web view refused a request: no session or a wrong token (401), a cross-site request or a
// watch-only session's change (403). `status` is the HTTP status it answers with.
export class WebAccessError extends TaskOrchError {
  readonly status: 401 | 403
  constructor (status: 401 | 403, message: string) {
    super('TASKORCH_ERR_WEB_ACCESS', message)
    this.status = status
  }
}

// A bug: something threw that is not one of the errors above.
export class InternalError extends TaskOrchError {
  constructor (cause: unknown) {
    super('TASKORCH_ERR_INTERNAL', cause instanceof Error ? cause.message : String(cause), { cause })
  }
}

// Any thrown value as a coded error.
export function coded (error: unknown): TaskOrchError {
  return error instanceof TaskOrchError ? error : new InternalError(error)
}

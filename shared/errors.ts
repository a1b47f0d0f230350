// One error class per failure, each with a stable code that tests, logs and users can match on.

export class TaskOrchError extends Error {
  readonly code: string
  constructor (code: string, message: string, options?: ErrorOptions) {
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

export class HandshakeError extends TaskOrchError {
  constructor (message: string, options?: ErrorOptions) {
    super('TASKORCH_ERR_HANDSHAKE', message, options)
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
  constructor (message = 'connection closed') {
    super('TASKORCH_ERR_CLOSED', message)
  }
}

// Bad user input (job definitions, keyspaces, targets, CLI flags); the message names what is wrong.
export class InvalidInputError extends TaskOrchError {
  constructor (message: string) {
    super('TASKORCH_ERR_INVALID_INPUT', message)
  }
}

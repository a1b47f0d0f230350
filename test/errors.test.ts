import { describe, expect, it } from 'vitest'
import * as errors from '../shared/errors.ts'

// Every coded error: its class name, its stable code, and that its message says something.
const table: [new (...args: any[]) => errors.TaskOrchError, unknown[], string][] = [
  [errors.FrameTooLargeError, [10, 5], 'TASKORCH_ERR_FRAME_TOO_LARGE'],
  [errors.FrameTooSmallError, [1, 5], 'TASKORCH_ERR_FRAME_TOO_SMALL'],
  [errors.HandshakeError, ['x'], 'TASKORCH_ERR_HANDSHAKE'],
  [errors.TokenRejectedError, [], 'TASKORCH_ERR_TOKEN_REJECTED'],
  [errors.DecryptError, [], 'TASKORCH_ERR_DECRYPT'],
  [errors.NonceExhaustedError, [], 'TASKORCH_ERR_NONCE_EXHAUSTED'],
  [errors.MessageDecodeError, ['x'], 'TASKORCH_ERR_MESSAGE_DECODE'],
  [errors.InvalidMessageError, ['x'], 'TASKORCH_ERR_INVALID_MESSAGE'],
  [errors.TimeoutError, ['handshake', 5], 'TASKORCH_ERR_TIMEOUT'],
  [errors.OutboundOverflowError, [10], 'TASKORCH_ERR_OUTBOUND_OVERFLOW'],
  [errors.ConnectionClosedError, [], 'TASKORCH_ERR_CLOSED'],
  [errors.InvalidInputError, ['x'], 'TASKORCH_ERR_INVALID_INPUT'],
  [errors.MessageTooLargeError, ['task', 10, 5], 'TASKORCH_ERR_MESSAGE_TOO_LARGE'],
  [errors.HandshakeClosedError, [], 'TASKORCH_ERR_HANDSHAKE_CLOSED'],
  [errors.ServerBusyError, [], 'TASKORCH_ERR_SERVER_BUSY'],
  [errors.ProtocolError, ['second HELLO'], 'TASKORCH_ERR_PROTOCOL'],
  [errors.ConnectError, ['127.0.0.1:1', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'TASKORCH_ERR_CONNECT'],
  [errors.MiscountError, ['1.0', 5, 6], 'TASKORCH_ERR_MISCOUNT'],
  [errors.FalseFoundError, ['1'], 'TASKORCH_ERR_FALSE_FOUND'],
  [errors.KernelError, ['1.0', new Error('boom')], 'TASKORCH_ERR_KERNEL'],
  [errors.StoreError, ['/tmp/pot', Object.assign(new Error('full'), { code: 'ENOSPC' })], 'TASKORCH_ERR_STORE'],
  [errors.InternalError, [new Error('bug')], 'TASKORCH_ERR_INTERNAL'],
  [errors.ReplayError, ['replayed'], 'TASKORCH_ERR_REPLAY'],
  [errors.RefusedError, ['protocol 2'], 'TASKORCH_ERR_REFUSED'],
  [errors.WeakTokenError, [12.3, 16], 'TASKORCH_ERR_WEAK_TOKEN'],
  [errors.VersionMismatchError, ['server', 5, 4], 'TASKORCH_ERR_VERSION'],
  [errors.ServerKeyMismatchError, ['key changed', 'SHA256:a', 'SHA256:b'], 'TASKORCH_ERR_SERVER_KEY'],
  [errors.UnknownJobError, ['7'], 'TASKORCH_ERR_UNKNOWN_JOB'],
  [errors.RemoteError, ['TASKORCH_ERR_STORE', 'cannot write /x: ENOSPC'], 'TASKORCH_ERR_REMOTE'],
  [errors.HashcatFormatError, ['--keyspace', '"x" is not a number'], 'TASKORCH_ERR_HASHCAT_FORMAT'],
  [errors.HashcatError, ['hashcat exited with code 255'], 'TASKORCH_ERR_HASHCAT'],
  [errors.FileCacheError, ['no room for 5 bytes'], 'TASKORCH_ERR_FILE_CACHE'],
  [errors.NoKernelError, ['hashcat-1500'], 'TASKORCH_ERR_NO_KERNEL'],
  [errors.WebAccessError, [401, 'log in first'], 'TASKORCH_ERR_WEB_ACCESS']
]

describe('coded errors', () => {
  it('says which side of a version mismatch to update', () => {
    expect(new errors.VersionMismatchError('server', 5, 4).message).toBe('server speaks protocol 5, this worker 4: update the worker')
    expect(new errors.VersionMismatchError('server', 3, 4).message).toBe('server speaks protocol 3, this worker 4: update the server')
    expect(new errors.VersionMismatchError('worker', 3, 4).message).toBe('worker speaks protocol 3, this server 4: update the worker')
    expect(new errors.VersionMismatchError('worker', 5, 4).message).toBe('worker speaks protocol 5, this server 4: update the server')
    expect(new errors.VersionMismatchError('worker', null, 4).message).toMatch(/^worker speaks a protocol older than 4 \(no preamble\), or is not a TaskOrchestrator worker, this server 4: update the worker$/)
  })

  it('turns anything thrown into a coded error, keeping coded ones as they are', () => {
    const coded = new errors.DecryptError()
    expect(errors.coded(coded)).toBe(coded)
    expect(errors.coded(new RangeError('x'))).toBeInstanceOf(errors.InternalError)
    expect(errors.coded('a string').message).toBe('a string')
  })

  it.each(table)('%o has its code, name and a message', (Class, args, code) => {
    const error = new Class(...args)
    expect(error).toBeInstanceOf(errors.TaskOrchError)
    expect(error.code).toBe(code)
    expect(error.name).toBe(Class.name)
    expect(error.message.length).toBeGreaterThan(0)
  })

  it('covers every exported error class', () => {
    const exported = Object.values(errors).filter((v) => typeof v === 'function' && v !== errors.TaskOrchError && v !== errors.coded)
    expect(exported.length).toBe(table.length)
  })
})

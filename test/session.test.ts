// The wire under attack: every case runs the real handshake on a loopback server with short deadlines.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { encodeMessage } from '../shared/protocol/codec.ts'
import { frameHeader } from '../shared/protocol/frames.ts'
import { preamble } from '../shared/protocol/preamble.ts'
import {
  FAST_TIMINGS, HELLO, TOKEN, closed, connectTestSession, eventually, frame, manualHandshake, opening, rawConnect, sealedFrame, sessionServer, sleep, within,
  type SessionServer, WAIT_MS } from './helpers.ts'
import { HANDSHAKE_MESSAGE1_BYTES, MAX_FIRST_FRAME_BYTES } from '../shared/protocol/limits.ts'

let server: SessionServer
beforeEach(async () => { server = await sessionServer() })
afterEach(async () => { await server.close() })

async function connectWorker (token = TOKEN) {
  const socket = await rawConnect(server.port)
  const session = await connectTestSession(socket, token)
  session.start()
  return session
}

describe('session: handshake', () => {
  it('connects, exchanges validated messages both ways, and heartbeats keep it open', async () => {
    const client = await connectWorker()
    const session = await server.next()
    const got = new Promise((resolve) => session.once('message', resolve))
    client.send({ ...HELLO, name: 'w', cores: 2, threads: 2 })
    expect(await got).toEqual({ ...HELLO, name: 'w', cores: 2, threads: 2 })
    const back = new Promise((resolve) => client.once('message', resolve))
    session.send({ type: 'welcome', workerId: 'p1' })
    expect(await back).toEqual({ type: 'welcome', workerId: 'p1' })
    await sleep(FAST_TIMINGS.heartbeatTimeoutMs * 2) // pings and pongs, no payload traffic
    expect(session.closed).toBe(false)
    expect(client.closed).toBe(false)
    client.close('done')
    await within(WAIT_MS, new Promise((resolve) => session.once('close', resolve)))
  })

  it('a worker with the wrong token is refused before any session exists', async () => {
    // Closed on reading message 1: a rejection, told apart from a close before any answer.
    await expect(connectWorker('wrong token')).rejects.toMatchObject({ code: 'TASKORCH_ERR_TOKEN_REJECTED' })
    expect((await server.nextFailure()).code).toBe('TASKORCH_ERR_TOKEN_REJECTED')
    expect(server.sessions).toHaveLength(0)
  })

  it('a worker refuses a server that does not hold its token', async () => {
    const impostor = await sessionServer(FAST_TIMINGS, 'impostor token')
    try {
      const socket = await rawConnect(impostor.port)
      // The impostor cannot read message 1, so it closes; the worker never gets a session.
      await expect(connectTestSession(socket)).rejects.toMatchObject({ code: 'TASKORCH_ERR_TOKEN_REJECTED' })
    } finally {
      await impostor.close()
    }
  })

  it('drops a silent connection at the handshake deadline', async () => {
    const socket = await rawConnect(server.port)
    await within(WAIT_MS, closed(socket), 'silent drop')
    expect((await server.nextFailure()).code).toBe('TASKORCH_ERR_TIMEOUT')
  })

  it('drops a one-byte-at-a-time drip at the handshake deadline', async () => {
    const socket = await rawConnect(server.port)
    const m1 = opening()
    let i = 0
    const drip = setInterval(() => { if (i < m1.length - 1 && !socket.destroyed) socket.write(m1.subarray(i, ++i)) }, 20)
    await within(WAIT_MS, closed(socket), 'drip drop')
    clearInterval(drip)
    expect((await server.nextFailure()).code).toBe('TASKORCH_ERR_TIMEOUT')
  })

  it.each([
    ['garbage', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['another magic', Buffer.from('TSKX\x00\x04')],
    ['short message 1', Buffer.concat([preamble(), frame(new Uint8Array(10))])],
    ['oversized message 1', Buffer.concat([preamble(), frame(new Uint8Array(5000))])],
    ['zero-length frame', Buffer.concat([preamble(), frameHeader(0)])],
    ['all-zero message 1', Buffer.concat([preamble(), frame(new Uint8Array(HANDSHAKE_MESSAGE1_BYTES))])]
  ])('closes on %s', async (_name, bytes) => {
    const socket = await rawConnect(server.port)
    socket.write(bytes)
    await within(WAIT_MS, closed(socket))
    expect(server.sessions).toHaveLength(0)
  })

  it('one byte per TCP segment still completes a handshake', async () => {
    const socket = await rawConnect(server.port)
    socket.setNoDelay(true)
    for (const b of opening()) {
      socket.write(Uint8Array.of(b))
      await sleep(1)
    }
    await within(WAIT_MS, server.next())
    socket.destroy()
  })
})

describe('session: transport frames', () => {
  it('accepts a valid frame, then drops a replay of it', async () => {
    const { socket, keys } = await manualHandshake(server.port)
    const session = await server.next()
    const messages: unknown[] = []
    session.on('message', (m) => messages.push(m))
    const ping = sealedFrame(keys, encodeMessage({ type: 'progress', chunkId: 'c', hashed: 1 }))
    socket.write(ping)
    socket.write(ping) // same bytes again
    const error = await within(WAIT_MS, new Promise((resolve) => session.once('close', resolve)))
    expect(error).toMatchObject({ code: 'TASKORCH_ERR_DECRYPT' })
    expect(messages).toEqual([{ type: 'progress', chunkId: 'c', hashed: 1 }])
  })

  it('drops reordered frames', async () => {
    const { socket, keys } = await manualHandshake(server.port)
    const session = await server.next()
    const a = sealedFrame(keys, encodeMessage({ type: 'ping' }))
    const b = sealedFrame(keys, encodeMessage({ type: 'ping' }))
    socket.write(Buffer.concat([b, a]))
    expect(await within(WAIT_MS, new Promise((resolve) => session.once('close', resolve)))).toMatchObject({ code: 'TASKORCH_ERR_DECRYPT' })
  })

  it('drops the server\'s own frames reflected back to it', async () => {
    const { socket, received } = await manualHandshake(server.port)
    const session = await server.next()
    session.send({ type: 'welcome', workerId: 'x' })
    await eventually(() => received.length > 0, WAIT_MS, 'the server\'s frame')
    socket.write(Buffer.concat(received))
    expect(await within(WAIT_MS, new Promise((resolve) => session.once('close', resolve)))).toMatchObject({ code: 'TASKORCH_ERR_DECRYPT' })
  })

  it('drops any frame with a flipped bit', async () => {
    await fc.assert(fc.asyncProperty(fc.nat(), async (bit) => {
      const { socket, keys } = await manualHandshake(server.port)
      const session = await server.next()
      const f = sealedFrame(keys, encodeMessage({ type: 'ping' }))
      const i = bit % (f.length * 8)
      f[i >> 3] ^= 1 << (i & 7)
      socket.write(f)
      const error = await within(WAIT_MS, new Promise((resolve) => session.once('close', resolve)))
      expect((error as { code: string }).code).toMatch(/TASKORCH_ERR_(DECRYPT|FRAME_TOO_LARGE|FRAME_TOO_SMALL|TIMEOUT)/)
      socket.destroy()
    }), { numRuns: 15 })
  })

  it('drops a frame header followed by a stall', async () => {
    const { socket } = await manualHandshake(server.port)
    const session = await server.next()
    socket.write(frameHeader(100))
    expect(await within(WAIT_MS, new Promise((resolve) => session.once('close', resolve)))).toMatchObject({ code: 'TASKORCH_ERR_TIMEOUT' })
  })

  it('lets a big frame cross a slow link (its deadline grows with its length)', async () => {
    const { socket, keys } = await manualHandshake(server.port)
    const session = await server.next()
    socket.write(sealedFrame(keys, encodeMessage({ type: 'ping' }))) // a first message: full-size frames from here
    // 48 KiB in 16 pieces over about 1.2 s: far past the 300 ms a frame gets by itself, within
    // 300 ms + 48 KiB at 16 KiB/s.
    const large = sealedFrame(keys, encodeMessage({ type: 'progress', chunkId: 'c', hashed: 2, pad: new Uint8Array(48 * 1024) }))
    const closed = new Promise((resolve) => session.once('close', resolve))
    for (let i = 0; i < 16; i++) {
      socket.write(large.subarray(Math.floor((i * large.length) / 16), Math.floor(((i + 1) * large.length) / 16)))
      await sleep(75)
    }
    // It arrived whole: the session judged its content (a field no message has), not its pace.
    expect(await within(WAIT_MS, closed)).toMatchObject({ code: 'TASKORCH_ERR_INVALID_MESSAGE' })
  })

  it('drops a frame declaring more than the maximum length', async () => {
    const { socket } = await manualHandshake(server.port)
    const session = await server.next()
    socket.write(frameHeader(0x7fffffff))
    expect(await within(WAIT_MS, new Promise((resolve) => session.once('close', resolve)))).toMatchObject({ code: 'TASKORCH_ERR_FRAME_TOO_LARGE' })
  })

  it('drops a peer that stops answering heartbeats', async () => {
    await manualHandshake(server.port) // completes the handshake, then never sends a frame
    const session = await server.next()
    expect(await within(WAIT_MS, new Promise((resolve) => session.once('close', resolve)))).toMatchObject({ code: 'TASKORCH_ERR_TIMEOUT' })
  })

  it('drops a peer that never reads once its outbound buffer passes the cap', async () => {
    const { socket } = await manualHandshake(server.port)
    socket.pause()
    const session = await server.next()
    const big = { type: 'bye' as const, reason: 'x'.repeat(200) }
    const closedWith = new Promise((resolve) => session.once('close', resolve))
    for (let i = 0; i < 200_000 && !session.closed; i++) session.send(big)
    expect(await within(WAIT_MS, closedWith)).toMatchObject({ code: 'TASKORCH_ERR_OUTBOUND_OVERFLOW' })
  })

  it.each([
    ['0xc1 (never used)', Buffer.from([0xc1])],
    ['trailing bytes', Buffer.concat([encodeMessage({ type: 'ping' }), Buffer.from([0])])],
    ['an array', encodeMessage([1, 2, 3])],
    ['a huge claimed array', Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])],
    ['a huge claimed string', Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xff])],
    ['deep nesting', Buffer.concat([Buffer.alloc(20000, 0x91), Buffer.from([0xc0])])],
    ['an ext type', Buffer.from([0xd4, 0x01, 0x00])],
    ['a __proto__ key', Buffer.concat([Buffer.from([0x82, 0xa4]), Buffer.from('type'), Buffer.from([0xa4]), Buffer.from('ping'), Buffer.from([0xa9]), Buffer.from('__proto__'), Buffer.from([0x81, 0xa1, 0x78, 0x01])])],
    ['overlong UTF-8', Buffer.concat([Buffer.from([0x81, 0xa4]), Buffer.from('type'), Buffer.from([0xa4, 0xc0, 0xaf, 0x70, 0x70])])],
    ['an unknown type', encodeMessage({ type: 'exec', cmd: 'rm -rf /' })]
  ])('drops a valid frame carrying %s without crashing', async (_name, payload) => {
    const { socket, keys } = await manualHandshake(server.port)
    const session = await server.next()
    // A first message, so frames may be full-size; then the hostile one.
    socket.write(Buffer.concat([sealedFrame(keys, encodeMessage({ type: 'ping' })), sealedFrame(keys, payload)]))
    const error = await within(WAIT_MS, new Promise((resolve) => session.once('close', resolve)))
    expect((error as { code: string }).code).toMatch(/TASKORCH_ERR_(MESSAGE_DECODE|INVALID_MESSAGE)/)
  })

  it('takes only small frames before the peer\'s first message', async () => {
    const { socket, keys } = await manualHandshake(server.port)
    const session = await server.next()
    socket.write(sealedFrame(keys, new Uint8Array(MAX_FIRST_FRAME_BYTES))) // its length is refused before a byte of it is buffered
    expect(await within(WAIT_MS, new Promise((resolve) => session.once('close', resolve)))).toMatchObject({ code: 'TASKORCH_ERR_FRAME_TOO_LARGE' })
  })

  it('many frames in one segment are all delivered in order', async () => {
    const { socket, keys } = await manualHandshake(server.port)
    const session = await server.next()
    const got: number[] = []
    session.on('message', (m) => { if (m.type === 'progress') got.push(m.hashed) })
    socket.write(Buffer.concat(Array.from({ length: 200 }, (_, i) => sealedFrame(keys, encodeMessage({ type: 'progress', chunkId: 'c', hashed: i })))))
    await eventually(() => got.length === 200, WAIT_MS, '200 messages')
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i))
    socket.destroy()
  })
})

describe('session: floods', () => {
  it('survives a burst of garbage connections and still serves a real worker', async () => {
    const sockets = await Promise.all(Array.from({ length: 50 }, () => rawConnect(server.port)))
    for (const s of sockets) s.write(Buffer.from('\x00\x00\x00\x31' + 'A'.repeat(49)))
    const client = await within(WAIT_MS, connectWorker())
    expect(client.closed).toBe(false)
    client.close('bye')
    await Promise.all(sockets.map((s) => within(WAIT_MS, closed(s))))
  })
})

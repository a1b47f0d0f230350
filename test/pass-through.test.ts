// Modes we have no kernel for, passed through to hashcat workers, without hashcat: how a mode number
// becomes one, how hashcat's --left answer is read (its output as 6.2.6 printed it), that no WASM
// worker gets such a job's chunks and no canary is planted in it, and how the server's questions
// to hashcat workers go: to another worker than the finder where there is one, on to the next when
// one leaves or its hashcat fails, and never answered by a worker that was not asked.
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { formatTarget, infoOf, isAlgorithm, parseAlgorithm, parseTarget } from '../shared/algorithms.ts'
import { InvalidInputError, NoKernelError, ProtocolError } from '../shared/errors.ts'
import { digestOf } from '../shared/hashing/modes.ts'
import type { Checked, Confirmed, ServerMessage } from '../shared/protocol/worker-protocol.ts'
import { parseCheckedLines } from '../worker/hashcat/parse.ts'
import type { ServerEvents } from '../server/fleet.ts'
import { HashcatDesk } from '../server/pass-through.ts'
import type { Peer, WorkerLinks } from '../server/peers.ts'
import { Scheduler } from '../server/scheduler/scheduler.ts'
import type { Backend } from '../shared/protocol/worker-protocol.ts'
import { eventually, WAIT_MS } from './helpers.ts'

const GPU: Backend = { kind: 'hashcat', version: 'v6.2.6', devices: [{ name: 'x', type: 'GPU' }] }

describe('a mode we have no kernel for', () => {
  it('is any hashcat mode number that is not ours; its targets are printable lines, written back as they are', () => {
    expect(parseAlgorithm('1500')).toBe('hashcat-1500')
    expect(parseAlgorithm(' 11600 ')).toBe('hashcat-11600')
    expect(parseAlgorithm('1000')).toBe('ntlm') // ours
    expect(isAlgorithm('hashcat-1000')).toBe(false)
    expect(isAlgorithm('hashcat-01500')).toBe(false)
    expect(() => parseAlgorithm('2500')).toThrow(/older WPA modes/)
    expect(() => parseAlgorithm('100000')).toThrow(/unknown hash mode "100000"/)
    expect(infoOf('hashcat-1500')).toMatchObject({ hashcat: 1500, name: 'hashcat -m 1500', kind: 'hashcat' })
    const target = parseTarget('hashcat-1500', ' 24leDr0hHfb3A \n')
    expect(formatTarget('hashcat-1500', target)).toBe('24leDr0hHfb3A')
    expect(() => parseTarget('hashcat-1500', 'caf\u00e9')).toThrow(InvalidInputError)
    expect(() => parseTarget('hashcat-1500', 'a\u001b[2Jb')).toThrow(/printable ASCII/)
    expect(() => digestOf('hashcat-1500', Buffer.from('x'))).toThrow(NoKernelError)
  })

  it('reads hashcat\'s --left --username answer: each line as hashcat wrote it, or its refusal', () => {
    // hashcat 6.2.6, -m 0 --left --username on "0:B4B9...E2B", "1:bad", "2:8743...74f5", "3:b4b9...e2b":
    // its refusals on stdout, before the lines it read.
    const stdout = "Hashfile 'check-1.hashes' on line 2 (1:bad): Token length exception\n\n* Token length exception: 1/4 hashes\n  This error happens if the wrong hash type is specified, if the hashes are\n" +
      '  malformed, or if input is otherwise not as expected (for example, if the\n  --username option is used but no username is present)\n\n' +
      '0:b4b9b02e6f09a9bd760f388b67351e2b\n2:8743b52063cd84097a65d1633f5c74f5\n3:b4b9b02e6f09a9bd760f388b67351e2b\n'
    expect(parseCheckedLines(stdout, '', 4)).toEqual(['b4b9b02e6f09a9bd760f388b67351e2b', { refused: 'Token length exception' }, '8743b52063cd84097a65d1633f5c74f5', 'b4b9b02e6f09a9bd760f388b67351e2b'])
    expect(parseCheckedLines('', '', 1)).toEqual([{ refused: 'hashcat did not load it' }])
    expect(() => parseCheckedLines('7:abc\n', '', 2)).toThrow(/"7:abc" names no line of 2/)
  })

  it('goes to hashcat workers only, without canaries, whatever its first chunk\'s size', () => {
    const scheduler = new Scheduler()
    const { job } = scheduler.addJob({ algorithm: 'hashcat-1500', targets: [Buffer.from('24leDr0hHfb3A')], keyspace: { type: 'mask', mask: '?l?l?d?d', charsets: ['', '', '', ''], min: 4, max: 4 } })
    scheduler.addWorker({ id: 'w', name: 'wasm', address: '127.0.0.1', cores: 2, threads: 2, backend: { kind: 'wasm' } })
    expect(scheduler.assign('w')).toEqual([])
    expect(scheduler.canaryRoom(job.id)).toBeNull()
    scheduler.addWorker({ id: 'h', name: 'gpu', address: '127.0.0.1', cores: 2, threads: 2, backend: GPU })
    const chunks = scheduler.assign('h')
    expect(chunks.length).toBeGreaterThan(0)
    expect(chunks.every((c) => c.job === job)).toBe(true)
    expect(scheduler.assign('w')).toEqual([])
  })
})

// A fake fleet: peers whose sessions record what they are sent.
function fleet (answerTimeoutMs?: number) {
  const peers: Peer[] = []
  const sent = new Map<Peer, ServerMessage[]>()
  const dropped: string[] = []
  const logs: string[] = []
  const links = { get peers () { return peers.values() } } as unknown as WorkerLinks
  const events = new EventEmitter<ServerEvents>()
  events.on('log', (_, line) => logs.push(line))
  const desk = new HashcatDesk(links, events, answerTimeoutMs)
  const add = (name: string, hashcat = true) => {
    const peer = {
      key: name, worker: { id: name, name, quarantined: false, backend: hashcat ? GPU : { kind: 'wasm' } },
      session: { closed: false, send: (m: ServerMessage) => sent.get(peer)!.push(m), destroy: (error: Error) => { dropped.push(`${name}: ${error.message}`); leave(peer) } }
    } as unknown as Peer
    sent.set(peer, [])
    peers.push(peer)
    return peer
  }
  const leave = (peer: Peer) => {
    peers.splice(peers.indexOf(peer), 1)
    desk.left(peer)
  }
  const question = async (peer: Peer) => {
    await eventually(() => sent.get(peer)!.length > 0, WAIT_MS, `a question to ${peer.key}`)
    return sent.get(peer)!.shift() as Extract<ServerMessage, { id: string }>
  }
  return { desk, add, leave, question, sent, dropped, logs }
}

describe('the server\'s questions to hashcat workers', () => {
  it('has a find confirmed by another worker than its finder, the next when one leaves or fails, the finder when it is alone', async () => {
    const { desk, add, leave, question } = fleet()
    const finder = add('finder')
    const other = add('other')
    const third = add('third')
    add('wasm', false)
    const hash = Buffer.from('24leDr0hHfb3A')
    const confirmed = desk.confirm('hashcat-1500', hash, Buffer.from('hashcat'), finder)
    const asked = await question(other)
    expect(asked).toMatchObject({ type: 'confirm', mode: 1500, hash, plaintext: Buffer.from('hashcat') })
    leave(other) // gone before answering: the next is asked
    const next = await question(third)
    desk.answer(third, { type: 'confirmed', id: next.id, error: 'hashcat -m 1500 could not try the plaintext (exit 255)' })
    const last = await question(finder) // the finder's own, with no other left
    expect(() => desk.answer(third, { type: 'confirmed', id: last.id, cracks: true })).toThrow(ProtocolError) // not the one asked
    desk.answer(finder, { type: 'confirmed', id: last.id, cracks: true })
    expect(await confirmed).toEqual({ by: 'finder', byFinder: true })

    // Refuted by the only other worker: not a find, and the log names who said so.
    const refuted = desk.confirm('hashcat-1500', hash, Buffer.from('wrong'), finder)
    desk.answer(third, { type: 'confirmed', id: (await question(third)).id, cracks: false })
    expect(await refuted).toBeNull()
  })

  it('asks the next worker when one refutes a find, takes too long, or answers with the wrong message (dropping that one)', async () => {
    const { desk, add, question, dropped, logs } = fleet(200)
    const finder = add('finder')
    const liar = add('liar')
    const slow = add('slow')
    const rude = add('rude')
    const honest = add('honest')
    const hash = Buffer.from('24leDr0hHfb3A')
    const confirmed = desk.confirm('hashcat-1500', hash, Buffer.from('hashcat'), finder)
    desk.answer(liar, { type: 'confirmed', id: (await question(liar)).id, cracks: false })
    await question(slow) // never answered: the next is asked once it times out
    desk.answer(rude, { type: 'checked', id: (await question(rude)).id, lines: [] })
    desk.answer(honest, { type: 'confirmed', id: (await question(honest)).id, cracks: true })
    expect(await confirmed).toEqual({ by: 'honest', byFinder: false })
    expect(dropped).toEqual(['rude: protocol violation: CHECKED q3 for a CONFIRM'])
    expect(logs).toEqual([])
  })

  it('reads a list in batches, names every line hashcat refused, and waits for a hashcat worker only when told to', async () => {
    const { desk, add, question } = fleet()
    const lines = ['24leDr0hHfb3A', 'bad!', 'XXabcdefghijk'].map((l) => Buffer.from(l))
    await expect(desk.checkLines('hashcat-1500', lines, false)).rejects.toThrow(/none is connected \(start one: npm run worker -- --backend hashcat\)/)
    const waiting = desk.checkLines('hashcat-1500', lines, true)
    const worker = add('gpu')
    desk.joined()
    const check = await question(worker) as Extract<ServerMessage, { type: 'check' }>
    expect(check.lines.map((l) => Buffer.from(l).toString())).toEqual(['24leDr0hHfb3A', 'bad!', 'XXabcdefghijk'])
    desk.answer(worker, { type: 'checked', id: check.id, lines: [lines[0], 'Token length exception', lines[2]] } satisfies Checked)
    await expect(waiting).rejects.toThrow(/hashcat -m 1500 refused 1 of the 3 hash\(es\); remove them and submit again: "bad!" \(the 2nd distinct hash\): Token length exception/)

    const good = desk.checkLines('hashcat-1500', [Buffer.from('B4B9B02E6F09A9BD760F388B67351E2B')], false)
    desk.answer(worker, { type: 'checked', id: (await question(worker)).id, lines: [Buffer.from('b4b9b02e6f09a9bd760f388b67351e2b')] })
    expect((await good).map((l) => Buffer.from(l).toString())).toEqual(['b4b9b02e6f09a9bd760f388b67351e2b'])

    const failing = desk.checkLines('hashcat-1234', [Buffer.from('x')], false)
    desk.answer(worker, { type: 'checked', id: (await question(worker)).id, error: 'hashcat -m 1234 could not read the hashes (exit 255)' } satisfies Checked)
    await expect(failing).rejects.toThrow(/no hashcat worker could read the hashes of -m 1234: gpu: hashcat -m 1234 could not read the hashes \(exit 255\)/)

    // A worker cannot swap the job's targets: a line back that is not the one sent, but for letter
    // case, drops it, and the list goes to the next worker.
    const other = add('other')
    const swapped = desk.checkLines('hashcat-1500', [Buffer.from('abZF/IPVazWbU')], false)
    desk.answer(worker, { type: 'checked', id: (await question(worker)).id, lines: [Buffer.from('24leDr0hHfb3A')] })
    desk.answer(other, { type: 'checked', id: (await question(other)).id, lines: [Buffer.from('abZF/IPVazWbU')] })
    expect((await swapped).map((l) => Buffer.from(l).toString())).toEqual(['abZF/IPVazWbU'])
    const answered: Confirmed = { type: 'confirmed', id: 'q999', cracks: true }
    expect(() => desk.answer(worker, answered)).toThrow(/CONFIRMED q999, which it was not asked/)
  })
})

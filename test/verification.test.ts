// Work verification end to end, in one process: a server, an honest worker on the WASM kernels, and
// scripted workers that lie. "Exhausted" must mean searched.
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { Orchestrator } from '../server/index.ts'
import { SCHEDULER_DEFAULTS } from '../server/scheduler/options.ts'
import { Journal, replayJournal } from '../server/store/journal.ts'
import { WorkerClient } from '../worker/client.ts'
import type { TaskMessage } from '../shared/protocol/worker-protocol.ts'
import { TOKEN, eventually, hex, journalRecords, scriptedWorker, tempDir, within, WAIT_MS } from './helpers.ts'
import { EventEmitter } from 'node:events'
import { createHash } from 'node:crypto'
import { Scheduler } from '../server/scheduler/scheduler.ts'
import { Verifier } from '../server/verification.ts'
import type { ServerEvents } from '../server/fleet.ts'
import { formatTarget, parseTarget, targetParts } from '../shared/algorithms.ts'
import { maskSpec } from '../shared/keyspace/spec.ts'
import { canaryTarget, digestOf, matches } from '../shared/hashing/modes.ts'
import { FindCheck } from '../server/find-check.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => { for (const step of cleanup.splice(0).reverse()) await step() })

async function server (scheduler = {}) {
  const path = join(tempDir('taskorch-verify-'), 'session')
  const { journal } = await Journal.open(path, false)
  const orch = new Orchestrator({ token: TOKEN, host: '127.0.0.1', port: 0, journal: { journal, lastJobId: 0 }, scheduler })
  await orch.start()
  cleanup.push(() => journal.close())
  cleanup.push(() => orch.stop())
  const log: string[] = []
  orch.on('log', (_, line) => log.push(line))
  const caught: string[] = []
  orch.on('worker-caught', (worker, jobId) => caught.push(`${worker.name}:${jobId}`))
  return { orch, path, log, caught }
}

function honestWorker (port: number) {
  const client = new WorkerClient({ host: '127.0.0.1', port, token: TOKEN, name: 'honest', cores: 1, threads: 1, reconnectInitialMs: 20 })
  void client.start()
  cleanup.push(() => client.stop())
}

describe('work verification', () => {
  it('catches a worker that answers DONE without searching: named, its ranges searched again, the target found, every index counted once', async () => {
    const { orch, path, log, caught } = await server()
    const size = 30_000_000n
    // One target at the very start (the liar's ranges hold it unless its canary chunk does), one absent.
    const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', '0'), hex('md5', 'absent')], keyspace: { type: 'range', start: 0, end: size } })
    const liar = await scriptedWorker(orch.port, 'liar')
    const tasks: TaskMessage[] = []
    for (let i = 0; i < 3; i++) tasks.push(await liar.take('task'))
    // Its first chunk is cut around a canary (it has passed no check): it answers that one last, so
    // the two before it count, for now.
    for (const task of tasks.reverse()) liar.session.send({ type: 'done', chunkId: task.chunkId, hashed: task.length })
    await eventually(() => caught.length > 0, WAIT_MS, 'the liar caught')
    expect(caught).toEqual([`liar:${job.id}`])
    expect(log.find((l) => /worker liar .* did not find the check candidate planted in it/.test(l))).toBeDefined()
    honestWorker(orch.port)
    const outcome = await within(WAIT_MS * 4, job.done, 'the job')
    expect(outcome.status).toBe('exhausted')
    expect(outcome.found.map((f) => f.plaintext)).toEqual(['0'])
    expect(outcome.hashed).toBe(size)
    // The journal took back exactly what the liar had completed before it was caught (the DONEs
    // recorded before the first reopened range: the honest worker joined after), and the honest
    // worker searched it; replayed, the job's ranges tile the keyspace once.
    const records = journalRecords(path)
    const firstReopened = records.findIndex((r) => r.t === 'reopened')
    const sum = (list: Record<string, string>[], t: string) => list.filter((r) => r.t === t).reduce((n, r) => n + BigInt(r.length), 0n)
    const liarCounted = sum(records.slice(0, firstReopened < 0 ? records.length : firstReopened), 'done')
    expect(sum(records, 'reopened')).toBe(firstReopened < 0 ? 0n : liarCounted)
    expect(liarCounted).toBeLessThanOrEqual(BigInt(tasks[0].length + tasks[1].length))
    const replay = await replayJournal(path)
    expect(replay.jobs[0].completed).toEqual([{ offset: 0n, end: size }])
    // Canaries are no results: nothing but the target was found or counted.
    expect(records.filter((r) => r.t === 'found').map((r) => r.hash)).toEqual([hex('md5', '0')])
  })

  it('takes the chunks of a "hashcat" worker whose count never rises, so the job ends about when the honest worker alone would end it', async () => {
    const { orch } = await server()
    const size = 26n ** 6n
    const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', 'zzzzzy'), hex('md5', 'not in it')], keyspace: { type: 'mask', mask: '?l'.repeat(6) } })
    const stuck = await scriptedWorker(orch.port, 'stuck', TOKEN, { backend: { kind: 'hashcat', version: 'v6.2.6', devices: [{ name: 'GPU', type: 'GPU' }] } })
    const held: TaskMessage[] = [await stuck.take('task')]
    // "Still starting" every half second, for ever, on everything it holds.
    const heartbeat = setInterval(() => {
      for (const task of held) stuck.session.send({ type: 'progress', chunkId: task.chunkId, hashed: 0 })
    }, 500)
    cleanup.push(() => clearInterval(heartbeat))
    // An unverified hashcat worker gets no big chunk: its stall costs a WASM worker seconds to copy.
    expect(held[0].length).toBeLessThanOrEqual(SCHEDULER_DEFAULTS.unverifiedHashcatChunk)
    honestWorker(orch.port)
    const outcome = await within(WAIT_MS * 4, job.done, 'the job')
    expect(outcome).toMatchObject({ status: 'exhausted', hashed: size })
    expect(outcome.found.map((f) => f.plaintext)).toEqual(['zzzzzy'])
  })

  it('leaves an honest worker alone, and costs it no extra candidates', async () => {
    const { orch, log, caught } = await server()
    const job = orch.addTasks({ algorithm: 'md5', targets: [hex('md5', 'absent')], keyspace: { type: 'mask', mask: '?l?l?l?l?l' } })
    honestWorker(orch.port)
    const outcome = await within(WAIT_MS * 4, job.done, 'the job')
    expect(outcome).toMatchObject({ status: 'exhausted', found: [], hashed: 26n ** 5n })
    expect(caught).toEqual([])
    expect(log.filter((l) => /check candidate/.test(l))).toEqual([])
  })
})

// Found by CI: a salted wordlist job whose last target was found while its canaries' words were
// being read. Planting then drew a salt from no target left, threw outside any handler, and the
// server process died of the unhandled rejection.
describe('canaries of a wordlist job that ends while their words are read', () => {
  it('are not planted, and nothing throws', async () => {
    const scheduler = new Scheduler()
    const target = Buffer.concat([createHash('md5').update('pw' + 'salt').digest(), Buffer.from('salt')])
    const { job } = scheduler.addJob({ algorithm: 'md5-pass-salt', targets: [target], keyspace: { type: 'wordlist', name: '/w', size: '100000' } })
    let release = () => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    const list = { read: async () => { await gate; return Buffer.from('word') } }
    const links = { files: () => ({ list, rules: undefined }), canaries: () => { throw new Error('no canary may go out') } }
    const logs: string[] = []
    const events = new EventEmitter<ServerEvents>()
    events.on('log', (_, line) => logs.push(line))
    const verifier = new Verifier({ scheduler, links: links as never, events, canaries: { canary: canaryTarget } }, () => 0.5)
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      verifier.topUp()
      scheduler.found(job.id, formatTarget('md5-pass-salt', target), Buffer.from('pw')) // the last target: the job ends
      expect(job.status).toBe('found')
      release()
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(unhandled).toEqual([])
      expect(job.canaries.size).toBe(0)
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

// A scheduler with a Django job over `mask` whose one target (1,000 iterations, salt NaCl) is a real
// digest of a word outside it, and that target's salt as the scheme packs it.
function djangoJob (mask: string) {
  const scheduler = new Scheduler()
  const template = parseTarget('django', `pbkdf2_sha256$1000$NaCl$${'A'.repeat(43)}=`)
  const { salt, rounds } = targetParts('django', template)
  const real = Buffer.from(template)
  real.set(digestOf('django', Buffer.from('not in the mask'), salt, rounds))
  return { scheduler, salt, job: scheduler.addJob({ algorithm: 'django', targets: [real], keyspace: maskSpec(mask, []) }).job }
}

// A slow scheme's canary digests (a bcrypt of cost 12 takes a third of a second here, a Django hash
// of 870,000 iterations a second) are made by the find-check thread: the event loop only waits on
// them, and plants each canary when its digest comes back.
describe('canaries of a slow scheme', () => {
  it('are planted once their digests come from the thread, each a real preimage, a salt of the job\'s own', async () => {
    const { scheduler, job, salt } = djangoJob('?d?d?d?d?d')
    const sent: unknown[][] = []
    const links = { files: () => undefined, canaries: (_job: unknown, canaries: unknown[]) => sent.push(canaries) }
    const findCheck = new FindCheck()
    // Each canary is held until released, so what is planted before it comes back can be seen.
    let release = () => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    const asked: unknown[] = []
    const canaries = {
      canary: (...args: Parameters<FindCheck['canary']>) => {
        const made = findCheck.canary(...args)
        asked.push(made)
        return Promise.resolve(made).then(async (target) => { await gate; return target })
      }
    }
    const verifier = new Verifier({ scheduler, links: links as never, events: new EventEmitter<ServerEvents>(), canaries }, () => 0.25)
    try {
      verifier.topUp()
      await eventually(() => asked.length === 1, WAIT_MS, 'a canary asked for')
      expect(asked[0]).toBeInstanceOf(Promise) // made in the thread
      verifier.topUp() // while it is made, the job is not drawn for again
      await new Promise((resolve) => setImmediate(resolve))
      expect([asked.length, job.canaries.size]).toEqual([1, 0]) // one at a time, nothing planted yet
      release()
      await eventually(() => job.canaries.size > 0 && sent.length > 0, WAIT_MS, 'canaries planted')
      for (const canary of job.canaries.values()) {
        expect(targetParts('django', canary.target).salt).toEqual(salt)
        expect(matches('django', canary.target, canary.plaintext)).toBe(true)
      }
    } finally {
      await findCheck.close()
    }
  })
})

// A canary planted is one the scheduler may put in the next chunk it hands out. If its target went
// to the workers only once the next canary's digest came back from the thread, a chunk given out in
// between held a canary its worker did not know yet, and an honest worker was caught (the WASM
// worker of modes-e2e, on a bcrypt job of 17 words).
describe('a slow scheme\'s canaries', () => {
  it('each go to the workers as it is planted, not once the next one is made', async () => {
    const { scheduler, job } = djangoJob('?d?d?d?d?d?d')
    const sent = new Set<unknown>()
    const links = { files: () => undefined, canaries: (_job: unknown, canaries: unknown[]) => { for (const c of canaries) sent.add(c) } }
    // Each digest is held until the test lets it go, one at a time.
    const gates: (() => void)[] = []
    const canaries = {
      canary: async (...args: Parameters<typeof canaryTarget>) => {
        await new Promise<void>((resolve) => gates.push(resolve))
        return canaryTarget(...args)
      }
    }
    let draw = 0
    const verifier = new Verifier({ scheduler, links: links as never, events: new EventEmitter<ServerEvents>(), canaries }, () => (++draw * 0.377) % 1)
    const wanted = scheduler.canaryRoom(job.id)!.count
    expect(wanted).toBeGreaterThan(1)
    verifier.topUp()
    for (let made = 0; made < wanted; made++) {
      await eventually(() => gates.length === made + 1, WAIT_MS, `canary ${made + 1} asked for`)
      // Whatever is planted by now may go into the next chunk: its worker must have its target.
      expect([...job.canaries.values()].filter((c) => !sent.has(c))).toEqual([])
      gates[made]()
    }
    await eventually(() => job.canaries.size === wanted, WAIT_MS, 'every canary planted')
    expect([...job.canaries.values()].every((c) => sent.has(c))).toBe(true)
  })
})

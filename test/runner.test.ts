import { afterAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { ChunkRunner } from '../worker/runner.ts'
import type { SearchHit } from '../worker/thread-messages.ts'
import { eventually, WAIT_MS } from './helpers.ts'

const md5 = (text: string) => createHash('md5').update(text).digest()
const runner = new ChunkRunner(2)
afterAll(() => runner.close())

describe('chunk runner (Piscina threads)', () => {
  it('splits a chunk over the threads, counts every candidate, and reports hits', async () => {
    const hits: SearchHit[] = []
    const job = { algorithm: 'md5' as const, targets: [md5('1000000'), md5('1999999'), md5('5')], keyspace: { type: 'range' as const, start: '0', end: '100000000' } }
    const chunk = runner.run(job, 1_000_000n, 1_000_000, (hit) => hits.push(hit))
    expect(await chunk.done).toEqual({ hashed: 1_000_000, cancelled: false })
    expect(chunk.hashed()).toBe(1_000_000)
    expect(hits.map((h) => Buffer.from(h.plaintext).toString()).sort()).toEqual(['1000000', '1999999'])
  })

  // Two users with one password and different salts: one candidate, two targets, two hits (one per
  // index lost the second user's, and work verification's canaries, which share real targets'
  // salts, made it happen on every job where a canary's candidate was a real password).
  it('reports every target a candidate matches, not one hit per candidate', async () => {
    const hits: SearchHit[] = []
    const salted = (plain: string, salt: string) => Buffer.concat([md5(plain + salt), Buffer.from(salt)])
    const job = { algorithm: 'md5-pass-salt' as const, targets: [salted('123', 'a'), salted('123', 'b')], keyspace: { type: 'range' as const, start: '0', end: '1000' } }
    const chunk = runner.run(job, 0n, 1000, (hit) => hits.push(hit))
    expect(await chunk.done).toEqual({ hashed: 1000, cancelled: false })
    expect(hits.map((h) => Buffer.from(h.hash).subarray(16).toString()).sort()).toEqual(['a', 'b'])
  })

  // The chunk would run for minutes; a cancel lands within a few 20 ms kernel batches. The bound is
  // wide because this is wall time on a shared, possibly busy, 2-core machine.
  it('honours a cancel within a few batches, not at the end of the chunk', async () => {
    const job = { algorithm: 'sha512' as const, targets: [createHash('sha512').update('x').digest()], keyspace: { type: 'range' as const, start: '0', end: '1000000000000' } }
    const chunk = runner.run(job, 0n, 2 ** 31 - 1, () => {})
    await eventually(() => chunk.hashed() > 0, WAIT_MS, 'progress')
    const cancelledAt = performance.now()
    chunk.cancel()
    const outcome = await chunk.done
    expect(outcome.cancelled).toBe(true)
    expect(performance.now() - cancelledAt).toBeLessThan(5_000)
    expect(outcome.hashed).toBe(chunk.hashed())
  })
})

// Word attacks through the whole product on loopback: rules (-a 0 -r) with a worker killed mid-job,
// hybrid attacks (-a 6, -a 7) through the server's command line, and a rules job restored after the
// server is killed. Plaintexts are random (seeded) and planted at random places.
import { describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Orchestrator } from '../server/index.ts'
import { keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { RULE_BUFFER_BYTES, applyRules, parseRules } from '../shared/rules/rules.ts'
import { cli, eventually, expectChunksTile, hex, killAfterChunks, listeningPort, TOKEN, within, workerArgs } from './helpers.ts'

const SEED = Number(process.env.TEST_SEED ?? 7_700_123)
const BEST64 = new URL('./vectors/rules/best64.rule', import.meta.url).pathname

function random (seed: number) {
  return (below: number) => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0
    return (seed >>> 0) % below
  }
}

function writeWords (count: number, next: (n: number) => number): { path: string, words: string[] } {
  const words = Array.from({ length: count }, () => Array.from({ length: 3 + next(8) }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[next(36)]).join(''))
  const path = join(mkdtempSync(join(tmpdir(), 'taskorch-attack-')), 'words.txt')
  writeFileSync(path, words.join('\n') + '\n')
  return { path, words }
}

// Candidate `index` of words x best64, made with the rule engine directly.
function ruleCandidate (words: string[], index: number): Buffer {
  const rules = parseRules(readFileSync(BEST64), 'best64.rule')
  const word = Buffer.from(words[Math.floor(index / rules.count)])
  const buf = new Uint8Array(RULE_BUFFER_BYTES)
  buf.set(word)
  return Buffer.from(buf.subarray(0, applyRules([rules], index % rules.count, buf, word.length)))
}


describe('word attacks end to end', () => {
  it('-a 0 with best64: a worker killed mid-job, every plant found, every candidate counted once', async () => {
    const next = random(SEED)
    const { path, words } = writeWords(150_000, next)
    const rules = parseRules(readFileSync(BEST64), 'best64.rule').count
    const size = words.length * rules
    const plants = Array.from({ length: 4 }, () => next(size))
    const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN })
    await orch.start()
    try {
      const worker = (name: string) => {
        const [script, ...args] = workerArgs(orch.port, name)
        const run = cli(script, args)
              return run
      }
      // The victim works alone until it is mid-chunk, so the kill always takes work from it.
      const victim = worker('victim')
      const targets = [...plants.map((i) => hex('md5', ruleCandidate(words, i))), hex('md5', 'not in this keyspace')]
      const job = await orch.addTasks({ algorithm: 'md5', targets, keyspace: { type: 'wordlist', path, rules: [BEST64] } })
      expect(job.keyspaceSize).toBe(BigInt(size))
      await eventually(() => [...job.state.active.values()].some((c) => orch.workers.find((w) => w.id === c.workerId)?.name === 'victim' && c.hashed > 0), 60_000, 'victim mid-chunk')
      worker('survivor')
      victim.child.kill('SIGKILL')
      const outcome = await within(120_000, job.done, 'job end')
      expect(outcome.status).toBe('exhausted')
      expect(outcome.hashed).toBe(BigInt(size))
      expect(outcome.found.map((f) => f.hash).sort()).toEqual(targets.slice(0, 4).sort())
    } finally {
      await orch.stop()
    }
  })

  it('-a 6 and -a 7 through the server command line, with a custom charset and --increment', async () => {
    const next = random(SEED + 1)
    const { path, words } = writeWords(3_000, next)
    const mask = ['?d?1?d', '-1', 'xyz!', '--increment']
    const keyspace = keyspaceFrom({ type: 'wordlist', name: path, size: String(words.length), hybrid: { side: 'append', mask: { type: 'mask', mask: '?d?1?d', charsets: ['xyz!', '', '', ''], min: 1, max: 3 } } })
    for (const [attack, join] of [['6', (w: string, m: string) => w + m], ['7', (w: string, m: string) => m + w]] as const) {
      const planted = [join(words[next(words.length)], `${next(10)}`), join(words[next(words.length)], `${next(10)}z${next(10)}`), join(words[words.length - 1], '9!9')]
      const server = cli('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--headless', '--potfile-disable', '--no-download', '--exit-when-done', '--local-worker', '--token', TOKEN,
        '-a', attack, '--wordlist', path, '--mask', ...mask, ...planted.flatMap((p) => ['--target', hex('sha1', p)]), '--algo', 'sha1'])
      expect(await within(120_000, server.exit, `-a ${attack} server exit`), server.stderr).toBe(0)
      expect(server.stdout.split('\n').filter(Boolean).sort()).toEqual(planted.map((p) => `${hex('sha1', p)}:${p}`).sort())
      expect(server.stderr).toMatch(new RegExp(`job 1 found: 3/3 found, \\d+/${keyspace.size} candidates`))
    }
  })

  it('a rules job survives a SIGKILL of the server and ends with every candidate counted once', async () => {
    const next = random(SEED + 2)
    const { path, words } = writeWords(60_000, next)
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-session-'))
    const journal = join(dir, 'session.journal')
    const size = words.length * parseRules(readFileSync(BEST64), 'best64.rule').count
    const planted = ruleCandidate(words, size - 1 - next(1000))
    const common = ['--host', '127.0.0.1', '--headless', '--potfile-disable', '--no-download', '--session', journal, '--key', join(dir, 'server.key')]
    const first = cli('server/cli/main.ts', [...common, '--port', '0', '--algo', 'md5', '--target', hex('md5', planted), '--target', hex('md5', 'absent'), '--wordlist', path, '-r', BEST64], { TASKORCH_TOKEN: TOKEN })
    const port = await listeningPort(first)
    const [script, ...args] = workerArgs(port, 'w')
    cli(script, args)
    await killAfterChunks(first, journal)
    const second = cli('server/cli/main.ts', [...common, '--port', String(port), '--restore', '--exit-when-done'], { TASKORCH_TOKEN: TOKEN })
    expect(await within(120_000, second.exit, 'restored server exit'), second.stderr).toBe(1)
    expect(second.stderr).toMatch(new RegExp(`job 1 exhausted: 1/2 found, ${size}/${size} candidates`))
    expect(second.stdout).toBe(`${hex('md5', planted)}:${planted.toString('latin1')}\n`)
    expectChunksTile(journal, size)
  })
})

// Salted and crypt modes through the server's command line: a user:hash:salt list with hex salts
// (-m 10) searched by a local worker, results naming their users; --show and --left on the same
// list; a shadow file of sha512crypt lines through a wordlist with rules; a salted job restored after
// the server is killed.
import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatTarget } from '../shared/algorithms.ts'
import { digestOf } from '../shared/hashing/modes.ts'
import { cli, expectChunksTile, killAfterChunks, listeningPort, TOKEN, within, workerArgs, type Run, WAIT_MS } from './helpers.ts'

const SEED = Number(process.env.TEST_SEED ?? 99_001)
const children: Run[] = []
afterEach(async () => {
  for (const run of children.splice(0)) {
    run.child.kill('SIGKILL')
    await run.exit
  }
})

function random (seed: number) {
  return (below: number) => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0
    return (seed >>> 0) % below
  }
}

const md5PassSalt = (plain: string, salt: Buffer) => createHash('md5').update(Buffer.concat([Buffer.from(plain), salt])).digest('hex')
const server = (args: string[], env: Record<string, string> = {}) => {
  const run = cli('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--headless', '--no-download', '--token', TOKEN, ...args], env)
  children.push(run)
  return run
}

describe('salted and crypt modes end to end', () => {
  it('-m 10 with --username --hex-salt: found results name their users; --show and --left read the potfile', async () => {
    const next = random(SEED)
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-modes-'))
    const potfile = join(dir, 'pot')
    const list = join(dir, 'hashes.txt')
    const secrets = [`${next(10)}${'abc'[next(3)]}${next(10)}`, `${next(10)}${'abc'[next(3)]}${next(10)}`]
    const salts = [Buffer.from([0x00, 0x3a, 0xff]), Buffer.from('NaCl')]
    const absent = md5PassSalt('not here', Buffer.from('x'))
    writeFileSync(list, [
      `alice:${md5PassSalt(secrets[0], salts[0])}:${salts[0].toString('hex')}`,
      `bob:${md5PassSalt(secrets[1], salts[1])}:${salts[1].toString('hex')}`,
      `carol:${md5PassSalt(secrets[1], salts[1])}:${salts[1].toString('hex')}`,
      `dave:${absent}:78`
    ].join('\n') + '\n')
    const common = ['-m', '10', '--targets', list, '--username', '--hex-salt', '--potfile', potfile]
    const run = server([...common, '--mask', '?d?1?d', '-1', 'abc', '--exit-when-done', '--local-worker'])
    expect(await within(60_000, run.exit, 'server exit'), run.stderr).toBe(1) // dave's is not in the mask
    const hashes = [`${md5PassSalt(secrets[0], salts[0])}:$HEX[003aff]`, `${md5PassSalt(secrets[1], salts[1])}:NaCl`]
    const expected = [`alice:${hashes[0]}:${secrets[0]}`, `bob:${hashes[1]}:${secrets[1]}`, `carol:${hashes[1]}:${secrets[1]}`]
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual([...expected].sort())
    expect(readFileSync(potfile, 'utf8').split('\n').filter(Boolean).sort()).toEqual([`${hashes[0]}:${secrets[0]}`, `${hashes[1]}:${secrets[1]}`].sort())

    const show = server([...common, '--show'])
    expect(await within(WAIT_MS, show.exit, '--show')).toBe(0)
    expect(show.stdout.split('\n').filter(Boolean).sort()).toEqual([...expected].sort())
    const left = server([...common, '--left'])
    expect(await within(WAIT_MS, left.exit, '--left')).toBe(0)
    expect(left.stdout).toBe(`dave:${absent}:x\n`)
  })

  it('sha512crypt from a shadow file through a wordlist and rules, users named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-shadow-'))
    const words = join(dir, 'words.txt')
    writeFileSync(words, ['summer', 'winter', 'autumn', 'spring'].join('\n') + '\n')
    const rules = join(dir, 'small.rule')
    writeFileSync(rules, ':\nc\n$1\nc $!\n')
    const hashFor = (plain: string, salt: string) => {
      const rounds = Buffer.from([0, 0, 0x03, 0xe8]) // rounds=1000: slow by design, and this is a test
      return formatTarget('sha512crypt', Buffer.concat([digestOf('sha512crypt', Buffer.from(plain), Buffer.from(salt), 1000), rounds, Buffer.from(salt)]))
    }
    const shadow = join(dir, 'shadow')
    const alice = hashFor('Winter!', 'pepperA')
    const bob = hashFor('spring1', 'pepperB')
    writeFileSync(shadow, `alice:${alice}:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\nbob:${bob}:19000:0:99999:7:::\n`)
    const run = server(['-m', '1800', '--targets', shadow, '--wordlist', words, '-r', rules, '--potfile-disable', '--exit-when-done', '--local-worker'])
    expect(await within(90_000, run.exit, 'server exit'), run.stderr).toBe(0)
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual([`alice:${alice}:Winter!`, `bob:${bob}:spring1`])
    expect(run.stderr).toMatch(/skipped 1 account\(s\) without a password hash/)
  })

  it('a salted job survives a SIGKILL of the server and ends with every candidate counted once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-session-'))
    const journal = join(dir, 'session.journal')
    const salt = Buffer.from('s:1')
    const target = `${md5PassSalt('8765432', salt)}:s:1`
    const common = ['--potfile-disable', '--session', journal, '--key', join(dir, 'server.key')]
    const first = server([...common, '-m', '10', '--target', target, '--target', `${md5PassSalt('none', salt)}:s:1`, '--range', '0-30000000'], { TASKORCH_TOKEN: TOKEN })
    const port = await listeningPort(first)
    const [script, ...args] = workerArgs(port, 'w')
    const worker = cli(script, args)
    children.push(worker)
    await killAfterChunks(first, journal)
    const second = cli('server/cli/main.ts', ['--host', '127.0.0.1', '--headless', '--no-download', ...common, '--port', String(port), '--restore', '--exit-when-done'], { TASKORCH_TOKEN: TOKEN })
    children.push(second)
    expect(await within(120_000, second.exit, 'restored server exit'), second.stderr).toBe(1)
    expect(second.stderr).toMatch(/job 1 exhausted: 1\/2 found, 30000000\/30000000 candidates/)
    expect(second.stdout).toBe(`${target}:8765432\n`)
    expectChunksTile(journal, 30_000_000)
  })
})

// Salted, crypt and scheme modes through the server's command line: a user:hash:salt list with hex
// salts (-m 10) searched by a local worker, results naming their users; --show and --left on the
// same list; a shadow file of sha512crypt lines through a wordlist with rules; a salted job restored
// after the server is killed. The scheme modes: --show on hashcat's own potfile of each prints
// exactly what hashcat's --show printed (test/vectors/modes); a local WASM worker cracks a Kerberoast
// list of large tickets (more than one frame of targets), DCC2 lines with their users, and a WPA
// capture whose result goes into the potfile as hashcat keeps it and reads back with --show; ctl
// modes lists every mode.
import { afterEach, describe, expect, it, onTestFailed } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ALGORITHM_INFO, infoOf, formatTarget, parseTarget, targetParts, type Algorithm } from '../shared/algorithms.ts'
import { digestOf } from '../shared/hashing/modes.ts'
import { ntHash } from '../shared/hashing/nt.ts'
import { hmac, rc4 } from '../shared/hashing/primitives.ts'
import { Orchestrator } from '../server/index.ts'
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

const vector = (name: string) => new URL(`./vectors/modes/${name}`, import.meta.url).pathname
const SCHEMES = (Object.keys(ALGORITHM_INFO) as Algorithm[]).filter((a) => infoOf(a).kind === 'scheme' || a === 'sha256crypt')

// A TGS-REP ticket for `password` of `length` bytes, as Kerberoasting tools print it.
function ticket (next: (below: number) => number, user: string, password: string, length: number): string {
  const body = Buffer.concat([Buffer.from(Array.from({ length: 8 }, () => next(256))), Buffer.from(`6382${(length - 12).toString(16).padStart(4, '0')}3082${(length - 16).toString(16).padStart(4, '0')}a00703050040a00000`, 'hex')])
  const plain = Buffer.concat([body, Buffer.from(Array.from({ length: length - body.length }, () => next(256)))])
  const k1 = hmac('md5', ntHash(Buffer.from(password)), Uint8Array.of(2, 0, 0, 0))
  const checksum = hmac('md5', k1, plain)
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
  return `$krb5tgs$23$*${user}$CORP.LOCAL$MSSQLSvc/${user}.corp.local:1433*$${hex(checksum)}$${hex(rc4(hmac('md5', k1, checksum), plain))}`
}

// The hash `template` names (its digest zero) with the digest `password` makes.
function made (algorithm: Algorithm, template: string, password: string): string {
  const target = parseTarget(algorithm, template)
  const { salt, rounds } = targetParts(algorithm, target)
  target.set(digestOf(algorithm, Buffer.from(password), salt, rounds))
  return formatTarget(algorithm, target)
}

describe('scheme modes end to end', () => {
  it('--show on hashcat\'s potfile of each scheme mode prints exactly what hashcat\'s --show did', async () => {
    for (const algorithm of SCHEMES) {
      const mode = String(infoOf(algorithm).hashcat)
      const show = server(['-m', mode, '--targets', vector(`${mode}.hashes`), '--potfile', vector(`${mode}.potfile`), '--show'])
      expect(await within(WAIT_MS, show.exit, `--show -m ${mode}`), show.stderr).toBe(0)
      expect(show.stdout, `-m ${mode}`).toBe(readFileSync(vector(`${mode}.show`), 'utf8'))
    }
  })

  it('--show warns of bad lines as a job does, stops at one with --strict, and says when the potfile does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-show-'))
    const list = join(dir, 'mixed.txt')
    writeFileSync(list, readFileSync(vector('5600.hashes'), 'utf8') + 'not a response\n')
    const show = server(['-m', '5600', '--targets', list, '--potfile', vector('5600.potfile'), '--show'])
    expect(await within(WAIT_MS, show.exit, '--show')).toBe(0)
    expect(show.stdout).toBe(readFileSync(vector('5600.show'), 'utf8'))
    expect(show.stderr).toMatch(/warning: .*mixed\.txt: skipped 1 line\(s\) that are no hash of the mode .*mixed\.txt:6: "not a response"/)
    const strict = server(['-m', '5600', '--targets', list, '--potfile', vector('5600.potfile'), '--show', '--strict'])
    expect(await within(WAIT_MS, strict.exit, '--show --strict')).toBe(2)
    expect(strict.stderr).toMatch(/mixed\.txt:6: "not a response" is not a NetNTLMv2 hash/)
    const missing = server(['-m', '5600', '--targets', vector('5600.hashes'), '--potfile', join(dir, 'typo.pot'), '--show'])
    expect(await within(WAIT_MS, missing.exit, '--show, no potfile')).toBe(0)
    expect([missing.stdout, missing.stderr]).toEqual(['', expect.stringMatching(/potfile .*typo\.pot does not exist \(yet\): nothing in it is cracked/)])
  })

  // hashcat 6.2.6 on these two lines and that potfile, -m 1000 --show --username, printed exactly
  // `CORP\alice:b4b9b02e6f09a9bd760f388b67351e2b:hashcat`, and without --username the hash and password.
  it('--show reads pwdump lines of NTLM hashes as hashcat does, users with --username', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-pwdump-'))
    const list = join(dir, 'ntds.txt')
    const potfile = join(dir, 'pot')
    writeFileSync(list, 'CORP\\alice:1104:aad3b435b51404eeaad3b435b51404ee:b4b9b02e6f09a9bd760f388b67351e2b:::\nbob:1105:aad3b435b51404eeaad3b435b51404ee:8743b52063cd84097a65d1633f5c74f5:::\n')
    writeFileSync(potfile, 'b4b9b02e6f09a9bd760f388b67351e2b:hashcat\n')
    const named = server(['-m', '1000', '--username', '--targets', list, '--potfile', potfile, '--show'])
    const bare = server(['-m', '1000', '--targets', list, '--potfile', potfile, '--show'])
    expect(await within(WAIT_MS, named.exit, '--show --username'), named.stderr).toBe(0)
    expect(await within(WAIT_MS, bare.exit, '--show'), bare.stderr).toBe(0)
    expect([named.stdout, bare.stdout]).toEqual(['CORP\\alice:b4b9b02e6f09a9bd760f388b67351e2b:hashcat\n', 'b4b9b02e6f09a9bd760f388b67351e2b:hashcat\n'])
  })

  it('ctl modes lists every mode by number and name, without a server', async () => {
    const run = cli('server/ctl/main.ts', ['modes', '--json'])
    children.push(run)
    expect(await within(WAIT_MS, run.exit, 'ctl modes'), run.stderr).toBe(0)
    const modes = JSON.parse(run.stdout) as { mode: number, name: string, hashcat: string }[]
    expect(modes).toHaveLength(Object.keys(ALGORITHM_INFO).length)
    expect(modes).toContainEqual({ mode: 13100, name: 'krb5tgs', hashcat: 'Kerberos 5, etype 23, TGS-REP' })
  })

  it('Kerberoast: 130 tickets of 16 to 20 KiB (more than a frame holds), two cracked from a wordlist on a WASM worker', async () => {
    const next = random(SEED + 13_100)
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-krb-'))
    const secrets = ['Summer2026!', 'sqlsvc#1']
    const lines = Array.from({ length: 130 }, (_, i) => ticket(next, `svc${i}`, i < 2 ? secrets[i] : `not-in-list-${i}`, 16_384 + next(4096)))
    writeFileSync(join(dir, 'tickets.txt'), lines.join('\n') + '\n')
    const words = Array.from({ length: 200 }, (_, i) => `word${i}x${next(1000)}`)
    for (const secret of secrets) words.splice(next(words.length + 1), 0, secret)
    writeFileSync(join(dir, 'words.txt'), words.join('\n') + '\n')
    const run = server(['-m', '13100', '--targets', join(dir, 'tickets.txt'), '--wordlist', join(dir, 'words.txt'), '--potfile', join(dir, 'pot'), '--exit-when-done', '--local-worker'])
    expect(await within(120_000, run.exit, 'server exit'), run.stderr).toBe(1) // 128 tickets stay uncracked
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual([`${lines[0]}:${secrets[0]}`, `${lines[1]}:${secrets[1]}`].sort())
  })

  it('DCC2 lines with --username name their users; a WPA handshake is kept in the potfile as PMK*ESSID and shown as hashcat shows it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskorch-dcc2-'))
    const alice = made('dcc2', `$DCC2$10240#Alice#${'0'.repeat(32)}`, 'Pa55word')
    const bob = made('dcc2', `$DCC2$10240#bob#${'0'.repeat(32)}`, 'hunter22')
    writeFileSync(join(dir, 'cached.txt'), `CORP/Alice:${alice}\nCORP/bob:${bob}\n`)
    writeFileSync(join(dir, 'words.txt'), ['letmein', 'hunter22', 'Pa55word', 'qwertyuiop'].join('\n') + '\n')
    const run = server(['-m', 'DCC2', '--username', '--targets', join(dir, 'cached.txt'), '--wordlist', join(dir, 'words.txt'), '--potfile-disable', '--exit-when-done', '--local-worker'])
    expect(await within(120_000, run.exit, 'server exit'), run.stderr).toBe(0)
    expect(run.stderr).not.toMatch(/ERROR/) // the local worker's threads, ended mid-candidate at exit, failed nothing
    expect(alice).toMatch(/^\$DCC2\$10240#alice#/) // hashcat writes the user lower-cased, as it is hashed
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual([`CORP/Alice:${alice}:Pa55word`, `CORP/bob:${bob}:hunter22`])

    const essid = Buffer.from('CafeNet').toString('hex')
    const frame = `0103007502010a00000000000000000001${'ab'.repeat(32)}${'0'.repeat(96)}${'0'.repeat(32)}0016${'cd'.repeat(22)}`
    const wpa = made('wpa', `WPA*02*${'0'.repeat(32)}*0a0b0c0d0e0f*102030405060*${essid}*${'ef'.repeat(32)}*${frame}*00`, 'correct horse')
    writeFileSync(join(dir, 'capture.22000'), wpa + '\n')
    writeFileSync(join(dir, 'psk.txt'), ['password', 'correct horse', 'battery staple'].join('\n') + '\n')
    const potfile = join(dir, 'pot')
    const shown = `${wpa.split('*')[2]}:0a0b0c0d0e0f:102030405060:CafeNet:correct horse\n`
    const crack = server(['-m', '22000', '--targets', join(dir, 'capture.22000'), '--wordlist', join(dir, 'psk.txt'), '--potfile', potfile, '--exit-when-done', '--local-worker'])
    expect(await within(120_000, crack.exit, 'server exit'), crack.stderr).toBe(0)
    expect(crack.stdout).toBe(shown)
    expect(readFileSync(potfile, 'utf8')).toMatch(new RegExp(`^[0-9a-f]{64}\\*${essid}:correct horse\\n$`))
    const show = server(['-m', '22000', '--targets', join(dir, 'capture.22000'), '--potfile', potfile, '--show'])
    expect(await within(WAIT_MS, show.exit, '--show'), show.stderr).toBe(0)
    expect(show.stdout).toBe(shown)
  })
})

// Each scheme mode on a WASM worker process: hashcat's example hash, its password at a random place
// among random words (seeded), one job after another on one server.
describe('every scheme mode on a WASM worker', () => {
  it('cracks hashcat\'s example hash of each from a wordlist', async () => {
    const next = random(SEED + 22_000)
    const examples = readFileSync(new URL('./vectors/hashcat-examples.tsv', import.meta.url), 'utf8').trim().split('\n').map((l) => l.split('\t'))
    const orch = new Orchestrator({ host: '127.0.0.1', port: 0, token: TOKEN })
    const log: string[] = []
    orch.on('log', (_, line) => log.push(`${new Date().toISOString()} ${line}`))
    await orch.start()
    try {
      const joined = new Promise((resolve) => orch.once('worker-joined', resolve))
      const [script, ...args] = workerArgs(orch.port, 'wasm')
      const worker = cli(script, [...args, '--backend', 'wasm'])
      children.push(worker)
      onTestFailed(() => { console.error(`server log:\n${log.slice(-300).join('\n')}\nworker stderr:\n${worker.stderr.slice(-20_000)}`) })
      await within(60_000, joined, 'the worker joining')
      const dir = mkdtempSync(join(tmpdir(), 'taskorch-examples-'))
      for (const algorithm of SCHEMES) {
        const [, hash, password] = examples.find(([mode]) => Number(mode) === infoOf(algorithm).hashcat)!
        const words = Array.from({ length: 16 }, () => Array.from({ length: 8 + next(5) }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[next(36)]).join(''))
        const at = next(words.length + 1)
        words.splice(at, 0, password)
        const path = join(dir, `${algorithm}.txt`)
        writeFileSync(path, words.join('\n') + '\n')
        const job = await orch.addTasks({ algorithm, targets: [parseTarget(algorithm, hash)], keyspace: { type: 'wordlist', path } })
        const started = Date.now()
        const outcome = await within(10 * WAIT_MS, job.done, `the ${algorithm} job`) // a hung job, not a slow one
        log.push(`${algorithm} job took ${Date.now() - started} ms`)
        expect([outcome.status, outcome.found.map((f) => f.plaintext)], `seed ${SEED}: ${algorithm}, "${password}" at word ${at}`).toEqual(['found', [password]])
      }
    } finally {
      await orch.stop()
    }
  }, 900_000)
})

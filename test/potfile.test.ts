// The potfile: hashcat's line format with $HEX[] both ways, loading what other tools wrote, durable
// appends, and jobs whose targets it already knows.
import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Orchestrator } from '../server/orchestrator.ts'
import { formatPlaintext, parsePlaintext, potLine, resultLines } from '../server/pot-format.ts'
import { Potfile } from '../server/store/potfile.ts'
import { TOKEN, scriptedWorker, tempDir } from './helpers.ts'

const md5 = (data: string | Uint8Array) => createHash('md5').update(data).digest('hex')
const tempPath = () => join(tempDir('taskorch-pot-'), 'sub', 'taskorch.potfile')

describe('potfile lines', () => {
  const bytes = (text: string) => Buffer.from(text, 'utf8')
  it.each([
    ['password', 'password'],
    ['', ''],
    ['ünï', 'ünï'], // printable UTF-8 stays as it is, as hashcat writes it
    ['a:b', '$HEX[613a62]'],
    ['$HEX[41]', '$HEX[244845585b34315d]'],
    ['$HEX[zz]', '$HEX[zz]'], // not a $HEX form: it reads back literally
    ['tab\there', '$HEX[7461620968657265]']
  ])('%j is written as %j and read back', (plaintext, written) => {
    expect(formatPlaintext(bytes(plaintext))).toBe(written)
    expect(Buffer.from(parsePlaintext(bytes(written))).toString('utf8')).toBe(plaintext)
    expect(potLine(md5(bytes(plaintext)), bytes(plaintext))).toBe(`${md5(bytes(plaintext))}:${written}`)
  })

  it('round-trips every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(parsePlaintext(bytes(formatPlaintext(all)))).toEqual(all)
  })

  // Lines hashcat 6.2.6 wrote to its potfile (test/vectors/README.md): UTF-8, a colon, a tab, DEL,
  // invalid UTF-8 (0xff, an overlong, a surrogate), an emoji and look-alikes of $HEX[..].
  it('writes exactly the lines hashcat writes, and reads them back to the right plaintext', () => {
    const lines = readFileSync(new URL('./vectors/hashcat-potfile.txt', import.meta.url)).toString('latin1').split('\n').filter(Boolean)
    expect(lines.length).toBe(11)
    for (const line of lines) {
      const colon = line.indexOf(':')
      const plaintext = parsePlaintext(Buffer.from(line.slice(colon + 1), 'latin1'))
      expect(md5(plaintext)).toBe(line.slice(0, colon))
      expect(Buffer.from(potLine(line.slice(0, colon), plaintext), 'utf8').toString('latin1')).toBe(line)
    }
  })
})

describe('result lines', () => {
  // A user name comes from a list someone else may have written: one holding an escape sequence or a
  // direction override would repaint the terminal it is printed on, so it is shown as $HEX[..].
  it('shows user names as they are, unless they hold control or direction characters', () => {
    const found = (users: string[]) => resultLines({ hash: md5('pw'), bytes: Buffer.from('pw'), users })
    expect(found(['alice', 'Zoë O\'Neil'])).toEqual([`alice:${md5('pw')}:pw`, `Zoë O'Neil:${md5('pw')}:pw`])
    expect(found(['\u001b[2Jmallory'])).toEqual([`$HEX[1b5b324a6d616c6c6f7279]:${md5('pw')}:pw`])
    expect(found(['ab\u202ecd'])).toEqual([`$HEX[6162e280ae6364]:${md5('pw')}:pw`])
    expect(found([])).toEqual([`${md5('pw')}:pw`])
  })
})

describe('Potfile', () => {
  it('loads unsalted results of any tool, CRLF or not, and skips lines it cannot use', async () => {
    const path = tempPath()
    const sha1 = createHash('sha1').update('x:y').digest('hex')
    await Potfile.open(path, { createDirectory: true }).then((p) => p.close()) // creates the directory
    writeFileSync(path, [
      `${md5('abc')}:abc`,
      `${md5('a:b').toUpperCase()}:a:b\r`, // another tool's raw colon, upper-case hex, CRLF
      `${sha1}:$HEX[783a79]`,
      `${md5('123456')}:salt:123456`, // a salted mode of another tool: loaded, but it will not verify
      'not a pot line',
      ''
    ].join('\n'))
    const potfile = await Potfile.open(path, { createDirectory: true })
    expect(potfile.size).toBe(4)
    const text = (hash: string) => potfile.plaintexts(hash).map((p) => Buffer.from(p).toString())
    expect(text(md5('abc'))).toEqual(['abc'])
    expect(text(md5('a:b'))).toEqual(['a:b'])
    expect(text(sha1)).toEqual(['x:y'])
    // The salted line's "plaintext" does not hash to its hash: a job never trusts it.
    const orch = new Orchestrator({ token: TOKEN, potfile })
    const job = orch.addTasks({ algorithm: 'md5', targets: [md5('123456'), md5('abc')], keyspace: { type: 'range', start: 0, end: 10 } })
    expect(job.state.found.map((f) => Buffer.from(f.plaintext).toString())).toEqual(['abc'])
    expect([...job.state.remaining.texts()]).toEqual([md5('123456')])
    job.cancel()
    potfile.close()
  })

  // A long list against a small potfile walks the potfile: one target under several of its lines
  // (a digest in upper and lower case) is one known target, and the log names the potfile.
  it('counts a target the potfile holds under several lines once, whichever side is walked', async () => {
    const path = tempPath()
    const potfile = await Potfile.open(path, { createDirectory: true })
    potfile.append(md5('abc'), Buffer.from('abc'))
    potfile.close()
    writeFileSync(path, `${md5('abc').toUpperCase()}:abc\n`, { flag: 'a' })
    const reopened = await Potfile.open(path)
    const orch = new Orchestrator({ token: TOKEN, potfile: reopened })
    const logged: string[] = []
    orch.on('log', (_, line) => logged.push(line))
    for (const others of [0, 5]) { // fewer targets than potfile lines, then more
      const targets = [md5('abc'), ...Array.from({ length: others }, (_, i) => md5(`other${i}`))]
      const job = orch.addTasks({ algorithm: 'md5', targets, keyspace: { type: 'range', start: 0, end: 10 } })
      expect(job.state.found.map((f) => f.hash)).toEqual([md5('abc')])
      expect(logged.at(-1)).toBe(`job ${job.id}: 1 of ${targets.length} target(s) already in the potfile ${path}`)
      job.cancel()
    }
    reopened.close()
  })

  it('refuses a path in a directory that does not exist, unless told to make it', async () => {
    const path = tempPath()
    await expect(Potfile.open(path)).rejects.toThrow(/potfile .*: its directory .*sub does not exist/)
    ;(await Potfile.open(path, { createDirectory: true })).close()
  })

  it('appends durably, once per hash, creating the file at mode 0600', async () => {
    const path = tempPath()
    const potfile = await Potfile.open(path, { createDirectory: true })
    potfile.append(md5('one'), Buffer.from('one'))
    potfile.append(md5('one'), Buffer.from('one'))
    potfile.append(md5('a:b'), Buffer.from('a:b'))
    // Already on disk before close: append fsyncs.
    expect(readFileSync(path, 'utf8')).toBe(`${md5('one')}:one\n${md5('a:b')}:$HEX[613a62]\n`)
    potfile.close()
    const again = await Potfile.open(path, { createDirectory: true })
    expect(again.plaintexts(md5('a:b')).map((p) => Buffer.from(p).toString())).toEqual(['a:b'])
    again.close()
  })
})

describe('jobs and the potfile', () => {
  it('ends a job whose targets are all known at once, with no worker, reporting them', async () => {
    const potfile = await Potfile.open(tempPath(), { createDirectory: true })
    potfile.append(md5('12'), Buffer.from('12'))
    potfile.append(md5('34'), Buffer.from('34'))
    const orch = new Orchestrator({ token: TOKEN, potfile })
    const reported: string[] = []
    orch.on('found', (_job, f) => reported.push(`${f.hash}:${f.plaintext}`))
    const job = orch.addTasks({ algorithm: 'md5', targets: [md5('12'), md5('34')], keyspace: { type: 'range', start: 0, end: 100 } })
    const heard: string[] = []
    job.on('found', (f) => heard.push(f.plaintext)) // attached after addTasks returned: still hears them
    const outcome = await job.done
    expect(outcome).toMatchObject({ status: 'found', hashed: 0n })
    expect(outcome.found.map((f) => f.plaintext).sort()).toEqual(['12', '34'])
    expect(reported.sort()).toEqual([`${md5('12')}:12`, `${md5('34')}:34`])
    expect(heard.sort()).toEqual(['12', '34'])
    potfile.close()
  })

  it('searches only the unknown targets, and writes a new result to disk before reporting it', async () => {
    const path = tempPath()
    const potfile = await Potfile.open(path, { createDirectory: true })
    potfile.append(md5('12'), Buffer.from('12'))
    const orch = new Orchestrator({ token: TOKEN, potfile, host: '127.0.0.1', port: 0 })
    await orch.start()
    const job = orch.addTasks({ algorithm: 'md5', targets: [md5('12'), md5('56')], keyspace: { type: 'range', start: 0, end: 100 } })
    expect([...job.state.remaining.texts()]).toEqual([md5('56')])
    let onDiskWhenReported = ''
    const reports: string[] = []
    orch.on('found', (_job, f) => {
      reports.push(f.plaintext)
      if (f.plaintext === '56') onDiskWhenReported = readFileSync(path, 'utf8')
    })
    const worker = await scriptedWorker(orch.port)
    await worker.take('task')
    worker.session.send({ type: 'found', jobId: job.id, hash: Buffer.from(md5('56'), 'hex'), plaintext: Buffer.from('56') })
    expect((await job.done).status).toBe('found')
    expect(onDiskWhenReported).toContain(`${md5('56')}:56\n`)
    expect(reports.sort()).toEqual(['12', '56']) // each reported once
    await orch.stop()
    potfile.close()
  })

  it('writes a verified result even when a line of another mode has the same digest', async () => {
    const path = tempPath()
    await Potfile.open(path, { createDirectory: true }).then((p) => p.close())
    writeFileSync(path, `${md5('pw')}:somesalt\n`) // e.g. a salted mode's line whose digest collides with ours
    const potfile = await Potfile.open(path, { createDirectory: true })
    potfile.append(md5('pw'), Buffer.from('pw'))
    potfile.append(md5('pw'), Buffer.from('pw')) // the same line is still written once
    expect(readFileSync(path, 'utf8')).toBe(`${md5('pw')}:somesalt\n${md5('pw')}:pw\n`)
    // And a job takes the line that verifies, whichever comes first.
    const orch = new Orchestrator({ token: TOKEN, potfile })
    const job = orch.addTasks({ algorithm: 'md5', targets: [md5('pw')], keyspace: { type: 'range', start: 0, end: 10 } })
    expect((await job.done).found).toEqual([{ hash: md5('pw'), plaintext: 'pw', bytes: Buffer.from('pw'), users: [] }])
    potfile.close()
  })
})

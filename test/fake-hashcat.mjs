#!/usr/bin/env node
// A stand-in for hashcat that misbehaves on request, so the backend's failure paths are tested without
// hashcat: FAKE_HASHCAT says how (ok, short, crash, garbage, hang, stream), FAKE_HASHCAT_TOTAL
// how many candidates it claims the attack has, FAKE_HASHCAT_CRACK an outfile line to write, and
// FAKE_HASHCAT_PIDFILE a file to add its pid to. Its status lines are hashcat 6.2.6's, recorded.
// FAKE_HASHCAT=words counts as hashcat's -a 0 does over its words file (the last argument): -s words
// skipped and -l words searched (all of them without -l), FAKE_HASHCAT_PER_WORD candidates each (as
// many rules as it takes), the skipped ones counted as done; it fails like hashcat (exit 255) when
// the file has fewer lines than -s and -l reach.
import { appendFileSync, readFileSync } from 'node:fs'

const vectors = new URL('./vectors/hashcat-output/', import.meta.url)
const args = process.argv.slice(2)
if (args.includes('--version')) {
  process.stdout.write(readFileSync(new URL('version.txt', vectors)))
  process.exit(0)
}
if (args.includes('-I')) {
  process.stdout.write(readFileSync(new URL('devices.txt', vectors)))
  process.exit(0)
}
if (process.env.FAKE_HASHCAT_PIDFILE) appendFileSync(process.env.FAKE_HASHCAT_PIDFILE, `${process.pid}\n`)
const template = readFileSync(new URL('status-exhausted.txt', vectors), 'utf8').split('\n')[0]
const flag = (name) => args.includes(name) ? BigInt(args[args.indexOf(name) + 1]) : 0n
const perWord = BigInt(process.env.FAKE_HASHCAT_PER_WORD ?? '1')
const lines = process.env.FAKE_HASHCAT === 'words' ? BigInt(readFileSync(args.at(-1), 'latin1').split('\n').length - 1) : 0n
const total = process.env.FAKE_HASHCAT === 'words' ? (args.includes('-l') ? flag('-s') + flag('-l') : lines) * perWord : BigInt(process.env.FAKE_HASHCAT_TOTAL ?? '1000')
const status = (done, code = 3) => process.stdout.write(template.replace(/"progress": \[\d+, \d+\]/, `"progress": [${done}, ${total}]`).replace(/"status": \d+/, `"status": ${code}`) + '\n')
const outfile = args[args.indexOf('--outfile') + 1]
const mode = process.env.FAKE_HASHCAT ?? 'ok'

if (mode === 'words') {
  if (lines < flag('-s') + flag('-l')) {
    process.stderr.write(`${args.at(-1)} has ${lines} lines\n`)
    process.exit(255)
  }
  status(flag('-s') * perWord)
  status(total, 5)
  process.exit(1)
} else if (mode === 'ok' || mode === 'short') {
  status(0n)
  if (process.env.FAKE_HASHCAT_CRACK) appendFileSync(outfile, process.env.FAKE_HASHCAT_CRACK + '\n')
  status(total / 2n)
  status(mode === 'short' ? total - 1n : total, 5)
  process.exit(1)
} else if (mode === 'crash') { // as a broken driver does, before the first status line
  process.stderr.write('clEnqueueNDRangeKernel(): CL_OUT_OF_RESOURCES\n')
  process.exit(255)
} else if (mode === 'garbage') {
  process.stdout.write('Watchdog: Temperature abort trigger set to 90c\n')
  setTimeout(() => process.exit(1), 60_000)
} else if (mode === 'hang') {
  status(1n)
  setTimeout(() => {}, 3_600_000)
} else if (mode === 'stream') {
  let done = 0n
  setInterval(() => status(done < total - 1n ? ++done : done), 100)
}

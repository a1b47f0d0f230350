// Everything read from hashcat, in one place: its version, its device list (-I), a keyspace
// (--keyspace), its status lines (--status-json) and its outfile (--outfile-format 1,3). Each is
// checked field by field against what the versions we test print (test/vectors/hashcat-output, from
// 6.2.6); anything else throws HashcatFormatError naming what was unexpected, so an upgrade that
// changes a format fails loudly instead of being misread.
import { HashcatFormatError } from '../../shared/errors.ts'

export type HashcatVersion = { text: string, major: number, minor: number, patch: number }
export type HashcatDevice = { id: number, name: string, type: string }
export type HashcatStatus = {
  status: number // hashcat's status code: STATUS below
  progress: [bigint, bigint] // candidates done, of the attack's (in hashcat's own count)
  recovered: [number, number] // digests found, of those given
  salts: number // the salts hashcat loaded: its progress counts each candidate once per salt
  speed: number // candidates per second, all devices together
  devices: (HashcatDevice & { speed: number })[]
  maskLength: number | null // the mask's length, for masks (with --increment, the one running)
}

// The status codes a search ends or runs with (hashcat's status.h).
export const STATUS = { running: 3, paused: 4, exhausted: 5, cracked: 6, aborted: 7, quit: 8 } as const

// `hashcat --version`: "v6.2.6", possibly with a build suffix ("v6.2.6-851-g6716447df+").
export function parseVersion (stdout: string): HashcatVersion {
  const text = stdout.trim()
  const match = /^v(\d+)\.(\d+)\.(\d+)(?:[-+][\w.+-]*)?$/.exec(text)
  if (!match) throw new HashcatFormatError('--version', `"${text.slice(0, 40)}" is not vX.Y.Z`)
  return { text, major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) }
}

// `hashcat -I`: a "Backend Device ID #N" block per device, with its Type and Name lines.
export function parseDevices (stdout: string): HashcatDevice[] {
  const devices: HashcatDevice[] = []
  let current: { id: number, name?: string, type?: string } | null = null
  const close = () => {
    if (!current) return
    if (current.name === undefined || current.type === undefined) throw new HashcatFormatError('-I', `device #${current.id} has no ${current.name === undefined ? 'Name' : 'Type'} line`)
    devices.push({ id: current.id, name: current.name, type: current.type })
  }
  for (const line of stdout.split('\n')) {
    const id = /^\s*Backend Device ID #(\d+)/.exec(line)
    if (id) {
      close()
      current = { id: Number(id[1]) }
      continue
    }
    const field = /^\s*(Type|Name)\.*: (.+)$/.exec(line)
    if (field && current) current[field[1] === 'Type' ? 'type' : 'name'] = field[2].trim()
  }
  close()
  if (devices.length === 0) throw new HashcatFormatError('-I', 'no "Backend Device ID" block')
  return devices
}

// `hashcat --keyspace ...`: one number, the attack's base keyspace in hashcat's own units.
export function parseKeyspace (stdout: string): bigint {
  const text = stdout.trim()
  if (!/^(0|[1-9]\d*)$/.test(text)) throw new HashcatFormatError('--keyspace', `"${text.slice(0, 40)}" is not a number`)
  return BigInt(text)
}

type Fields = Record<string, unknown>

function field (object: Fields, name: string, what: string): unknown {
  if (!Object.hasOwn(object, name)) throw new HashcatFormatError('--status-json', `no "${name}" in ${what}`)
  return object[name]
}

function integer (value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new HashcatFormatError('--status-json', `"${name}" is not an integer`)
  return value
}

function pair (value: unknown, name: string): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) throw new HashcatFormatError('--status-json', `"${name}" is not a pair`)
  return [integer(value[0], name), integer(value[1], name)]
}

function object (value: unknown, name: string): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HashcatFormatError('--status-json', `"${name}" is not an object`)
  return value as Fields
}

// One line of `--status-json` output: a JSON object. Progress counts can pass 2^53 on long jobs, so
// they are read from the text exactly, not through JSON numbers.
export function parseStatusLine (line: string): HashcatStatus {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch {
    throw new HashcatFormatError('--status-json', `not a JSON object: "${line.slice(0, 60)}"`)
  }
  const status = object(parsed, 'status line')
  const progress = field(status, 'progress', 'the status line')
  const exact = /"progress":\s*\[\s*(\d+)\s*,\s*(\d+)\s*\]/.exec(line)
  if (!Array.isArray(progress) || progress.length !== 2 || !exact) throw new HashcatFormatError('--status-json', '"progress" is not a pair of whole numbers')
  const devices = field(status, 'devices', 'the status line')
  if (!Array.isArray(devices) || devices.length === 0) throw new HashcatFormatError('--status-json', '"devices" is not a list of devices')
  const guess = object(field(status, 'guess', 'the status line'), 'guess')
  const maskLength = field(guess, 'guess_mask_length', '"guess"')
  const list = devices.map((d: unknown) => {
    const device = object(d, 'devices[]')
    const name = field(device, 'device_name', 'a device')
    const type = field(device, 'device_type', 'a device')
    if (typeof name !== 'string' || typeof type !== 'string') throw new HashcatFormatError('--status-json', 'a device\'s name or type is not text')
    return { id: integer(field(device, 'device_id', 'a device'), 'device_id'), name, type, speed: integer(field(device, 'speed', 'a device'), 'speed') }
  })
  return {
    status: integer(field(status, 'status', 'the status line'), 'status'),
    progress: [BigInt(exact[1]), BigInt(exact[2])],
    recovered: pair(field(status, 'recovered_hashes', 'the status line'), 'recovered_hashes'),
    salts: pair(field(status, 'recovered_salts', 'the status line'), 'recovered_salts')[1],
    speed: list.reduce((sum, d) => sum + d.speed, 0),
    devices: list,
    maskLength: maskLength === null ? null : integer(maskLength, 'guess_mask_length')
  }
}

// Status lines as they arrive on stdout, in pieces: complete lines are parsed, a partial one waits.
export class StatusReader {
  #pending = ''

  push (text: string): HashcatStatus[] {
    const lines = (this.#pending + text).split('\n')
    this.#pending = lines.pop()!
    return lines.filter((l) => l.trim() !== '').map(parseStatusLine)
  }

  // What is left once the stream has ended: the last line may come without its newline.
  end (): HashcatStatus[] {
    const rest = this.#pending
    this.#pending = ''
    return rest.trim() === '' ? [] : [parseStatusLine(rest)]
  }
}

// One `--outfile-format 1,3` line: the hash as given (salted ones hold colons), then the plaintext in
// hex after the last colon.
export function parseOutfileLine (line: string): { hash: string, plaintext: Uint8Array } {
  const colon = line.lastIndexOf(':')
  const hex = line.slice(colon + 1)
  if (colon <= 0 || !/^([0-9a-f]{2})*$/.test(hex)) throw new HashcatFormatError('--outfile', `"${line.slice(0, 80)}" is not hash:hex-plaintext`)
  return { hash: line.slice(0, colon), plaintext: Uint8Array.from(Buffer.from(hex, 'hex')) }
}

// What `hashcat -m N --left --username` printed of a hash file whose line i reads `i:hash`: each line
// as its parser wrote it back (`i:hash`), or why it refused it ("Hashfile '...' on line K (...):
// reason", on stdout or stderr, with an explanation around it that is skipped). A line it names
// neither way was not loaded, for no reason it gave.
export function parseCheckedLines (stdout: string, stderr: string, count: number): (string | { refused: string })[] {
  const lines: (string | { refused: string } | undefined)[] = new Array(count).fill(undefined)
  for (const line of [...stderr.split('\n'), ...stdout.split('\n')]) {
    const refused = /^Hashfile '.*' on line (\d+) \(.*\): (.+)$/.exec(line)
    const checked = /^(\d+):(.*)$/.exec(line)
    if (!refused && !checked) continue
    const index = Number((refused ?? checked)![1]) - (refused ? 1 : 0)
    if (!(index >= 0 && index < count) || (checked && !/^(0|[1-9][0-9]*)$/.test(checked[1]))) throw new HashcatFormatError('--left', `"${line.slice(0, 80)}" names no line of ${count}`)
    lines[index] = refused ? { refused: refused[2].trim() } : checked![2]
  }
  return lines.map((line) => line ?? { refused: 'hashcat did not load it' })
}

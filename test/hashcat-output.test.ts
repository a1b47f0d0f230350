// The hashcat output parser against what hashcat 6.2.6 printed (test/vectors/hashcat-output,
// generate.sh records it again), and against output it does not know, which must fail loudly.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { HashcatFormatError } from '../shared/errors.ts'
import { STATUS, StatusReader, parseDevices, parseKeyspace, parseOutfileLine, parseStatusLine, parseVersion } from '../worker/hashcat/parse.ts'

const recorded = (name: string) => readFileSync(new URL(`./vectors/hashcat-output/${name}`, import.meta.url), 'utf8')

describe('hashcat output', () => {
  it('reads the version, the device list and a keyspace', () => {
    expect(parseVersion(recorded('version.txt'))).toEqual({ text: 'v6.2.6', major: 6, minor: 2, patch: 6 })
    expect(parseVersion('v6.2.6-851-g6716447df+\n')).toMatchObject({ major: 6, minor: 2, patch: 6 })
    expect(parseDevices(recorded('devices.txt'))).toEqual([{ id: 1, name: 'pthread-haswell-AMD EPYC', type: 'CPU' }])
    // ?d x 8 with -O: hashcat counts 100,000 base candidates; the other 1,000 per base run in its kernel.
    expect(parseKeyspace(recorded('keyspace.txt'))).toBe(100_000n)
  })

  it('reads status lines as they arrive in pieces, to the last one without its newline', () => {
    const text = recorded('status-exhausted.txt')
    const reader = new StatusReader()
    const lines = [...reader.push(text.slice(0, 700)), ...reader.push(text.slice(700, -1)), ...reader.end()]
    expect(lines.length).toBe(text.trim().split('\n').length)
    expect(lines.slice(0, -1).every((l) => l.status === STATUS.running && l.progress[0] < l.progress[1])).toBe(true)
    expect(lines.at(-1)).toMatchObject({ status: STATUS.exhausted, progress: [1_000_000_000n, 1_000_000_000n], recovered: [0, 1], maskLength: 9 })
    expect(lines.at(-1)!.devices).toEqual([{ id: 1, name: 'pthread-haswell-AMD EPYC', type: 'CPU', speed: lines.at(-1)!.speed }])
    expect(lines.at(-1)!.speed).toBeGreaterThan(0)
    expect(parseStatusLine(recorded('status-cracked.txt').trim())).toMatchObject({ status: STATUS.exhausted, recovered: [1, 2], progress: [10_000_000n, 10_000_000n] })
    expect(parseStatusLine(recorded('status-salted.txt').trim())).toMatchObject({ status: STATUS.cracked, recovered: [1, 1], salts: 1 })
  })

  it('reads progress beyond 2^53 exactly', () => {
    const line = recorded('status-cracked.txt').trim().replace(/"progress": \[\d+, \d+\]/, '"progress": [9007199254740993, 18014398509481985]')
    expect(parseStatusLine(line).progress).toEqual([9007199254740993n, 18014398509481985n])
  })

  it('reads outfile lines, salts with colons included', () => {
    const [plain, salted] = recorded('outfile.txt').trim().split('\n').map(parseOutfileLine)
    expect(plain.hash).toBe('deb1f3677d0bd935f5e0c735eb62ae37')
    expect(Buffer.from(plain.plaintext).toString()).toBe('4242424')
    expect(salted.hash).toBe('9b3853076baa4b175eb8023d9781728a:s:alt')
    expect(Buffer.from(salted.plaintext).toString()).toBe('1')
  })

  it('fails loudly, naming what it did not expect, on output of another shape', () => {
    const line = recorded('status-cracked.txt').trim()
    for (const [bad, why] of [
      [line.replace('"progress"', '"progres"'), /no "progress" in the status line/],
      [line.replace('"devices": [', '"devices": 7, "x": ['), /is not a list of devices|not a JSON object/],
      [line.replace(/"status": 5/, '"status": "5"'), /"status" is not an integer/],
      [line.replace('"device_name"', '"name"'), /no "device_name" in a device/],
      ['Status...........: Running', /not a JSON object/]
    ] as const) {
      expect(() => parseStatusLine(bad), bad.slice(0, 40)).toThrow(HashcatFormatError)
      expect(() => parseStatusLine(bad)).toThrow(why)
    }
    expect(() => parseVersion('hashcat 7')).toThrow(/--version output: "hashcat 7" is not vX.Y.Z/)
    expect(() => parseKeyspace('Keyspace: 100\n')).toThrow(/--keyspace output/)
    expect(() => parseDevices('No devices found')).toThrow(/no "Backend Device ID" block/)
    expect(() => parseOutfileLine('deb1f3677d0bd935f5e0c735eb62ae37:4242424x')).toThrow(/is not hash:hex-plaintext/)
  })
})

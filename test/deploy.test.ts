// The deploy/ files: systemd units that systemd itself accepts (where systemd-analyze exists) and that
// keep their hardening, and a Dockerfile whose stages run as a dedicated user.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { EXIT_REFUSED, EXIT_USAGE } from '../shared/cli.ts'
import { BUNDLE_NAME } from '../worker/bundle/build.ts'

const DEPLOY = fileURLToPath(new URL('../deploy/', import.meta.url))
const UNITS = ['taskorch-worker.service', 'taskorch-server.service']

// A unit file as section -> key -> values (a key may repeat); a line that fits no section fails.
function parseUnit (path: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>()
  let current: Map<string, string[]> | null = null
  readFileSync(path, 'utf8').split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return
    const section = /^\[(\w+)\]$/.exec(line)
    if (section) {
      current = new Map()
      sections.set(section[1], current)
      return
    }
    const setting = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (!setting || current === null) throw new Error(`${path}:${index + 1}: not a unit file line: ${line}`)
    current.set(setting[1], [...(current.get(setting[1]) ?? []), setting[2]])
  })
  return sections
}

describe('systemd units', () => {
  it.each(UNITS)('%s is hardened, runs as its own user, and does not restart what a restart cannot fix', (unit) => {
    const service = parseUnit(DEPLOY + 'systemd/' + unit).get('Service')!
    const one = (key: string) => service.get(key)?.at(-1)
    expect(one('User')).toBe('taskorch')
    for (const [key, value] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['RestrictNamespaces', 'yes']]) {
      expect(one(key), `${unit} ${key}`).toBe(value)
    }
    expect(one('RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX AF_NETLINK')
    expect(service.has('MemoryDenyWriteExecute')).toBe(false) // V8's JIT needs writable executable memory
    expect(one('Restart')).toBe('on-failure')
    const prevented = one('RestartPreventExitStatus')!.split(/\s+/).map(Number)
    expect(prevented).toContain(EXIT_USAGE)
    if (unit === 'taskorch-worker.service') {
      expect(prevented).toContain(EXIT_REFUSED)
      expect(Number(one('Nice'))).toBeGreaterThan(0)
      expect(Number(one('CPUWeight'))).toBeLessThan(100)
      expect(one('ExecStart')).toContain(BUNDLE_NAME)
    }
  })

  const analyze = spawnSync('systemd-analyze', ['--version'])
  const why = analyze.error ? 'systemd-analyze is not installed' : !existsSync('/usr/bin/node') ? 'the units run /usr/bin/node, which this machine lacks' : null
  it.skipIf(why !== null)(`systemd-analyze verify accepts both units without a warning${why ? ` (skipped: ${why})` : ''}`, () => {
    for (const unit of UNITS) {
      const run = spawnSync('systemd-analyze', ['verify', DEPLOY + 'systemd/' + unit], { encoding: 'utf8' })
      expect(`${run.stdout}${run.stderr}`, unit).toBe('')
      expect(run.status, unit).toBe(0)
    }
  })
})

describe('Dockerfile and compose', () => {
  it('builds the bundle in a build stage and runs worker and server stages as a non-root user', () => {
    const dockerfile = readFileSync(DEPLOY + 'Dockerfile', 'utf8')
    const stages = [...dockerfile.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => m[2])
    expect(stages).toEqual(['build', 'server-deps', 'worker', 'server'])
    for (const stage of ['worker', 'server']) {
      const body = dockerfile.slice(dockerfile.indexOf(`AS ${stage}\n`)).split(/^FROM /m)[0]
      expect(body, stage).toMatch(/^USER taskorch$/m)
    }
    expect(dockerfile).toContain(`COPY --from=build /src/dist/${BUNDLE_NAME}`)
    const compose = readFileSync(DEPLOY + 'compose.yaml', 'utf8')
    expect(compose).toMatch(/target: server/)
    expect(compose).toMatch(/target: worker/)
    expect(compose).not.toMatch(/token:\s*["']?[A-Za-z0-9_-]{20,}/) // the token is a secret file, never inline
  })
})

// Discovery (mDNS) end to end, inside a network namespace this test creates (unshare -rn: loopback
// only, multicast enabled on it), so nothing is ever announced on the machine's real network.
import { describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { PROTOCOL_VERSION } from '../shared/protocol/limits.ts'
import { chooseServer, type DiscoveredServer } from '../shared/discovery.ts'
import { TOKEN } from './helpers.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SETUP = 'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo'

// Why discovery cannot be tested here, or null when it can.
function namespaceUnavailable (): string | null {
  try {
    execFileSync('unshare', ['-rn', 'sh', '-c', SETUP], { stdio: 'pipe' })
    return null
  } catch (error) {
    return `no private network namespace with multicast here (unshare -rn and ip from iproute2 are needed): ${String((error as { stderr?: Buffer }).stderr ?? error).trim().split('\n')[0]}`
  }
}

const server = (name: string, serverKey: string | null, version = PROTOCOL_VERSION): DiscoveredServer => ({ name, host: `10.0.0.${name.length}`, port: 8080, version, serverKey })
const A = `SHA256:${'A'.repeat(43)}`
const B = `SHA256:${'B'.repeat(43)}`

describe('choosing a discovered server', () => {
  it('joins the pinned one, else the only one of our protocol; names none and several', () => {
    expect(chooseServer([server('a', A), server('bb', B)], new Set([B]))).toEqual(server('bb', B))
    expect(chooseServer([server('a', A), server('bb', B, PROTOCOL_VERSION + 1)], new Set())).toEqual(server('a', A))
    expect(chooseServer([], new Set())).toMatch(/^no TaskOrchestrator server \(protocol \d+\) answered on the local network within 2 s\. Give --host/)
    expect(chooseServer([server('a', A), server('bb', B)], new Set())).toMatch(/^2 servers answered; choose one with --host and --port \(or --server-key\):\n  10\.0\.0\.1:8080  SHA256:A+  protocol \d+  "a"\n/)
  })

  it('with pins, takes an unknown key only when told to', () => {
    expect(chooseServer([server('a', A)], new Set([B]))).toMatch(/^the only server that answered announces a key this worker does not trust:\n  10\.0\.0\.1:8080  SHA256:A+ [\s\S]*--trust-new-server/)
    expect(chooseServer([server('a', null)], new Set([B]))).toMatch(/does not trust/)
    expect(chooseServer([server('a', A)], new Set([B]), true)).toEqual(server('a', A))
  })
})

describe('discovery in a private network namespace', () => {
  const unavailable = namespaceUnavailable()

  it.skipIf(unavailable !== null)(`announces, lists, refuses to guess between several, and joins by key${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    const run = spawnSync('unshare', ['-rn', 'sh', '-c', `${SETUP} && exec "$0" --import tsx test/namespace/discovery.ts`, process.execPath], {
      cwd: ROOT, env: { ...process.env, TEST_TOKEN: TOKEN }, encoding: 'utf8', timeout: 90_000
    })
    expect(run.status, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.nobody.exit).toBe(2)
    expect(report.nobody.stderr).toMatch(/no TaskOrchestrator server \(protocol \d+\) answered on the local network within 2 s\. Give --host/)
    expect(report.listing.exit).toBe(0)
    expect(report.listing.stdout).toContain(`127.0.0.1:${report.listing.port}  ${report.listing.serverKey}  protocol ${PROTOCOL_VERSION}`)
    expect(report.several.exit).toBe(2)
    expect(report.several.stderr).toMatch(/2 servers answered; choose one with --host and --port \(or --server-key\)/)
    expect(report.joined.workerStderr).toContain(`found 127.0.0.1:${report.listing.port}  ${report.listing.serverKey}`)
    expect(report.joined.serverExit).toBe(0)
    expect(report.joined.serverStdout).toMatch(/:4242\n$/)
    // The impostor announcing the pinned key at its own port: refused by the key it presents, never joined nor pinned.
    expect(report.forged.workerStderr).toContain(`presented key ${report.forged.impostorKey}, but its announcement on the LAN (127.0.0.1:`)
    expect(report.forged.impostorStderr).not.toMatch(/worker fooled joined/)
    expect(report.forged.knownServers).toBe(`127.0.0.1:${report.listing.port} ${report.listing.serverKey}\n`)
    // Announcing its own key: a worker holding pins does not take it unasked.
    expect(report.unpinned.exit).toBe(2)
    expect(report.unpinned.stderr, report.unpinned.stderr).toMatch(/announces a key this worker does not trust[\s\S]*--trust-new-server/)
  })
})

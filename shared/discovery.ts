// Finding a server on the LAN: DNS-SD over mDNS (`_taskorch._tcp`) through bonjour-service. The
// announcement carries the protocol version and the server key's fingerprint, nothing secret. It is
// only a hint: a worker still checks the key the server presents against its pin or --server-key.
import { Bonjour, type Service } from 'bonjour-service'
import { InternalError } from './errors.ts'
import { PROTOCOL_VERSION } from './protocol/limits.ts'
import { SERVER_KEY_FINGERPRINT_PATTERN } from './protocol/credentials.ts'

export const SERVICE_TYPE = 'taskorch' // announced as _taskorch._tcp
// How long a worker listens for announcements: mDNS answers on a LAN take milliseconds.
export const DISCOVERY_WAIT_MS = 2_000

export type DiscoveredServer = { name: string, host: string, port: number, version: number | null, serverKey: string | null }

export type Advertisement = { stop: () => Promise<void> }

// Announces this server until stop(). A failure (the name taken, no multicast) is reported once
// through onError and never stops the server.
export function advertise (options: { name: string, port: number, serverKey: string, onError: (error: Error) => void }): Advertisement {
  const bonjour = new Bonjour({}, (error: Error) => options.onError(new InternalError(error)))
  const service = bonjour.publish({ name: options.name, type: SERVICE_TYPE, port: options.port, txt: { v: String(PROTOCOL_VERSION), key: options.serverKey } })
  service.on('error', (error: Error) => options.onError(new InternalError(error)))
  return {
    stop: () => new Promise((resolve) => bonjour.unpublishAll(() => bonjour.destroy(() => resolve())))
  }
}

// The servers that answer within `waitMs`, one per announced name.
export async function discover (waitMs = DISCOVERY_WAIT_MS): Promise<DiscoveredServer[]> {
  const bonjour = new Bonjour()
  const found = new Map<string, DiscoveredServer>()
  const browser = bonjour.find({ type: SERVICE_TYPE }, (service) => found.set(service.fqdn, describe(service)))
  await new Promise((resolve) => setTimeout(resolve, waitMs))
  browser.stop()
  await new Promise<void>((resolve) => bonjour.destroy(() => resolve()))
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name))
}

function describe (service: Service): DiscoveredServer {
  const txt = (service.txt ?? {}) as Record<string, unknown>
  const version = typeof txt.v === 'string' && /^\d{1,5}$/.test(txt.v) ? Number(txt.v) : null
  const serverKey = typeof txt.key === 'string' && SERVER_KEY_FINGERPRINT_PATTERN.test(txt.key) ? txt.key : null
  // The address the answer came from is one the server is reachable at; the announced ones may be many.
  const host = service.referer?.address ?? service.addresses?.[0] ?? service.host
  return { name: service.name, host, port: service.port, version, serverKey }
}

// One line per server, for `worker --discover` and the messages that list several.
export function describeServer (server: DiscoveredServer): string {
  const version = server.version === null ? 'protocol ?' : `protocol ${server.version}${server.version === PROTOCOL_VERSION ? '' : ' (not ours)'}`
  return `${server.host}:${server.port}  ${server.serverKey ?? '(no key announced)'}  ${version}  "${server.name}"`
}

// Which discovered server a worker joins: the one whose key it expects or pinned, else the only one
// speaking our protocol; but a worker that trusts some keys (pins, or --server-key) takes an unknown
// one only when told to (`trustNew`): an announcement costs nothing to forge. Returns why not, with
// the list, when that is not one server. The key the chosen one announced is then the one it must
// present (the announcement's address has no pin of its own).
export function chooseServer (servers: DiscoveredServer[], trusted: Set<string>, trustNew = false): DiscoveredServer | string {
  const ours = servers.filter((s) => s.version === PROTOCOL_VERSION)
  const pinned = ours.filter((s) => s.serverKey !== null && trusted.has(s.serverKey))
  if (pinned.length === 1) return pinned[0]
  const candidates = pinned.length > 1 ? pinned : ours
  const list = servers.map((s) => `  ${describeServer(s)}`).join('\n')
  if (candidates.length === 1) {
    if (pinned.length === 1 || trusted.size === 0 || trustNew) return candidates[0]
    return `the only server that answered announces a key this worker does not trust:\n${list}\nIf it is yours (a new or reinstalled server), start the worker with --trust-new-server, or with --server-key from its join line`
  }
  return candidates.length === 0
    ? `no TaskOrchestrator server (protocol ${PROTOCOL_VERSION}) answered on the local network within ${DISCOVERY_WAIT_MS / 1000} s${servers.length ? `; heard:\n${list}` : ''}. Give --host (a server must run with --advertise to be found)`
    : `${candidates.length} servers answered; choose one with --host and --port (or --server-key):\n${list}`
}

// `npm run worker -- --host SERVER` (or `node taskorch-worker.mjs ...`): connect to a server and
// search what it hands out.
import { availableParallelism, hostname } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { EXIT_REFUSED, integerFlag, parseFlags, runMain, sizeFlag } from '../shared/cli.ts'
import { describeSettings, loadSettings, saveTokens, type Values } from '../shared/config.ts'
import { InvalidInputError, coded } from '../shared/errors.ts'
import { MAX_NAME_LENGTH } from '../shared/protocol/limits.ts'
import { createLogger, type Level } from '../shared/log.ts'
import { SERVER_KEY_FINGERPRINT_PATTERN, tokenFingerprint } from '../shared/protocol/credentials.ts'
import { SOFTWARE_VERSION } from '../shared/version.ts'
import { BUNDLED } from './bundle/bundled.ts'
import { DISCOVERY_WAIT_MS, chooseServer, describeServer, discover } from '../shared/discovery.ts'
import { WorkerClient } from './client.ts'
import { backendMode, type BackendMode } from '../shared/hashcat.ts'
import { HashcatBackend, detectHashcat } from './hashcat/backend.ts'
import { KnownServers } from '../shared/known-servers.ts'
import { DEFAULT_CACHE_BYTES, FileCache } from './files/cache.ts'
import { promptHidden, promptYesNo } from './prompt.ts'

// In the executable build, the program is the binary itself (Node puts it as argv[1] too).
const PROGRAM = !BUNDLED ? 'npm run worker --' : process.argv[1] === process.execPath ? basename(process.execPath) : 'node taskorch-worker.mjs'

const HELP = `Usage: ${PROGRAM} [options]      (TaskOrchestrator worker ${SOFTWARE_VERSION})

Connects to a TaskOrchestrator server and searches the chunks it hands out.

Options:
  --host HOST       server address. Without one (from any source), the worker looks for servers
                    announcing themselves on the LAN (server --advertise, mDNS) and joins the one
                    whose key it pinned or expects, or the only one; it says so when it finds none
                    or several
  --port PORT       server port (default 8080, or the one the server announces)
  --discover        list the servers announcing themselves on the LAN, and exit
  --server-key FP   the server's key fingerprint (SHA256:..., from its join line): a server
                    presenting another key is refused. Without it, the first key a server at
                    this address presents is pinned in the known-servers file, and others refused
  --known-servers PATH  pinned server keys (default known_servers beside the config file)
  --trust-new-server  with discovery, join a server announcing a key this worker has not pinned
                    even though it has pins (a new or reinstalled server of yours)
  --token TOKEN     the server's token. Better kept in the config file: {"token": "..."}
  --token-stdin     read the token from the first line of standard input
  --save-token      save the token given on stdin or at the prompt to the config file (mode 0600)
  --config PATH     settings file (default ~/.config/taskorch/config.json, or env TASKORCH_CONFIG)
  --threads N       search threads (default: all ${availableParallelism()} cores)
  --name NAME       name shown on the server (default: this host's name)
  --backend MODE    auto (default): hashcat when a hashcat 6.2 or later is found, else the WASM
                    kernels; wasm: the WASM kernels only; hashcat: hashcat, or exit 2 without it.
                    hashcat searches every mask, range and wordlist chunk it can take exactly, in
                    every mode (salted and crypt ones included); a wordlist's words are fetched
                    once into the cache (--cache-dir) and searched from there
  --hashcat PATH    the hashcat program (default: hashcat on PATH)
  --cache-dir PATH  where hashcat's words and rule files are kept between jobs and restarts
                    (default: cache beside the config file; made with mode 0700)
  --cache-size SIZE most they may take, least recently used evicted first (default 4G; 0 keeps
                    none: wordlist jobs then run on the WASM kernels)
  --give-up-after N stop (exit 3) after N handshakes in a row failed (default 0: keep trying;
                    anyone on the network can make a handshake fail, so a worker does not give up)
  --json            log lines as JSON objects
  --debug           also log debug lines
  -h, --help        this help, and the settings in effect

Settings (host, port, token, threads, name, backend, hashcat, cacheDir, cacheSize, json, debug) come from, later winning: defaults, the
config file, TASKORCH_<NAME> environment variables, flags. With no token from any of them and a
terminal on stdin, the worker asks for it (input hidden) and offers to save it.
A lost connection or a failed handshake is retried, 1 s doubling to 60 s with jitter, each attempt
logged with the likely cause and the time of the next one.
A server presenting a key other than the pinned one is refused, its fingerprint and the pinned one
named, and tried again later like a lost connection: only the real server can complete a handshake.
Exits 0 after SIGINT/SIGTERM (work in hand goes back to the server), 2 on bad usage (discovery finding no
server or several included), 3 when the server refused this worker
after authenticating (REFUSED) or --give-up-after ran out.`

const FLAGS = {
  host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, 'token-stdin': { type: 'boolean' }, 'save-token': { type: 'boolean' },
  'server-key': { type: 'string' }, 'known-servers': { type: 'string' }, 'trust-new-server': { type: 'boolean' }, discover: { type: 'boolean' }, config: { type: 'string' },
  threads: { type: 'string' }, name: { type: 'string' }, backend: { type: 'string' }, hashcat: { type: 'string' }, 'cache-dir': { type: 'string' }, 'cache-size': { type: 'string' }, 'give-up-after': { type: 'string' }, json: { type: 'boolean' }, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
} as const


runMain(async () => {
  const flags = parseFlags(FLAGS, process.argv.slice(2))
  const cores = availableParallelism()
  const defaults = { port: 8080, threads: cores, name: hostname().slice(0, MAX_NAME_LENGTH) || 'worker', json: false, debug: false }
  if (flags.help) {
    process.stdout.write(HELP + '\n\n' + describeSettings('worker', loadSettings('worker', { defaults, flags, configPath: flags.config })) + '\n')
    return 0
  }
  if (flags['token-stdin'] && flags.token) throw new InvalidInputError('give the token with --token or --token-stdin, not both')
  const serverKey = flags['server-key']
  if (serverKey !== undefined && !SERVER_KEY_FINGERPRINT_PATTERN.test(serverKey)) {
    throw new InvalidInputError(`--server-key must be SHA256: and 43 base64url characters, as the server prints it; got "${serverKey.slice(0, 80)}"`)
  }
  if (flags.discover) {
    const servers = await discover()
    for (const server of servers) process.stdout.write(describeServer(server) + '\n')
    process.stderr.write(`${servers.length} server(s) answered within ${DISCOVERY_WAIT_MS / 1000} s\n`)
    return 0
  }
  const settings = loadSettings('worker', { defaults, flags, configPath: flags.config })
  const { threads, name } = settings.values as Required<Values>
  const knownServers = serverKey ? undefined : new KnownServers(flags['known-servers'] ?? join(dirname(settings.configPath), 'known_servers'))
  const { token, asked } = await readToken(flags['token-stdin'] === true, settings.values.token, settings.values.host, settings.configPath)
  const log = createLogger({ json: settings.values.json, debug: settings.values.debug, secrets: [token] })
  if (!asked) for (const warning of settings.warnings) log('WARN', warning)
  if (asked && (flags['save-token'] || (asked === 'terminal' && await promptYesNo(`Save the token in ${settings.configPath} (mode 0600) so this machine need not ask again?`, terminal(), true)))) {
    saveTokens(settings.configPath, { token })
    log('INFO', `saved the token to ${settings.configPath} (mode 0600)`)
  }
  log('INFO', `token fingerprint ${tokenFingerprint(token)}; worker ${SOFTWARE_VERSION}`)
  let { host, port } = settings.values as { host?: string, port: number }
  let expected = { serverKey, serverKeyFrom: '--server-key' }
  if (host === undefined) {
    const chosen = chooseServer(await discover(), serverKey ? new Set([serverKey]) : knownServers!.fingerprints, flags['trust-new-server'] === true)
    if (typeof chosen === 'string') throw new InvalidInputError(chosen)
    host = chosen.host
    if (settings.sources.port === 'default') port = chosen.port
    // The key it announced is the one it must present: a pin for another address vouches for no other.
    if (!serverKey && chosen.serverKey) expected = { serverKey: chosen.serverKey, serverKeyFrom: `its announcement on the LAN (${chosen.host}:${chosen.port})` }
    log('INFO', `found ${describeServer(chosen)} on the local network`)
  } else if (flags['trust-new-server']) throw new InvalidInputError('--trust-new-server is for servers found by discovery (no --host)')
  if (port === 0) throw new InvalidInputError('port must be from 1 to 65535 for a worker')
  const giveUpAfter = integerFlag(flags['give-up-after'], 'give-up-after', 0, 0, 1_000_000)
  const cacheSize = sizeFlag(settings.values.cacheSize ?? String(DEFAULT_CACHE_BYTES), 'cache-size')
  const hashcat = await chooseBackend(backendMode(settings.values.backend ?? 'auto', '--backend'), settings.values.hashcat ?? 'hashcat', log)
  const cache = hashcat && cacheSize > 0 ? new FileCache(resolve(settings.values.cacheDir ?? join(dirname(settings.configPath), 'cache')), cacheSize) : undefined
  if (cache) log('INFO', `hashcat's words and rule files are kept in ${cache.dir} (up to ${cacheSize} bytes; ${cache.held().length} held)`)
  const client = new WorkerClient({ host, port, token, ...expected, knownServers, name, cores, threads, giveUpAfter, hashcat, cache })
  let exitCode = 0
  client.on('log', (level, message) => log(level.toUpperCase() as Level, message))
  client.on('fatal', (error) => {
    log('FATAL', error.message)
    exitCode = EXIT_REFUSED
  })
  const stop = (signal: string) => {
    log('INFO', `${signal}: handing work back to the server and stopping`)
    void client.stop()
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  await client.start()
  return exitCode
})

// hashcat when asked for or found (auto), else none: the WASM kernels. One log line says which.
async function chooseBackend (mode: BackendMode, program: string, log: (level: Level, message: string) => void): Promise<HashcatBackend | undefined> {
  if (mode === 'wasm') return undefined
  let info
  try {
    info = await detectHashcat(program)
  } catch (error) {
    if (mode === 'hashcat') throw new InvalidInputError(`--backend hashcat: ${coded(error).message}`)
    log('INFO', `no usable hashcat (${coded(error).message}): searching with the WASM kernels`)
    return undefined
  }
  log('INFO', `searching with hashcat ${info.version.text} (${info.devices.map((d) => `${d.type} ${d.name}`).join(', ')}) where it can, else the WASM kernels`)
  return new HashcatBackend(info)
}

// A function declaration, not a const: main runs before this module has finished evaluating.
function terminal () {
  return { input: process.stdin, output: process.stderr }
}

// The token, from --token-stdin, else the settings, else the terminal. `asked` says whether it was
// read from stdin or the terminal (then it may be saved).
async function readToken (fromStdin: boolean, configured: string | undefined, host: string | undefined, configPath: string): Promise<{ token: string, asked: 'stdin' | 'terminal' | null }> {
  if (fromStdin) return { token: await firstLine(process.stdin), asked: 'stdin' }
  if (configured) return { token: configured, asked: null }
  if (!process.stdin.isTTY) {
    throw new InvalidInputError(`no token: put the server's token in ${configPath} as {"token": "..."}, pipe it in with --token-stdin, or run this on a terminal to be asked for it`)
  }
  const token = (await promptHidden(`Token for the server${host ? ` at ${host}` : ''} (its config file has it; input hidden): `, terminal())).trim()
  if (!token) throw new InvalidInputError('no token given at the prompt')
  return { token, asked: 'terminal' }
}

async function firstLine (input: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const piece of input) {
    text += piece.toString()
    if (text.includes('\n')) break
  }
  const line = text.split(/\r?\n/)[0].trim()
  if (!line) throw new InvalidInputError('--token-stdin: standard input gave no token')
  return line
}

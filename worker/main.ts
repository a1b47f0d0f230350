// `npm run worker -- --host SERVER`: connect to a server and search what it hands out.
import { availableParallelism, hostname } from 'node:os'
import { integerFlag, parseFlags, runMain } from '../shared/cli.ts'
import { describeSettings, loadSettings, type Values } from '../shared/config.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { MAX_NAME_LENGTH } from '../shared/protocol/limits.ts'
import { createLogger, type Level } from '../shared/log.ts'
import { tokenFingerprint } from '../shared/protocol/noise.ts'
import { WorkerClient } from './client.ts'

const HELP = `Usage: npm run worker -- [options]

Connects to a TaskOrchestrator server and searches the chunks it hands out.

Options:
  --host HOST       server address (default 127.0.0.1)
  --port PORT       server port (default 8080)
  --token TOKEN     the server's token. Better kept in the config file: {"token": "..."}
  --token-stdin     read the token from the first line of standard input
  --config PATH     settings file (default ~/.config/taskorch/config.json, or env TASKORCH_CONFIG)
  --threads N       search threads (default: all ${availableParallelism()} cores)
  --name NAME       name shown on the server (default: this host's name)
  --give-up-after N stop (exit 3) after N handshakes in a row failed (default 0: keep trying;
                    anyone on the network can make a handshake fail, so a worker does not give up)
  --json            log lines as JSON objects
  --debug           also log debug lines
  -h, --help        this help, and the settings in effect

Settings (host, port, token, threads, name, json, debug) come from, later winning: defaults, the
config file, TASKORCH_<NAME> environment variables, flags.
A lost connection or a failed handshake is retried, 1 s doubling to 60 s with jitter, each attempt
logged with the likely cause and the time of the next one.
Exits 0 after SIGINT/SIGTERM (work in hand goes back to the server), 2 on bad usage (a token under 128
bits included), 3 when the server refused this worker after authenticating (REFUSED) or
--give-up-after ran out.`

const FLAGS = {
  host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, 'token-stdin': { type: 'boolean' }, config: { type: 'string' },
  threads: { type: 'string' }, name: { type: 'string' }, 'give-up-after': { type: 'string' }, json: { type: 'boolean' }, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }
} as const

const EXIT_REFUSED = 3

runMain(async () => {
  const flags = parseFlags(FLAGS, process.argv.slice(2))
  const cores = availableParallelism()
  const defaults = { host: '127.0.0.1', port: 8080, threads: cores, name: hostname().slice(0, MAX_NAME_LENGTH) || 'worker', json: false, debug: false }
  if (flags.help) {
    process.stdout.write(HELP + '\n\n' + describeSettings('worker', loadSettings('worker', { defaults, flags, configPath: flags.config })) + '\n')
    return 0
  }
  if (flags['token-stdin'] && flags.token) throw new InvalidInputError('give the token with --token or --token-stdin, not both')
  const settings = loadSettings('worker', { defaults, flags, configPath: flags.config })
  const token = flags['token-stdin'] ? await firstLine(process.stdin) : settings.values.token
  if (!token) throw new InvalidInputError(`no token: put the server's token in ${settings.configPath} as {"token": "..."} (or use --token-stdin, TASKORCH_TOKEN or --token)`)
  const log = createLogger({ json: settings.values.json, debug: settings.values.debug, secrets: [token] })
  if (!flags['token-stdin']) for (const warning of settings.warnings) log('WARN', warning)
  const { host, port, threads, name } = settings.values as Required<Values>
  if (port === 0) throw new InvalidInputError('port must be from 1 to 65535 for a worker')
  log('INFO', `token fingerprint ${tokenFingerprint(token)}`)
  const giveUpAfter = integerFlag(flags['give-up-after'], 'give-up-after', 0, 0, 1_000_000)
  const client = new WorkerClient({ host, port, token, name, cores, threads, giveUpAfter })
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

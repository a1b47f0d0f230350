// `npm run worker -- --host SERVER`: connect to a server and search what it hands out.
import { availableParallelism, hostname } from 'node:os'
import { integerFlag, parseFlags, runMain } from '../shared/cli.ts'
import { InvalidInputError } from '../shared/errors.ts'
import { MAX_NAME_LENGTH, MAX_THREADS } from '../shared/limits.ts'
import { WorkerClient } from './client.ts'

const HELP = `Usage: npm run worker -- [options]

Connects to a TaskOrchestrator server and searches the chunks it hands out.

Options:
  --host HOST       server address (default 127.0.0.1)
  --port PORT       server port (default 8080)
  --token TOKEN     the server's token (default: env TASKORCH_TOKEN)
  --threads N       search threads (default: all ${availableParallelism()} cores)
  --name NAME       name shown on the server (default: this host's name)
  -h, --help        this help

Exits 0 after SIGINT/SIGTERM (work in hand goes back to the server), 3 if the server refuses the token.`

const FLAGS = {
  host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, threads: { type: 'string' },
  name: { type: 'string' }, help: { type: 'boolean', short: 'h' }
} as const

const EXIT_TOKEN_REFUSED = 3

runMain(async () => {
  const flags = parseFlags(FLAGS, process.argv.slice(2))
  if (flags.help) {
    process.stdout.write(HELP + '\n')
    return 0
  }
  const token = flags.token ?? process.env.TASKORCH_TOKEN
  if (!token) throw new InvalidInputError('no token: pass --token or set TASKORCH_TOKEN to the token the server printed')
  const cores = availableParallelism()
  const name = (flags.name ?? hostname()).slice(0, MAX_NAME_LENGTH) || 'worker'
  const client = new WorkerClient({
    host: flags.host ?? '127.0.0.1',
    port: integerFlag(flags.port, 'port', 8080, 1, 65535),
    token,
    name,
    cores,
    threads: integerFlag(flags.threads, 'threads', cores, 1, MAX_THREADS)
  })
  const log = (level: string, message: string) => process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`)
  let exitCode = 0
  client.on('log', log)
  client.on('fatal', (error) => {
    log('fatal', error.message)
    exitCode = EXIT_TOKEN_REFUSED
  })
  const stop = (signal: string) => {
    log('info', `${signal}: handing work back to the server and stopping`)
    void client.stop()
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  await client.start()
  return exitCode
})

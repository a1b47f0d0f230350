// Helpers both command lines use: typed flag values whose errors name the flag, and usage exits.
import { resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { InvalidInputError } from './errors.ts'

export const EXIT_ALL_FOUND = 0
export const EXIT_EXHAUSTED = 1
export const EXIT_USAGE = 2
// A worker the server refused after authenticating (or --give-up-after ran out): retrying will not help.
export const EXIT_REFUSED = 3
// ctl: the server could not be reached, the connection was lost, or the server failed the request.
export const EXIT_UNREACHABLE = 4
// The server stopped with results it could not write to the potfile or journal (a full disk): they
// were printed on stdout, and nowhere else.
export const EXIT_UNSAVED = 5
// Stopped by a signal: the shell's convention, 128 + the signal number.
export const EXIT_SIGINT = 130
export const EXIT_SIGTERM = 143

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>> (options: T, argv: string[]) {
  try {
    return resolvePaths(parseArgs({ options, args: argv, strict: true, allowPositionals: false }).values)
  } catch (error) {
    throw new InvalidInputError((error as Error).message)
  }
}

// The flags that name files or directories.
const PATH_FLAGS = ['config', 'targets', 'wordlist', 'rules', 'potfile', 'session', 'key', 'cache-dir']

// A user's paths, resolved against the directory the command was typed in: npm runs a script in the
// package's directory and names the caller's in INIT_CWD. Errors then show the path tried.
export function resolvePaths<T extends Record<string, unknown>> (values: T): T {
  const from = process.env.INIT_CWD || process.cwd()
  const resolved: Record<string, unknown> = { ...values }
  for (const flag of PATH_FLAGS) {
    const value = resolved[flag]
    if (typeof value === 'string') resolved[flag] = resolve(from, value)
    else if (Array.isArray(value)) resolved[flag] = value.map((v: string) => resolve(from, v))
  }
  return resolved as T
}

export function integerFlag (value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidInputError(`--${flag} must be an integer from ${min} to ${max}, got "${value}"`)
  }
  return Number(value)
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

// A size in bytes: a whole number, with K, M, G or T (binary: 1G is 2^30 bytes) if wanted.
export function sizeFlag (value: string, flag: string): number {
  const match = /^([0-9]+)([KMGT]?)i?B?$/i.exec(value.trim())
  const bytes = match ? Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()] : NaN
  if (!Number.isSafeInteger(bytes)) throw new InvalidInputError(`--${flag} must be a size such as 4G, 500M or 1048576, got "${value.slice(0, 32)}"`)
  return bytes
}

// Usage errors print one clear line and exit 2; anything else is a bug and shows its stack.
export function runMain (main: () => Promise<number | void>): void {
  main().then((code) => {
    if (typeof code === 'number') process.exitCode = code
  }, (error: Error & { code?: string }) => {
    if (error instanceof InvalidInputError) {
      process.stderr.write(`error: ${error.message}\n(run with --help for usage)\n`)
      process.exit(EXIT_USAGE)
    }
    exitFatal(error)
  })
}

// A bug: logged like any other line (time, FATAL), with the stack to report it by.
export function exitFatal (error: Error): never {
  process.stderr.write(`${new Date().toISOString()} FATAL ${error.stack ?? error.message}\n`)
  process.exit(255)
}

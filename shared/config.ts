// Settings, later sources overriding earlier: built-in defaults, a JSON config file, TASKORCH_*
// environment variables, command-line flags. Every value is checked where it comes from, and an
// error names the setting and its source. The tokens are secrets: they are never printed, only their
// fingerprints, and taking one from argv or the environment earns a warning.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { InvalidInputError } from './errors.ts'
import { MAX_NAME_LENGTH, MAX_THREADS } from './protocol/limits.ts'
import { tokenFingerprint } from './protocol/credentials.ts'

export type Program = 'server' | 'worker' | 'ctl'

type Kind = { type: 'string', max: number } | { type: 'integer', min: number, max: number } | { type: 'boolean' }
type Setting = Kind & { programs: readonly Program[], secret?: boolean }

const BOTH = ['server', 'worker'] as const
const ALL = ['server', 'worker', 'ctl'] as const

// Names are camelCase in config files, kebab-case as flags (--admin-token), and upper snake case
// after TASKORCH_ in the environment (TASKORCH_ADMIN_TOKEN).
export const SETTINGS = {
  host: { type: 'string', max: 255, programs: ALL },
  port: { type: 'integer', min: 0, max: 65535, programs: ALL },
  token: { type: 'string', max: 1024, programs: BOTH, secret: true },
  // Controls the server (npm run ctl); distinct from the workers' token.
  adminToken: { type: 'string', max: 1024, programs: ['server', 'ctl'], secret: true },
  // Logs in to the web view to watch, not steer; distinct from both tokens above.
  viewToken: { type: 'string', max: 1024, programs: ['server'], secret: true },
  threads: { type: 'integer', min: 1, max: MAX_THREADS, programs: ['worker'] },
  name: { type: 'string', max: MAX_NAME_LENGTH, programs: ['worker'] },
  backend: { type: 'string', max: 16, programs: ['worker'] }, // auto, wasm or hashcat
  hashcat: { type: 'string', max: 4096, programs: ['worker'] }, // the hashcat program (default: hashcat on PATH)
  cacheDir: { type: 'string', max: 4096, programs: ['worker'] }, // words and rule files kept for hashcat
  cacheSize: { type: 'string', max: 32, programs: ['worker'] }, // their limit, as 4G, 500M or bytes; 0 keeps none
  headless: { type: 'boolean', programs: ['server'] },
  web: { type: 'boolean', programs: ['server'] }, // the web view, on the download port
  potfile: { type: 'string', max: 4096, programs: ['server'] },
  key: { type: 'string', max: 4096, programs: ['server'] },
  uploads: { type: 'string', max: 4096, programs: ['server'] }, // where files sent by ctl are kept
  // Its URL often carries a secret (Slack's, Discord's), so it is one, and best kept in the file.
  webhook: { type: 'string', max: 4096, programs: ['server'], secret: true },
  json: { type: 'boolean', programs: BOTH },
  debug: { type: 'boolean', programs: BOTH }
} as const satisfies Record<string, Setting>

export type SettingName = keyof typeof SETTINGS
export type Values = {
  host?: string, port?: number, token?: string, adminToken?: string, viewToken?: string, web?: boolean, threads?: number, name?: string, backend?: string, hashcat?: string, cacheDir?: string, cacheSize?: string, headless?: boolean, potfile?: string, key?: string, uploads?: string, webhook?: string, json?: boolean, debug?: boolean
}
export type Settings = {
  values: Values
  sources: Partial<Record<SettingName, string>> // where each value came from, for --help and errors
  configPath: string
  warnings: string[]
}

const SECRETS = ['token', 'adminToken', 'viewToken', 'webhook'] as const
const ENV_PREFIX = 'TASKORCH_'
const CONFIG_ENV = 'TASKORCH_CONFIG'
const envName = (name: string) => ENV_PREFIX + name.replace(/[A-Z]/g, '_$&').toUpperCase()
const flagName = (name: string) => name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
const settingOfFlag = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
const settingOfEnv = (key: string) => Object.keys(SETTINGS).find((name) => envName(name) === key)
const isSetting = (name: string): name is SettingName => Object.hasOwn(SETTINGS, name)
const appliesTo = (name: SettingName, program: Program) => (SETTINGS[name].programs as readonly Program[]).includes(program)

export function defaultConfigPath (env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'taskorch', 'config.json')
}

export type LoadOptions = {
  defaults: Values
  flags: Record<string, unknown> // parsed flags; only setting names are read
  env?: NodeJS.ProcessEnv
  configPath?: string // --config; else TASKORCH_CONFIG; else the default path (which may be absent)
}

export function loadSettings (program: Program, options: LoadOptions): Settings {
  const env = options.env ?? process.env
  const explicitPath = options.configPath ?? env[CONFIG_ENV]
  const configPath = explicitPath || defaultConfigPath(env)
  const settings: Settings = { values: { ...options.defaults }, sources: {}, configPath, warnings: [] }
  for (const name of Object.keys(options.defaults)) settings.sources[name as SettingName] = 'default'
  const set = (name: SettingName, value: unknown, source: string) => {
    (settings.values as Record<string, unknown>)[name] = value
    settings.sources[name] = source
  }

  if (explicitPath || existsSync(configPath)) {
    const source = `config file ${configPath}`
    for (const [name, raw] of Object.entries(readConfigFile(configPath, source))) {
      if (!isSetting(name)) throw new InvalidInputError(`${source}: unknown setting "${name}" (known: ${Object.keys(SETTINGS).join(', ')})`)
      if (!appliesTo(name, program)) continue // the other program's setting
      set(name, checked(name, raw, source, false), source)
    }
    if (SECRETS.some((name) => settings.sources[name] === source)) warnIfReadableByOthers(configPath, settings.warnings)
  }

  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith(ENV_PREFIX) || key === CONFIG_ENV || raw === undefined) continue
    const name = settingOfEnv(key)
    const source = `environment ${key}`
    if (name === undefined || !isSetting(name)) {
      throw new InvalidInputError(`${source}: unknown setting (known: ${[...Object.keys(SETTINGS).map(envName), CONFIG_ENV].join(', ')})`)
    }
    if (!appliesTo(name, program)) continue
    set(name, checked(name, raw, source, true), source)
  }

  for (const [flag, raw] of Object.entries(options.flags)) {
    const name = settingOfFlag(flag)
    if (!isSetting(name) || raw === undefined || !appliesTo(name, program)) continue
    set(name, checked(name, raw, `flag --${flagName(name)}`, true), `flag --${flagName(name)}`)
  }

  for (const name of SECRETS) {
    const source = settings.sources[name]
    const what = { token: 'the token', adminToken: 'the admin token', viewToken: 'the view token', webhook: 'the webhook URL' }[name]
    if (source?.startsWith('flag')) {
      settings.warnings.push(`${what} was given with --${flagName(name)}: any local user can read it in the process list. Put it in ${configPath} (mode 0600) instead`)
    } else if (source?.startsWith('environment')) {
      settings.warnings.push(`${what} came from ${envName(name)}: the environment is passed to child processes and readable by your other processes. Put it in ${configPath} (mode 0600) instead`)
    }
  }
  return settings
}

function readConfigFile (path: string, source: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new InvalidInputError(`${source}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // The parser's message quotes the text around the error, which may be the token: say where only.
    throw new InvalidInputError(`${source}: not valid JSON (check its syntax; the parser's message is not shown because it quotes the file, which may hold the token)`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidInputError(`${source}: must hold a JSON object of settings`)
  return parsed as Record<string, unknown>
}

// Values from the environment and flags are text; a config file gives JSON types.
function checked (name: SettingName, raw: unknown, source: string, fromText: boolean): string | number | boolean {
  const setting: Setting = SETTINGS[name]
  const shown = setting.secret ? '(a secret, not shown)' : JSON.stringify(raw)?.slice(0, 80)
  const fail = (expected: string): never => { throw new InvalidInputError(`${source}: ${name} must be ${expected}, got ${shown}`) }
  switch (setting.type) {
    case 'string':
      if (typeof raw !== 'string' || raw.length === 0 || raw.length > setting.max) fail(`a non-empty string of at most ${setting.max} characters`)
      return raw as string
    case 'integer': {
      const value = fromText && typeof raw === 'string' && /^[0-9]+$/.test(raw) ? Number(raw) : raw
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < setting.min || value > setting.max) fail(`an integer from ${setting.min} to ${setting.max}`)
      return value as number
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw
      if (fromText && typeof raw === 'string') {
        if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true
        if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false
      }
      return fail(fromText ? 'true or false (or 1/0, yes/no, on/off)' : 'true or false')
    }
  }
}

function warnIfReadableByOthers (path: string, warnings: string[]): void {
  const warning = readableByOthers(path, 'a token')
  if (warning) warnings.push(warning)
}

// A warning when a file holding secrets (the token, found passwords) can be read by other users.
export function readableByOthers (path: string, holds: string): string | null {
  const mode = statSync(path).mode & 0o777
  return (mode & 0o077) !== 0 ? `${path} holds ${holds} but other users may read it (mode ${mode.toString(8)}): run chmod 600 ${path}` : null
}

// Saves tokens the server generated (or a worker was given), so the next start (and a worker or
// ctl on this machine) reuses them. Other settings in an existing file are kept; the file is
// replaced atomically and left at mode 0600.
export function saveTokens (path: string, tokens: { token?: string, adminToken?: string }): void {
  const existing = existsSync(path) ? readConfigFile(path, `config file ${path}`) : {}
  writeSecretFile(path, JSON.stringify({ ...existing, ...tokens }, null, 2) + '\n')
}

// Replaces a file holding a secret atomically, at mode 0600, in a directory made 0700 if missing.
export function writeSecretFile (path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' })
  chmodSync(temporary, 0o600)
  renameSync(temporary, path)
}

// The settings in effect, for --help: secrets show only their fingerprint.
export function describeSettings (program: Program, settings: Settings): string {
  const lines = [`Settings in effect (config file: ${settings.configPath}):`]
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    if (!appliesTo(name, program)) continue
    const value = settings.values[name]
    const secret = (SETTINGS[name] as Setting).secret
    const shown = value === undefined ? '(not set)' : secret ? `<redacted> (fingerprint ${tokenFingerprint(String(value))})` : String(value)
    lines.push(`  ${name.padEnd(10)} ${shown.padEnd(36)} ${value === undefined ? '' : settings.sources[name] ?? ''}`.trimEnd())
  }
  return lines.join('\n')
}

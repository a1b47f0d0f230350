// Settings precedence (defaults < config file < environment < flags), validation that names the key
// and the source, token warnings and file modes, and the redaction of the token in logs and --help.
import { describe, expect, it } from 'vitest'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { defaultConfigPath, describeSettings, loadSettings, readableByOthers, saveTokens } from '../shared/config.ts'
import { createLogger, REDACTED } from '../shared/log.ts'
import { tokenFingerprint } from '../shared/protocol/credentials.ts'
import { tempDir } from './helpers.ts'

function configFile (content: unknown, mode = 0o600): string {
  const path = join(tempDir('taskorch-test-'), 'config.json')
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content), { mode })
  return path
}

const DEFAULTS = { host: '0.0.0.0', port: 8080, headless: false }

describe('settings precedence', () => {
  it('takes defaults, then the config file, then the environment, then flags', () => {
    const configPath = configFile({ host: '10.0.0.1', port: 9000, headless: true })
    const fileOnly = loadSettings('server', { defaults: DEFAULTS, flags: {}, env: {}, configPath })
    expect(fileOnly.values).toMatchObject({ host: '10.0.0.1', port: 9000, headless: true })
    expect(fileOnly.sources.port).toBe(`config file ${configPath}`)

    const withEnv = loadSettings('server', { defaults: DEFAULTS, flags: {}, env: { TASKORCH_PORT: '9100', TASKORCH_HEADLESS: 'no' }, configPath })
    expect(withEnv.values).toMatchObject({ host: '10.0.0.1', port: 9100, headless: false })
    expect(withEnv.sources.port).toBe('environment TASKORCH_PORT')

    const withFlags = loadSettings('server', { defaults: DEFAULTS, flags: { port: '9200' }, env: { TASKORCH_PORT: '9100' }, configPath })
    expect(withFlags.values.port).toBe(9200)
    expect(withFlags.sources).toEqual({ port: 'flag --port', host: `config file ${configPath}`, headless: `config file ${configPath}` })
  })

  it('uses the defaults alone when the default config file does not exist', () => {
    const home = tempDir('taskorch-home-')
    const settings = loadSettings('server', { defaults: DEFAULTS, flags: {}, env: { XDG_CONFIG_HOME: home } })
    expect(settings.values).toEqual(DEFAULTS)
    expect(settings.configPath).toBe(join(home, 'taskorch', 'config.json'))
    expect(defaultConfigPath({ XDG_CONFIG_HOME: home })).toBe(settings.configPath)
  })

  it('reads TASKORCH_CONFIG, and ignores the other program\'s settings', () => {
    const configPath = configFile({ threads: 3, headless: true })
    const worker = loadSettings('worker', { defaults: {}, flags: {}, env: { TASKORCH_CONFIG: configPath } })
    expect(worker.values).toEqual({ threads: 3 })
    const server = loadSettings('server', { defaults: {}, flags: {}, env: { TASKORCH_CONFIG: configPath, TASKORCH_THREADS: '2' } })
    expect(server.values).toEqual({ headless: true })
  })
})

describe('settings validation names the key and the source', () => {
  const load = (content: unknown, env: Record<string, string> = {}, flags: Record<string, unknown> = {}) =>
    () => loadSettings('server', { defaults: DEFAULTS, flags, env, configPath: configFile(content) })

  it.each([
    [{ prot: 1 }, /config file .*config\.json: unknown setting "prot"/],
    [{ port: '8080' }, /config file .*: port must be an integer from 0 to 65535, got "8080"/],
    [{ port: 70000 }, /port must be an integer from 0 to 65535, got 70000/],
    [{ headless: 'yes' }, /config file .*: headless must be true or false, got "yes"/],
    [{ host: '' }, /host must be a non-empty string/],
    ['{ "port": 80,, }', /config file .*: not valid JSON/],
    ['{ "token": "s3cr3t-t0ken-value" oops }', /^(?!.*s3cr3t).*not valid JSON \(check its syntax/],
    [[1, 2], /must hold a JSON object of settings/]
  ])('config file %j', (content, message) => {
    expect(load(content)).toThrow(message)
  })

  it('rejects unknown and malformed environment variables', () => {
    expect(load({}, { TASKORCH_PROT: '1' })).toThrow(/environment TASKORCH_PROT: unknown setting/)
    expect(load({}, { TASKORCH_PORT: 'eighty' })).toThrow(/environment TASKORCH_PORT: port must be an integer from 0 to 65535, got "eighty"/)
    expect(load({}, { TASKORCH_HEADLESS: 'maybe' })).toThrow(/environment TASKORCH_HEADLESS: headless must be true or false \(or 1\/0, yes\/no, on\/off\)/)
  })

  it('rejects bad flags and never echoes a token', () => {
    expect(load({}, {}, { port: '-1' })).toThrow(/flag --port: port must be an integer/)
    const tooLong = 'x'.repeat(2000)
    expect(load({}, {}, { token: tooLong })).toThrow(/flag --token: token must be .*got \(a secret, not shown\)/)
  })

  it('fails on a missing config file only when one was asked for', () => {
    expect(() => loadSettings('server', { defaults: DEFAULTS, flags: {}, env: {}, configPath: '/nonexistent/taskorch.json' })).toThrow(/config file \/nonexistent\/taskorch.json: cannot read it \(ENOENT\)/)
  })
})

describe('the token', () => {
  it('warns when it comes from a flag or the environment, not from the config file', () => {
    const configPath = configFile({ token: 'from-file' })
    expect(loadSettings('server', { defaults: {}, flags: {}, env: {}, configPath }).warnings).toEqual([])
    const fromEnv = loadSettings('server', { defaults: {}, flags: {}, env: { TASKORCH_TOKEN: 'from-env' }, configPath })
    expect(fromEnv.values.token).toBe('from-env')
    expect(fromEnv.warnings.join()).toMatch(/TASKORCH_TOKEN.*Put it in .*config\.json \(mode 0600\)/)
    const fromFlag = loadSettings('server', { defaults: {}, flags: { token: 'from-flag' }, env: {}, configPath })
    expect(fromFlag.warnings.join()).toMatch(/--token: any local user can read it/)
  })

  it('warns when the config file holding it is readable by others', () => {
    const configPath = configFile({ token: 't' }, 0o644)
    expect(loadSettings('server', { defaults: {}, flags: {}, env: {}, configPath }).warnings.join()).toMatch(/mode 644\): run chmod 600/)
  })

  it('is saved at mode 0600, keeping the other settings', () => {
    const configPath = configFile({ port: 9000 }, 0o644)
    saveTokens(configPath, { token: 'generated' })
    expect(JSON.parse(readFileSync(configPath, 'utf8'))).toEqual({ port: 9000, token: 'generated' })
    expect(statSync(configPath).mode & 0o777).toBe(0o600)
    const fresh = join(tempDir('taskorch-new-'), 'sub', 'config.json')
    saveTokens(fresh, { token: 'new' })
    expect(statSync(fresh).mode & 0o777).toBe(0o600)
  })

  it('has an admin token of its own: adminToken in the file, TASKORCH_ADMIN_TOKEN, --admin-token; for the server and ctl only', () => {
    const configPath = configFile({ adminToken: 'from-file', token: 'workers' }, 0o600)
    expect(loadSettings('ctl', { defaults: {}, flags: {}, env: {}, configPath }).values).toEqual({ adminToken: 'from-file' })
    expect(loadSettings('worker', { defaults: {}, flags: {}, env: {}, configPath }).values).toEqual({ token: 'workers' })
    const fromEnv = loadSettings('ctl', { defaults: {}, flags: {}, env: { TASKORCH_ADMIN_TOKEN: 'from-env' }, configPath })
    expect(fromEnv.values.adminToken).toBe('from-env')
    expect(fromEnv.sources.adminToken).toBe('environment TASKORCH_ADMIN_TOKEN')
    expect(fromEnv.warnings.join()).toMatch(/the admin token came from TASKORCH_ADMIN_TOKEN/)
    const fromFlag = loadSettings('server', { defaults: {}, flags: { 'admin-token': 'from-flag' }, env: {}, configPath })
    expect(fromFlag.sources.adminToken).toBe('flag --admin-token')
    expect(() => loadSettings('ctl', { defaults: {}, flags: {}, env: { TASKORCH_ADMINTOKEN: 'x' }, configPath })).toThrow(/environment TASKORCH_ADMINTOKEN: unknown setting/)
    saveTokens(configPath, { adminToken: 'generated' })
    expect(JSON.parse(readFileSync(configPath, 'utf8'))).toEqual({ adminToken: 'generated', token: 'workers' })
    expect(describeSettings('server', loadSettings('server', { defaults: {}, flags: {}, env: {}, configPath }))).toMatch(new RegExp(`adminToken +<redacted> \\(fingerprint ${tokenFingerprint('generated')}\\)`))
  })

  it('is redacted in --help, which shows its fingerprint and where it came from', () => {
    const settings = loadSettings('server', { defaults: DEFAULTS, flags: { token: 's3cret-token' }, env: {}, configPath: configFile({}) })
    const text = describeSettings('server', settings)
    expect(text).not.toContain('s3cret-token')
    expect(text).toMatch(new RegExp(`token +<redacted> \\(fingerprint ${tokenFingerprint('s3cret-token')}\\) +flag --token`))
    expect(text).toMatch(/port +8080 +default/)
  })

  it('is masked in every log line, plain or JSON', () => {
    const lines: string[] = []
    const log = createLogger({ secrets: ['s3cret-token'], write: (l) => lines.push(l) })
    log('ERROR', 'handshake with token s3cret-token failed; s3cret-token again')
    const json = createLogger({ json: true, secrets: ['s3cret-token'], write: (l) => lines.push(l) })
    json('FATAL', 'oops s3cret-token')
    expect(lines.join('\n')).not.toContain('s3cret-token')
    expect(lines[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ERROR handshake with token ${REDACTED} failed; ${REDACTED} again$`))
    expect(JSON.parse(lines[1])).toMatchObject({ level: 'FATAL', message: `oops ${REDACTED}` })
  })

  it('has a fingerprint that is stable, short, and not a prefix of the key', () => {
    expect(tokenFingerprint('abc')).toBe(tokenFingerprint('abc'))
    expect(tokenFingerprint('abc')).not.toBe(tokenFingerprint('abd'))
    expect(tokenFingerprint('abc')).toMatch(/^[0-9a-f]{8}$/)
  })
})

describe('files that hold secrets', () => {
  it('are named in a warning when other users may read them', () => {
    const path = join(tempDir('taskorch-secret-'), 'taskorch.potfile')
    writeFileSync(path, '', { mode: 0o644 })
    chmodSync(path, 0o644)
    expect(readableByOthers(path, 'found passwords')).toBe(`${path} holds found passwords but other users may read it (mode 644): run chmod 600 ${path}`)
    chmodSync(path, 0o600)
    expect(readableByOthers(path, 'found passwords')).toBeNull()
  })
})

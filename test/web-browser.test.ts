// The web view in a real browser: Debian's Chromium driven by playwright-core (browser downloads are
// not available here; .ci/run installs Chromium with apt-get where it can). A server with --web and
// one worker: log in, submit a mask job with a custom charset and a planted target, watch its
// progress rise without a reload, see the find, pause, resume, cancel; then a job from an uploaded
// wordlist, best64 and a hash list whose user name and plaintext are hostile, shown as text; a
// cross-site form refused; a phone-sized, view-only page. Screenshots of each page go to docs/web/
// with UPDATE_SCREENSHOTS=1 (to a temporary directory otherwise).
import { describe, expect, it, onTestFailed, onTestFinished } from 'vitest'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { once } from 'node:events'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { candidateAt, keyspaceFrom } from '../shared/keyspace/keyspace.ts'
import { maskSpec } from '../shared/keyspace/spec.ts'
import { ROOT, TOKEN, WAIT_MS, cli, eventually, hex, listeningPort, tempDir, workerArgs } from './helpers.ts'

// The browser's globals, as the functions run in the page use them (the suite is typed for Node).
type Element = { textContent: string | null, querySelectorAll (selector: string): { length: number } }
declare const document: Element & { querySelector (selector: string): Element | null, documentElement: { scrollWidth: number } }
declare const window: { innerWidth: number, unreloaded?: boolean }

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path)) ?? null
const ADMIN = 'aD7vQ2mX9pLr4Wz8bN3cYh6Jd5Fg1Ss0Ae-Uo_Ii2Mz'
const VIEW = 'vW3kR8nB2qTz6Yx1cM5hJ9dF4gL7sP0aE-Uo_Ii2Mq'
const HOSTILE_USER = '<img src=x onerror=alert(1)>'
const HOSTILE_PLAINTEXT = '"><script>'
const WORKER_NAME = '<b>w1</b>'

// Whether the page's figure "N of M candidates" on a job's page (N in groups of three digits) is
// above `least`; run in the page, whose policy allows no script from strings.
function searchedAbove (least: number): number | false {
  const searched = Number(document.querySelector('.figures .quiet')?.textContent?.split(' ')[0].replaceAll(',', '') ?? NaN)
  return searched > least && searched
}

describe.skipIf(!CHROMIUM)(`the web view in ${CHROMIUM ?? 'Chromium (skipped: not installed; apt-get install chromium)'}`, () => {
  it('logs in, runs and steers jobs live, shows hostile strings as text, and refuses a cross-site form', async () => {
    const shots = process.env.UPDATE_SCREENSHOTS ? join(ROOT, 'docs', 'web') : tempDir('taskorch-shots-')
    mkdirSync(shots, { recursive: true })
    const home = tempDir('taskorch-web-home-')
    mkdirSync(join(home, 'taskorch'))
    writeFileSync(join(home, 'taskorch', 'config.json'), JSON.stringify({ token: TOKEN, adminToken: ADMIN, viewToken: VIEW }), { mode: 0o600 })
    const server = cli('server/cli/main.ts', ['--host', '127.0.0.1', '--port', '0', '--headless', '--web', '--potfile-disable'], { XDG_CONFIG_HOME: home })
    onTestFailed(() => console.error(`server log:\n${server.stderr}`))
    const port = await listeningPort(server)
    const base = (await eventually(() => /serving the web view on (http:\/\/127\.0\.0\.1:\d+)\//.exec(server.stderr), WAIT_MS, 'the web view\'s address'))[1]
    const [workerMain, ...args] = workerArgs(port, WORKER_NAME)
    cli(workerMain, args)

    const browser = await chromium.launch({ executablePath: CHROMIUM!, headless: true })
    onTestFinished(() => browser.close())
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    page.setDefaultTimeout(WAIT_MS)
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`)
      void (dialog.type() === 'confirm' ? dialog.accept() : dialog.dismiss())
    })
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))

    // Log in: a wrong token is said so, the admin token opens the jobs page.
    await page.goto(base)
    const token = page.getByPlaceholder('admin token or view token')
    await token.fill('not the token')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByText('that is neither the admin token nor the view token').waitFor()
    await page.screenshot({ path: join(shots, 'login.png') })
    await token.fill(ADMIN)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByText('No jobs yet: add one under New job.').waitFor()

    // A mask job with a custom charset, its target planted 20 million candidates in.
    const spec = maskSpec('?1?1?1?1?1?1?1?1', ['?dabcdef', '', '', ''])
    const planted = Buffer.from(candidateAt(keyspaceFrom(spec), 20_000_000n)).toString()
    await page.getByRole('link', { name: 'New job' }).click()
    await page.locator('textarea[name=targets]').fill(`${hex('md5', planted)}\n${hex('md5', 'not in the keyspace')}`)
    await page.locator('input[name=keyspace]').fill('?1?1?1?1?1?1?1?1')
    await page.locator('input[name=charset1]').fill('?dabcdef')
    await page.locator('input[name=priority]').fill('5')
    await page.screenshot({ path: join(shots, 'new-job.png'), fullPage: true })
    await page.getByRole('button', { name: 'Start the job' }).click()
    await page.getByRole('heading', { name: 'Job 1' }).waitFor()
    await page.evaluate(() => { window.unreloaded = true })

    // Progress rises on its own, and the find appears, without a reload.
    const before = await (await page.waitForFunction(searchedAbove, 0)).jsonValue() as number
    await page.waitForFunction(searchedAbove, before)
    await page.locator('td.plain', { hasText: planted }).waitFor()
    expect(await page.locator('dl.figures').textContent()).toContain('?1?1?1?1?1?1?1?1 -1 ?dabcdef')
    expect(await page.evaluate(() => window.unreloaded)).toBe(true)
    await page.screenshot({ path: join(shots, 'job.png'), fullPage: true })
    // Left open, the page does not grow: as many elements after more snapshots (but the chunks out,
    // whose number varies).
    const elements = () => page.evaluate(() => document.querySelectorAll('*').length - document.querySelector('.chunks')!.querySelectorAll('*').length)
    const drawn = await elements()
    await page.waitForFunction(searchedAbove, await (await page.waitForFunction(searchedAbove, 0)).jsonValue() as number)
    await page.waitForFunction(searchedAbove, await (await page.waitForFunction(searchedAbove, 0)).jsonValue() as number)
    expect(await elements()).toBe(drawn)

    // A form on another site posting to the job's cancel: refused, the job still runs.
    const attacker = http.createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end(`<form method="post" action="${base}/api/jobs/1/cancel"><input name="a" value="1"></form><script>document.forms[0].submit()</script>`)
    })
    attacker.listen(0, '127.0.0.1')
    await once(attacker, 'listening')
    onTestFinished(() => { attacker.close() })
    const other = await context.newPage()
    const [posted] = await Promise.all([other.waitForResponse((r) => r.url().endsWith('/api/jobs/1/cancel')), other.goto(`http://localhost:${(attacker.address() as { port: number }).port}/`)])
    expect(posted.status()).toBe(403)
    await other.close()
    const state = page.locator('dl.figures .state')
    expect(await state.textContent()).toBe('running')

    // Pause (pausing while chunks out finish), resume, cancel.
    await page.getByRole('button', { name: 'Pause' }).click()
    await page.locator('dl.figures .state', { hasText: /^paus(ing|ed)$/ }).waitFor()
    await page.getByRole('button', { name: 'Resume' }).click()
    await page.locator('dl.figures .state', { hasText: /^running$/ }).waitFor()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.locator('dl.figures .state', { hasText: /^cancelled$/ }).waitFor()
    expect(dialogs).toEqual(['confirm: Cancel job 1? It cannot be resumed.'])

    // A second job: an uploaded wordlist with best64, and an uploaded hash list naming its users.
    const files = tempDir('taskorch-web-files-')
    const words = join(files, 'team words.txt')
    writeFileSync(words, ['alpha', 'dragon', HOSTILE_PLAINTEXT, ...Array.from({ length: 2000 }, (_, i) => `filler${i}`)].join('\n') + '\n')
    const hashes = join(files, 'hashes.txt')
    writeFileSync(hashes, `${HOSTILE_USER}:${hex('md5', HOSTILE_PLAINTEXT)}\nbob:${hex('md5', 'dragon9')}\n`) // dragon with best64's $9
    await page.getByRole('link', { name: 'New job' }).click()
    await page.locator('select[name=attackMode]').selectOption('0')
    await page.locator('input[name=targetsFile-upload]').setInputFiles(hashes)
    await page.getByText('hashes.txt is on the server').waitFor()
    await page.locator('input[name=username]').check()
    await page.locator('input[name=wordlist-upload]').setInputFiles(words)
    await page.getByText('team words.txt is on the server').waitFor()
    await page.locator('input[name=rules-upload]').setInputFiles(join(ROOT, 'test/vectors/rules/best64.rule'))
    await page.getByText('best64.rule is on the server').waitFor()
    expect(await page.locator('select[name=wordlist]').inputValue()).toMatch(/^[0-9a-f]{64}\/team words\.txt$/)
    await page.getByRole('button', { name: 'Start the job' }).click()
    await page.getByRole('heading', { name: 'Job 2' }).waitFor()
    await page.locator('dl.figures .state', { hasText: /^found$/ }).waitFor()
    await page.locator('td.plain', { hasText: 'dragon9' }).waitFor()
    // The hostile strings are text: no element made of them, no script run.
    const hostileRow = page.locator('tr', { has: page.locator('td.plain', { hasText: HOSTILE_PLAINTEXT }) })
    expect(await hostileRow.locator('td').first().textContent()).toBe(HOSTILE_USER)
    expect(await hostileRow.locator('td.plain').textContent()).toBe(HOSTILE_PLAINTEXT)
    expect(await page.locator('main img, main script').count()).toBe(0)
    expect(await page.locator('dl.figures').textContent()).toContain('team words.txt')

    // The jobs, the workers (a worker's own name is text too), the join line.
    await page.getByRole('link', { name: 'Jobs' }).click()
    await page.locator('tbody tr').nth(1).waitFor()
    expect(await page.locator('tbody tr').count()).toBe(2)
    await page.screenshot({ path: join(shots, 'jobs.png'), fullPage: true })
    await page.getByRole('link', { name: 'Workers' }).click()
    await page.locator('td', { hasText: WORKER_NAME }).waitFor()
    expect(await page.locator('main b').count()).toBe(0)
    expect(await page.locator('tbody').textContent()).toMatch(/md5 [\d.]+ [kMG]?H\/s/)
    await page.screenshot({ path: join(shots, 'workers.png'), fullPage: true })
    await page.getByRole('link', { name: 'Join a machine' }).click()
    expect(await page.locator('pre.join').textContent()).toMatch(/^curl -fsSLo taskorch-worker\.mjs http:\/\/127\.0\.0\.1:\d+\/taskorch-worker\.mjs && echo "[0-9a-f]{64} {2}taskorch-worker\.mjs" \| sha256sum -c --quiet - && node taskorch-worker\.mjs --host 127\.0\.0\.1 --port \d+ --server-key SHA256:\S+$/)
    await page.screenshot({ path: join(shots, 'join.png') })
    expect(dialogs).toHaveLength(1)
    expect(errors).toEqual([])

    // On a phone, with the view token: readable (nothing wider than the screen but the tables,
    // which scroll), and nothing to steer with.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 })
    const small = await phone.newPage()
    await small.goto(base)
    await small.getByPlaceholder('admin token or view token').fill(VIEW)
    await small.getByRole('button', { name: 'Log in' }).click()
    await small.locator('tbody tr').nth(1).waitFor()
    expect(await small.locator('.role').textContent()).toBe('view only')
    expect(await small.getByRole('link', { name: 'New job' }).count()).toBe(0)
    expect(await small.getByRole('button', { name: /Pause|Resume|Cancel/ }).count()).toBe(0)
    expect(await small.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await small.screenshot({ path: join(shots, 'jobs-phone.png') })
    await phone.close()
  })
})

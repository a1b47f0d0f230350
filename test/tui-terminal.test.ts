// The dashboard in a real terminal emulator (tmux, its own server socket): the join screen shows the
// whole join line at column 0 and stays put while the dashboard's timers run, and the dashboard is
// drawn again whole afterwards. Skipped, saying so, where tmux is not installed (.ci/run installs it
// when it can).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually, ROOT, tempDir, TOKEN, WAIT_MS } from './helpers.ts'

const TMUX = (() => {
  try {
    return execFileSync('tmux', ['-V']).toString().trim()
  } catch {
    return null
  }
})()

const SOCKET = `taskorch-test-${process.pid}`
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args]).toString()
// The pane as text, wrapped lines joined (-J), as a user's copy would take them.
const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'tui')

describe.skipIf(!TMUX)(`the dashboard in ${TMUX ?? 'tmux (skipped: tmux is not installed)'}`, () => {
  afterAll(() => { try { tmux('kill-server') } catch {} })

  it('shows the join line whole at column 0 on its own screen, and draws the dashboard again whole after', async () => {
    const dir = tempDir('taskorch-tui-')
    const command = ['env', `XDG_CONFIG_HOME=${dir}`, `TASKORCH_TOKEN=${TOKEN}`, 'TERM=xterm-256color', process.execPath, '--import', 'tsx', join(ROOT, 'server/cli/main.ts'),
      '--host', '127.0.0.1', '--port', '0', '--no-download', '--potfile-disable', '--key', join(dir, 'server.key')]
    tmux('new-session', '-d', '-s', 'tui', '-x', '120', '-y', '40', '-c', ROOT, command.map((arg) => `'${arg}'`).join(' '))
    const header = await eventually(() => /listening on 127\.0\.0\.1:\d+/.exec(screen())?.[0], WAIT_MS, 'the dashboard')
    // Twice: the second time showed only its last line's end.
    for (let round = 0; round < 2; round++) {
      tmux('send-keys', '-t', 'tui', 'j')
      const joinLine = await eventually(() => screen().split('\n').find((line) => line.startsWith('npm run worker -- ')), WAIT_MS, 'the join line')
      expect(joinLine).toMatch(/^npm run worker -- --host \S+ --port \d+ --server-key SHA256:\S+$/)
      // The dashboard samples and redraws every second: for three of them, none may land on this screen.
      for (let i = 0; i < (round === 0 ? 3 : 1); i++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        const shown = screen()
        expect(shown.split('\n')).toContain(joinLine)
        expect(shown).not.toContain('listening on')
      }
      tmux('send-keys', '-t', 'tui', 'x')
      await eventually(() => screen().includes(header) && !screen().includes('Join a machine') && !screen().includes('Press any key'), WAIT_MS, 'the dashboard again, whole')
    }
    tmux('send-keys', '-t', 'tui', 'q')
  })
})

// The suite in two groups: tests that run inside the test process first, then those that start
// processes (servers, workers, hashcat) or wait on real time. Two files run at once in each group.
// Deadlines are for a busy 2-core machine: a test that waits for an event fails by its own
// `eventually`/`within` guard, which names what it waited for, long before these timeouts.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// The files whose tests spawn processes or depend on wall time: the slow group.
export const PROCESS_TESTS = [
  'admission', 'attacks-e2e', 'control', 'deploy', 'discovery', 'e2e', 'hashcat-e2e', 'hashcat-words-e2e', 'hooks', 'http-port', 'join', 'metrics', 'modes-e2e', 'notify', 'pass-through-e2e', 'runs', 'tui-terminal', 'web-browser'
].map((name) => `test/${name}.test.ts`)

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    setupFiles: ['test/setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: PROCESS_TESTS, testTimeout: 60_000, hookTimeout: 60_000, sequence: { groupOrder: 0 } }
      },
      {
        extends: true,
        test: { name: 'processes', include: PROCESS_TESTS, testTimeout: 300_000, hookTimeout: 120_000, sequence: { groupOrder: 1 } }
      }
    ]
  }
})

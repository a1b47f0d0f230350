// The import graph and the rooms, as a newcomer relies on them: no import circle (type imports
// included), and the arrows one way (the protocol and the kernels know nothing of the server).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import madge from 'madge'
import { describe, expect, it } from 'vitest'
import { ROOT } from './helpers.ts'

// Built once for every test below.
const built = madge(['server', 'worker', 'shared', 'bench'], {
  baseDir: ROOT, fileExtensions: ['ts'], tsConfig: join(ROOT, 'tsconfig.json'), detectiveOptions: { ts: { skipTypeImports: false } }
})

// The files reachable from `roots` by imports.
function reached (imports: Record<string, string[]>, roots: string[]): Set<string> {
  const seen = new Set<string>()
  const stack = [...roots]
  while (stack.length > 0) {
    const file = stack.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    stack.push(...(imports[file] ?? []))
  }
  return seen
}

describe('the import graph', () => {
  it('has no circle, type imports included', async () => {
    expect((await built).circular()).toEqual([])
  })

  // The server builds the single-file worker it serves (worker/bundle) and spawns a local worker by path.
  it('points one way: shared/ imports nothing of server/ or worker/, and neither process imports the other\'s code', async () => {
    const imports = (await built).obj()
    const wrong = Object.entries(imports).flatMap(([file, deps]) => deps.filter((dep) =>
      (file.startsWith('shared/') && !dep.startsWith('shared/')) ||
      (file.startsWith('server/') && dep.startsWith('worker/') && !dep.startsWith('worker/bundle/')) ||
      (file.startsWith('worker/') && dep.startsWith('server/'))).map((dep) => `${file} -> ${dep}`))
    expect(wrong).toEqual([])
  })

  // shared/ holds what both processes use; what only one uses lives in its own tree.
  it('shares only what both the server and the worker reach', async () => {
    const imports = (await built).obj()
    const server = reached(imports, ['server/cli/main.ts', 'server/index.ts', 'server/ctl/main.ts'])
    const worker = reached(imports, ['worker/main.ts', 'worker/thread.ts', 'worker/bundle/entry.ts'])
    const oneSided = Object.keys(imports).filter((file) => file.startsWith('shared/') && !(server.has(file) && worker.has(file)))
    expect(oneSided).toEqual([])
  })

  // ctl is a client: it checks a job as the server would, and reads nothing of the server's state.
  it('keeps ctl out of the server\'s rooms: no scheduler, store, hooks, status or orchestrator', async () => {
    const ctl = [...reached((await built).obj(), ['server/ctl/main.ts'])]
    expect(ctl.filter((file) => /^server\/(store\/|scheduler\/(scheduler|state)\.ts|hooks\.ts|status\.ts|orchestrator\.ts)/.test(file))).toEqual([])
  })

  it('keeps the orchestrator small', () => {
    const lines = readFileSync(join(ROOT, 'server/orchestrator.ts'), 'utf8').match(/\n/g)!.length
    expect(lines).toBeLessThan(250)
  })
})

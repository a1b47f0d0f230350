// The single-file worker: `npm run build` writes dist/taskorch-worker.mjs, which runs with nothing but
// Node (>= 20.11) in an empty directory. The server builds the same bytes in memory to hand out.
//
// Piscina starts each thread on its own script (piscina/dist/worker.js), which would be missing beside
// a lone file, so the build points Piscina at the bundle itself; worker/bundle/entry.ts then plays
// Piscina's thread script inside threads and the command line in the main thread.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { InternalError } from '../../shared/errors.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BUNDLE_NAME = 'taskorch-worker.mjs'
export const BUNDLE_PATH = join(ROOT, 'dist', BUNDLE_NAME)

// CommonJS dependencies bundled into an ES module still ask for require, __filename and __dirname.
const BANNER = [
  "import { createRequire as __taskorchRequire } from 'node:module'",
  "import { fileURLToPath as __taskorchPath } from 'node:url'",
  'const require = __taskorchRequire(import.meta.url)',
  'const __filename = __taskorchPath(import.meta.url)',
  "const __dirname = __taskorchPath(new URL('.', import.meta.url))"
].join('\n')

const PISCINA_THREAD_SCRIPT = "(0, node_path_1.resolve)(__dirname, 'worker.js')"

const piscinaInOneFile: Plugin = {
  name: 'piscina-in-one-file',
  setup (builder) {
    const piscina = dirname(createRequire(import.meta.url).resolve('piscina'))
    builder.onResolve({ filter: /^piscina\/dist\/worker\.js$/ }, () => ({ path: join(piscina, 'worker.js') }))
    builder.onLoad({ filter: /piscina[\\/]dist[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      // Fail the build, not the worker, if an upgrade of Piscina moved this line.
      if (!source.includes(PISCINA_THREAD_SCRIPT)) throw new InternalError(new Error(`${args.path} no longer starts threads on ${PISCINA_THREAD_SCRIPT}; update worker/bundle/build.ts`))
      return { contents: source.replace(PISCINA_THREAD_SCRIPT, '__filename'), loader: 'js' }
    })
  }
}

export type Bundle = { bytes: Uint8Array, sha256: string }

export async function buildWorkerBundle (): Promise<Bundle> {
  const result = await build({
    absWorkingDir: ROOT, // the bytes (paths in comments) must not depend on where the build runs from
    entryPoints: ['worker/bundle/entry.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.11',
    write: false,
    outfile: BUNDLE_PATH,
    // Optional native parts: msgpackr and Piscina fall back to JavaScript without them.
    external: ['msgpackr-extract', '@napi-rs/nice'],
    define: { TASKORCH_BUNDLE: 'true' },
    banner: { js: BANNER },
    plugins: [piscinaInOneFile],
    legalComments: 'eof',
    logLevel: 'silent'
  })
  const bytes = result.outputFiles[0].contents
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { bytes, sha256 } = await buildWorkerBundle()
  mkdirSync(dirname(BUNDLE_PATH), { recursive: true })
  writeFileSync(BUNDLE_PATH, bytes)
  process.stdout.write(`wrote ${BUNDLE_PATH} (${(bytes.length / 1024).toFixed(0)} KiB, sha256 ${sha256})\n`)
}

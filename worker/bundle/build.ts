// The single-file worker: `npm run build` writes dist/taskorch-worker.mjs, which runs with nothing but
// Node (>= 20.11) in an empty directory. The server builds the same bytes in memory to hand out.
// It also writes dist/taskorch-ctl.mjs, the control client (npm run ctl) in one file likewise.
// `npm run build:sea` also writes dist/taskorch-worker, a Linux executable with Node inside (a Node
// single executable application: this Node binary, the worker injected with postject).
//
// Piscina starts each thread on its own script (piscina/dist/worker.js), which would be missing beside
// a lone file, so the build points Piscina at the bundle itself; worker/bundle/entry.ts then plays
// Piscina's thread script inside threads and the command line in the main thread.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { InternalError } from '../../shared/errors.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BUNDLE_NAME = 'taskorch-worker.mjs'
export const BUNDLE_PATH = join(ROOT, 'dist', BUNDLE_NAME)
export const CTL_BUNDLE_PATH = join(ROOT, 'dist', 'taskorch-ctl.mjs')

// CommonJS dependencies bundled into an ES module still ask for require, __filename and __dirname.
const ESM_BANNER = [
  "import { createRequire as __taskorchRequire } from 'node:module'",
  "import { fileURLToPath as __taskorchPath } from 'node:url'",
  'const require = __taskorchRequire(import.meta.url)',
  'const __filename = __taskorchPath(import.meta.url)',
  "const __dirname = __taskorchPath(new URL('.', import.meta.url))"
].join('\n')
// And the CommonJS build (for the executable) gives ES modules their import.meta.url.
const CJS_BANNER = "const __taskorchUrl = require('node:url').pathToFileURL(__filename).href"

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

export function buildWorkerBundle (format: 'esm' | 'cjs' = 'esm'): Promise<Bundle> {
  return bundle('worker/bundle/entry.ts', BUNDLE_PATH, format)
}

export function buildCtlBundle (): Promise<Bundle> {
  return bundle('server/ctl/main.ts', CTL_BUNDLE_PATH, 'esm')
}

async function bundle (entry: string, outfile: string, format: 'esm' | 'cjs'): Promise<Bundle> {
  const result = await build({
    absWorkingDir: ROOT, // the bytes (paths in comments) must not depend on where the build runs from
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format,
    target: 'node20.11',
    write: false,
    outfile,
    // Optional native parts: msgpackr and Piscina fall back to JavaScript without them.
    external: ['msgpackr-extract', '@napi-rs/nice'],
    define: { TASKORCH_BUNDLE: 'true', ...(format === 'cjs' ? { 'import.meta.url': '__taskorchUrl' } : {}) },
    banner: { js: format === 'esm' ? ESM_BANNER : CJS_BANNER },
    plugins: [piscinaInOneFile],
    legalComments: 'eof',
    logLevel: 'silent'
  })
  const bytes = result.outputFiles[0].contents
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') }
}

export const EXECUTABLE_PATH = join(ROOT, 'dist', 'taskorch-worker')
// The fuse Node looks for to know a blob was injected (from Node's single-executable documentation).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

// Node's recipe: a blob from a config naming the first script and its assets, injected into a copy
// of this very Node binary.
async function buildExecutable (): Promise<void> {
  const dist = dirname(EXECUTABLE_PATH)
  const work = join(dist, 'sea')
  mkdirSync(work, { recursive: true })
  writeFileSync(join(work, 'taskorch-worker.cjs'), (await buildWorkerBundle('cjs')).bytes)
  const config = {
    main: join(ROOT, 'worker/bundle/sea-main.cjs'),
    output: join(work, 'blob'),
    disableExperimentalSEAWarning: true,
    assets: { 'taskorch-worker.cjs': join(work, 'taskorch-worker.cjs') }
  }
  writeFileSync(join(work, 'config.json'), JSON.stringify(config))
  execFileSync(process.execPath, ['--experimental-sea-config', join(work, 'config.json')], { stdio: 'inherit' })
  copyFileSync(process.execPath, EXECUTABLE_PATH)
  const postject = join(dirname(createRequire(import.meta.url).resolve('postject/package.json')), 'dist/cli.js')
  execFileSync(process.execPath, [postject, EXECUTABLE_PATH, 'NODE_SEA_BLOB', config.output, '--sentinel-fuse', SEA_FUSE], { stdio: ['ignore', 'ignore', 'inherit'] })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { bytes, sha256 } = await buildWorkerBundle()
  mkdirSync(dirname(BUNDLE_PATH), { recursive: true })
  writeFileSync(BUNDLE_PATH, bytes)
  process.stdout.write(`wrote ${BUNDLE_PATH} (${(bytes.length / 1024).toFixed(0)} KiB, sha256 ${sha256})\n`)
  const ctl = await buildCtlBundle()
  writeFileSync(CTL_BUNDLE_PATH, ctl.bytes)
  process.stdout.write(`wrote ${CTL_BUNDLE_PATH} (${(ctl.bytes.length / 1024).toFixed(0)} KiB), the control client\n`)
  if (process.argv.includes('--sea')) {
    await buildExecutable()
    process.stdout.write(`wrote ${EXECUTABLE_PATH} (Node ${process.version} inside; runs without Node installed, on this OS and architecture)\n`)
  }
}

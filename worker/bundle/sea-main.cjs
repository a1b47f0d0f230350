// The executable's first script (Node's single executable applications run one CommonJS file whose
// require() knows only built-in modules). Piscina starts threads on a file, so the worker bundle,
// embedded as an asset, is written to a private directory, run from there, and removed on exit.
const { getAsset } = require('node:sea')
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs')
const { createRequire } = require('node:module')
const { tmpdir } = require('node:os')
const { join } = require('node:path')

const directory = mkdtempSync(join(tmpdir(), 'taskorch-worker-')) // mode 0700
const file = join(directory, 'taskorch-worker.cjs')
writeFileSync(file, getAsset('taskorch-worker.cjs', 'utf8'), { mode: 0o600 })
process.once('exit', () => rmSync(directory, { recursive: true, force: true }))
createRequire(file)(file)

// The web view's page: server/web/page/ built by esbuild into one script and one style sheet, in
// memory when the server starts (as the worker bundle is), and a small HTML shell that loads them.
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url))

export type PageFile = { type: string, bytes: Uint8Array, etag: string }
export type WebPage = { html: PageFile, js: PageFile, css: PageFile }

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>TaskOrchestrator</title>
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body><main id="app"><p class="quiet">Loading…</p></main></body>
</html>
`

function pageFile (type: string, bytes: Uint8Array): PageFile {
  return { type, bytes, etag: `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"` }
}

export async function buildWebPage (): Promise<WebPage> {
  const result = await build({
    entryPoints: [join(PAGE_DIR, 'main.ts'), join(PAGE_DIR, 'style.css')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    write: false,
    outdir: '/page', // names the outputs; nothing is written
    legalComments: 'none',
    logLevel: 'silent'
  })
  const output = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))!.contents
  return {
    html: pageFile('text/html; charset=utf-8', Buffer.from(HTML)),
    js: pageFile('text/javascript; charset=utf-8', output('.js')),
    css: pageFile('text/css; charset=utf-8', output('.css'))
  }
}

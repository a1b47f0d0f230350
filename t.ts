import { createHash } from 'node:crypto'
import { ChunkRunner } from './worker/runner.ts'
const r = new ChunkRunner(2)
const t0 = performance.now()
const c = r.run({ algorithm: 'md5', targets: [createHash('md5').update('1999999').digest()], keyspace: { type: 'range', start: '0', end: '100000000' } }, 0n, 4_000_000, (h) => console.log('hit', Buffer.from(h.plaintext).toString(), performance.now() - t0))
console.log(await c.done, c.hashed(), ((performance.now() - t0)/1000).toFixed(2))
const c2 = r.run({ algorithm: 'md5', targets: [createHash('md5').update('x').digest()], keyspace: { type: 'range', start: '0', end: '100000000' } }, 0n, 40_000_000, () => {})
setTimeout(() => { const t = performance.now(); c2.cancel(); c2.done.then(o => console.log('cancelled', o, (performance.now() - t).toFixed(1), 'ms')) }, 500)
await c2.done; await r.close()

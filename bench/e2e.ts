// End to end: a real server (this process, the library) and a real worker process on loopback (the
// repository's, or the single-file build; on the WASM kernels or through hashcat), the worker with all its threads, searching a keyspace for
// a digest that is not in it. Speed is the whole keyspace over the time from adding the job to its
// end: handshake, chunking, progress and the last chunk's tail all count.
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import type { Algorithm } from '../shared/algorithms.ts'
import { generateToken } from '../shared/protocol/credentials.ts'
import type { JobRequest } from '../server/job-description.ts'
import { Orchestrator } from '../server/orchestrator.ts'
import { spawnLocalWorker, type LocalWorkerOptions } from '../server/local-worker.ts'

export type EndToEnd = { run (algorithm: Algorithm, keyspace: JobRequest['keyspace'], targets?: Uint8Array[]): Promise<number>, close (): Promise<void> }

// `script`: a single-file worker build to run instead of the repository's worker; `backend`: the
// worker's --backend (wasm unless given); `verifyWork`: work verification (on unless false);
// `cacheDir`: the worker's --cache-dir (a fresh one holds no list yet).
export async function startEndToEnd (threads: number, script?: string, backend?: LocalWorkerOptions['backend'], verifyWork = true, cacheDir?: string): Promise<EndToEnd> {
  const token = generateToken()
  const orchestrator = new Orchestrator({ host: '127.0.0.1', port: 0, token, verifyWork })
  await orchestrator.start()
  const joined = once(orchestrator, 'worker-joined')
  const worker = spawnLocalWorker({ port: orchestrator.port, token, serverKey: orchestrator.serverKeyFingerprint, threads, script, backend, cacheDir }, () => {})
  await joined
  return {
    // Candidates per second over the whole job, from adding it to its end. `targets`: digests that
    // are not in the keyspace (default: one).
    async run (algorithm, keyspace, targets = [createHash(algorithm).update('not in any benchmark keyspace').digest()]) {
      const started = performance.now()
      const job = await orchestrator.addTasks({ algorithm, targets, keyspace })
      const outcome = await job.done
      if (outcome.status !== 'exhausted' || outcome.hashed !== job.keyspaceSize) throw new Error(`end-to-end run ended ${outcome.status} after ${outcome.hashed} of ${job.keyspaceSize}`)
      return Number(outcome.hashed) / ((performance.now() - started) / 1000)
    },
    async close () {
      worker.kill('SIGTERM')
      await orchestrator.stop()
    }
  }
}

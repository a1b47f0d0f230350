// `--targets FILE`: one hex digest per line; blank lines and `#` comments are skipped. A bad line
// stops everything with the file and line number, before any work starts.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { parseDigest, type Algorithm } from '../../shared/algorithms.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { MAX_TARGETS_PER_JOB } from '../scheduler/options.ts'

export async function readHashList (path: string, algorithm: Algorithm): Promise<Uint8Array[]> {
  const digests: Uint8Array[] = []
  const input = createReadStream(path, { encoding: 'utf8' })
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve())
    input.once('error', (error: NodeJS.ErrnoException) => reject(new InvalidInputError(`--targets ${path}: cannot read it (${error.code ?? error.message})`)))
  })
  await opened
  let number = 0
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    number++
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    try {
      digests.push(parseDigest(algorithm, line))
    } catch (error) {
      throw new InvalidInputError(`${path}:${number}: ${(error as Error).message}`)
    }
    if (digests.length > MAX_TARGETS_PER_JOB) throw new InvalidInputError(`${path}:${number}: more than ${MAX_TARGETS_PER_JOB} targets in one job`)
  }
  if (digests.length === 0) throw new InvalidInputError(`${path}: no digests in it (blank lines and # comments are skipped)`)
  return digests
}

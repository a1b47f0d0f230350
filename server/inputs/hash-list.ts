// `--targets FILE`: one hash per line in hashcat's format for the algorithm (a hex digest,
// `digest:salt`, a crypt hash); blank lines and `#` comments are skipped. With `username`, each line
// starts with `user:`. Crypt hashes may come as shadow-file lines (`user:$6$...:19000:0:99999:7:::`),
// whose accounts without a password (`*`, `!`, `!!`, empty) are skipped. A bad line stops everything
// with the file and line number, before any work starts.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { ALGORITHM_INFO, formatTarget, parseTarget, type Algorithm, type ParseOptions } from '../../shared/algorithms.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { MAX_TARGETS_PER_JOB } from '../scheduler/options.ts'

export type HashListOptions = ParseOptions & { username?: boolean }

// `targets`: each as its text (formatTarget: hashcat's canonical form), which is all a job keeps of it.
// `users`: the users each target belongs to, by that text, when lines named them.
// `locked`: shadow lines skipped because their account has no password hash.
export type HashList = { targets: string[], users: Map<string, string[]>, locked: number }

export async function readHashList (path: string, algorithm: Algorithm, options: HashListOptions = {}): Promise<HashList> {
  const list: HashList = { targets: [], users: new Map(), locked: 0 }
  const input = createReadStream(path, { encoding: 'utf8' })
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve())
    input.once('error', (error: NodeJS.ErrnoException) => reject(new InvalidInputError(`--targets ${path}: cannot read it (${error.code ?? error.message})`)))
  })
  await opened
  const seen = new Set<string>()
  let number = 0
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    number++
    const line = raw // not trimmed: a salt may end in spaces
    if (line.trim() === '' || line.startsWith('#')) continue
    try {
      const entry = readLine(line, algorithm, options)
      if (!entry) {
        list.locked++
        continue
      }
      const text = formatTarget(algorithm, entry.target)
      if (entry.user !== null) list.users.set(text, [...(list.users.get(text) ?? []), entry.user])
      if (seen.has(text)) continue // the same hash for several users is searched once
      seen.add(text)
      list.targets.push(text)
    } catch (error) {
      throw new InvalidInputError(`${path}:${number}: ${(error as Error).message}`)
    }
    if (list.targets.length > MAX_TARGETS_PER_JOB) throw new InvalidInputError(`${path}:${number}: more than ${MAX_TARGETS_PER_JOB} targets in one job`)
  }
  if (list.targets.length === 0) throw new InvalidInputError(`${path}: no hashes in it (blank lines, # comments${list.locked ? ` and ${list.locked} account(s) without a password` : ''} are skipped)`)
  return list
}

const NO_PASSWORD = /^(|\*.*|!.*)$/

// One line's user (or null) and target; null for a shadow line whose account has no password.
function readLine (line: string, algorithm: Algorithm, options: HashListOptions): { user: string | null, target: Uint8Array } | null {
  const crypt = ALGORITHM_INFO[algorithm].kind === 'crypt'
  const colon = line.indexOf(':')
  if (crypt && colon >= 0) {
    // Shadow: user, hash, then the password-aging fields, which a crypt hash never contains.
    const [user, hash] = line.split(':')
    if (NO_PASSWORD.test(hash)) return null
    return { user, target: parseTarget(algorithm, hash, options) }
  }
  if (options.username) {
    if (colon < 0) throw new Error('with --username a line is user:hash, and this one has no colon')
    return { user: line.slice(0, colon), target: parseTarget(algorithm, line.slice(colon + 1), options) }
  }
  return { user: null, target: parseTarget(algorithm, line, options) }
}

// --show and --left, as hashcat has them: the hashes given (--target, --targets) that the potfile
// already cracked, as `[user:]hash:plaintext` lines, or those it has not, as `[user:]hash` lines. A
// potfile line counts only if its plaintext hashes to the target. Nothing is searched; exit 0.
import { existsSync } from 'node:fs'
import { formatTarget, parseAlgorithm, parseTarget } from '../../shared/algorithms.ts'
import { InvalidInputError } from '../../shared/errors.ts'
import { badLinesWarning, readHashList } from '../inputs/hash-list.ts'
import { resultLines, shownResult } from '../pot-format.ts'
import { Potfile, verifiedPlaintext } from '../store/potfile.ts'

export async function showOrLeft (flags: Record<string, unknown>, potfilePath: string): Promise<number> {
  if (flags.show && flags.left) throw new InvalidInputError('give --show or --left, not both')
  const which = flags.show ? '--show' : '--left'
  if (flags['potfile-disable']) throw new InvalidInputError(`${which} reads the potfile; drop --potfile-disable`)
  const given = (flags.target as string[] | undefined) ?? []
  if (given.length === 0 && flags.targets === undefined) throw new InvalidInputError(`${which} needs the hashes: --target or --targets`)
  const algorithm = parseAlgorithm((flags.algo as string | undefined) ?? 'md5')
  const options = { username: flags.username === true, hexSalt: flags['hex-salt'] === true, strict: flags.strict === true }
  const list = flags.targets !== undefined ? await readHashList(flags.targets as string, algorithm, options) : null
  // As a job's list is: bad lines skipped with a warning (--strict stops at one), on stderr.
  const warning = list && badLinesWarning(flags.targets as string, list)
  if (warning) process.stderr.write(`warning: ${warning}\n`)
  if (!existsSync(potfilePath)) process.stderr.write(`warning: potfile ${potfilePath} does not exist (yet): nothing in it is cracked\n`)
  const potfile = await Potfile.read(potfilePath)
  const hashes = [...given.map((t) => formatTarget(algorithm, parseTarget(algorithm, t, options))), ...(list ? list.targets.texts() : [])]
  const out: string[] = []
  for (const hash of hashes) {
    const users = list?.users.get(hash) ?? []
    const plaintext = verifiedPlaintext(potfile, algorithm, hash)
    if (flags.show && plaintext) out.push(...resultLines(shownResult(algorithm, { hash, bytes: plaintext, users })))
    if (flags.left && !plaintext) out.push(...(users.length > 0 ? users.map((user) => `${user}:${hash}`) : [hash]))
  }
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n')
  return 0
}

// `--rules FILE` (hashcat's -r), repeatable: each file is read whole, parsed (a rule that cannot be
// applied is skipped, as hashcat skips it, and said in `warnings` with its file and line), and
// fingerprinted, so a restored session can tell it is the same file.
// Their texts travel to workers with the job.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { InvalidInputError } from '../../shared/errors.ts'
import type { RuleFileSpec } from '../../shared/keyspace/spec.ts'
import { MAX_RULE_FILES, MAX_RULES_BYTES } from '../../shared/protocol/limits.ts'
import { combinedCount, describeSkipped, parseRules } from '../../shared/rules/rules.ts'

export type RuleFiles = { specs: RuleFileSpec[], texts: Uint8Array[], warnings: string[] }

export async function readRuleFiles (paths: readonly string[]): Promise<RuleFiles> {
  if (paths.length > MAX_RULE_FILES) throw new InvalidInputError(`at most ${MAX_RULE_FILES} rule files (--rules) in one job`)
  const texts: Uint8Array[] = []
  const specs: RuleFileSpec[] = []
  const sets = []
  const warnings: string[] = []
  for (const path of paths) {
    const name = resolve(path)
    let text: Uint8Array
    try {
      text = await readFile(name)
    } catch (error) {
      throw new InvalidInputError(`--rules ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
    const set = parseRules(text, path)
    if (set.skipped.length > 0) warnings.push(describeSkipped(path, set.skipped))
    sets.push(set)
    texts.push(text)
    specs.push({ name, sha256: createHash('sha256').update(text).digest('hex'), count: set.count })
  }
  const bytes = texts.reduce((n, t) => n + t.length, 0)
  if (bytes > MAX_RULES_BYTES) throw new InvalidInputError(`the rule files total ${bytes} bytes; workers take at most ${MAX_RULES_BYTES} per job`)
  combinedCount(sets, paths)
  return { specs, texts, warnings }
}

// A restored job's rule files must be the ones it began with.
export async function rereadRuleFiles (jobId: string, specs: readonly RuleFileSpec[]): Promise<RuleFiles> {
  const files = await readRuleFiles(specs.map((s) => s.name))
  for (const [i, was] of specs.entries()) {
    if (files.specs[i].sha256 !== was.sha256) {
      throw new InvalidInputError(`cannot restore job ${jobId}: rule file ${was.name} has changed since the session began (SHA-256 ${was.sha256.slice(0, 16)}…, now ${files.specs[i].sha256.slice(0, 16)}…)`)
    }
  }
  return files
}

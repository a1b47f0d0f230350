// Whether a token a person chose is strong enough to guard the fleet: zxcvbn's estimate of the
// guesses it takes (dictionaries of common passwords, English words and names, keyboard walks,
// sequences, repeats, dates, l33t), not character classes, which passed `correcthorsebatterystaple`
// and `qwertyuiopasdfghjklzxcvbnm`. Each guess also costs the attacker scrypt (shared/protocol/limits.ts
// TOKEN_KDF). The server judges tokens; workers and ctl take what they are given.
import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core'
import * as common from '@zxcvbn-ts/language-common'
import * as english from '@zxcvbn-ts/language-en'
import { WeakTokenError } from '../shared/errors.ts'

// 10^16 guesses at scrypt's cost: thousands of GPU-years. A generated token estimates at about 10^43.
export const MIN_TOKEN_GUESSES_LOG10 = 16

let configured = false

export function tokenGuessesLog10 (token: string): number {
  if (!configured) {
    zxcvbnOptions.setOptions({ dictionary: { ...common.dictionary, ...english.dictionary }, graphs: common.adjacencyGraphs })
    configured = true
  }
  return zxcvbn(token).guessesLog10
}

export function checkTokenStrength (token: string): void {
  const log10 = tokenGuessesLog10(token)
  if (log10 < MIN_TOKEN_GUESSES_LOG10) throw new WeakTokenError(log10, MIN_TOKEN_GUESSES_LOG10)
}

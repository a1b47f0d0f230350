// Asking on the terminal: the token with the input hidden (it must not land in scrollback or a
// screen share), and yes/no questions.
import { createInterface } from 'node:readline/promises'
import { InvalidInputError } from '../shared/errors.ts'

// What promptHidden needs of a terminal; process.stdin and process.stderr fit.
export type Terminal = { input: NodeJS.ReadableStream & { setRawMode?: (raw: boolean) => unknown, isTTY?: boolean }, output: NodeJS.WritableStream }

const ENTER = new Set(['\r', '\n'])
const CANCEL = new Set(['\u0003', '\u0004']) // Ctrl-C, Ctrl-D
const ERASE = new Set(['\u007f', '\b'])

// Reads one line without echoing it. Ctrl-C or Ctrl-D cancel (an InvalidInputError: exit 2).
export function promptHidden (question: string, { input, output }: Terminal): Promise<string> {
  // Echo off before the question shows: an answer typed (or pasted) the moment it appears is not echoed.
  input.setRawMode?.(true)
  output.write(question)
  input.resume()
  let answer = ''
  return new Promise((resolve, reject) => {
    const finish = (error: Error | null) => {
      input.off('data', onData)
      input.setRawMode?.(false)
      input.pause()
      output.write('\n')
      if (error) reject(error)
      else resolve(answer)
    }
    const onData = (chunk: Buffer | string) => {
      for (const character of chunk.toString()) {
        if (ENTER.has(character)) return finish(null)
        if (CANCEL.has(character)) return finish(new InvalidInputError('cancelled at the token prompt'))
        if (ERASE.has(character)) answer = answer.slice(0, -1)
        else if (character >= ' ') answer += character
      }
    }
    input.on('data', onData)
  })
}

export async function promptYesNo (question: string, { input, output }: Terminal, fallback: boolean): Promise<boolean> {
  const lines = createInterface({ input, output, terminal: false })
  try {
    const answer = (await lines.question(`${question} [${fallback ? 'Y/n' : 'y/N'}] `)).trim().toLowerCase()
    return answer === '' ? fallback : answer === 'y' || answer === 'yes'
  } finally {
    lines.close()
  }
}

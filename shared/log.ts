// Log lines on stderr (stdout carries only results): ISO time, level, message; or one JSON object per
// line for log collectors. Secrets handed to the logger are masked in every line, whatever said them.
import { escapeControls } from './printable.ts'

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL'
// What library code (the orchestrator, the worker client) reports; the CLIs print it as a Level.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type Logger = (level: Level, message: string) => void

export const REDACTED = '<redacted>'

export function createLogger (options: { json?: boolean, debug?: boolean, secrets?: string[], write?: (line: string) => void } = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'))
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0)
  return (level, message) => {
    if (level === 'DEBUG' && !options.debug) return
    for (const secret of secrets) message = message.replaceAll(secret, REDACTED)
    message = escapeControls(message)
    const time = new Date().toISOString()
    write(options.json ? JSON.stringify({ time, level, message }) : `${time} ${level.padEnd(5)} ${message}`)
  }
}

// Headless log lines on stderr (stdout carries only results): ISO time, level, message; or JSON lines.
export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL'

export function createLogger (options: { json?: boolean, debug?: boolean, write?: (line: string) => void } = {}) {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'))
  return (level: Level, message: string) => {
    if (level === 'DEBUG' && !options.debug) return
    const time = new Date().toISOString()
    write(options.json ? JSON.stringify({ time, level, message }) : `${time} ${level.padEnd(5)} ${message}`)
  }
}

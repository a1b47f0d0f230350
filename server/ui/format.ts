// Human-readable figures shared by the log lines and the terminal UI.

export function formatSpeed (hashesPerSecond: number): string {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s']
  let value = hashesPerSecond
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++ }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

// Past this an ETA means nothing but "not in your lifetime".
const LONGEST_ETA_SECONDS = 100 * 365.25 * 86_400

export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-'
  if (seconds > LONGEST_ETA_SECONDS) return '> 100 years'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`
}

// The page's few tools: elements made with every string as text (never parsed as HTML, so a user
// name or a plaintext cannot become markup), the API behind its header, and figures as people read them.
import type { WebError } from '../api.ts'

type Child = Node | string | number | null | undefined | false
type Props = Record<string, string | boolean | number | ((event: Event) => void) | undefined>

// An element: props set as properties ("on..." as listeners, "class" as className), children as
// nodes or text.
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, props: Props = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined) continue
    if (typeof value === 'function') element.addEventListener(name.slice(2), value)
    else if (name === 'class') element.className = String(value)
    else if (name.startsWith('data-') || name.startsWith('aria-')) element.setAttribute(name, String(value))
    else (element as unknown as Record<string, unknown>)[name] = value
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    element.append(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
  return element
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  constructor (status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

// The page's header on every request: the server refuses a change without it (a cross-site
// request cannot send it).
const HEADERS = { 'x-taskorch-request': '1' }

export async function api<T> (path: string, options: { method?: string, json?: unknown, body?: Blob } = {}): Promise<T> {
  const headers: Record<string, string> = { ...HEADERS }
  let body: BodyInit | undefined = options.body
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.json)
  } else if (body) {
    headers['content-type'] = 'application/octet-stream'
  }
  const response = await fetch(path, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body, credentials: 'same-origin' })
  if (response.status === 204) return undefined as T
  const value = await response.json().catch(() => null) as T | WebError | null
  if (!response.ok) {
    const error = (value as WebError | null)?.error
    throw new ApiError(response.status, error?.code ?? 'HTTP', error?.message ?? `the server answered ${response.status}`)
  }
  return value as T
}

const UNITS = ['', 'k', 'M', 'G', 'T', 'P']

// Candidates per second: 1234567 -> "1.23 MH/s"
export function rate (value: number): string {
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? String(Math.round(value)) : value.toPrecision(3)} ${UNITS[unit]}H/s`
}

// A count in groups of three digits: 4294967296 -> "4,294,967,296" (decimal text beyond 2^53 too).
export function grouped (value: number | string): string {
  return String(value).replace(/\B(?=(\d{3})+$)/g, ',')
}

// A count that may come as decimal text (beyond 2^53), as a number for bars and rates.
export function num (value: number | string): number {
  return typeof value === 'number' ? value : Number(value)
}

// 3725 -> "1h 2m"
export function duration (seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${Math.round(seconds % 60)}s`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h ${minutes % 60}m`
  return `${Math.floor(hours / 24)}d ${hours % 24}h`
}

export function ago (time: number): string {
  return `${duration((Date.now() - time) / 1000)} ago`
}

export function bytes (size: number): string {
  return size < 1024 ? `${size} B` : size < 1024 ** 2 ? `${(size / 1024).toFixed(1)} KiB` : size < 1024 ** 3 ? `${(size / 1024 ** 2).toFixed(1)} MiB` : `${(size / 1024 ** 3).toFixed(2)} GiB`
}

// What every page of the web view gets, and what a page is.
import type { WebSession, WebSnapshot } from '../api.ts'

// The session, the latest snapshot, a way to go elsewhere, and to say what went wrong.
export type App = { session: WebSession, snapshot: WebSnapshot | null, go: (route: string) => void, fail: (error: unknown) => void }
// A page: draws itself once, then `update` on every snapshot (a form does nothing on updates).
export type Page = { element: HTMLElement, update: (snapshot: WebSnapshot) => void }

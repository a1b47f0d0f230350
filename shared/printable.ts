// Control characters (C0, C1), direction marks and overrides, and line or paragraph separators: what
// could forge a log line or repaint a terminal when text from a peer is shown.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g

export function hasControls (text: string): boolean {
  CONTROLS.lastIndex = 0
  return CONTROLS.test(text)
}

// Each such character as a \uXXXX escape.
export function escapeControls (text: string): string {
  return text.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

// Copies source[from, to) into buf at `at`; returns where it stopped. A loop: candidates are short,
// and Uint8Array.set costs more per call than it saves.
export function copy (source: Uint8Array, from: number, to: number, buf: Uint8Array, at: number): number {
  for (let i = from; i < to; i++) buf[at++] = source[i]
  return at
}

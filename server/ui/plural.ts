// "1 thread", "2 threads": counts in messages read as English.
export function plural (count: number | bigint, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 || count === 1n ? noun : nouns}`
}

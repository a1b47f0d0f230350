// Half-open index ranges [offset, end) of a keyspace, kept sorted and disjoint. A job's unassigned
// work is such a list; so are the completed ranges a session journal records.
export type Range = { offset: bigint, end: bigint }

// Adds `range` to a sorted, disjoint list, merging it with the neighbours it touches.
export function insertRange (ranges: Range[], range: Range): void {
  if (range.end <= range.offset) return
  let i = 0
  while (i < ranges.length && ranges[i].end < range.offset) i++
  let { offset, end } = range
  let j = i
  while (j < ranges.length && ranges[j].offset <= end) {
    if (ranges[j].offset < offset) offset = ranges[j].offset
    if (ranges[j].end > end) end = ranges[j].end
    j++
  }
  ranges.splice(i, j - i, { offset, end })
}

// Any ranges, overlapping or not, as a sorted disjoint list.
export function mergeRanges (ranges: Iterable<Range>): Range[] {
  const sorted = [...ranges].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))
  const merged: Range[] = []
  for (const range of sorted) {
    const last = merged.at(-1)
    if (last && range.offset <= last.end) {
      if (range.end > last.end) last.end = range.end
    } else if (range.end > range.offset) {
      merged.push({ ...range })
    }
  }
  return merged
}

// What [0, size) holds outside a sorted disjoint list.
export function complement (ranges: Range[], size: bigint): Range[] {
  const gaps: Range[] = []
  let at = 0n
  for (const range of ranges) {
    if (range.offset > at) gaps.push({ offset: at, end: range.offset })
    if (range.end > at) at = range.end
  }
  if (at < size) gaps.push({ offset: at, end: size })
  return gaps
}

export function rangesSize (ranges: Range[]): bigint {
  let total = 0n
  for (const range of ranges) total += range.end - range.offset
  return total
}

// Removes [offset, end) from ranges[index], which holds it, leaving what lies either side.
export function takeRange (ranges: Range[], index: number, offset: bigint, end: bigint): void {
  const range = ranges[index]
  const pieces = [{ offset: range.offset, end: offset }, { offset: end, end: range.end }].filter((r) => r.end > r.offset)
  ranges.splice(index, 1, ...pieces)
}

// A sorted disjoint list without [range.offset, range.end).
export function subtractRange (ranges: Range[], range: Range): Range[] {
  return ranges.flatMap((r) => [{ offset: r.offset, end: r.end < range.offset ? r.end : range.offset }, { offset: r.offset > range.end ? r.offset : range.end, end: r.end }])
    .filter((r) => r.end > r.offset)
}

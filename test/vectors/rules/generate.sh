#!/bin/bash
# Regenerates the expected rule outputs with hashcat (see README.md): each word alone, so the order is
# the rules' order for that word.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
n=0
: > "$tmp/edges.out"; : > "$tmp/best64.out"; : > dive.sha256
while IFS= read -r word || [ -n "$word" ]; do
  [ -z "$word" ] && continue
  printf '%s\n' "$word" > "$tmp/w"
  hashcat --stdout -r edges.rule "$tmp/w" >> "$tmp/edges.out"
  hashcat --stdout -r best64.rule "$tmp/w" >> "$tmp/best64.out"
  n=$((n+1))
  if [ ${#word} -le 16 ] && [ $n -le 40 ]; then
    gzip -dc dive.rule.gz > "$tmp/dive.rule"
    printf '%s %s\n' "$(hashcat --stdout -r "$tmp/dive.rule" "$tmp/w" | sha256sum | cut -d' ' -f1)" "$(printf '%s' "$word" | xxd -p | tr -d '\n')" >> dive.sha256
  fi
done < words.txt
gzip -9n -c "$tmp/edges.out" > edges.expected.gz
gzip -9n -c "$tmp/best64.out" > best64.expected.gz
rm -rf "$tmp"

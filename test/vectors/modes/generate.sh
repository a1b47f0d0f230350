#!/bin/sh
# Remakes the scheme modes' vectors: generate.ts writes N.hashes and words.txt; hashcat (6.2.6, its CPU
# backend) cracks each list with the wordlist into N.potfile and prints N.show (--show).
set -e
cd "$(dirname "$0")"
node --import tsx generate.ts
for list in *.hashes; do
  mode=${list%.hashes}
  rm -f "$mode.potfile"
  hashcat -m "$mode" -a 0 --force --quiet --potfile-path "$mode.potfile" --session "vectors$mode" "$list" words.txt > /dev/null || true
  hashcat -m "$mode" --show --force --quiet --potfile-path "$mode.potfile" "$list" > "$mode.show"
done

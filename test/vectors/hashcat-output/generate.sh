#!/bin/bash
# Records what hashcat prints, for the parser's tests (worker/hashcat/parse.ts): its version, its
# device list, a keyspace, status JSON lines (running, exhausted, cracked) and outfile lines
# (--outfile-format 1,3: hash[:salt]:hex plaintext). Needs hashcat (apt-get install hashcat
# pocl-opencl-icd); --force because the CPU backend is all this machine has.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
run=(--force --potfile-disable --restore-disable --quiet --status --status-json --status-timer 1)
hashcat --version > version.txt
hashcat -I --force > devices.txt 2>&1
hashcat -m 0 -a 3 -O --keyspace '?d?d?d?d?d?d?d?d' > keyspace.txt
# A digest outside the keyspace: running lines, then exhausted (exit 1).
printf '%s\n' "$(printf absent | md5sum | cut -d' ' -f1)" > "$tmp/absent"
hashcat -m 0 -a 3 -O "${run[@]}" --session taskorch-rec1 "$tmp/absent" '?d?d?d?d?d?d?d?d?d' > status-exhausted.txt || [ $? -eq 1 ]
# One of two digests found (exit 1: the other is not in the keyspace), and a salted one (exit 0).
printf '%s\n%s\n' "$(printf 4242424 | md5sum | cut -d' ' -f1)" "$(printf absent | md5sum | cut -d' ' -f1)" > "$tmp/two"
hashcat -m 0 -a 3 -O "${run[@]}" --session taskorch-rec2 --outfile "$tmp/out" --outfile-format 1,3 "$tmp/two" '?d?d?d?d?d?d?d' > status-cracked.txt || [ $? -eq 1 ]
printf '%s:s:alt\n' "$(printf '1s:alt' | md5sum | cut -d' ' -f1)" > "$tmp/salted"
hashcat -m 10 -a 3 "${run[@]}" --session taskorch-rec3 --outfile "$tmp/out" --outfile-format 1,3 "$tmp/salted" '?d' > status-salted.txt
cp "$tmp/out" outfile.txt && chmod 644 outfile.txt
rm -rf "$tmp"

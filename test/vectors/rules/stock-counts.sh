#!/bin/bash
# hashcat's real -a 0 attack count of rules per stock rule file (one word, progress total)
cd /tmp && echo x > /tmp/one.txt && echo 00000000000000000000000000000001 > /tmp/h1
for f in /usr/share/hashcat/rules/*.rule; do
  out=$(hashcat -m 0 -a 0 /tmp/h1 /tmp/one.txt -r $f --force --potfile-disable --quiet --status --status-json --status-timer 1 --session hcc$$ 2>&1)
  total=$(echo "$out" | grep '^{' | tail -1 | sed 's/.*"progress": \[[0-9]*, \([0-9]*\)\].*/\1/')
  skipped=$(echo "$out" | grep -c "Skipping")
  echo -e "$(basename $f)\t$total\t$skipped"
done

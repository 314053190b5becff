#!/bin/bash
# Time from the story command to the delivered installment: the engine before grounded
# composition (commit b5801d2, with a five-line harness patch that records latency_s) and
# this checkout, side by side, script by script (each pair of processes runs at once).
#
#   scripts/latency_pair.sh OUTDIR examples/eval/food-truck.txt [more scripts...]
#
# Each side gets a fresh data folder and its own embedded Redis; the JSON lines go to
# OUTDIR/{base,head}-NAME.jsonl (latency_s per installment).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$1; shift; mkdir -p "$out"
base=${STORYLOOM_BASE_TREE:-/tmp/storyloom-b5801d2}
if [ ! -d "$base" ]; then
  git -C "$here" worktree add -f "$base" b5801d2 >/dev/null
  git -C "$base" apply "$here/scripts/latency_base_harness.patch"
fi
py="$here/.venv/bin/python"
for s in "$@"; do
  name=$(basename "$s" .txt)
  for side in base head; do
    root=$base; flag=""
    if [ "$side" = head ]; then root=$here; flag=--no-judge; fi
    d=$(mktemp -d)
    ( cd "$root" && env OMP_NUM_THREADS=1 STORYLOOM_DATA_DIR="$d" STORYLOOM_MAX_NEW_TOKENS=96 \
        STORYLOOM_SEED=11 STORYLOOM_DRAFTS=4 STORYLOOM_JOB_TIMEOUT=3600 \
        STORYLOOM_PROMPT_TOKENS=900 REDIS_URL= PYTHONPATH="$root" \
        "$py" -m bot.cli.main eval story --script "$here/$s" --json --user "$name" $flag \
        > "$out/$side-$name.jsonl" 2> "$out/$side-$name.err"; rm -rf "$d" ) &
  done
  wait
done
for f in "$out"/*.jsonl; do
  "$py" -c "import json,sys; xs=[json.loads(l)['latency_s'] for l in open(sys.argv[1]) if '\"installment\"' in l]; print(sys.argv[1], xs)" "$f"
done

#!/bin/sh
# Reproduce one red-team run: generate, replay, evaluate, analyse.
#   sh benchmarks/redteam/run.sh SEED PROFILE   (e.g. 1 main, 1 poison)
set -eu
seed=${1:-1}
profile=${2:-main}
dir=out/redteam-$profile-s$seed
bin=.venv/bin
$bin/python -W ignore -m benchmarks.redteam --seed "$seed" --profile "$profile" --out "$dir"
$bin/distillwatch replay "$dir/events.jsonl" --out "$dir/replay" --scores --no-progress 2>/dev/null
$bin/distillwatch evaluate "$dir/replay/alerts.jsonl" "$dir/labels.jsonl" \
    --events "$dir/events.jsonl" --scores "$dir/replay/scores.jsonl" --out "$dir/eval" --quiet
$bin/python -W ignore -m benchmarks.redteam.analyze "$dir" > "$dir/analysis.md"
echo "$dir/analysis.md"

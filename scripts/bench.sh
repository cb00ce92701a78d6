#!/usr/bin/env bash
# Reproduces the throughput, memory and dictionary-build figures of BENCHMARKS.md.
#
# usage: scripts/bench.sh [CORPUS.jsonl]   (default ../shared/corpus/bench_news_corpus.jsonl)
# Prints a markdown table. Each figure is the best of 3 runs of the whole process.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${HANTAG_SHARED:-$root/../shared}
corpus=${1:-$shared/corpus/bench_news_corpus.jsonl}
bin=target/release/hantag
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 scripts/gazetteer_to_dict.py "$shared/corpus/gazetteers/gazetteer_100k.tsv" "$work/g100k" --all-types 2>/dev/null
echo '{"id":"x","body":"네이버"}' > "$work/one.jsonl"
text_mb=$(python3 -c "
import json,sys
n=0
for l in open(sys.argv[1],encoding='utf-8'):
    d=json.loads(l); n+=len((d.get('title') or '').encode())+len((d.get('body') or '').encode())
print(f'{n/1e6:.2f}')" "$corpus")
docs=$(wc -l < "$corpus")

# best of 3: wall seconds and peak RSS (MB) of a command
measure() {
  local best=999999 rss=0
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2>&1 || true
    read -r wall kb < "$work/t"
    if python3 -c "import sys; sys.exit(0 if float('$wall') < float('$best') else 1)"; then best=$wall; rss=$kb; fi
  done
  echo "$best $((rss / 1024))"
}

echo "corpus: $corpus ($docs documents, $text_mb MB of title+body text)"
echo
echo "| dictionary | morph | threads | wall s | MB/s | docs/s | peak MB |"
echo "|---|---|---|---|---|---|---|"
for dict in builtin "$work/g100k"; do
  name=$([ "$dict" = builtin ] && echo "built-in" || echo "gazetteer 100k (all types)")
  for morph in off on; do
    for threads in 1 2; do
      read -r wall rss < <(measure $bin tag "$corpus" --dict "$dict" --format jsonl --morph "$morph" --threads "$threads" -q)
      python3 -c "print(f'| $name | $morph | $threads | $wall | {$text_mb/$wall:.1f} | {$docs/$wall:,.0f} | $rss |')"
    done
  done
done
echo
echo "| dictionary | load + compile (whole process on one tiny article) | peak MB |"
echo "|---|---|---|"
for dict in builtin "$work/g100k"; do
  name=$([ "$dict" = builtin ] && echo "built-in" || echo "gazetteer 100k")
  read -r wall rss < <(measure $bin tag "$work/one.jsonl" --dict "$dict" --format jsonl -q)
  echo "| $name | $wall s | $rss |"
done

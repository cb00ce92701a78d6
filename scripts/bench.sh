#!/usr/bin/env bash
# Reproduces the figures of BENCHMARKS.md. Each figure is the best of $RUNS (default 5) runs
# of the whole process (wall time; peak RSS of that run), on
# ../shared/corpus/bench_news_corpus.jsonl.
#
# usage: scripts/bench.sh [SECTION…]    sections: throughput peers scaling memory topics build
#                                       alloc long automaton criterion (default: all of them)
# The Python peers are installed into .venv-bench (pyahocorasick, flashtext, spacy) from
# the package registry on first use.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shared=${HANTAG_SHARED:-$root/../shared}
corpus=$shared/corpus/bench_news_corpus.jsonl
gazetteer=$shared/corpus/gazetteers/gazetteer_100k.tsv
bin=$root/target/release/hantag
sections=${*:-throughput peers scaling memory topics build alloc long automaton criterion}
runs=${RUNS:-5}
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 scripts/gazetteer_to_dict.py "$gazetteer" "$work/g100k" --all-types 2>/dev/null
"$bin" compile --dict "$work/g100k" -o "$work/g100k.bin" > /dev/null 2>&1
echo '{"id":"x","body":"네이버"}' > "$work/one.jsonl"
text_mb() {
  python3 -c "
import json,sys
n=0
for l in open(sys.argv[1],encoding='utf-8'):
    d=json.loads(l); n+=len((d.get('title') or '').encode())+len((d.get('body') or '').encode())
print(f'{n/1e6:.2f}')" "$1"
}
mb=$(text_mb "$corpus")
docs=$(wc -l < "$corpus")

# best of $runs: prints "wall_seconds peak_MB"
# One run of a command: "wall_seconds peak_KB", the wall time to the millisecond (GNU time
# gives hundredths, too coarse for runs of a tenth of a second) and the child's peak RSS.
timed() {
  python3 -c '
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
wall = time.perf_counter() - started
print(f"{wall:.3f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")' "$@"
}
measure() {
  local best="" rss=0 wall kb
  for _ in $(seq "$runs"); do
    read -r wall kb < <(timed "$@")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $wall < $best else 1)"; then best=$wall; rss=$((kb / 1024)); fi
  done
  echo "$best $rss"
}
rate() { python3 -c "r = $1/max($2,1e-9); print(f'{r:.1f}' if r >= 1 else f'{r:.3f}')"; }
per_s() { python3 -c "print(f'{$1/max($2,1e-9):,.0f}')"; }

# The Python peers, installed into .venv-bench from the package registry on first use.
ensure_peers() {
  if [ ! -x .venv-bench/bin/python ] || ! .venv-bench/bin/python -c "import ahocorasick, flashtext, spacy" 2>/dev/null; then
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install --quiet pyahocorasick flashtext spacy
  fi
}

# hantag (CSV and compiled 100k gazetteer; 1 and 2 threads) against the Python peers on one
# input: peer_table FILE TEXT_MB
peer_table() {
  local file=$1 mbx=$2 hwall cwall twall wall
  echo "| tool | wall s | MB/s | hantag (1 thread) is faster by: CSV / compiled |"
  echo "|---|---|---|---|"
  read -r hwall _ < <(measure "$bin" tag "$file" --dict "$work/g100k" --format jsonl --morph off --threads 1 -q)
  read -r cwall _ < <(measure "$bin" tag "$file" --dict "$work/g100k.bin" --format jsonl --morph off --threads 1 -q)
  read -r twall _ < <(measure "$bin" tag "$file" --dict "$work/g100k.bin" --format jsonl --morph off --threads 2 -q)
  echo "| hantag --morph off, 1 thread | $hwall | $(rate "$mbx" "$hwall") | — |"
  echo "| hantag --morph off, 1 thread, compiled | $cwall | $(rate "$mbx" "$cwall") | — |"
  echo "| hantag --morph off, 2 threads, compiled | $twall | $(rate "$mbx" "$twall") | — |"
  for peer in pyahocorasick flashtext; do
    read -r wall _ < <(runs=3 measure .venv-bench/bin/python scripts/peers.py "$gazetteer" "$file" "$peer")
    echo "| $peer | $wall | $(rate "$mbx" "$wall") | $(python3 -c "print(f'{$wall/$hwall:.1f}× / {$wall/$cwall:.1f}×')") |"
  done
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus: $corpus ($docs documents, $mb MB of title+body text)"

for section in $sections; do
case $section in
throughput)
  echo; echo "## throughput (whole process, --format jsonl to /dev/null)"; echo
  echo "| dictionary | morph | threads | wall s | MB/s | docs/s | peak MB |"
  echo "|---|---|---|---|---|---|---|"
  for dict in builtin "$work/g100k" "$work/g100k.bin"; do
    name=$(case "$dict" in builtin) echo "built-in";; *.bin) echo "gazetteer 100k, compiled";; *) echo "gazetteer 100k";; esac)
    for morph in off on; do
      for threads in 1 2; do
        read -r wall rss < <(measure "$bin" tag "$corpus" --dict "$dict" --format jsonl --morph "$morph" --threads "$threads" -q)
        echo "| $name | $morph | $threads | $wall | $(rate "$mb" "$wall") | $(per_s "$docs" "$wall") | $rss |"
      done
    done
  done
  ;;
peers)
  ensure_peers
  echo; echo "## peers (gazetteer_100k.tsv, all rows; whole process, interpreter start included)"; echo
  echo "| tool | docs | wall s | MB/s | hantag --morph off, 1 thread, is faster by |"
  echo "|---|---|---|---|---|"
  read -r hwall _ < <(measure "$bin" tag "$corpus" --dict "$work/g100k" --format jsonl --morph off --threads 1 -q)
  read -r cwall _ < <(measure "$bin" tag "$corpus" --dict "$work/g100k.bin" --format jsonl --morph off --threads 1 -q)
  hrate=$(rate "$mb" "$hwall")
  echo "| hantag --morph off, 1 thread | $docs | $hwall | $hrate | 1.0× |"
  echo "| hantag --morph off, 1 thread, compiled dictionary | $docs | $cwall | $(rate "$mb" "$cwall") | — |"
  for peer in pyahocorasick flashtext; do
    read -r wall _ < <(measure .venv-bench/bin/python scripts/peers.py "$gazetteer" "$corpus" "$peer")
    echo "| $peer | $docs | $wall | $(rate "$mb" "$wall") | $(python3 -c "print(f'{$wall/$hwall:.1f}× ({$wall/$cwall:.1f}× compiled)')") |"
  done
  # spaCy is too slow for the whole corpus: its rates are measured on the first 2,000 documents.
  head -n 2000 "$corpus" > "$work/head.jsonl"
  hmb=$(text_mb "$work/head.jsonl")
  for peer in spacy-phrase spacy-ruler; do
    read -r wall _ < <(measure .venv-bench/bin/python scripts/peers.py "$gazetteer" "$work/head.jsonl" "$peer")
    echo "| $peer (first 2,000 docs) | 2000 | $wall | $(rate "$hmb" "$wall") | $(python3 -c "print(f'≈ {$wall/($hmb/$hrate):.0f}× (at hantag\'s rate)')") |"
  done
  # A longer run, where start-up weighs less: 4 copies of the corpus.
  python3 scripts/make_bench_corpus.py 4 "$work/x4.jsonl" 2>/dev/null
  mb4=$(text_mb "$work/x4.jsonl")
  echo; echo "4 copies of the corpus ($mb4 MB):"; echo
  peer_table "$work/x4.jsonl" "$mb4"
  ;;
scaling)
  echo; echo "## scaling with dictionary size (synthetic: real aliases first, then pseudo-names)"; echo
  echo "| aliases | build: whole process on one article, s | peak MB | tag corpus, morph off, 1 thread: wall s | MB/s |"
  echo "|---|---|---|---|---|"
  for n in 1000 10000 100000 1000000; do
    python3 scripts/synth_dict.py "$n" "$work/s$n" 2>/dev/null
    read -r bwall brss < <(measure "$bin" tag "$work/one.jsonl" --dict "$work/s$n" --format jsonl -q)
    read -r wall _ < <(measure "$bin" tag "$corpus" --dict "$work/s$n" --format jsonl --morph off --threads 1 -q)
    echo "| $n | $bwall | $brss | $wall | $(rate "$mb" "$wall") |"
  done
  for copies in 4 8; do
    python3 scripts/make_bench_corpus.py "$copies" "$work/x.jsonl" 2>/dev/null
    mbx=$(text_mb "$work/x.jsonl")
    echo; echo "$copies copies of the corpus ($mbx MB), whole process:"; echo
    echo "| dictionary | morph | 1 thread: wall s (MB/s) | 2 threads: wall s (MB/s) | 2 vs 1 |"
    echo "|---|---|---|---|---|"
    for spec in "builtin on built-in" "$work/g100k off gazetteer 100k" "$work/g100k.bin off gazetteer 100k, compiled"; do
      read -r dict morph name <<< "$spec"
      read -r w1 _ < <(measure "$bin" tag "$work/x.jsonl" --dict "$dict" --format jsonl --morph "$morph" --threads 1 -q)
      read -r w2 _ < <(measure "$bin" tag "$work/x.jsonl" --dict "$dict" --format jsonl --morph "$morph" --threads 2 -q)
      echo "| $name | $morph | $w1 ($(rate "$mbx" "$w1")) | $w2 ($(rate "$mbx" "$w2")) | $(python3 -c "print(f'{$w1/$w2:.2f}×')") |"
    done
  done
  ;;
memory)
  echo; echo "## peak memory, 1x vs 4x the corpus (built-in, morph on, 2 threads)"; echo
  python3 scripts/make_bench_corpus.py 4 "$work/x4.jsonl" 2>/dev/null
  read -r _ r1 < <(measure "$bin" tag "$corpus" --out "$work/o1" -q)
  read -r _ r4 < <(measure "$bin" tag "$work/x4.jsonl" --out "$work/o4" -q)
  echo "| input | peak MB |"; echo "|---|---|"
  echo "| 1× ($docs docs) | $r1 |"; echo "| 4× | $r4 ($(python3 -c "print(f'{$r4/$r1:.2f}×')")) |"
  ;;
topics)
  echo; echo "## cost of the built-in topics (built-in entities, morph on, 1 thread)"; echo
  mkdir -p "$work/notopics" && cp -r dictionaries/entities "$work/notopics/"
  read -r w1 _ < <(measure "$bin" tag "$corpus" --dict builtin --format jsonl --threads 1 -q)
  read -r w0 _ < <(measure "$bin" tag "$corpus" --dict "$work/notopics" --format jsonl --threads 1 -q)
  echo "| dictionaries | wall s | MB/s |"; echo "|---|---|---|"
  echo "| entities only | $w0 | $(rate "$mb" "$w0") |"
  echo "| entities + 45 topics | $w1 | $(rate "$mb" "$w1") |"
  ;;
build)
  echo; echo "## dictionary build (whole process on one tiny article)"; echo
  echo "| dictionary | from CSV: s | peak MB | compiled (hantag compile): s | peak MB |"; echo "|---|---|---|---|---|"
  python3 scripts/synth_dict.py 1000000 "$work/s1m" 2>/dev/null
  for dict in builtin "$work/g100k" "$work/s1m"; do
    name=$(case "$dict" in builtin) echo built-in;; *g100k) echo "gazetteer 100k";; *) echo "1M aliases";; esac)
    read -r wall rss < <(measure "$bin" tag "$work/one.jsonl" --dict "$dict" --format jsonl -q)
    "$bin" compile --dict "$dict" -o "$work/c.bin" > /dev/null 2>&1
    read -r cwall crss < <(measure "$bin" tag "$work/one.jsonl" --dict "$work/c.bin" --format jsonl -q)
    echo "| $name | $wall | $rss | $cwall | $crss |"
  done
  ;;
alloc)
  echo; echo "## allocator: mimalloc (default feature fast-alloc) vs the system allocator"; echo
  cargo build --release --quiet --no-default-features --features cli --target-dir target/sysalloc
  sys_bin=target/sysalloc/release/hantag
  python3 scripts/make_bench_corpus.py 4 "$work/x4.jsonl" 2>/dev/null
  echo "| run (4 copies of the corpus, --morph off) | mimalloc: wall s, peak MB | system: wall s, peak MB |"
  echo "|---|---|---|"
  for spec in "builtin 1" "builtin 2" "$work/g100k.bin 1" "$work/g100k.bin 2"; do
    read -r dict threads <<< "$spec"
    read -r w1 r1 < <(measure "$bin" tag "$work/x4.jsonl" --dict "$dict" --format jsonl --morph off --threads "$threads" -q)
    read -r w2 r2 < <(measure "$sys_bin" tag "$work/x4.jsonl" --dict "$dict" --format jsonl --morph off --threads "$threads" -q)
    echo "| $(basename "$dict"), $threads thread(s) | $w1, $r1 | $w2, $r2 |"
  done
  ;;
long)
  ensure_peers
  # Long articles: petitions_2017_2019.jsonl (about 3.5 kB of text per document) five times
  # over, against the peers with the same 100k gazetteer.
  petitions=$shared/corpus/petitions_2017_2019.jsonl
  for _ in 1 2 3 4 5; do cat "$petitions"; done > "$work/long.jsonl"
  mbl=$(text_mb "$work/long.jsonl")
  echo; echo "## long articles: petitions_2017_2019.jsonl ×5 ($(wc -l < "$work/long.jsonl") documents, $mbl MB), gazetteer_100k.tsv"; echo
  peer_table "$work/long.jsonl" "$mbl"
  ;;
automaton)
  # The automaton kinds and the issue's two reference points (a plain aho-corasick
  # leftmost-longest scan, lindera over all the text), structures alone, in one process.
  echo; echo "## automata and reference points (examples/automaton_compare.rs)"; echo
  cargo run --release --quiet --example automaton_compare -- "$gazetteer" "$corpus"
  ;;
criterion)
  # The library benchmarks (benches/tag.rs): build, load, one article, a batch, text passes.
  echo; echo "## criterion (cargo bench --bench tag)"; echo
  # Each benchmark's name, time and throughput (criterion's comparisons with its last run,
  # in percent, are left out).
  cargo bench --quiet --bench tag 2>&1 | grep -E "time:|thrpt:|^[a-z]" |
    grep -vE "^(Benchmarking|Found|Warning|Gnuplot)|Performance|[Cc]hange|%"
  ;;
*) echo "unknown section $section" >&2; exit 2 ;;
esac
done

#!/usr/bin/env bash
# Runs examples/spark_tag.py in Spark local mode over a sample of ../shared/corpus (with
# malformed lines injected) and checks the filter contract of `hantag tag - --format jsonl`
# under RDD.pipe: one output line per input line, and the same records as the plain CLI on
# the same input. Exit 0 pass, 1 fail. See docs/spark.md.
#
# Installs pyspark from PyPI into .venv-spark when it is not importable there (needs Java 17,
# or 8/11). Builds the release binary unless HANTAG_BIN is set.
#   SPARK_CHECK_LINES=N|all   corpus lines in the sample (default 5000)
#   SPARK_CHECK_CORPUS=FILE   JSONL corpus (default ../shared/corpus/bench_news_corpus.jsonl)
#   SPARK_CHECK_MASTER, SPARK_CHECK_PARTITIONS   default local[2] and 4
#   SPARK_CHECK_VENV=DIR      the virtualenv (default .venv-spark)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYSPARK_VERSION=3.5.8 # Spark 3.5 runs on Java 8, 11 and 17
VENV=${SPARK_CHECK_VENV:-$ROOT/.venv-spark}
CORPUS=${SPARK_CHECK_CORPUS:-$ROOT/../shared/corpus/bench_news_corpus.jsonl}
LINES=${SPARK_CHECK_LINES:-5000}
MASTER=${SPARK_CHECK_MASTER:-local[2]}
PARTITIONS=${SPARK_CHECK_PARTITIONS:-4}

say() { printf 'spark-check: %s\n' "$*"; }
fail() {
    say "FAIL: $*" >&2
    exit 1
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# --- prerequisites: Java, pyspark, the corpus, the binary -----------------------------------
command -v java >/dev/null || fail "java not found on PATH (Spark needs a JDK; Java 17 works)"
say "$(java -version 2>&1 | head -n 1)"
[ -f "$CORPUS" ] || fail "corpus not found: $CORPUS"

if ! "$VENV/bin/python" -c 'import pyspark' 2>/dev/null; then
    say "installing pyspark==$PYSPARK_VERSION into $VENV"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || fail "cannot create the virtualenv $VENV (python3 -m venv)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION" ||
        fail "cannot install pyspark==$PYSPARK_VERSION from the package registry (see pip's message above)"
    "$VENV/bin/python" -c 'import pyspark' || fail "pyspark installed but not importable in $VENV"
fi
say "pyspark $("$VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)') in $VENV"

if [ -z "${HANTAG_BIN:-}" ]; then
    cargo build --release --quiet || fail "cargo build --release failed"
    target=${CARGO_TARGET_DIR:-target}
    HANTAG_BIN=$(cd "$target/release" && pwd)/hantag
fi
[ -x "$HANTAG_BIN" ] || fail "not an executable: $HANTAG_BIN"
export HANTAG_BIN
say "binary: $HANTAG_BIN ($("$HANTAG_BIN" --version))"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# --- the sample: corpus lines plus hostile lines at known places -----------------------------
if [ "$LINES" = all ]; then cat "$CORPUS"; else head -n "$LINES" "$CORPUS"; fi >"$TMP/corpus.jsonl"
n=$(wc -l <"$TMP/corpus.jsonl")
# Line number in the corpus sample before which each line goes, then the line itself.
awk -v n="$n" '
    BEGIN {
        at[int(n / 5)] = "not json"                                  # malformed: not JSON
        at[int(n / 2)] = "{\"id\":\"truncated\",\"title\":\"네이버클라우드"   # malformed: cut short
        at[int(3 * n / 4)] = "{}"                                    # malformed: no body or title
        at[int(4 * n / 5)] = ""                                      # a blank line is a line too
        at[int(9 * n / 10)] = "{\"title\":\"삼성전자, 하이퍼클로바X 도입\"}"  # no id: same output anywhere
    }
    { if (NR in at) print at[NR]; print }
' "$TMP/corpus.jsonl" >"$TMP/sample.jsonl"
total=$(wc -l <"$TMP/sample.jsonl")
say "sample: $total lines ($n corpus lines from $(basename "$CORPUS"), 5 injected)"

# --- plain CLI --------------------------------------------------------------------------------
t0=$(now)
code=0
"$HANTAG_BIN" tag - --format jsonl --quiet <"$TMP/sample.jsonl" >"$TMP/cli.jsonl" 2>"$TMP/cli.err" || code=$?
t1=$(now)
[ "$code" -le 1 ] || fail "plain CLI exited with $code: $(head -c 500 "$TMP/cli.err")"

# --- Spark, local mode --------------------------------------------------------------------------
unset SPARK_MASTER # the job runs on $MASTER, whatever the caller's environment says
export PYSPARK_PYTHON=$VENV/bin/python PYSPARK_DRIVER_PYTHON=$VENV/bin/python
export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1} SPARK_LOG_LEVEL=ERROR
t2=$(now)
"$VENV/bin/spark-submit" --master "$MASTER" \
    --conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false \
    --conf spark.local.dir="$TMP/spark-local" \
    examples/spark_tag.py "$TMP/sample.jsonl" "$TMP/out" --partitions "$PARTITIONS" \
    >"$TMP/spark.log" 2>&1 || {
    tail -n 40 "$TMP/spark.log" >&2
    fail "the Spark job failed (log above)"
}
t3=$(now)
parts=$(find "$TMP/out" -name 'part-*' | wc -l)
cat "$TMP"/out/part-* >"$TMP/spark.jsonl"

# --- compare ----------------------------------------------------------------------------------
cli_n=$(wc -l <"$TMP/cli.jsonl")
spark_n=$(wc -l <"$TMP/spark.jsonl")
LC_ALL=C sort "$TMP/cli.jsonl" >"$TMP/cli.sorted"
LC_ALL=C sort "$TMP/spark.jsonl" >"$TMP/spark.sorted"
passed=0 failed=0
check() { # check NAME OK-COMMAND...
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        say "ok: $name"
    else
        failed=$((failed + 1))
        say "FAILED: $name"
    fi
}
check "plain CLI: $cli_n output lines for $total input lines" [ "$cli_n" -eq "$total" ]
check "Spark: $spark_n output lines for $total input lines" [ "$spark_n" -eq "$total" ]
check "Spark output records = plain CLI output records (as sets)" cmp -s "$TMP/cli.sorted" "$TMP/spark.sorted"
check "Spark part files, concatenated, in input order" cmp -s "$TMP/cli.jsonl" "$TMP/spark.jsonl"

say "timing on $total lines: plain CLI $(secs "$t0" "$t1") s; Spark $MASTER, $parts partitions $(secs "$t2" "$t3") s (JVM start included)"
if [ "$failed" -gt 0 ]; then
    only() { LC_ALL=C comm "$1" "$TMP/cli.sorted" "$TMP/spark.sorted" | head -n 5 | LC_ALL=C.UTF-8 sed -E 's/^(.{200}).+/    \1…/; t; s/^/    /'; }
    if ! cmp -s "$TMP/cli.sorted" "$TMP/spark.sorted"; then
        say "only in the plain CLI's output ($(LC_ALL=C comm -23 "$TMP/cli.sorted" "$TMP/spark.sorted" | wc -l) lines, first 5):"
        only -23
        say "only in Spark's output ($(LC_ALL=C comm -13 "$TMP/cli.sorted" "$TMP/spark.sorted" | wc -l) lines, first 5):"
        only -13
    fi
    say "$passed passed, $failed failed"
    fail "Spark output differs from the filter contract (see above)"
fi
say "$passed passed, $failed failed"
say "PASS"

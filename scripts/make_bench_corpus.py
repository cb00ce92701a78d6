#!/usr/bin/env python3
"""Write N copies of the benchmark news corpus as one JSONL file, for long throughput runs.

usage: make_bench_corpus.py N OUT.jsonl

Reads $HANTAG_SHARED/corpus/bench_news_corpus.jsonl (default HANTAG_SHARED: ../shared next to
the repository root) and writes its documents N times over, each copy with fresh ids
(`{id}#{copy}`, copy counting from 0) and only the fields id, title, body, date. The output
holds corpus text: write it outside the repository (e.g. /tmp), never commit it.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("HANTAG_SHARED") or os.path.join(ROOT, "..", "shared")
CORPUS = os.path.join(SHARED, "corpus", "bench_news_corpus.jsonl")
FIELDS = ("id", "title", "body", "date")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="N concatenated copies of the bench news corpus with fresh ids.",
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("copies", type=int, metavar="N", help="number of copies (>= 1)")
    parser.add_argument("out", metavar="OUT.jsonl", help="output file ('-' for stdout)")
    args = parser.parse_args(argv)
    if args.copies < 1:
        parser.error("N must be at least 1")

    docs = []
    with open(CORPUS, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                docs.append({k: d.get(k) for k in FIELDS})

    out = sys.stdout if args.out == "-" else open(args.out + ".tmp", "w", encoding="utf-8", newline="\n")
    written = 0
    nbytes = 0
    try:
        for copy in range(args.copies):
            for d in docs:
                rec = dict(d, id=f"{d['id']}#{copy}")
                line = json.dumps(rec, ensure_ascii=False) + "\n"
                out.write(line)
                written += 1
                nbytes += len((rec["title"] or "").encode("utf-8")) + len((rec["body"] or "").encode("utf-8"))
    finally:
        if out is not sys.stdout:
            out.close()
    if out is not sys.stdout:
        os.replace(args.out + ".tmp", args.out)
    print(f"make_bench_corpus: {written:,} documents ({args.copies} × {len(docs):,}), "
          f"{nbytes / 1e6:.1f} MB of title+body text, to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(0)

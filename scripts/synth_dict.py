#!/usr/bin/env python3
"""Writes a hantag dictionary of exactly N aliases, for dictionary-size scaling benchmarks.

usage: synth_dict.py N OUT_DIR [--gazetteer ../shared/corpus/gazetteers/gazetteer_all_sources.tsv]

The real gazetteer's aliases come first (so the dictionary finds what news mentions); when N
is larger than the gazetteer, deterministic pseudo-names fill the rest: 2–5 Hangul syllables
drawn with the syllable frequencies of the gazetteer's own aliases (so the alphabet and its
skew are those of real names), some with a Latin or digit part (누리벤X, 카담3), typed as
company.
Writes OUT_DIR/entities/synth.csv with one alias per entity (type from the gazetteer, or
`company` for pseudo-names).
"""
import csv
import os
import random
import sys


def main():
    args = sys.argv[1:]
    gazetteer = None
    if "--gazetteer" in args:
        i = args.index("--gazetteer")
        gazetteer = args[i + 1]
        del args[i : i + 2]
    n, out_dir = int(args[0]), args[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    shared = os.environ.get("HANTAG_SHARED", os.path.join(root, "..", "shared"))
    gazetteer = gazetteer or os.path.join(shared, "corpus", "gazetteers", "gazetteer_all_sources.tsv")

    seen = set()
    rows = []
    with open(gazetteer, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            alias, kind = parts[0].strip(), parts[2].strip().lower()
            key = alias.lower().replace(" ", "")
            if not alias or "|" in alias or key in seen or len(alias) < 2:
                continue
            seen.add(key)
            kind = "".join(c if c.isalnum() or c in "_-" else "_" for c in kind) or "misc"
            if not kind[0].isalpha():
                kind = "t" + kind
            rows.append((alias, kind))
            if len(rows) >= n:
                break

    rng = random.Random(20251127)
    counts = {}
    for alias, _ in rows:
        for c in alias:
            if "\uac00" <= c <= "\ud7a3":
                counts[c] = counts.get(c, 0) + 1
    pool = sorted(counts)
    weights = [counts[c] for c in pool]
    while len(rows) < n:
        syllables = "".join(rng.choices(pool, weights, k=rng.randint(2, 5)))
        r = rng.random()
        if r < 0.1:
            alias = syllables + rng.choice("ABCDEFGHXZ")
        elif r < 0.15:
            alias = syllables + str(rng.randrange(1, 100))
        else:
            alias = syllables
        key = alias.lower()
        if key in seen:
            continue
        seen.add(key)
        rows.append((alias, "company"))

    os.makedirs(os.path.join(out_dir, "entities"), exist_ok=True)
    path = os.path.join(out_dir, "entities", "synth.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "type", "name", "aliases", "exact_aliases", "requires", "excludes", "note"])
        for i, (alias, kind) in enumerate(rows):
            w.writerow([f"s{i}", kind.lower(), alias, "", "", "", "", ""])
    print(f"synth_dict: {len(rows)} aliases to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Measure hantag's entity precision and recall on the HCLT-2016 NER train set.

usage: eval_ner.py [--bin target/release/hantag]
                   [--gazetteer ../shared/corpus/gazetteers/gazetteer_100k.nounlike.tsv]
                   [--morph on|off] [--baseline] [--errors N]
                   [--exclude-source PREFIX]... [--dict DIR] [--no-hantag]

1. Builds a dictionary from the gazetteer's PS/OG/LC* rows with gazetteer_to_dict.py into a
   temporary directory (or uses --dict DIR as is).
2. Feeds hantag the 3,555 sentences as JSONL on stdin (id, title, body only; no gold) with
   `hantag tag - --format jsonl --dict DIR --morph on|off`.
3. Scores exact spans against the gold PS/OG/LC entities (PS -> person, OG -> organization,
   LC -> place): a predicted body mention is a true positive when a gold entity has exactly
   its (start, end). Headline figures ignore the type; the "typed" figures also require the
   predicted entity type to be the gold type's.

--baseline also scores, over the same dictionary, (a) plain substring matching (every
occurrence of every alias, exact surface, then leftmost-longest non-overlapping) and (b) the
same with a word-start check and a fixed particle list (a match must start a word and be
followed by a word end, or by a particle and then a word end).

--errors N prints N sample false positives and N false negatives with context, and the most
frequent ones, to stderr.

The shipped gazetteers contain the spans of this very training set (entity ids
`hclt2016-train/...`), so their recall is in-sample; the report says how many gold spans that
concerns. For an out-of-sample dictionary use
`--gazetteer .../gazetteer_all_sources.tsv --exclude-source hclt2016-train/`: the other files
keep one row per alias, so excluding that source from them also drops common names such as
서울 that other sources list too.

The corpus is read from $HANTAG_SHARED (default: ../shared next to the repository root);
nothing from it is written into the repository. Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
SHARED = os.environ.get("HANTAG_SHARED") or os.path.join(ROOT, "..", "shared")
CORPUS = os.path.join(SHARED, "corpus")
DOCS_FILE = os.path.join(CORPUS, "hclt2016_ner_train.jsonl")
GOLD_FILE = os.path.join(CORPUS, "hclt2016_ner_train_gold_entities.tsv")
DEFAULT_GAZETTEER = os.path.join(CORPUS, "gazetteers", "gazetteer_100k.nounlike.tsv")

sys.path.insert(0, SCRIPTS)
import gazetteer_to_dict  # noqa: E402  (sibling script)

GOLD_TYPES = {"PS": "person", "OG": "organization", "LC": "place"}
DICT_TYPES = {"PS", "OG", "LC", "LC_ADDRESS", "LC_STATION"}

# Baseline (b): particles (조사) and the copula that may follow a name before the word ends.
PARTICLES = sorted(
    """
    이 가 은 는 을 를 의 에 에서 에게 께 께서 와 과 로 으로 도 만 까지 부터 보다 처럼
    이나 나 이랑 랑 이며 며 에는 에서는 에도 에서도 에선 로는 으로는 와의 과의 에게서 한테
    로서 으로서 로부터 으로부터 마저 조차 밖에 뿐 이다 이었다 였다 이라는 라는 에서의 에의
    """.split(),
    key=len,
    reverse=True,
)

Span = tuple[str, int, int]  # (doc id, start, end) in code points of the body


@dataclass
class Doc:
    id: str
    body: str


@dataclass
class Prediction:
    spans: dict[Span, set[str]] = field(default_factory=dict)  # span -> predicted types
    surfaces: dict[Span, str] = field(default_factory=dict)  # span -> reported text

    def add(self, span: Span, kind: str, text: str) -> None:
        self.spans.setdefault(span, set()).add(kind)
        self.surfaces.setdefault(span, text)


@dataclass
class Score:
    name: str
    predicted: int
    gold: int
    tp: int
    typed_predicted: int
    typed_tp: int
    recall_by_type: dict[str, tuple[int, int]]  # gold type -> (tp, gold)
    precision_by_type: dict[str, tuple[int, int]]  # predicted type -> (tp, predicted)
    seconds: float | None = None

    @staticmethod
    def ratio(a: int, b: int) -> float:
        return a / b if b else 0.0

    @property
    def p(self) -> float:
        return self.ratio(self.tp, self.predicted)

    @property
    def r(self) -> float:
        return self.ratio(self.tp, self.gold)

    @property
    def f1(self) -> float:
        return self.ratio(2 * self.p * self.r, self.p + self.r) if self.p + self.r else 0.0

    @property
    def typed_p(self) -> float:
        return self.ratio(self.typed_tp, self.typed_predicted)

    @property
    def typed_r(self) -> float:
        return self.ratio(self.typed_tp, self.gold)

    @property
    def typed_f1(self) -> float:
        p, r = self.typed_p, self.typed_r
        return 2 * p * r / (p + r) if p + r else 0.0


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def load_docs() -> list[Doc]:
    docs = []
    with open(DOCS_FILE, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                if d.get("title"):
                    raise SystemExit(f"{DOCS_FILE}: {d['id']} has a title; this script scores body offsets only")
                docs.append(Doc(d["id"], d["body"]))
    return docs


def load_gold(docs: dict[str, Doc]) -> tuple[dict[Span, str], collections.Counter]:
    """Gold PS/OG/LC spans -> hantag type; also counts every gold type."""
    gold: dict[Span, str] = {}
    all_types: collections.Counter = collections.Counter()
    with open(GOLD_FILE, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            all_types[row["type"]] += 1
            if row["type"] not in GOLD_TYPES:
                continue
            span = (row["doc_id"], int(row["start"]), int(row["end"]))
            body = docs[span[0]].body
            if body[span[1] : span[2]] != row["text"]:
                raise SystemExit(f"{GOLD_FILE}: {span} does not hold {row['text']!r}")
            gold[span] = GOLD_TYPES[row["type"]]
    return gold, all_types


def load_dictionary(dict_dir: str) -> dict[str, str]:
    """Every alias surface (name and aliases) of the entity CSVs in DIR -> entity type."""
    aliases: dict[str, str] = {}
    entities_dir = os.path.join(dict_dir, "entities")
    for name in sorted(os.listdir(entities_dir)):
        if not name.endswith(".csv"):
            continue
        with open(os.path.join(entities_dir, name), encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                surfaces = [row["name"]] + [a for a in (row.get("aliases") or "").split("|")]
                surfaces += [a for a in (row.get("exact_aliases") or "").split("|")]
                for s in surfaces:
                    s = s.strip()
                    if s:
                        aliases.setdefault(s, row["type"].strip())
    return aliases


# ---------------------------------------------------------------- hantag


def run_hantag(binary: str, dict_dir: str, morph: str, docs: list[Doc], extra: list[str]) -> tuple[Prediction, float, dict]:
    info = {"errors": 0, "mention_text_mismatch": 0, "title_mentions": 0, "exit": None, "version": ""}
    try:
        info["version"] = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    with tempfile.TemporaryFile("w+b") as stdin:
        for d in docs:
            stdin.write(json.dumps({"id": d.id, "title": "", "body": d.body}, ensure_ascii=False).encode("utf-8") + b"\n")
        stdin.seek(0)
        cmd = [binary, "tag", "-", "--format", "jsonl", "--dict", dict_dir, "--morph", morph, *extra]
        log("running:", " ".join(cmd))
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdin=stdin, capture_output=True)
        seconds = time.perf_counter() - start
    info["exit"] = proc.returncode
    stderr = proc.stderr.decode("utf-8", errors="replace").strip()
    if stderr:
        tail = stderr.splitlines()[-15:]
        log("hantag stderr (last lines):\n  " + "\n  ".join(tail))
    if proc.returncode not in (0, 1):
        raise SystemExit(f"hantag exited with {proc.returncode}")
    if proc.returncode == 1:
        log("warning: hantag exited with 1 (some inputs failed); scoring what it returned")

    by_id = {d.id: d for d in docs}
    lines = [l for l in proc.stdout.decode("utf-8").splitlines() if l.strip()]
    if len(lines) != len(docs):
        log(f"warning: {len(docs)} documents in, {len(lines)} records out")
    pred = Prediction()
    seen = set()
    for n, line in enumerate(lines):
        rec = json.loads(line)
        doc_id = rec.get("id")
        if doc_id not in by_id:
            log(f"warning: output record {n + 1} has unknown id {doc_id!r}")
            continue
        if n < len(docs) and docs[n].id != doc_id:
            info.setdefault("order_mismatch", 0)
            info["order_mismatch"] = info.get("order_mismatch", 0) + 1
        seen.add(doc_id)
        if rec.get("errors"):
            info["errors"] += 1
            if info["errors"] <= 5:
                log(f"warning: {doc_id}: errors {rec['errors']}")
        body = by_id[doc_id].body
        for ent in rec.get("entities") or []:
            kind = ent.get("type", "")
            for m in ent.get("mentions") or []:
                if m.get("field") != "body":
                    info["title_mentions"] += 1
                    continue
                s, e = int(m["start"]), int(m["end"])
                if body[s:e] != m.get("text"):
                    info["mention_text_mismatch"] += 1
                    if info["mention_text_mismatch"] <= 5:
                        log(f"warning: {doc_id}: mention {s}..{e} text {m.get('text')!r} but body holds {body[s:e]!r}")
                pred.add((doc_id, s, e), kind, m.get("text") or body[s:e])
    missing = len(by_id) - len(seen)
    if missing:
        log(f"warning: {missing} documents have no output record")
    info["missing"] = missing
    return pred, seconds, info


# ---------------------------------------------------------------- baselines


def word_start(text: str, i: int) -> bool:
    return i == 0 or not text[i - 1].isalnum()


def word_end(text: str, j: int) -> bool:
    return j >= len(text) or not text[j].isalnum()


def particle_ok(text: str, i: int, j: int) -> bool:
    if not word_start(text, i):
        return False
    if word_end(text, j):
        return True
    return any(text.startswith(p, j) and word_end(text, j + len(p)) for p in PARTICLES)


def candidates(text: str, aliases: dict[str, str], lengths: list[int]) -> list[tuple[int, int]]:
    """Every (start, end) where some alias occurs, overlapping ones included."""
    out = []
    n = len(text)
    for i in range(n):
        for length in lengths:
            if i + length <= n and text[i : i + length] in aliases:
                out.append((i, i + length))
    return out


def leftmost_longest(cands: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Non-overlapping spans: the leftmost start wins, the longest among equal starts."""
    out = []
    pos = 0
    for s, e in sorted(cands, key=lambda c: (c[0], -c[1])):
        if s >= pos:
            out.append((s, e))
            pos = e
    return out


def run_baselines(docs: list[Doc], aliases: dict[str, str]) -> dict[str, tuple[Prediction, float]]:
    lengths = sorted({len(a) for a in aliases}, reverse=True)
    names = {
        "substring": "baseline: plain substring, leftmost-longest",
        "particles": "baseline: + word start and particle list (validate, then leftmost-longest)",
        "particles_after": "baseline: + particle list applied after leftmost-longest",
    }
    preds = {k: Prediction() for k in names}
    seconds = {k: 0.0 for k in names}
    for d in docs:
        t0 = time.perf_counter()
        cands = candidates(d.body, aliases, lengths)
        t1 = time.perf_counter()
        plain = leftmost_longest(cands)
        t2 = time.perf_counter()
        valid = leftmost_longest([c for c in cands if particle_ok(d.body, *c)])
        t3 = time.perf_counter()
        after = [c for c in plain if particle_ok(d.body, *c)]
        seconds["substring"] += t2 - t0
        seconds["particles"] += (t1 - t0) + (t3 - t2)
        seconds["particles_after"] += (t2 - t0) + (time.perf_counter() - t3)
        for key, spans in (("substring", plain), ("particles", valid), ("particles_after", after)):
            for s, e in spans:
                surface = d.body[s:e]
                preds[key].add((d.id, s, e), aliases[surface], surface)
    return {names[k]: (preds[k], seconds[k]) for k in names}


# ---------------------------------------------------------------- scoring


def score(name: str, pred: Prediction, gold: dict[Span, str], seconds: float | None = None) -> Score:
    tp = sum(1 for span in pred.spans if span in gold)
    typed_pairs = [(span, kind) for span, kinds in pred.spans.items() for kind in kinds]
    typed_tp = sum(1 for span, kind in typed_pairs if gold.get(span) == kind)
    recall_by_type = {}
    for kind in GOLD_TYPES.values():
        spans = [s for s, k in gold.items() if k == kind]
        recall_by_type[kind] = (sum(1 for s in spans if s in pred.spans), len(spans))
    precision_by_type: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for span, kind in typed_pairs:
        precision_by_type[kind][1] += 1
        precision_by_type[kind][0] += span in gold
    return Score(
        name,
        len(pred.spans),
        len(gold),
        tp,
        len(typed_pairs),
        typed_tp,
        recall_by_type,
        {k: tuple(v) for k, v in sorted(precision_by_type.items(), key=lambda kv: -kv[1][1])},
        seconds,
    )


def print_score(s: Score) -> None:
    print(f"== {s.name}")
    print(f"precision {s.p:.3f} recall {s.r:.3f} f1 {s.f1:.3f} (predicted {s.predicted}, gold {s.gold}, tp {s.tp})")
    print(
        f"typed: precision {s.typed_p:.3f} recall {s.typed_r:.3f} f1 {s.typed_f1:.3f} "
        f"(predicted {s.typed_predicted}, gold {s.gold}, tp {s.typed_tp})"
    )
    print(
        "recall by gold type: "
        + ", ".join(f"{k} {Score.ratio(tp, n):.3f} ({tp}/{n})" for k, (tp, n) in s.recall_by_type.items())
    )
    top = list(s.precision_by_type.items())[:6]
    print(
        "untyped precision by predicted type: "
        + ", ".join(f"{k} {Score.ratio(tp, n):.3f} ({tp}/{n})" for k, (tp, n) in top)
    )
    if s.seconds is not None:
        print(f"time {s.seconds:.2f} s")
    print()


def context(body: str, s: int, e: int, width: int = 25) -> str:
    left = body[max(0, s - width) : s]
    right = body[e : e + width]
    return f"{'…' if s > width else ''}{left}[[{body[s:e]}]]{right}{'…' if e + width < len(body) else ''}"


def print_errors(name: str, pred: Prediction, gold: dict[Span, str], docs: dict[str, Doc], aliases: dict[str, str], n: int) -> None:
    rng = random.Random(0)
    gold_by_doc: dict[str, list[tuple[int, int, str]]] = collections.defaultdict(list)
    for (d, s, e), k in gold.items():
        gold_by_doc[d].append((s, e, k))
    pred_by_doc: dict[str, list[tuple[int, int]]] = collections.defaultdict(list)
    for d, s, e in pred.spans:
        pred_by_doc[d].append((s, e))

    def overlapping(items, s, e):
        return [it for it in items if it[0] < e and s < it[1]]

    fps = sorted(span for span in pred.spans if span not in gold)
    fns = sorted(span for span in gold if span not in pred.spans)
    log(f"\n#### errors of {name}: {len(fps)} false positives, {len(fns)} false negatives")

    # Classify: a boundary error overlaps the other side; a pure one does not.
    fp_boundary = sum(1 for d, s, e in fps if overlapping(gold_by_doc[d], s, e))
    fn_boundary = sum(1 for d, s, e in fns if overlapping(pred_by_doc[d], s, e))
    fn_known = sum(1 for d, s, e in fns if docs[d].body[s:e] in aliases)
    log(f"false positives overlapping a gold span (boundary/type-set errors): {fp_boundary}; with no gold overlap: {len(fps) - fp_boundary}")
    log(f"false negatives overlapping a prediction: {fn_boundary}; whose text is a dictionary alias: {fn_known}; "
        f"not in the dictionary at all: {sum(1 for d, s, e in fns if docs[d].body[s:e] not in aliases)}")

    fp_text = collections.Counter(pred.surfaces[sp] for sp in fps)
    fn_text = collections.Counter(docs[d].body[s:e] for d, s, e in fns)
    log("most frequent false positives: " + ", ".join(f"{t}×{c}" for t, c in fp_text.most_common(30)))
    log("most frequent false negatives: " + ", ".join(f"{t}×{c}" for t, c in fn_text.most_common(30)))

    log(f"-- {min(n, len(fps))} sample false positives (predicted type; overlapping gold)")
    for d, s, e in sorted(rng.sample(fps, min(n, len(fps)))):
        body = docs[d].body
        near = overlapping(gold_by_doc[d], s, e)
        gold_note = "; ".join(f"gold {body[gs:ge]!r} {gk}" for gs, ge, gk in near) or "no gold"
        log(f"FP {d} {s}-{e} {'/'.join(sorted(pred.spans[(d, s, e)]))} ({gold_note}): {context(body, s, e)}")
    log(f"-- {min(n, len(fns))} sample false negatives (gold type; in dictionary?; overlapping prediction)")
    for d, s, e in sorted(rng.sample(fns, min(n, len(fns)))):
        body = docs[d].body
        near = overlapping(pred_by_doc[d], s, e)
        pred_note = "; ".join(f"predicted {body[ps:pe]!r}" for ps, pe in near) or "no prediction"
        known = "in dict" if body[s:e] in aliases else "not in dict"
        log(f"FN {d} {s}-{e} {gold[(d, s, e)]} ({known}; {pred_note}): {context(body, s, e)}")


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="hantag precision/recall on HCLT-2016 NER train (exact spans).",
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "hantag"), help="hantag binary (default: %(default)s)")
    parser.add_argument("--gazetteer", default=DEFAULT_GAZETTEER, help="gazetteer TSV (default: %(default)s)")
    parser.add_argument("--dict", dest="dict_dir", help="use this dictionary directory instead of converting --gazetteer")
    parser.add_argument("--exclude-source", action="append", default=[], metavar="PREFIX",
                        help="drop gazetteer rows whose entity_id starts with PREFIX, e.g. hclt2016-train/")
    parser.add_argument("--morph", choices=["on", "off"], default="on", help="hantag --morph (default: %(default)s)")
    parser.add_argument("--baseline", action="store_true", help="also score the substring and particle-list baselines")
    parser.add_argument("--no-hantag", action="store_true", help="do not run hantag (baselines and data checks only)")
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="print N sample false positives and negatives to stderr")
    parser.add_argument("--hantag-arg", action="append", default=[], metavar="ARG", help="extra argument for `hantag tag` (repeatable; write --hantag-arg=--threads=4)")
    args = parser.parse_args(argv)

    for path in (DOCS_FILE, GOLD_FILE):
        if not os.path.isfile(path):
            raise SystemExit(f"missing {path} (set HANTAG_SHARED to the shared directory)")
    binary = os.path.abspath(args.bin) if os.sep in args.bin else args.bin
    if not args.no_hantag and os.sep in binary and not os.access(binary, os.X_OK):
        raise SystemExit(f"no hantag binary at {binary} (build it with `cargo build --release`, or pass --bin / --no-hantag)")

    docs = load_docs()
    doc_by_id = {d.id: d for d in docs}
    gold, all_types = load_gold(doc_by_id)

    with tempfile.TemporaryDirectory(prefix="hantag-eval-") as tmp:
        if args.dict_dir:
            dict_dir = args.dict_dir
            dict_note = f"dictionary {dict_dir}"
        else:
            dict_dir = os.path.join(tmp, "dict")
            stats = gazetteer_to_dict.convert(args.gazetteer, dict_dir, DICT_TYPES, None, tuple(args.exclude_source))
            excl = f", without {', '.join(args.exclude_source)}" if args.exclude_source else ""
            dict_note = (f"{os.path.basename(args.gazetteer)} PS/OG/LC*{excl}: {stats.entities_written:,} entities, "
                         f"{stats.aliases_written:,} aliases")
            log(f"dictionary: {dict_note} ({stats.rows_read:,} gazetteer rows read)")
        aliases = load_dictionary(dict_dir)
        if not args.dict_dir:
            # Spacing/case variants the converter left out (hantag matches them through the
            # alias it keeps); the exact-surface baselines and coverage figures need them.
            for surface, kind in stats.variant_surfaces.items():
                aliases.setdefault(surface, kind)

        # What the data and dictionary allow at most.
        gold_in_dict = sum(1 for (d, s, e) in gold if doc_by_id[d].body[s:e] in aliases)
        gold_typed_in_dict = sum(1 for (d, s, e), k in gold.items() if aliases.get(doc_by_id[d].body[s:e]) == k)
        leak_note = ""
        if not args.dict_dir and not any("hclt2016-train".startswith(p) or p.startswith("hclt2016-train") for p in args.exclude_source):
            leaked = sum(
                1
                for (d, s, e) in gold
                if doc_by_id[d].body[s:e] in aliases_from_source(args.gazetteer, "hclt2016-train/")
            )
            leak_note = (f"{leaked / len(gold):.1%} of gold spans match an alias whose gazetteer row comes from hclt2016-train itself "
                         f"(in-sample figures; see --help for an out-of-sample dictionary)")

        scores: list[Score] = []
        hantag_info = None
        preds: list[tuple[str, Prediction]] = []
        if not args.no_hantag:
            pred, seconds, hantag_info = run_hantag(binary, dict_dir, args.morph, docs, args.hantag_arg)
            name = f"hantag --morph {args.morph}"
            scores.append(score(name, pred, gold, seconds))
            preds.append((name, pred))
        if args.baseline:
            for name, (pred, seconds) in run_baselines(docs, aliases).items():
                scores.append(score(name, pred, gold, seconds))
                preds.append((name, pred))

    print(f"HCLT-2016 NER train: {len(docs):,} sentences; gold PS/OG/LC spans {len(gold):,} "
          f"(all gold types: {', '.join(f'{k} {v}' for k, v in sorted(all_types.items()))})")
    print(f"dictionary: {dict_note}")
    print(f"gold spans whose exact text is a dictionary alias: {gold_in_dict / len(gold):.3f} "
          f"({gold_in_dict}/{len(gold)}); with the gold type: {gold_typed_in_dict / len(gold):.3f} (recall ceiling of exact-surface matching)")
    if leak_note:
        print(leak_note)
    if hantag_info:
        print(f"hantag: {hantag_info['version'] or '(no --version)'}; exit {hantag_info['exit']}; records with errors "
              f"{hantag_info['errors']}; missing records {hantag_info['missing']}; mention text mismatches "
              f"{hantag_info['mention_text_mismatch']}; title mentions {hantag_info['title_mentions']}"
              + (f"; out-of-order records {hantag_info['order_mismatch']}" if hantag_info.get("order_mismatch") else ""))
    print()
    for s in scores:
        print_score(s)

    if args.errors > 0:
        for name, pred in preds:
            print_errors(name, pred, gold, doc_by_id, aliases, args.errors)

    # Summary block for BENCHMARKS.md.
    print("---- summary (markdown) ----")
    print(f"HCLT-2016 NER train, {len(docs):,} sentences, {len(gold):,} gold PS/OG/LC spans, exact-span match; "
          f"dictionary {dict_note}.")
    if leak_note:
        print(f"Note: {leak_note}.")
    print()
    print("Time: hantag is the whole process (dictionary build included); baselines are the Python matching loop only.")
    print()
    print("| method | P | R | F1 | typed P | typed R | predicted | TP | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for s in scores:
        t = f"{s.seconds:.2f} s" if s.seconds is not None else ""
        print(f"| {s.name} | {s.p:.3f} | {s.r:.3f} | {s.f1:.3f} | {s.typed_p:.3f} | {s.typed_r:.3f} | "
              f"{s.predicted:,} | {s.tp:,} | {t} |")
    return 0


_SOURCE_CACHE: dict[tuple[str, str], set[str]] = {}


def aliases_from_source(gazetteer: str, prefix: str) -> set[str]:
    """Aliases of the gazetteer rows whose entity_id starts with prefix."""
    key = (gazetteer, prefix)
    if key not in _SOURCE_CACHE:
        out = set()
        with open(gazetteer, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").rstrip("\r").split("\t")
                if len(parts) == 3 and parts[1].startswith(prefix):
                    out.add(parts[0].strip())
        _SOURCE_CACHE[key] = out
    return _SOURCE_CACHE[key]


if __name__ == "__main__":
    sys.exit(main())

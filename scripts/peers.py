#!/usr/bin/env python3
"""Runs hantag's peers over the same corpus and dictionary, for scripts/bench.sh.

usage: peers.py GAZETTEER.tsv CORPUS.jsonl PEER [--limit-docs N]

PEER is one of:
  pyahocorasick   all overlapping matches, then a leftmost-longest filter (tagging only)
  flashtext       KeywordProcessor.extract_keywords(span_info=True)
  spacy-phrase    spaCy PhraseMatcher on spacy.blank("xx") (lowercase attr)
  spacy-ruler     spaCy EntityRuler with phrase patterns on spacy.blank("xx")

Prints one line of JSON: {"peer", "docs", "mb", "load_s", "tag_s", "total_s", "matches"}.
"total_s" is the whole process as run (interpreter start excluded), load = reading the
dictionary and building the matcher, tag = reading the corpus and tagging it.
"""
import json
import sys
import time


def main():
    args = sys.argv[1:]
    limit = None
    if "--limit-docs" in args:
        i = args.index("--limit-docs")
        limit = int(args[i + 1])
        del args[i : i + 2]
    gazetteer, corpus, peer = args
    started = time.perf_counter()
    aliases = []
    seen = set()
    with open(gazetteer, encoding="utf-8") as f:
        for line in f:
            alias = line.rstrip("\n").split("\t")[0].strip()
            if alias and alias not in seen:
                seen.add(alias)
                aliases.append(alias)

    if peer == "pyahocorasick":
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for i, a in enumerate(aliases):
            automaton.add_word(a.lower(), (i, len(a)))
        automaton.make_automaton()

        def tag(text):
            found = []
            for end, (i, n) in automaton.iter(text.lower()):
                found.append((end - n + 1, end + 1, i))
            found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
            out, last = [], -1
            for s, e, i in found:
                if s >= last:
                    out.append((s, e, i))
                    last = e
            return out

    elif peer == "flashtext":
        from flashtext import KeywordProcessor

        kp = KeywordProcessor(case_sensitive=False)
        for a in aliases:
            kp.add_keyword(a)

        def tag(text):
            return kp.extract_keywords(text, span_info=True)

    elif peer in ("spacy-phrase", "spacy-ruler"):
        import spacy
        from spacy.matcher import PhraseMatcher

        nlp = spacy.blank("xx")
        if peer == "spacy-phrase":
            matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
            matcher.add("ENT", list(nlp.tokenizer.pipe(aliases)))

            def tag(text):
                return matcher(nlp.make_doc(text))

        else:
            ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
            ruler.add_patterns([{"label": "ENT", "pattern": a} for a in aliases])

            def tag(text):
                return nlp(text).ents

    else:
        sys.exit(f"unknown peer {peer}")

    loaded = time.perf_counter()
    docs = matches = nbytes = 0
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            if limit is not None and docs >= limit:
                break
            d = json.loads(line)
            text = (d.get("title") or "") + "\n" + (d.get("body") or "")
            nbytes += len(text.encode("utf-8"))
            matches += len(tag(text))
            docs += 1
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "peer": peer,
                "docs": docs,
                "mb": round(nbytes / 1e6, 3),
                "load_s": round(loaded - started, 3),
                "tag_s": round(done - loaded, 3),
                "total_s": round(done - started, 3),
                "matches": matches,
            }
        )
    )


if __name__ == "__main__":
    main()

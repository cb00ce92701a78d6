#!/usr/bin/env python3
"""Convert a gazetteer TSV into a hantag dictionary directory.

usage: gazetteer_to_dict.py GAZETTEER.tsv OUT_DIR
           [--types PS,OG,LC,LC_ADDRESS,LC_STATION | --all-types]
           [--limit N] [--exclude-source PREFIX]...

The gazetteer has no header and three tab-separated columns: alias, entity_id, type
(the format of ../shared/corpus/gazetteers, see its README). The output is
OUT_DIR/entities/gazetteer.csv with hantag's entity columns
(id,type,name,aliases,exact_aliases,requires,excludes,note):

- rows are grouped by entity_id; the first kept alias is the entity's `name`, the other
  distinct aliases go `|`-joined into `aliases`;
- `id` is `g{n}`, n counting entities in order of first appearance; the gazetteer's
  entity_id goes into `note`;
- types: PS -> person, OG -> organization, LC, LC_ADDRESS, LC_STATION -> place; any other
  type (with --all-types, or named in --types) is lowercased with characters outside
  [a-z0-9_-] replaced by `_` (DT -> dt, NNP_WIKI -> nnp_wiki);
- an alias is dropped when it is empty after stripping, contains `|` or a line break, or
  is empty after hantag's normalization; an alias already owned by an earlier entity is
  kept only there, and an alias equal to one already written is left out (compared the
  way hantag compares aliases: NFKC, lower case, invisible characters and all whitespace
  removed, so 김 연아 and 김연아 are one alias), so `hantag check` reports neither shared
  nor duplicate aliases;
- --limit N reads only the first N rows of the file (before any filtering), for
  dictionary-size scaling runs. Note that the shipped gazetteer files are sorted by alias,
  not by frequency, so the first N rows are an alphabetical slice of the file;
- --exclude-source PREFIX skips rows whose entity_id starts with PREFIX (repeatable), e.g.
  `--exclude-source hclt2016-train/` for a gazetteer without the HCLT training spans.

Only the standard library is used. Counts go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field

DEFAULT_TYPES = ("PS", "OG", "LC", "LC_ADDRESS", "LC_STATION")
TYPE_MAP = {
    "PS": "person",
    "OG": "organization",
    "LC": "place",
    "LC_ADDRESS": "place",
    "LC_STATION": "place",
}
HEADER = ["id", "type", "name", "aliases", "exact_aliases", "requires", "excludes", "note"]

# Line breaks as str.splitlines() sees them, minus the plain "\n" the reader splits on.
LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# hantag's normalize.rs drops these before comparing (zero-width, bidi controls, BOM...).
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def hantag_type(gazetteer_type: str) -> str:
    """The hantag entity type for a gazetteer type (a lowercase word starting with a-z)."""
    if gazetteer_type in TYPE_MAP:
        return TYPE_MAP[gazetteer_type]
    word = re.sub(r"[^a-z0-9_-]", "_", gazetteer_type.lower())
    if not word or not ("a" <= word[0] <= "z"):
        word = "t" + word  # hantag requires a type to start with a lowercase letter
    return word


def alias_key(alias: str) -> str:
    """Approximates hantag's `compact_key`: NFKC, lower case, no invisible chars or spaces."""
    s = unicodedata.normalize("NFKC", alias)
    s = INVISIBLE.sub("", s)
    s = s.lower()
    return "".join(c for c in s if not (c.isspace() or unicodedata.category(c) == "Cc"))


@dataclass
class Entity:
    gazetteer_id: str
    kind: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class Stats:
    rows_read: int = 0
    rows_malformed: int = 0
    rows_other_type: int = 0
    rows_excluded_source: int = 0
    aliases_bad: int = 0
    aliases_shared: int = 0
    entities_written: int = 0
    aliases_written: int = 0
    entities_empty: int = 0
    type_conflicts: int = 0
    # Surfaces not written because an alias of the same entity equals them after
    # normalization (differently spaced or cased) -> that entity's type.
    variant_surfaces: dict[str, str] = field(default_factory=dict)


def read_rows(path: str, limit: int | None, stats: Stats):
    """Yields (line_number, alias, entity_id, type) for the first `limit` rows."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if limit is not None and stats.rows_read >= limit:
                break
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if line.endswith("\r"):
                line = line[:-1]
            if number == 1 and line.startswith("\ufeff"):
                line = line[1:]
            if not line.strip():
                continue
            stats.rows_read += 1
            parts = line.split("\t")
            if len(parts) != 3:
                stats.rows_malformed += 1
                if stats.rows_malformed <= 5:
                    print(f"{path}:{number}: expected 3 tab-separated fields, got {len(parts)}; skipped", file=sys.stderr)
                continue
            alias, entity_id, kind = parts
            yield number, alias, entity_id.strip(), kind.strip()


def convert(
    gazetteer: str,
    out_dir: str,
    types: set[str] | None = None,
    limit: int | None = None,
    exclude_sources: tuple[str, ...] = (),
) -> Stats:
    """Writes OUT_DIR/entities/gazetteer.csv; `types=None` keeps every type."""
    stats = Stats()
    entities: dict[str, Entity] = {}  # insertion order = order of first appearance
    owner: dict[str, str] = {}  # alias key -> gazetteer entity id that owns it

    for _, alias, entity_id, kind in read_rows(gazetteer, limit, stats):
        if types is not None and kind not in types:
            stats.rows_other_type += 1
            continue
        if exclude_sources and entity_id.startswith(exclude_sources):
            stats.rows_excluded_source += 1
            continue
        if not entity_id:
            stats.rows_malformed += 1
            continue
        alias = alias.strip()
        if not alias or "|" in alias or LINE_BREAKS.search(alias):
            stats.aliases_bad += 1
            continue
        key = alias_key(alias)
        if not key:
            stats.aliases_bad += 1
            continue
        entity = entities.get(entity_id)
        if entity is None:
            entity = entities[entity_id] = Entity(entity_id, hantag_type(kind))
        elif entity.kind != hantag_type(kind):
            stats.type_conflicts += 1  # the entity keeps the type of its first row
        first_owner = owner.setdefault(key, entity_id)
        if first_owner != entity_id:
            stats.aliases_shared += 1  # another entity owns this alias: it stays there only
            entity = entities[first_owner]
        if any(alias_key(a) == key for a in entity.aliases):
            # Same alias up to spacing or case (김 연아 / 김연아): hantag matches both through
            # the one it is given and would warn about the other; remember it for callers
            # that match exact surfaces.
            if alias not in entity.aliases:
                stats.variant_surfaces.setdefault(alias, entity.kind)
            continue
        entity.aliases.append(alias)

    path = os.path.join(out_dir, "entities", "gazetteer.csv")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        for entity in entities.values():
            if not entity.aliases:
                stats.entities_empty += 1  # every alias was dropped or owned elsewhere
                continue
            stats.entities_written += 1
            stats.aliases_written += len(entity.aliases)
            name, *rest = entity.aliases
            writer.writerow([f"g{stats.entities_written}", entity.kind, name, "|".join(rest), "", "", "", entity.gazetteer_id])
    os.replace(tmp, path)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Convert a gazetteer TSV (alias, entity_id, type) into a hantag dictionary directory.",
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("gazetteer", help="TSV without header: alias<TAB>entity_id<TAB>type")
    parser.add_argument("out_dir", help="dictionary directory to write (OUT_DIR/entities/gazetteer.csv)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--types", default=",".join(DEFAULT_TYPES), help="comma-separated gazetteer types to keep (default: %(default)s)")
    group.add_argument("--all-types", action="store_true", help="keep every type")
    parser.add_argument("--limit", type=int, metavar="N", help="read only the first N rows of the gazetteer")
    parser.add_argument("--exclude-source", action="append", default=[], metavar="PREFIX",
                        help="skip rows whose entity_id starts with PREFIX (repeatable)")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 0:
        parser.error("--limit must be >= 0")

    types = None if args.all_types else {t.strip() for t in args.types.split(",") if t.strip()}
    if types is not None and not types:
        parser.error("--types is empty")
    try:
        stats = convert(args.gazetteer, args.out_dir, types, args.limit, tuple(args.exclude_source))
    except OSError as e:
        print(f"gazetteer_to_dict: {e}", file=sys.stderr)
        return 1

    print(
        f"gazetteer_to_dict: {stats.rows_read} rows read "
        f"({stats.rows_other_type} of other types, {stats.rows_excluded_source} excluded by source, "
        f"{stats.rows_malformed} malformed); "
        f"{stats.entities_written} entities and {stats.aliases_written} aliases written to "
        f"{os.path.join(args.out_dir, 'entities', 'gazetteer.csv')} "
        f"({stats.aliases_bad} unusable aliases dropped, {stats.aliases_shared} aliases shared with an earlier entity kept there only, "
        f"{len(stats.variant_surfaces)} spacing/case variants left out, "
        f"{stats.entities_empty} entities left without aliases, {stats.type_conflicts} rows with a conflicting type)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

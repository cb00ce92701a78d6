//! One Aho-Corasick automaton over every alias, exclusion, context term and topic term.
//!
//! Each surface form is compiled into its spacing variants (a space where Hangul meets
//! Latin or digits and the spaces it contains, each optional), normalized like the text.
//! The scan reports *all* overlapping candidates: validation may reject the longest one,
//! and a shorter valid candidate must still be there to take its place.

use crate::boundary;
use crate::dictionary::{take, Entity, Packer, SharedBytes, StringList, Unpacker, Words};
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::{is_syllable, is_syllable_at, normalize_keep_case, normalize_key, script, Script};
use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

/// What a surface form stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Owner {
    /// An alias (or the name) of the entity with this index.
    Alias(u32),
    /// An exclusion phrase of the entity with this index.
    Exclude(u32),
    /// A context term that the entity with this index requires.
    Require(u32),
    /// A topic query term with this index.
    Term(u32),
}

/// One surface form as the dictionary gives it; its text is [`Matcher::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Surface {
    /// What it stands for.
    pub owner: Owner,
    /// An exact-case alias: the original text must equal its key ([`Matcher::exact_key`]).
    pub exact: bool,
    /// Ordinary-word reading far more likely than the name: tag only with evidence.
    pub guarded: bool,
    /// A wildcard term (`반도체*`): any continuation of the word is allowed.
    pub prefix: bool,
}

/// The text of every surface and, for exact-case aliases, its key (empty for others): string
/// `2s` of the list is surface `s`'s text, `2s + 1` its key.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Texts(StringList);

impl Texts {
    fn push(&mut self, text: &str, key: Option<&str>) {
        // Past 4 GiB the texts read as empty, as they did when they were separate strings.
        let _ = self.0.push(text);
        let _ = self.0.push(key.unwrap_or_default());
    }

    fn text(&self, s: usize) -> &str {
        self.0.get(2 * s)
    }

    fn key(&self, s: usize) -> &str {
        self.0.get(2 * s + 1)
    }
}

/// A topic term to put in the automaton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermSpec {
    /// The term or phrase as written in the query.
    pub text: String,
    /// Whether it ended with `*`.
    pub prefix: bool,
}

/// An occurrence of a surface form in normalized text, before validation.
///
/// It carries what validation asks of its surface first, so that the surface table (large,
/// and read at random) is only read for exact-case aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Index into [`Matcher::surfaces`].
    pub surface: u32,
    /// The surface's owner.
    pub owner: Owner,
    /// The surface is guarded (a common word: tag only with evidence).
    pub guarded: bool,
    /// The surface is a wildcard term.
    pub prefix: bool,
    /// The surface is an exact-case alias.
    pub exact: bool,
    /// An alias whose entity has context terms (`requires`) ([`Matcher::mark_entities`]).
    pub requires: bool,
    /// An alias whose entity has exclusion phrases (`excludes`).
    pub excludes: bool,
    /// Found by the word-start scan: `boundary::left_edge` of its start is `Left::Ok`, which
    /// validation then need not look up again.
    pub word_start: bool,
    /// Byte offset of the start in the normalized text.
    pub start: u32,
    /// Byte offset of the end in the normalized text.
    pub end: u32,
}

/// Which occurrences a [`Matcher`] is built to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// Every occurrence of every surface form, wherever it starts: with morphology a span
    /// inside a word may still be accepted (a compound part, 삼성전자와네이버).
    Everywhere,
    /// Aliases and topic terms only where a word starts ([`boundary::Left::Ok`]), the only
    /// places where a tagger without morphology accepts them; exclusion and context phrases
    /// still everywhere, as their rules ask.
    WordStarts,
    /// What a tagger without morphology needs, the cheaper way for the dictionary's size:
    /// [`Scan::WordStarts`] from [`WORD_STARTS_MIN_PATTERNS`] patterns on, [`Scan::Everywhere`]
    /// below, where the full automaton fits in the cache and one pass of it beats the trie
    /// walks (and the second pass for exclusion and context phrases).
    WithoutMorphology,
    /// What a tagger with morphology needs, the cheaper way: below
    /// [`WORD_STARTS_MIN_PATTERNS`] patterns [`Scan::Everywhere`]; from there on the
    /// structures of [`Scan::WordStarts`], the trie walked from word starts and from the
    /// syllables inside words, where it reports keys of [`MID_WORD_MIN_CHARS`] characters or
    /// more, the only aliases a tagger accepts inside a word. A dictionary with topic terms
    /// (a term inside a word may be short: 대규모투자) or with a key that begins with a jamo
    /// keeps [`Scan::Everywhere`].
    WithMorphology,
}

/// The fewest characters of a name that starts inside a Hangul word, if a tagger is to accept
/// it.
pub const MID_WORD_MIN_CHARS: usize = 3;

impl Scan {
    /// The structure that serves this scan for a matcher of `patterns` patterns; `inside`:
    /// whether walks from syllables inside words find what a tagger with morphology may accept
    /// there ([`InsideStarts::of`]).
    fn resolve(self, patterns: usize, inside: bool) -> Scan {
        match self {
            Scan::WithoutMorphology if patterns >= WORD_STARTS_MIN_PATTERNS => Scan::WordStarts,
            Scan::WithMorphology if patterns >= WORD_STARTS_MIN_PATTERNS && inside => Scan::WordStarts,
            Scan::WithoutMorphology | Scan::WithMorphology => Scan::Everywhere,
            scan => scan,
        }
    }
}

/// From this many patterns on, a matcher without morphology walks the trie from word starts
/// (BENCHMARKS.md: the two scans break even between 10,000 and 30,000 patterns of the
/// synthetic dictionaries; the built-in one, about 3,000, runs 20% faster with the full
/// automaton, the 100k gazetteer 10% faster with the trie).
pub const WORD_STARTS_MIN_PATTERNS: usize = 20_000;

/// The compiled automata.
pub struct Matcher {
    /// Every pattern, for [`Scan::Everywhere`]; the [value](VALUE_COUNT_BITS) gives all its
    /// surfaces.
    everywhere: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
    /// For [`Scan::WordStarts`].
    word_starts: Option<WordStarts>,
    /// Set when the trie is also walked from syllables inside words ([`Scan::WithMorphology`]).
    inside: Option<InsideStarts>,
    /// For pattern `p`: its surfaces are `targets[starts[p]..starts[p + 1]]`, aliases and
    /// terms first, up to `split[p]`, then exclusion and context phrases.
    starts: Words<4>,
    split: Words<4>,
    targets: Vec<Target>,
    surfaces: Vec<Surface>,
    texts: Texts,
}

/// A surface a pattern stands for, with the facts a [`Candidate`] carries.
#[derive(Clone, Copy)]
struct Target {
    surface: u32,
    owner: Owner,
    guarded: bool,
    prefix: bool,
    exact: bool,
    requires: bool,
    excludes: bool,
}

/// What a walk from the syllables inside words needs to know of the keys: the first two
/// characters of each key that begins with a syllable and holds a character that is not one,
/// as a Bloom filter. A walk from a syllable inside a word is taken where two more syllables
/// follow it, or where the filter holds it and the character after.
pub(crate) struct InsideStarts {
    pairs: Box<[u64; PAIR_WORDS]>,
}

/// Words of [`InsideStarts::pairs`]: 64 Kbit, 8 KB, in the first-level cache.
const PAIR_WORDS: usize = 1024;

impl InsideStarts {
    /// What a matcher of `patterns` patterns built or loaded for `scans` walks inside words
    /// with, if it does ([`Scan::WithMorphology`] with enough patterns and keys it can serve).
    fn for_scans(scans: &[Scan], patterns: usize, surfaces: &[Surface], texts: &Texts) -> Option<InsideStarts> {
        let wanted =
            scans.contains(&Scan::WithMorphology) && Scan::WithMorphology.resolve(patterns, true) == Scan::WordStarts;
        wanted.then(|| InsideStarts::of(surfaces, texts)).flatten()
    }

    /// The starts of the aliases among `surfaces` (whose texts are `texts`); `None` when walks
    /// from syllables cannot serve: a topic term (short ones count inside words) or a key
    /// beginning with a Hangul character that is not a syllable (a jamo).
    fn of(surfaces: &[Surface], texts: &Texts) -> Option<InsideStarts> {
        let mut pairs = Box::new([0u64; PAIR_WORDS]);
        for (s, surface) in surfaces.iter().enumerate() {
            match surface.owner {
                Owner::Term(_) => return None,
                Owner::Alias(_) => {}
                // Found anywhere by their own automaton.
                Owner::Exclude(_) | Owner::Require(_) => continue,
            }
            // A form of syllables alone normalizes to itself, with no spacing variant.
            let text = texts.text(s);
            if text.chars().all(is_syllable) {
                continue;
            }
            for key in spacing_variants(&normalize_key(text)) {
                let mut chars = key.chars();
                let (Some(first), Some(second)) = (chars.next(), chars.next()) else { continue };
                if is_syllable(first) {
                    for bit in pair_bits(first, second) {
                        pairs[bit / 64] |= 1 << (bit % 64);
                    }
                } else if script(first) == Script::Hangul {
                    return None;
                }
            }
        }
        Some(InsideStarts { pairs })
    }

    /// Whether a key that [`InsideStarts::of`] marked may begin with `first` and `second`.
    #[inline]
    fn may_begin(&self, first: char, second: char) -> bool {
        pair_bits(first, second).iter().all(|&bit| self.pairs[bit / 64] >> (bit % 64) & 1 != 0)
    }
}

/// The two bits of a pair of characters in [`InsideStarts::pairs`].
#[inline]
fn pair_bits(first: char, second: char) -> [usize; 2] {
    let h = (u64::from(first) << 32 | u64::from(second)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let bits = (PAIR_WORDS * 64) as u64 - 1;
    [(h >> 16 & bits) as usize, (h >> 40 & bits) as usize]
}

/// The targets of `ids`, which must index `surfaces`.
fn targets_of(ids: &[u32], surfaces: &[Surface]) -> Vec<Target> {
    ids.iter()
        .map(|&i| {
            let s = &surfaces[i as usize];
            // The entity's flags are set by `Matcher::mark_entities`.
            Target {
                surface: i,
                owner: s.owner,
                guarded: s.guarded,
                prefix: s.prefix,
                exact: s.exact,
                requires: false,
                excludes: false,
            }
        })
        .collect()
}

/// The two structures of a [`Scan::WordStarts`] matcher.
struct WordStarts {
    /// Patterns with alias or term surfaces, walked from each word start (a prefix search
    /// that visits only the characters a pattern can begin with there); the
    /// [value](VALUE_COUNT_BITS) gives those surfaces.
    trie: Option<crate::trie::Trie>,
    /// Patterns with exclusion or context surfaces, and any the trie cannot hold, found
    /// anywhere; the value gives those surfaces (all of them, for a pattern not in the trie).
    anywhere: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
}

/// The first bytes of [`Matcher::to_bytes`]: its layout and version.
const TABLES_TAG: &[u8; 4] = b"HMT5";

/// Words per surface form in [`Matcher::to_bytes`]: owner kind and flags, owner index (the
/// texts and exact keys follow the tables, as a [`StringList`]).
const SURFACE_WORDS: usize = 2;

/// Beyond this many optional gaps only the fully spaced and fully joined forms are compiled.
const MAX_GAPS: usize = 4;

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("patterns", &self.pattern_count())
            .field("surfaces", &self.surfaces.len())
            .field("everywhere", &self.everywhere.is_some())
            .field("word_starts", &self.word_starts.is_some())
            .finish()
    }
}

/// The patterns (normalized spacing variants) of the surface forms and who owns each.
struct Patterns {
    texts: Vec<String>,
    starts: Vec<u32>,
    split: Vec<u32>,
    targets: Vec<u32>,
}

impl Patterns {
    /// The same surfaces always give the same patterns, in the same order: a matcher built
    /// for one scan can add the other's structure later ([`Matcher::to_bytes`]).
    fn of(surfaces: &[Surface], variants: Vec<Vec<String>>) -> Patterns {
        let mut ids: HashMap<String, usize> = HashMap::default();
        let mut texts: Vec<String> = Vec::new();
        let mut by_pattern: Vec<Vec<u32>> = Vec::new();
        for (s, variants) in variants.into_iter().enumerate() {
            for variant in variants.into_iter().filter(|v| !v.is_empty()) {
                let p = *ids.entry(variant).or_insert_with_key(|k| {
                    texts.push(k.clone());
                    by_pattern.push(Vec::new());
                    texts.len() - 1
                });
                if by_pattern[p].last() != Some(&(s as u32)) {
                    by_pattern[p].push(s as u32);
                }
            }
        }
        let mut starts = Vec::with_capacity(by_pattern.len() + 1);
        let mut split = Vec::with_capacity(by_pattern.len());
        let mut targets = Vec::new();
        for mut list in by_pattern {
            starts.push(targets.len() as u32);
            let anywhere = |s: &u32| anywhere_owner(surfaces[*s as usize].owner);
            list.sort_by_key(anywhere);
            split.push((targets.len() + list.partition_point(|s| !anywhere(s))) as u32);
            targets.extend(list);
        }
        starts.push(targets.len() as u32);
        Patterns { texts, starts, split, targets }
    }

    /// The spacing variants of every surface, normalized like the text.
    fn variants(texts: &Texts, count: usize) -> Vec<Vec<String>> {
        (0..count).into_par_iter().map(|s| spacing_variants(&normalize_key(texts.text(s)))).collect()
    }
}

/// Exclusion and context phrases count wherever they occur, even inside a word.
fn anywhere_owner(owner: Owner) -> bool {
    matches!(owner, Owner::Exclude(_) | Owner::Require(_))
}

fn build_error(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Config, format!("cannot build the automaton: {e}"))
}

/// The automaton of every pattern.
fn build_everywhere(p: &Patterns) -> Result<CharwiseDoubleArrayAhoCorasick<u32>> {
    // Measured on the 100k gazetteer (examples/automaton_compare.rs): the character-wise
    // double array scans normalized Korean news 2.7x faster than aho-corasick's
    // contiguous NFA, the best of its kinds, builds in half the time and is smaller.
    CharwiseDoubleArrayAhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build_with_values(
            p.texts
                .iter()
                .enumerate()
                .map(|(i, t)| Ok((t.as_str(), p.value(i, Part::All)?)))
                .collect::<Result<Vec<_>>>()?,
        )
        .map_err(build_error)
}

/// The trie and the small automaton of a [`Scan::WordStarts`] matcher.
fn build_word_starts(p: &Patterns) -> Result<WordStarts> {
    let mut in_trie = Vec::new();
    let mut anywhere = Vec::new();
    for (i, text) in p.texts.iter().enumerate() {
        let (own, other) = (p.split[i] > p.starts[i], p.split[i] < p.starts[i + 1]);
        // The trie marks key ends with U+FFFF: a pattern holding one is found anywhere.
        let trie_ok = !text.contains(crawdad::END_MARKER);
        if own && trie_ok {
            in_trie.push((text.as_str(), p.value(i, Part::Own)?));
        }
        if other || (own && !trie_ok) {
            anywhere.push((text.as_str(), p.value(i, if trie_ok { Part::Anywhere } else { Part::All })?));
        }
    }
    let (trie, anywhere) = rayon::join(
        || (!in_trie.is_empty()).then(|| crate::trie::Trie::build(in_trie)).transpose().map_err(build_error),
        || {
            (!anywhere.is_empty())
                .then(|| {
                    CharwiseDoubleArrayAhoCorasickBuilder::new()
                        .match_kind(MatchKind::Standard)
                        .build_with_values(anywhere)
                        .map_err(build_error)
                })
                .transpose()
        },
    );
    Ok(WordStarts { trie: trie?, anywhere: anywhere? })
}

/// Which surfaces of a pattern an occurrence stands for.
#[derive(Clone, Copy)]
enum Part {
    All,
    /// Aliases and terms.
    Own,
    /// Exclusion and context phrases.
    Anywhere,
}

/// The value an automaton or the trie holds for a part of a pattern: where its targets are.
///
/// Most parts have one target, a few several: the value is then the first target (bits 4 to
/// 30) and how many (bits 0 to 3), so that an occurrence costs one look-up, in `targets`.
/// Longer parts give the pattern (bits 6 to 30) and the part (bits 4 and 5), with 0 as count,
/// for `starts` and `split`. Values stay below 2^31, as the trie asks.
const VALUE_COUNT_BITS: u32 = 4;
const VALUE_LIMIT: u32 = 1 << 31;

impl Part {
    fn code(self) -> u32 {
        match self {
            Part::All => 0,
            Part::Own => 1,
            Part::Anywhere => 2,
        }
    }

    /// The part of a [code](Part::code) (3, never written, reads as `Anywhere`).
    fn from_code(code: u32) -> Part {
        match code {
            0 => Part::All,
            1 => Part::Own,
            _ => Part::Anywhere,
        }
    }
}

impl Patterns {
    /// The [value](VALUE_COUNT_BITS) for `part` of pattern `p`.
    fn value(&self, p: usize, part: Part) -> Result<u32> {
        let range = part_range(|i| self.starts[i], |i| self.split[i], p, part);
        let count = range.end - range.start;
        let value = if (1..1 << VALUE_COUNT_BITS).contains(&count) {
            u64::from(range.start) << VALUE_COUNT_BITS | u64::from(count)
        } else {
            ((p as u64) << 2 | u64::from(part.code())) << VALUE_COUNT_BITS
        };
        u32::try_from(value)
            .ok()
            .filter(|&v| v < VALUE_LIMIT)
            .ok_or_else(|| build_error("too many patterns for the automaton's values"))
    }
}

/// The targets of `part` of pattern `p` (`p` must be a pattern).
fn part_range(
    starts: impl Fn(usize) -> u32,
    split: impl Fn(usize) -> u32,
    p: usize,
    part: Part,
) -> std::ops::Range<u32> {
    match part {
        Part::All => starts(p)..starts(p + 1),
        Part::Own => starts(p)..split(p),
        Part::Anywhere => split(p)..starts(p + 1),
    }
}

impl Matcher {
    /// Compiles entities (with `guarded(alias)` deciding the common-word guard) and topic terms
    /// for each scan of `scans` (both for a file that either kind of tagger may load).
    ///
    /// The guards and the normalized spacing variants are computed on the current rayon pool.
    pub fn compile(
        entities: &[Entity],
        terms: &[TermSpec],
        guarded: &(dyn Fn(&str) -> bool + Sync),
        scans: &[Scan],
    ) -> Result<Matcher> {
        let mut surfaces = Vec::new();
        let mut texts = Texts::default();
        let mut add = |owner: Owner, text: &str, key: Option<&str>, prefix: bool| {
            // The guard is decided below, in parallel: a ko-dic look-up per alias.
            surfaces.push(Surface { owner, exact: key.is_some(), guarded: false, prefix });
            texts.push(text, key);
        };
        for (i, e) in entities.iter().enumerate() {
            let i = i as u32;
            // A name listed among the exact aliases (LG) matches only with its case.
            for alias in e.aliases.iter().filter(|a| !e.exact_aliases.contains(a)) {
                add(Owner::Alias(i), alias, None, false);
            }
            for alias in &e.exact_aliases {
                add(Owner::Alias(i), alias, Some(&normalize_keep_case(alias).replace(' ', "")), false);
            }
            for phrase in &e.excludes {
                add(Owner::Exclude(i), phrase, None, false);
            }
            for term in &e.requires {
                add(Owner::Require(i), term, None, false);
            }
        }
        for (i, t) in terms.iter().enumerate() {
            add(Owner::Term(i as u32), &t.text, None, t.prefix);
        }
        surfaces.par_iter_mut().enumerate().for_each(|(s, surface)| {
            // Exact-case aliases need no guard: their case is the evidence.
            if matches!(surface.owner, Owner::Alias(_)) && !surface.exact {
                surface.guarded = guarded(texts.text(s));
            }
        });
        let patterns = Patterns::of(&surfaces, Patterns::variants(&texts, surfaces.len()));
        let count = patterns.texts.len();
        let inside = InsideStarts::for_scans(scans, count, &surfaces, &texts);
        let walks_inside = inside.is_some();
        let wants = |kind: Scan| scans.iter().any(|scan| scan.resolve(count, walks_inside) == kind);
        let everywhere = wants(Scan::Everywhere).then(|| build_everywhere(&patterns)).transpose()?;
        let word_starts = wants(Scan::WordStarts).then(|| build_word_starts(&patterns)).transpose()?;
        let Patterns { starts, split, targets, .. } = patterns;
        let targets = targets_of(&targets, &surfaces);
        let (starts, split) = (Words::from_u32s(&starts), Words::from_u32s(&split));
        Ok(Matcher { everywhere, word_starts, inside, starts, split, targets, surfaces, texts })
    }

    /// Serializes the automata and their tables (see [`Matcher::from_bytes`]): a tag, the
    /// tables packed as words and a string table, then each structure after its length. Both
    /// scans are written; one this matcher was not built for is built now.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        // The patterns again, only if a structure is missing.
        let patterns = std::cell::OnceCell::new();
        let patterns = || {
            patterns.get_or_init(|| Patterns::of(&self.surfaces, Patterns::variants(&self.texts, self.surfaces.len())))
        };
        let everywhere = match &self.everywhere {
            Some(a) => a.serialize(),
            None => build_everywhere(patterns())?.serialize(),
        };
        let built;
        let word_starts = match &self.word_starts {
            Some(w) => w,
            None => {
                built = build_word_starts(patterns())?;
                &built
            }
        };
        let mut p = Packer::default();
        p.u32s(&self.starts.to_u32s());
        p.u32s(&self.split.to_u32s());
        let ids: Vec<u32> = self.targets.iter().map(|t| t.surface).collect();
        p.u32s(&ids);
        p.count(self.surfaces.len());
        for s in &self.surfaces {
            let (kind, index) = match s.owner {
                Owner::Alias(i) => (0, i),
                Owner::Exclude(i) => (1, i),
                Owner::Require(i) => (2, i),
                Owner::Term(i) => (3, i),
            };
            p.word(kind | u32::from(s.guarded) << 2 | u32::from(s.prefix) << 3 | u32::from(s.exact) << 4);
            p.word(index);
        }
        let mut out = TABLES_TAG.to_vec();
        p.finish(&mut out)?;
        // The texts and keys as the matcher keeps them (read in place).
        self.texts.0.write(&mut out);
        let trie = word_starts.trie.as_ref().map_or_else(Vec::new, crate::trie::Trie::to_bytes);
        let anywhere = word_starts.anywhere.as_ref().map_or_else(Vec::new, |a| a.serialize());
        for part in [everywhere, trie, anywhere] {
            out.extend((part.len() as u64).to_le_bytes());
            out.extend(part);
        }
        Ok(out)
    }

    /// Reads what [`Matcher::to_bytes`] wrote, with only the structure `scan` needs; checks
    /// everything it reads, trusts nothing.
    pub fn from_bytes(bytes: &[u8], scan: Scan) -> Result<Matcher> {
        Matcher::from_kept(bytes, scan, None)
    }

    /// [`Matcher::from_bytes`] of bytes inside `file`, which the matcher keeps to read its
    /// trie in place.
    pub(crate) fn from_kept(bytes: &[u8], scan: Scan, file: Option<&SharedBytes>) -> Result<Matcher> {
        let bad = |what: &str| Error::new(ErrorKind::Config, format!("compiled dictionary is damaged ({what})"));
        let tables = bytes.strip_prefix(TABLES_TAG).ok_or_else(|| bad("not a matcher of this version"))?;
        let (mut u, rest) = Unpacker::new(tables).ok_or_else(|| bad("tables"))?;
        let (starts, split, targets, surfaces) = read_tables(&mut u, file).ok_or_else(|| bad("tables"))?;
        let (texts, mut rest) = StringList::read(rest, file).ok_or_else(|| bad("texts"))?;
        if texts.len() != 2 * surfaces.len() {
            return Err(bad("texts"));
        }
        let texts = Texts(texts);
        let mut parts = [&[][..]; 3];
        for part in &mut parts {
            let (len, after) = rest.split_first_chunk::<8>().ok_or_else(|| bad("sizes"))?;
            let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| bad("sizes"))?;
            (*part, rest) = take(after, len).ok_or_else(|| bad("sizes"))?;
        }
        let [everywhere, trie, anywhere] = parts;
        let automaton = |bytes: &[u8]| -> Result<CharwiseDoubleArrayAhoCorasick<u32>> {
            match CharwiseDoubleArrayAhoCorasick::<u32>::deserialize(bytes) {
                Ok((a, rest)) if rest.is_empty() && a.num_states() > 0 => Ok(a),
                _ => Err(bad("automaton")),
            }
        };
        let patterns = starts.as_slice().len().checked_sub(1).ok_or_else(|| bad("tables"))?;
        let inside = InsideStarts::for_scans(&[scan], patterns, &surfaces, &texts);
        let (everywhere, word_starts) = match scan.resolve(patterns, inside.is_some()) {
            Scan::Everywhere => (Some(automaton(everywhere)?), None),
            Scan::WordStarts | Scan::WithoutMorphology | Scan::WithMorphology => {
                let trie = (!trie.is_empty())
                    .then(|| crate::trie::Trie::from_bytes(trie, file).ok_or_else(|| bad("trie")))
                    .transpose()?;
                let anywhere = (!anywhere.is_empty()).then(|| automaton(anywhere)).transpose()?;
                (None, Some(WordStarts { trie, anywhere }))
            }
        };
        let word = |w: &[u8; 4]| u32::from_le_bytes(*w);
        let (starts_at, split_at) = (starts.as_slice(), split.as_slice());
        let consistent = rest.is_empty()
            && starts_at.windows(2).all(|w| word(&w[0]) <= word(&w[1]))
            && starts_at.last().is_some_and(|n| word(n) as usize == targets.len())
            && split_at.len() == patterns
            && split_at.iter().zip(starts_at.windows(2)).all(|(s, w)| word(&w[0]) <= word(s) && word(s) <= word(&w[1]))
            && targets.iter().all(|&t| (t as usize) < surfaces.len());
        if !consistent {
            return Err(bad("inconsistent tables"));
        }
        let targets = targets_of(&targets, &surfaces);
        Ok(Matcher { everywhere, word_starts, inside, starts, split, targets, surfaces, texts })
    }

    /// Every surface form.
    pub fn surfaces(&self) -> &[Surface] {
        &self.surfaces
    }

    /// Marks the candidates of the aliases of entities that have context terms
    /// (`requires[e]`) or exclusion phrases (`excludes[e]`), so that validation looks those
    /// up only for them: per-entity tables, read at random for every candidate, would cost
    /// a cache miss each.
    pub fn mark_entities(&mut self, requires: &[bool], excludes: &[bool]) {
        for t in &mut self.targets {
            if let Owner::Alias(e) = t.owner {
                t.requires = requires.get(e as usize).copied().unwrap_or(false);
                t.excludes = excludes.get(e as usize).copied().unwrap_or(false);
            }
        }
    }

    /// The form of surface `s` as written in the dictionary.
    pub fn text(&self, s: u32) -> &str {
        self.texts.text(s as usize)
    }

    /// Asks the CPU to fetch surface `s`'s text: `step` 0 its place in the table, 1 (after 0
    /// has had time) the text itself (see `Dictionary::prefetch_label`).
    #[inline]
    pub(crate) fn prefetch_text(&self, s: u32, step: u8) {
        self.texts.0.prefetch(2 * s as usize, step);
    }

    /// For an exact-case alias: the case-preserving key the original text must equal.
    pub fn exact_key(&self, s: u32) -> Option<&str> {
        self.surfaces.get(s as usize).filter(|x| x.exact).map(|_| self.texts.key(s as usize))
    }

    /// Appends the occurrences of the surface forms in `text` to `out`, overlapping ones
    /// included: every occurrence for a matcher built for [`Scan::Everywhere`], those of
    /// [`Scan::WordStarts`] for one built only for that.
    pub fn scan(&self, text: &str, out: &mut Vec<Candidate>) {
        if let Some(automaton) = &self.everywhere {
            self.push_found(automaton, text, out);
            return;
        }
        let Some(w) = &self.word_starts else { return };
        let walk_starts = |trie: &crate::trie::Trie, at: usize, mut starts: u32, out: &mut Vec<Candidate>| {
            while starts != 0 {
                let start = at + starts.trailing_zeros() as usize;
                starts &= starts - 1;
                trie.prefixes(text, start, |value, end| self.push(value, start, end, true, out));
            }
        };
        match (&w.trie, &self.inside) {
            (Some(trie), Some(inside_starts)) => {
                let bytes = text.as_bytes();
                boundary::for_each_word_block(text, |at, starts, mut inside| {
                    walk_starts(trie, at, starts, out);
                    while inside != 0 {
                        let start = at + inside.trailing_zeros() as usize;
                        inside &= inside - 1;
                        // The syllable at `start` follows a Hangul character: a word goes on.
                        let syllables = is_syllable_at(bytes, start + 3) && is_syllable_at(bytes, start + 6);
                        let marked = || {
                            let mut chars = text[start..].chars();
                            let (Some(first), Some(second)) = (chars.next(), chars.next()) else { return false };
                            inside_starts.may_begin(first, second)
                        };
                        if syllables || marked() {
                            const MIN: u32 = MID_WORD_MIN_CHARS as u32;
                            trie.long_prefixes::<MIN>(text, start, |value, end| {
                                self.push(value, start, end, false, out)
                            });
                        }
                    }
                });
            }
            // A space starts a "word" for the edge rule, but no pattern starts with one
            // (normalized forms are trimmed): two words in five, left out.
            (Some(trie), None) => {
                boundary::for_each_word_start_block(text, false, |at, starts| walk_starts(trie, at, starts, out));
            }
            (None, _) => {}
        }
        if let Some(automaton) = &w.anywhere {
            self.push_found(automaton, text, out);
        }
    }

    /// Appends what `automaton` finds in `text`. A loaded automaton reports what its bytes
    /// say (daachorse checks their layout, not their sense, and a crafted file can carry a
    /// fitting checksum): a span that is not one of `text` is dropped, never sliced.
    fn push_found(&self, automaton: &CharwiseDoubleArrayAhoCorasick<u32>, text: &str, out: &mut Vec<Candidate>) {
        for m in automaton.find_overlapping_iter(text) {
            let (start, end) = (m.start(), m.end());
            if start <= end && text.is_char_boundary(start) && text.is_char_boundary(end) {
                self.push(m.value(), start, end, false, out);
            }
        }
    }

    /// Appends a candidate per target the [value](VALUE_COUNT_BITS) stands for.
    #[inline(always)]
    fn push(&self, value: u32, start: usize, end: usize, word_start: bool, out: &mut Vec<Candidate>) {
        let count = value & ((1 << VALUE_COUNT_BITS) - 1);
        let range = if count > 0 {
            let first = value >> VALUE_COUNT_BITS;
            first..first + count
        } else {
            let (p, part) = ((value >> (VALUE_COUNT_BITS + 2)) as usize, (value >> VALUE_COUNT_BITS) & 3);
            // Always in range for an automaton built here; a loaded one is checked at use
            // (`split` has an entry per pattern, checked at load).
            let (starts, split) = (self.starts.as_slice(), self.split.as_slice());
            if p + 1 >= starts.len() {
                return;
            }
            part_range(|i| u32::from_le_bytes(starts[i]), |i| u32::from_le_bytes(split[i]), p, Part::from_code(part))
        };
        let (start, end) = (start as u32, end as u32);
        for t in self.targets.get(range.start as usize..range.end as usize).unwrap_or_default() {
            out.push(Candidate {
                surface: t.surface,
                start,
                end,
                owner: t.owner,
                guarded: t.guarded,
                prefix: t.prefix,
                exact: t.exact,
                requires: t.requires,
                excludes: t.excludes,
                word_start,
            });
        }
    }

    /// Number of patterns (spacing variants) in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.starts.as_slice().len() - 1
    }

    /// Heap memory used by the automata, in bytes.
    pub fn memory_usage(&self) -> usize {
        self.everywhere.as_ref().map_or(0, |a| a.heap_bytes())
            + self.word_starts.as_ref().map_or(0, |w| {
                w.trie.as_ref().map_or(0, crate::trie::Trie::heap_bytes)
                    + w.anywhere.as_ref().map_or(0, |a| a.heap_bytes())
            })
    }
}

/// The tables [`Matcher::to_bytes`] packs, all of them (`None` if damaged).
fn read_tables(u: &mut Unpacker<'_>, file: Option<&SharedBytes>) -> Option<Tables> {
    let starts = Words::new(u.u32_bytes()?, file);
    let split = Words::new(u.u32_bytes()?, file);
    let targets = u.u32s()?;
    let n = u.count(SURFACE_WORDS)?;
    let mut surfaces = Vec::with_capacity(n);
    for _ in 0..n {
        let flags = u.word()?;
        let index = u.word()?;
        let owner = match flags & 3 {
            0 => Owner::Alias(index),
            1 => Owner::Exclude(index),
            2 => Owner::Require(index),
            _ => Owner::Term(index),
        };
        if flags >> 5 != 0 {
            return None;
        }
        surfaces.push(Surface { owner, exact: flags & 16 != 0, guarded: flags & 4 != 0, prefix: flags & 8 != 0 });
    }
    u.is_done().then_some((starts, split, targets, surfaces))
}

/// Pattern starts and splits (read in place), targets and surfaces.
type Tables = (Words<4>, Words<4>, Vec<u32>, Vec<Surface>);

/// The spacing variants of a normalized form: each space it contains and each place where
/// Hangul meets Latin or digits may be written with or without a space.
///
/// ```
/// use hantag::matcher::spacing_variants;
/// assert_eq!(spacing_variants("하이퍼클로바x"), ["하이퍼클로바x", "하이퍼클로바 x"]);
/// assert_eq!(spacing_variants("소버린 ai"), ["소버린ai", "소버린 ai"]);
/// ```
pub fn spacing_variants(form: &str) -> Vec<String> {
    let mut segments: Vec<String> = vec![String::new()];
    let mut prev: Option<char> = None;
    for c in form.chars() {
        if c == ' ' {
            if !segments.last().is_some_and(|s| s.is_empty()) {
                segments.push(String::new());
            }
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            let (a, b) = (script(p), script(c));
            if (a == Script::Hangul && b == Script::Alnum) || (a == Script::Alnum && b == Script::Hangul) {
                segments.push(String::new());
            }
        }
        if let Some(s) = segments.last_mut() {
            s.push(c);
        }
        prev = Some(c);
    }
    segments.retain(|s| !s.is_empty());
    let gaps = segments.len().saturating_sub(1);
    let masks: Vec<u32> =
        if gaps <= MAX_GAPS { (0..1u32 << gaps).collect() } else { vec![0, (1u32 << gaps.min(31)) - 1] };
    let mut out: Vec<String> = Vec::with_capacity(masks.len());
    for mask in masks {
        let mut v = String::with_capacity(form.len() + gaps);
        for (i, seg) in segments.iter().enumerate() {
            if i > 0 && mask & (1 << ((i - 1).min(31))) != 0 {
                v.push(' ');
            }
            v.push_str(seg);
        }
        if !out.contains(&v) {
            out.push(v);
        }
    }
    if gaps > MAX_GAPS && !out.iter().any(|v| v == form) {
        out.push(form.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dictionary::Dictionary;

    #[test]
    fn variants() {
        assert_eq!(spacing_variants("네이버 클라우드"), ["네이버클라우드", "네이버 클라우드"]);
        assert_eq!(spacing_variants("한국전력"), ["한국전력"]);
        assert_eq!(spacing_variants("lg ai연구원").len(), 4);
        assert_eq!(spacing_variants("a b c d e f g"), ["abcdefg", "a b c d e f g"]);
    }

    #[test]
    fn candidates_say_whether_the_word_start_scan_found_them() {
        let d =
            Dictionary::from_csv_str("t.csv", "id,type,name,aliases\nsamsung,company,삼성,\nsec,company,삼성전자,\n")
                .unwrap();
        for (scan, word_start) in [(Scan::Everywhere, false), (Scan::WordStarts, true)] {
            let m = Matcher::compile(d.entities(), &[], &|_| false, &[scan]).unwrap();
            let mut out = Vec::new();
            m.scan("삼성전자는 삼성", &mut out);
            assert!(!out.is_empty());
            assert!(out.iter().all(|c| c.word_start == word_start), "{scan:?}");
        }
    }

    #[test]
    fn scan_reports_overlaps() {
        let d =
            Dictionary::from_csv_str("t.csv", "id,type,name,aliases\nsamsung,company,삼성,\nsec,company,삼성전자,\n")
                .unwrap();
        let m = Matcher::compile(d.entities(), &[], &|_| false, &[Scan::Everywhere]).unwrap();
        let mut out = Vec::new();
        m.scan("삼성전자는", &mut out);
        let mut spans: Vec<(u32, u32)> = out.iter().map(|c| (c.start, c.end)).collect();
        spans.sort();
        assert_eq!(spans, [(0, 6), (0, 12)]);
    }

    fn spans(m: &Matcher, text: &str) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::new();
        m.scan(text, &mut out);
        let mut v: Vec<(u32, u32, u32)> = out.iter().map(|c| (c.start, c.end, c.surface)).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn word_start_scan() {
        // 삼성 is also an exclusion phrase of 성전 (found anywhere); 기아 requires 자동차.
        let d = Dictionary::from_csv_str(
            "t.csv",
            "id,type,name,aliases,exact_aliases,requires,excludes\n\
             samsung,company,삼성,,,,\n\
             sec,company,삼성전자,,,,\n\
             x,company,성전,,,,삼성\n\
             kia,company,기아,,,자동차,\n",
        )
        .unwrap();
        let m = Matcher::compile(d.entities(), &[], &|_| false, &[Scan::WordStarts]).unwrap();
        let owner = |surface: u32| m.surfaces()[surface as usize].owner;
        let text = "삼성전자는 신형자동차 기아";
        let found = spans(&m, text);
        // Aliases at word starts only (not 성전 inside 삼성전자); the exclusion and the context
        // term wherever they are, 자동차 inside 신형자동차 too.
        let aliases: Vec<(u32, u32)> =
            found.iter().filter(|c| matches!(owner(c.2), Owner::Alias(_))).map(|c| (c.0, c.1)).collect();
        assert_eq!(aliases, [(0, 6), (0, 12), (32, 38)]);
        assert!(found.iter().any(|c| owner(c.2) == Owner::Exclude(2) && (c.0, c.1) == (0, 6)));
        assert!(found.iter().any(|c| owner(c.2) == Owner::Require(3) && (c.0, c.1) == (22, 31)));
        assert_eq!(found.len(), 5);
    }

    #[test]
    fn word_start_scan_holds_what_the_trie_cannot() {
        // The trie marks key ends with U+FFFF: such a pattern goes to the automaton instead.
        let d = Dictionary::from_csv_str("t.csv", "id,type,name,aliases\nodd,company,가\u{ffff}나,\nn,company,나,\n")
            .unwrap();
        assert!(normalize_key("가\u{ffff}나").contains(crawdad::END_MARKER));
        let both = Matcher::compile(d.entities(), &[], &|_| false, &[Scan::Everywhere, Scan::WordStarts]).unwrap();
        let bytes = both.to_bytes().unwrap();
        let everywhere = Matcher::from_bytes(&bytes, Scan::Everywhere).unwrap();
        let word_starts = Matcher::from_bytes(&bytes, Scan::WordStarts).unwrap();
        let text = "가\u{ffff}나 다나";
        assert_eq!(spans(&everywhere, text), [(0, 9, 0), (6, 9, 1), (13, 16, 1)]);
        // 나 after U+FFFF (not a letter) starts a word, 나 inside 다나 does not.
        assert_eq!(spans(&word_starts, text), [(0, 9, 0), (6, 9, 1)]);
        // U+FFFF in the text right after a key that is the prefix of another is not read as
        // the key's end (the matcher fuzz target found 나 reported as 나\u{ffff}).
        let d = Dictionary::from_csv_str("t.csv", "id,type,name,aliases\nn,company,나,\nm,company,나다,\n").unwrap();
        let m = Matcher::compile(d.entities(), &[], &|_| false, &[Scan::WordStarts]).unwrap();
        assert_eq!(spans(&m, "나\u{ffff}나다"), [(0, 3, 0), (6, 9, 0), (6, 12, 1)]);
    }

    #[test]
    fn without_morphology_the_size_decides() {
        // Aliases inside words are reported by the full automaton only.
        let csv = |n: usize| {
            let mut csv = String::from("id,type,name,aliases\n");
            for i in 0..n {
                // Distinct names of two syllables, none starting with 가 (U+AC00).
                let name: String =
                    [i / 200, i % 200].iter().filter_map(|&k| char::from_u32(0xAC01 + 50 * k as u32)).collect();
                csv.push_str(&format!("e{i},company,{name},\n"));
            }
            Dictionary::from_csv_str("t.csv", &csv).unwrap()
        };
        let inside = |m: &Matcher| {
            let name = m.text(0);
            let mut out = Vec::new();
            m.scan(&format!("가{name}"), &mut out);
            !out.is_empty()
        };
        let small = csv(100);
        let m = Matcher::compile(small.entities(), &[], &|_| false, &[Scan::WithoutMorphology]).unwrap();
        assert!(m.pattern_count() < WORD_STARTS_MIN_PATTERNS && inside(&m));
        let large = csv(WORD_STARTS_MIN_PATTERNS);
        let m = Matcher::compile(large.entities(), &[], &|_| false, &[Scan::WithoutMorphology]).unwrap();
        assert!(m.pattern_count() >= WORD_STARTS_MIN_PATTERNS, "{}", m.pattern_count());
        assert!(!inside(&m));
        // A compiled file is read the same way.
        for (d, word_starts) in [(&small, false), (&large, true)] {
            let both = Matcher::compile(d.entities(), &[], &|_| false, &[Scan::Everywhere, Scan::WordStarts]).unwrap();
            let bytes = both.to_bytes().unwrap();
            let loaded = Matcher::from_bytes(&bytes, Scan::WithoutMorphology).unwrap();
            assert_eq!(inside(&loaded), !word_starts);
            // Loaded from bytes it keeps, the matcher reads its trie in place: the same finds,
            // without the trie's copy.
            let file: SharedBytes = std::sync::Arc::new(bytes);
            let kept = Matcher::from_kept((*file).as_ref(), Scan::WithoutMorphology, Some(&file)).unwrap();
            let text: String = (0..40).map(|s| format!("{}는 ", kept.text(s * 7))).collect();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            loaded.scan(&text, &mut a);
            kept.scan(&text, &mut b);
            assert_eq!(a, b);
            assert_eq!(a.len() >= 40, word_starts);
            let trie = |m: &Matcher| m.word_starts.as_ref().and_then(|w| w.trie.as_ref()).map(|t| t.heap_bytes());
            if word_starts {
                assert!(trie(&loaded).is_some_and(|n| n > 0));
                assert_eq!(trie(&kept), Some(0));
            }
            // So are the surfaces' texts and the pattern tables.
            assert!(matches!(&kept.texts.0, StringList::Loaded { text: Words::Kept { .. }, ends: Words::Kept { .. } }));
            assert!(matches!((&kept.starts, &kept.split), (Words::Kept { .. }, Words::Kept { .. })));
            assert!(matches!(&loaded.texts.0, StringList::Loaded { text: Words::Own(_), .. }));
            assert!(matches!(&loaded.starts, Words::Own(_)));
            assert_eq!(kept.surfaces(), loaded.surfaces());
            assert!((0..kept.surfaces().len() as u32).all(|s| kept.text(s) == loaded.text(s)));
        }
    }

    #[test]
    fn with_morphology_walks_inside_words() {
        // Two-syllable fillers to pass the size, and names that a tagger may accept inside a
        // word: three syllables, or a non-syllable among the first three characters.
        let names = ["다라마", "채널A", "바사 아자", "파하"];
        let mut csv = String::from("id,type,name,aliases\n");
        for i in 0..WORD_STARTS_MIN_PATTERNS {
            let name: String =
                [i / 200, i % 200].iter().filter_map(|&k| char::from_u32(0xAC01 + 50 * k as u32)).collect();
            csv.push_str(&format!("e{i},company,{name},\n"));
        }
        for (i, name) in names.iter().enumerate() {
            csv.push_str(&format!("n{i},company,{name},\n"));
        }
        let d = Dictionary::from_csv_str("t.csv", &csv).unwrap();
        let text = "가다라마는 한동훈채널a 기자 카바사 아자 타파하 다라마 채널 a 바사아자 가나채널 a3다라마";
        // What a tagger with morphology may accept: an alias at a word start, or inside a word
        // with three characters or more.
        let acceptable = |m: &Matcher| {
            let mut out = Vec::new();
            m.scan(text, &mut out);
            let mut spans: Vec<(u32, u32, u32)> = out
                .iter()
                .filter(|c| match boundary::left_edge(text, c.start as usize) {
                    boundary::Left::Ok => true,
                    boundary::Left::MidWord => text[c.start as usize..c.end as usize].chars().nth(2).is_some(),
                    boundary::Left::Reject => false,
                })
                .map(|c| (c.start, c.end, c.surface))
                .collect();
            spans.sort_unstable();
            spans
        };
        let everywhere = Matcher::compile(d.entities(), &[], &|_| false, &[Scan::Everywhere]).unwrap();
        let with = Matcher::compile(d.entities(), &[], &|_| false, &[Scan::WithMorphology]).unwrap();
        assert!(with.everywhere.is_none() && with.inside.is_some());
        let expected = acceptable(&everywhere);
        let found: Vec<&str> = expected.iter().map(|&(s, e, _)| &text[s as usize..e as usize]).collect();
        for name in ["다라마", "채널a", "바사 아자", "채널 a", "바사아자"] {
            assert!(found.contains(&name), "{name} in {found:?}");
        }
        assert_eq!(acceptable(&with), expected);
        // A compiled file is read the same way.
        let bytes = everywhere.to_bytes().unwrap();
        let loaded = Matcher::from_bytes(&bytes, Scan::WithMorphology).unwrap();
        assert!(loaded.everywhere.is_none() && loaded.inside.is_some());
        assert_eq!(acceptable(&loaded), expected);
        // A topic term keeps the full automaton: short ones count inside words.
        let terms = [TermSpec { text: "투자".into(), prefix: false }];
        let m = Matcher::compile(d.entities(), &terms, &|_| false, &[Scan::WithMorphology]).unwrap();
        assert!(m.everywhere.is_some() && m.inside.is_none());
        // So does a key that begins with a jamo, which a syllable walk does not start from.
        let jamo = Dictionary::from_csv_str("j.csv", &format!("{csv}j,company,\u{1100}\u{1100}a,\n")).unwrap();
        let m = Matcher::compile(jamo.entities(), &[], &|_| false, &[Scan::WithMorphology]).unwrap();
        assert!(m.everywhere.is_some() && m.inside.is_none());
    }

    #[test]
    fn patterns_of_many_surfaces() {
        // Twenty entities share an alias, and an exclusion of one of them: more targets than
        // a value can count, looked up by pattern instead.
        let mut csv = String::from("id,type,name,aliases,exact_aliases,requires,excludes\n");
        for i in 0..20 {
            csv.push_str(&format!("e{i},company,같은이름,,,,같은이름\n"));
        }
        let d = Dictionary::from_csv_str("t.csv", &csv).unwrap();
        let text = "같은이름은 같은이름";
        let both = Matcher::compile(d.entities(), &[], &|_| false, &[Scan::Everywhere, Scan::WordStarts]).unwrap();
        let bytes = both.to_bytes().unwrap();
        for scan in [Scan::Everywhere, Scan::WordStarts] {
            for m in [
                Matcher::compile(d.entities(), &[], &|_| false, &[scan]).unwrap(),
                Matcher::from_bytes(&bytes, scan).unwrap(),
            ] {
                let found = spans(&m, text);
                assert_eq!(found.len(), 80, "{scan:?}");
                let aliases =
                    found.iter().filter(|c| matches!(m.surfaces()[c.2 as usize].owner, Owner::Alias(_))).count();
                assert_eq!(aliases, 40, "{scan:?}");
            }
        }
    }

    #[test]
    fn a_matcher_without_patterns_round_trips() {
        // No entities at all, or (built in code, found by the matcher fuzz target) an alias
        // that normalizes to nothing.
        let d = Dictionary::from_csv_str("t.csv", "id,type,name,aliases\nx,company,네이버,\n").unwrap();
        let mut odd = d.entities()[0].clone();
        odd.name = "\u{7f}\u{7f}".into();
        odd.aliases = vec![odd.name.clone()];
        for entities in [vec![], vec![odd]] {
            let m = Matcher::compile(&entities, &[], &|_| false, &[Scan::Everywhere, Scan::WordStarts]).unwrap();
            assert_eq!(m.pattern_count(), 0);
            let bytes = m.to_bytes().unwrap();
            for scan in [Scan::Everywhere, Scan::WordStarts] {
                let mut out = Vec::new();
                Matcher::from_bytes(&bytes, scan).unwrap().scan("\u{7f}\u{7f} x", &mut out);
                assert!(out.is_empty());
            }
        }
    }

    #[test]
    fn to_bytes_builds_the_scan_it_lacks() {
        let d =
            Dictionary::from_csv_str("t.csv", "id,type,name,aliases\nsamsung,company,삼성,\nsec,company,삼성전자,\n")
                .unwrap();
        let text = "삼성전자는 전자 삼성";
        for built in [Scan::Everywhere, Scan::WordStarts] {
            let m = Matcher::compile(d.entities(), &[], &|_| false, &[built]).unwrap();
            let bytes = m.to_bytes().unwrap();
            for scan in [Scan::Everywhere, Scan::WordStarts] {
                let loaded = Matcher::from_bytes(&bytes, scan).unwrap();
                let fresh = Matcher::compile(d.entities(), &[], &|_| false, &[scan]).unwrap();
                assert_eq!(spans(&loaded, text), spans(&fresh, text), "built {built:?}, loaded {scan:?}");
            }
        }
    }
}

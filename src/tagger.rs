//! `Tagger`, `TaggerBuilder`, `Worker`: the stages for one article.
//!
//! normalize → scan (all overlapping candidates) → validate (boundaries, particles,
//! morphology, guards) → resolve (longest valid, non-overlapping spans) → topics.

use crate::boundary::{self, Left, Right};
use crate::dictionary::{Dictionary, Entity, EntityId, EntityLabel, SharedBytes};
use crate::error::Result;
use crate::input::Article;
use crate::matcher::{Candidate, Matcher, Owner, Scan, Surface, MID_WORD_MIN_CHARS};
use crate::morph::{Cache, KoDic, KoDicWorker, Morpheme, SharedCache};
use crate::normalize::{normalize_keep_case, Normalized};
use crate::topic::{TermHit, TopicScore, TopicSet};
use std::ops::Range;
use std::sync::Arc;

/// Whether Hangul boundaries are decided with morphology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Morphology {
    /// Particle rules only: the fast path.
    Off,
    /// ko-dic analyses the words that hold a candidate the particle rules cannot decide.
    #[default]
    OnDemand,
}

/// A field of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// The title.
    Title,
    /// The body.
    Body,
}

impl Field {
    /// `title` or `body`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Body => "body",
        }
    }
}

/// One mention of an entity: a byte span of a field of the original article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Index of the entity in the tagger's dictionary.
    pub entity: u32,
    /// The field it is in.
    pub field: Field,
    /// Byte range in the original field text.
    pub span: Range<usize>,
    /// Index of the matched surface form (see [`Tagger::alias_text`]).
    pub alias: u32,
}

impl Mention {
    /// The byte range in the original field text.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The text of the mention as written in `article`.
    pub fn surface<'a>(&self, article: &'a Article) -> &'a str {
        let field = match self.field {
            Field::Title => &article.title,
            Field::Body => &article.body,
        };
        &field[self.span.clone()]
    }
}

/// The result of tagging one article: mentions in reading order (title first) and topics.
#[derive(Debug, Clone)]
pub struct Tagged {
    tagger: Tagger,
    mentions: Vec<Mention>,
    topics: Vec<TopicScore>,
}

impl Tagged {
    /// The mentions, title first, each field in reading order.
    pub fn mentions(&self) -> &[Mention] {
        &self.mentions
    }

    /// The entity a mention refers to.
    pub fn entity(&self, mention: &Mention) -> &Entity {
        &self.tagger.inner.dictionary.entities()[mention.entity as usize]
    }

    /// The id, name and type of the entity a mention refers to: [`Tagged::entity`] without
    /// reading a compiled dictionary's entities in full.
    pub fn label(&self, mention: &Mention) -> EntityLabel<'_> {
        self.tagger.inner.dictionary.label(mention.entity as usize)
    }

    /// Asks the CPU to fetch the labels of the first mentions' entities and their aliases'
    /// texts, a while before [`Tagged::label`] and [`Tagger::alias_text`] read them.
    pub(crate) fn prefetch_labels(&self) {
        for m in self.mentions.iter().take(8) {
            self.tagger.inner.dictionary.prefetch_label(m.entity as usize, 1);
            self.tagger.inner.matcher.prefetch_text(m.alias, 1);
        }
    }

    /// The topics, highest score first.
    pub fn topics(&self) -> &[TopicScore] {
        &self.topics
    }

    /// The mentioned entities with their mentions, in order of first mention.
    pub fn entities(&self) -> Vec<(&Entity, Vec<&Mention>)> {
        let mut order: Vec<u32> = Vec::new();
        for m in &self.mentions {
            if !order.contains(&m.entity) {
                order.push(m.entity);
            }
        }
        order
            .into_iter()
            .map(|e| {
                (
                    &self.tagger.inner.dictionary.entities()[e as usize],
                    self.mentions.iter().filter(|m| m.entity == e).collect(),
                )
            })
            .collect()
    }
}

struct Inner {
    dictionary: Dictionary,
    matcher: Matcher,
    topics: TopicSet,
    kodic: Option<KoDic>,
    morphology: Morphology,
    cache_limit: usize,
    /// Analyses shared by this tagger's workers.
    shared_cache: Arc<SharedCache>,
}

/// A handle on what a tagger shares. A tagger's clones share its handle; each worker makes
/// its own, so that the count each [`Tagged`] it returns takes (and drops) stays in that
/// worker's thread's cache instead of bouncing between cores with every article.
struct Handle {
    core: Arc<Inner>,
}

impl std::ops::Deref for Handle {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.core
    }
}

/// The compiled dictionary: immutable, `Send + Sync`, cheap to clone.
#[derive(Clone)]
pub struct Tagger {
    inner: Arc<Handle>,
}

impl std::fmt::Debug for Tagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tagger")
            .field("entities", &self.inner.dictionary.entity_count())
            .field("patterns", &self.inner.matcher.pattern_count())
            .field("morphology", &self.inner.morphology)
            .finish()
    }
}

/// Options for building a [`Tagger`].
#[derive(Debug, Clone)]
pub struct TaggerBuilder {
    morphology: Morphology,
    guard_common_words: bool,
    cache_limit: usize,
}

impl Default for TaggerBuilder {
    fn default() -> Self {
        TaggerBuilder { morphology: Morphology::OnDemand, guard_common_words: true, cache_limit: 200_000 }
    }
}

/// An alias whose ordinary-word reading is this much cheaper in ko-dic than its proper-noun
/// reading is guarded: 사진, 조사, 영화, 지원 are; 이란, 가나, 인도, 오만 are not.
const GUARD_MARGIN: i32 = 3000;

/// An alias with no proper-noun reading at all is guarded when its ordinary reading is
/// cheaper than this, i.e. a frequent word (정부 1446, 국민 2229, 미래 2336); rarer
/// ordinary-noun entries are often names ko-dic files as nouns (한화 3139).
const GUARD_COMMON_ONLY: i32 = 2500;

impl TaggerBuilder {
    /// Sets how Hangul boundaries are decided.
    pub fn morphology(&mut self, morphology: Morphology) -> &mut Self {
        self.morphology = morphology;
        self
    }

    /// Whether aliases that are far more often common words need evidence (default: yes).
    pub fn guard_common_words(&mut self, yes: bool) -> &mut Self {
        self.guard_common_words = yes;
        self
    }

    /// How many analyses each worker caches before it starts afresh.
    pub fn cache_limit(&mut self, limit: usize) -> &mut Self {
        self.cache_limit = limit.max(1);
        self
    }

    /// What the matcher must find: without morphology, nothing that starts inside a word can
    /// be accepted, and a scan from word starts only is enough (and, for a large dictionary,
    /// cheaper).
    fn scan(&self) -> Scan {
        match self.morphology {
            Morphology::Off => Scan::WithoutMorphology,
            Morphology::OnDemand => Scan::WithMorphology,
        }
    }

    /// Compiles `dictionary` into a tagger, checking its topic queries.
    pub fn build(&self, dictionary: Dictionary) -> Result<Tagger> {
        let topics = TopicSet::compile(dictionary.topics(), &dictionary)?;
        let kodic = if self.morphology == Morphology::OnDemand || self.guard_common_words {
            Some(KoDic::load_for_words()?)
        } else {
            None
        };
        let guard = |alias: &str| -> bool {
            match (&kodic, self.guard_common_words) {
                (Some(k), true) => is_common_word(k, alias),
                _ => false,
            }
        };
        let matcher = Matcher::compile(dictionary.entities(), topics.terms(), &guard, &[self.scan()])?;
        let kodic = if self.morphology == Morphology::OnDemand { kodic } else { None };
        Ok(self.assemble(dictionary, matcher, topics, kodic))
    }
}

/// Whether ko-dic reads `alias` as an ordinary word far more readily than as a name.
pub fn is_common_word(kodic: &KoDic, alias: &str) -> bool {
    if !alias.chars().all(|c| crate::normalize::script(c) == crate::normalize::Script::Hangul) {
        return false;
    }
    let r = kodic.readings(alias);
    match (r.common, r.proper) {
        (Some(common), Some(proper)) => common + GUARD_MARGIN < proper,
        (Some(common), None) => common < GUARD_COMMON_ONLY,
        _ => false,
    }
}

/// The first bytes of a compiled dictionary file.
const COMPILED_MAGIC: &[u8] = b"hantag compiled dictionary\n";

/// The version and layout a compiled dictionary must have; a file with another is refused
/// with "compile it again". It is stored as a one-byte length and the text, where files of
/// the first layout (postcard) hold their version string, so those are refused too.
const COMPILED_LABEL: &str = concat!(env!("CARGO_PKG_VERSION"), " (file format 6)");

// The label's length is stored in one byte that postcard would read as a whole length.
const _: () = assert!(COMPILED_LABEL.len() < 128);

impl TaggerBuilder {
    /// Loads a dictionary compiled by [`Tagger::compiled_bytes`] (`hantag compile`), with this
    /// builder's morphology; its common-word guards are those it was compiled with.
    ///
    /// The layout, after the magic line: a `u64` length of the dictionary head, then the
    /// head — the version label, a `u64` checksum of every byte after it, the packed
    /// dictionary — then [`Matcher::to_bytes`]. Anything damaged or foreign is an error.
    pub fn load_compiled(&self, bytes: &[u8]) -> Result<Tagger> {
        self.load(bytes, None)
    }

    /// [`TaggerBuilder::load_compiled`] of bytes that the tagger keeps (a memory map of the
    /// file, say): it reads the word-start trie, the pattern tables, the entities' labels and
    /// the alias texts in place, and its dictionary the entities when asked for
    /// ([`Dictionary::entities`]), instead of keeping copies, which for a large dictionary are
    /// most of the file. The bytes must not change while the tagger lives.
    pub fn load_compiled_shared(&self, bytes: impl AsRef<[u8]> + Send + Sync + 'static) -> Result<Tagger> {
        let file: SharedBytes = Arc::new(bytes);
        self.load((*file).as_ref(), Some(&file))
    }

    /// Loads `bytes`, which are those of `file` if it is given.
    fn load(&self, bytes: &[u8], file: Option<&SharedBytes>) -> Result<Tagger> {
        let rest = bytes.strip_prefix(COMPILED_MAGIC).ok_or_else(|| {
            crate::Error::new(crate::ErrorKind::Config, "not a compiled hantag dictionary (made by `hantag compile`)")
        })?;
        let bad = || crate::Error::new(crate::ErrorKind::Config, "compiled dictionary is damaged");
        let (len, rest) = rest.split_first_chunk::<8>().ok_or_else(bad)?;
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| bad())?;
        let head = rest.get(..len).ok_or_else(bad)?;
        let matcher = &rest[len..];
        let (&label_len, head) = head.split_first().ok_or_else(bad)?;
        let label = head.get(..usize::from(label_len)).ok_or_else(bad)?;
        if label != COMPILED_LABEL.as_bytes() {
            return Err(match std::str::from_utf8(label) {
                Ok(label) if label_len < 128 && !label.chars().any(char::is_control) => crate::Error::new(
                    crate::ErrorKind::Config,
                    format!("compiled by hantag {label}, this is hantag {COMPILED_LABEL}: compile it again"),
                ),
                _ => bad(),
            });
        }
        let (sum, dictionary) = head[label.len()..].split_first_chunk::<8>().ok_or_else(bad)?;
        // The sum covers the packed dictionary and the matcher, which end the file.
        let dictionary_at = bytes.len() - dictionary.len() - matcher.len();
        if u64::from_le_bytes(*sum) != checksum(&bytes[dictionary_at..]) {
            return Err(bad());
        }
        // The two halves are independent: on a pool of more than one thread they load at once.
        let (dictionary, matcher) = rayon::join(
            || {
                let dictionary = Dictionary::from_packed_kept(dictionary, file).ok_or_else(bad)?;
                let topics = TopicSet::compile(dictionary.topics(), &dictionary)?;
                Ok::<_, crate::Error>((dictionary, topics))
            },
            || Matcher::from_kept(matcher, self.scan(), file),
        );
        let ((dictionary, topics), matcher) = (dictionary?, matcher?);
        let entity_count = dictionary.entity_count();
        let owners_ok = matcher.surfaces().iter().all(|s| match s.owner {
            Owner::Alias(e) | Owner::Exclude(e) | Owner::Require(e) => (e as usize) < entity_count,
            Owner::Term(t) => (t as usize) < topics.terms().len(),
        });
        if !owners_ok {
            return Err(bad());
        }
        let kodic = if self.morphology == Morphology::OnDemand { Some(KoDic::load_for_words()?) } else { None };
        Ok(self.assemble(dictionary, matcher, topics, kodic))
    }

    /// The tagger of a compiled matcher, with this builder's options.
    fn assemble(&self, dictionary: Dictionary, mut matcher: Matcher, topics: TopicSet, kodic: Option<KoDic>) -> Tagger {
        let (has_requires, has_excludes) = dictionary.context_flags();
        matcher.mark_entities(&has_requires, &has_excludes);
        Tagger {
            inner: Arc::new(Handle {
                core: Arc::new(Inner {
                    dictionary,
                    matcher,
                    topics,
                    kodic,
                    morphology: self.morphology,
                    cache_limit: self.cache_limit,
                    shared_cache: Arc::default(),
                }),
            }),
        }
    }
}

/// Whether `bytes` start like a compiled dictionary.
pub fn is_compiled(bytes: &[u8]) -> bool {
    bytes.starts_with(COMPILED_MAGIC)
}

/// The checksum of a compiled dictionary: Fletcher's sums over 64-bit words in four lanes
/// (the length mixed in). It catches any damage confined to one word and almost surely any
/// other, also inside a string or the automaton, which no structure check could; a pass
/// over the file costs a fraction of an instruction per byte.
fn checksum(bytes: &[u8]) -> u64 {
    fn add(sums: &mut [[u64; 4]; 2], block: &[u8; 32]) {
        for (lane, word) in block.chunks_exact(8).enumerate() {
            let word = u64::from_le_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]);
            sums[0][lane] = sums[0][lane].wrapping_add(word);
            sums[1][lane] = sums[1][lane].wrapping_add(sums[0][lane]);
        }
    }
    let mut sums = [[0u64; 4]; 2];
    let (blocks, tail) = bytes.as_chunks::<32>();
    for block in blocks {
        add(&mut sums, block);
    }
    let mut last = [0u8; 32];
    last[..tail.len()].copy_from_slice(tail);
    add(&mut sums, &last);
    let mut h = bytes.len() as u64;
    for sum in sums.iter().flatten() {
        h = (h ^ sum).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    }
    h
}

impl Tagger {
    /// The compiled dictionary as bytes, for [`TaggerBuilder::load_compiled`]: loading it
    /// skips parsing, normalizing, guard look-ups and the automaton build.
    ///
    /// # Errors
    /// If an automaton the tagger was not built with cannot be built, or a part of the file
    /// would pass 4 GiB.
    pub fn compiled_bytes(&self) -> Result<Vec<u8>> {
        let mut out = COMPILED_MAGIC.to_vec();
        out.extend([0; 8]);
        let head = out.len();
        out.push(COMPILED_LABEL.len() as u8);
        out.extend(COMPILED_LABEL.as_bytes());
        let sum = out.len();
        out.extend([0; 8]);
        self.inner.dictionary.to_packed(&mut out)?;
        let len = (out.len() - head) as u64;
        out[head - 8..head].copy_from_slice(&len.to_le_bytes());
        out.extend(self.inner.matcher.to_bytes()?);
        let checksum = checksum(&out[sum + 8..]);
        out[sum..sum + 8].copy_from_slice(&checksum.to_le_bytes());
        Ok(out)
    }

    /// A tagger with the default options (morphology on demand, common-word guard on).
    pub fn new(dictionary: Dictionary) -> Result<Tagger> {
        TaggerBuilder::default().build(dictionary)
    }

    /// Options for building a tagger.
    pub fn builder() -> TaggerBuilder {
        TaggerBuilder::default()
    }

    /// The dictionary it was built from.
    pub fn dictionary(&self) -> &Dictionary {
        &self.inner.dictionary
    }

    /// The compiled topics.
    pub fn topics(&self) -> &TopicSet {
        &self.inner.topics
    }

    /// The dictionary text of surface form `alias` (as in [`Mention::alias`]).
    pub fn alias_text(&self, alias: u32) -> &str {
        self.inner.matcher.text(alias)
    }

    /// The aliases held back by the common-word guard, with their entities.
    pub fn guarded_aliases(&self) -> Vec<(&EntityId, &str)> {
        let entities = self.inner.dictionary.entities();
        let matcher = &self.inner.matcher;
        (0..matcher.surfaces().len() as u32)
            .filter_map(|s| match matcher.surfaces()[s as usize] {
                Surface { owner: Owner::Alias(e), guarded: true, .. } => {
                    Some((&entities[e as usize].id, matcher.text(s)))
                }
                _ => None,
            })
            .collect()
    }

    /// Number of patterns in the automaton.
    pub fn pattern_count(&self) -> usize {
        self.inner.matcher.pattern_count()
    }

    /// Heap memory of the automaton.
    pub fn automaton_bytes(&self) -> usize {
        self.inner.matcher.memory_usage()
    }

    /// Per-thread state for tagging (analysis cache, buffers).
    pub fn worker(&self) -> Worker {
        let cache = self
            .inner
            .kodic
            .as_ref()
            .map(|k| Cache::with_shared(k.worker(), self.inner.cache_limit, self.inner.shared_cache.clone()));
        let tagger = Tagger { inner: Arc::new(Handle { core: self.inner.core.clone() }) };
        Worker { tagger, cache, scratch: Scratch::default() }
    }

    /// Tags one article (with a throw-away worker; use [`Tagger::worker`] for many).
    pub fn tag(&self, article: &Article) -> Result<Tagged> {
        self.worker().tag(article)
    }
}

#[derive(Default)]
struct Scratch {
    norm: [Normalized; 2],
    candidates: [Vec<Candidate>; 2],
    /// `required[e] == generation`: entity `e`'s context terms occur in the current article.
    /// Stamping avoids clearing a vector as long as the dictionary for every article.
    required: Vec<u32>,
    generation: u32,
    /// Bytes covered by accepted spans of the current field, in the normalized text and in
    /// the original: bit sets as long as the field, cleared per field, so that checking a
    /// candidate costs the same with three accepted spans or many thousands.
    occupied: Bits,
    occupied_original: Bits,
    exclusions: Vec<(u32, Range<u32>)>,
    /// Byte offsets of the spaces of the current field, filled on the first term hit: a
    /// term's word index is the number of spaces before it.
    spaces: Vec<usize>,
    spaces_ready: bool,
    valid: Vec<(Candidate, u32)>,
}

/// Per-thread state: the analysis cache and reusable buffers.
pub struct Worker {
    tagger: Tagger,
    cache: Option<Cache<KoDicWorker>>,
    scratch: Scratch,
}

impl Worker {
    /// Cache statistics: (hits, misses).
    pub fn cache_stats(&self) -> (u64, u64) {
        self.cache.as_ref().map_or((0, 0), |c| (c.hits, c.misses))
    }

    /// Tags one article.
    pub fn tag(&mut self, article: &Article) -> Result<Tagged> {
        // Borrowed, not cloned: an `Arc` count bumped per article by every thread is one cache
        // line passed between cores.
        let inner: &Inner = &self.tagger.inner;
        let s = &mut self.scratch;
        let fields = [(Field::Title, article.title.as_str()), (Field::Body, article.body.as_str())];
        for (i, (_, text)) in fields.iter().enumerate() {
            s.norm[i].refill(text, true);
            s.candidates[i].clear();
            inner.matcher.scan(s.norm[i].as_str(), &mut s.candidates[i]);
        }

        // Context terms anywhere in the article satisfy `requires`.
        let entity_count = inner.dictionary.entity_count();
        if s.required.len() != entity_count || s.generation == u32::MAX {
            s.required.clear();
            s.required.resize(entity_count, 0);
            s.generation = 0;
        }
        s.generation += 1;
        let generation = s.generation;
        for i in 0..2 {
            let text = s.norm[i].as_str();
            for c in &s.candidates[i] {
                if let Owner::Require(e) = c.owner {
                    if edges_clear(text, c) {
                        s.required[e as usize] = generation;
                    }
                }
            }
        }

        let mut mentions = Vec::new();
        let mut term_hits = Vec::new();
        for (i, &(field, original)) in fields.iter().enumerate() {
            let norm = &s.norm[i];
            let text = norm.as_str();
            let candidates = &s.candidates[i];
            // Exclusion phrases found in this field, gathered once (they are few), so that
            // checking a candidate does not rescan every candidate of the field.
            s.exclusions.clear();
            s.exclusions.extend(candidates.iter().filter_map(|x| match x.owner {
                Owner::Exclude(e) => Some((e, x.start..x.end)),
                _ => None,
            }));
            s.valid.clear();
            s.spaces.clear();
            s.spaces_ready = false;
            for c in candidates {
                match c.owner {
                    Owner::Alias(e) => {
                        let e = e as usize;
                        // Candidates carry their entity's flags (`Matcher::mark_entities`).
                        if c.requires && s.required[e] != generation {
                            continue;
                        }
                        if c.excludes
                            && s.exclusions
                                .iter()
                                .any(|&(x, ref r)| x == e as u32 && r.start < c.end && c.start < r.end)
                        {
                            continue;
                        }
                        if short_inside_word(text, c) {
                            continue;
                        }
                        // The surface table is read only for exact-case aliases.
                        let key = if c.exact { inner.matcher.exact_key(c.surface) } else { None };
                        if let Some(key) = key {
                            let seen =
                                normalize_keep_case(&original[norm.original_span(c.start as usize..c.end as usize)])
                                    .replace(' ', "");
                            if seen != key {
                                continue;
                            }
                        }
                        s.valid.push((*c, e as u32));
                    }
                    Owner::Term(t) => {
                        // A term that no topic scopes to this field needs no validation.
                        if inner.topics.wants(t, field) && validate(text, c, true, &mut self.cache) {
                            if !s.spaces_ready {
                                s.spaces.extend(text.match_indices(' ').map(|(i, _)| i));
                                s.spaces_ready = true;
                            }
                            let word = s.spaces.partition_point(|&sp| sp < c.start as usize) as u32;
                            term_hits.push(TermHit { term: t, field, word });
                        }
                    }
                    Owner::Exclude(_) | Owner::Require(_) => {}
                }
            }
            // Longest valid span wins; among equals the earlier one, then dictionary order.
            // Candidates are validated in that order, and only while they could still win:
            // one that overlaps an accepted span is never analysed.
            s.valid.sort_by_key(|(c, e)| (std::cmp::Reverse(c.end - c.start), c.start, *e, c.surface));
            s.occupied.reset(text.len());
            s.occupied_original.reset(original.len());
            let first = mentions.len();
            for &(c, e) in &s.valid {
                let range = c.start as usize..c.end as usize;
                if s.occupied.any(range.clone()) {
                    continue;
                }
                let evidence = (c.requires && s.required[e as usize] == generation) || c.exact;
                if !validate(text, &c, evidence, &mut self.cache) {
                    continue;
                }
                // NFKC can expand one original character into several words (ﷺ): two
                // normalized spans may then share original bytes, and only one may stand.
                let span = norm.original_span(range.clone());
                if s.occupied_original.any(span.clone()) {
                    continue;
                }
                s.occupied.set(range);
                s.occupied_original.set(span.clone());
                // Rendering reads the entity's label and the alias's text: cache misses that
                // are on their way while the rest of the article is tagged.
                inner.dictionary.prefetch_label(e as usize, 0);
                inner.matcher.prefetch_text(c.surface, 0);
                mentions.push(Mention { entity: e, field, span, alias: c.surface });
            }
            mentions[first..].sort_by_key(|m| m.span.start);
        }
        term_hits.sort_by_key(|h| (h.field, h.word, h.term));
        term_hits.dedup();
        let topics = inner.topics.score(&term_hits, &mentions, &inner.dictionary);
        Ok(Tagged { tagger: self.tagger.clone(), mentions, topics })
    }
}

/// The left edge of a candidate: clear where the word-start scan found it, which looked.
fn left_edge(text: &str, c: &Candidate) -> Left {
    if c.word_start {
        Left::Ok
    } else {
        boundary::left_edge(text, c.start as usize)
    }
}

/// Whether the candidate's Latin/digit edges are clear (no morphology, no particles).
fn edges_clear(text: &str, c: &Candidate) -> bool {
    left_edge(text, c) != Left::Reject && boundary::right_edge(text, c.end as usize) != Right::Reject
}

/// Whether a name candidate starts inside a Hangul word and is too short to stand there.
/// One or two syllables inside a word are part of another word far more often than a name
/// (조회수 → 회수, 최악의 → 악의): on the HCLT evaluation accepting them cost 0.022 of
/// precision for 0.0004 of recall, and with the 100k gazetteer they were four analyses in
/// five. Topic terms keep them: section keywords inside compounds (대규모투자) carry 2.7
/// points of the KLUE-YNAT accuracy.
fn short_inside_word(text: &str, c: &Candidate) -> bool {
    let (start, end) = (c.start as usize, c.end as usize);
    left_edge(text, c) == Left::MidWord && text[start..end].chars().nth(MID_WORD_MIN_CHARS - 1).is_none()
}

/// Decides whether a candidate is a mention (or a valid term occurrence); `evidence`: the
/// entity's context or an exact-case alias vouches for a guarded one (terms are never guarded).
fn validate(text: &str, c: &Candidate, evidence: bool, cache: &mut Option<Cache<KoDicWorker>>) -> bool {
    let (start, end) = (c.start as usize, c.end as usize);
    let left = left_edge(text, c);
    // Without morphology nothing shows a compound boundary: a span inside a word is refused
    // before its right edge is looked at (most candidates of a large dictionary are such).
    if left == Left::Reject || (left == Left::MidWord && cache.is_none()) {
        return false;
    }
    let right = if c.prefix { Right::Ok } else { boundary::right_edge(text, end) };
    let rest = match &right {
        Right::Reject => return false,
        Right::Ok => None,
        Right::Rest(r) => Some(r.clone()),
    };
    if let Some(r) = &rest {
        if boundary::verb_follows_hago(text, r.clone()) {
            return false;
        }
    }
    let mid_word = left == Left::MidWord;
    // A name must end its word or be followed by particles, the copula or a noun suffix from
    // the lists; morphology then settles the readings the lists leave open (하고: a particle,
    // or part of a verb?). Most candidates inside long words fail here without any analysis.
    if !rest.as_ref().is_none_or(|r| boundary::is_particle_rest(&text[r.clone()], false)) {
        return false;
    }
    let needs_evidence = c.guarded && !evidence;
    let Some(cache) = cache else {
        // Particle rules only: no compound boundaries, no proper-noun evidence.
        return !mid_word && !needs_evidence;
    };
    let rest_safe = rest.as_ref().is_none_or(|r| boundary::is_particle_rest(&text[r.clone()], true));
    if !mid_word && rest_safe && !needs_evidence {
        return true;
    }
    // The word alone is analysed, and cached: news repeats its words. Reading it with its
    // neighbours changed nothing measurable on the HCLT evaluation (precision 0.821 vs 0.820,
    // recall 0.906 both) and ran half as fast, because windows of three words rarely repeat.
    let window = word_window(text, start, end);
    let Ok(morphemes) = cache.get(&text[window.clone()]) else {
        return !mid_word && !needs_evidence;
    };
    let shift = |r: Range<usize>| r.start - window.start..r.end - window.start;
    let reading =
        boundary::read_span(&morphemes as &[Morpheme], shift(start..end), rest.map(shift), mid_word, &text[window]);
    reading.valid && (!needs_evidence || reading.proper)
}

/// A set of byte offsets.
#[derive(Default)]
struct Bits {
    words: Vec<u64>,
}

impl Bits {
    /// Empties the set and makes room for offsets below `len`.
    fn reset(&mut self, len: usize) {
        self.words.clear();
        self.words.resize(len.div_ceil(64), 0);
    }

    /// The masks of `range`: (word index, bits of that word in the range).
    fn masks(range: Range<usize>) -> impl Iterator<Item = (usize, u64)> {
        let (start, end) = (range.start, range.end);
        let (first, last) = (start / 64, end.saturating_sub(1) / 64);
        let words = if start < end { first..last + 1 } else { 0..0 };
        words.map(move |w| {
            let lo = if w == first { start % 64 } else { 0 };
            let hi = if w == last { (end - 1) % 64 } else { 63 };
            (w, (u64::MAX >> (63 - hi)) & (u64::MAX << lo))
        })
    }

    /// Whether any offset of `range` is in the set.
    fn any(&self, range: Range<usize>) -> bool {
        Self::masks(range).any(|(w, mask)| self.words.get(w).is_some_and(|&word| word & mask != 0))
    }

    /// Adds every offset of `range`.
    fn set(&mut self, range: Range<usize>) {
        for (w, mask) in Self::masks(range) {
            if let Some(word) = self.words.get_mut(w) {
                *word |= mask;
            }
        }
    }
}

/// The space-delimited word(s) holding a candidate, cut around it when very long.
fn word_window(text: &str, start: usize, end: usize) -> Range<usize> {
    let from = text[..start].rfind(' ').map_or(0, |i| i + 1);
    let to = text[end..].find(' ').map_or(text.len(), |i| end + i);
    clamp_window(text, from, to, start, end)
}

fn clamp_window(text: &str, from: usize, to: usize, start: usize, end: usize) -> Range<usize> {
    const REACH: usize = 48;
    let mut from = from.max(start.saturating_sub(REACH));
    let mut to = to.min(end + REACH);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    from..to
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_compiled_files_are_errors() {
        let d = Dictionary::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dict")).unwrap();
        let bytes = Tagger::new(d).unwrap().compiled_bytes().unwrap();
        let load = |b: &[u8]| Tagger::builder().morphology(Morphology::Off).load_compiled(b);
        let step = (bytes.len() / 400).max(1);
        // Cut anywhere, or any byte changed: an error (the checksum sees what no structure
        // check could), never a panic.
        for cut in (0..bytes.len()).step_by(step).chain(0..64).chain([bytes.len() / 2, bytes.len() - 1]) {
            assert!(load(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for i in (0..bytes.len()).step_by(step).chain(0..64).chain(bytes.len() - 64..bytes.len()) {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x10;
            assert!(load(&damaged).is_err(), "byte {i} changed");
        }
        // Damage with the checksum made to fit, as a crafted file would be: the structure
        // checks refuse it or it loads, copied or read in place, and tags, but it never panics.
        let article = crate::Article::new("a", "ＬＧ전자 발표", "네이버클라우드는 인도하고 있다. 소버린 AI 반도체");
        let load = |b: &[u8]| {
            let shared = Tagger::builder().morphology(Morphology::Off).load_compiled_shared(b.to_vec());
            for tagger in [load(b), shared].into_iter().flatten() {
                let _ = tagger.tag(&article);
            }
        };
        let magic = COMPILED_MAGIC.len();
        let sum_at = magic + 8 + 1 + bytes[magic + 8] as usize;
        for i in (sum_at + 8..bytes.len()).step_by(step / 2 + 1).chain(sum_at + 8..sum_at + 300) {
            for delta in [1u8, 0x80] {
                let mut damaged = bytes.clone();
                damaged[i] = damaged[i].wrapping_add(delta);
                let sum = checksum(&damaged[sum_at + 8..]);
                damaged[sum_at..sum_at + 8].copy_from_slice(&sum.to_le_bytes());
                load(&damaged);
            }
        }
    }

    #[test]
    fn old_and_foreign_files_are_refused() {
        let load = |b: &[u8]| Tagger::builder().morphology(Morphology::Off).load_compiled(b).unwrap_err().to_string();
        let magic = COMPILED_MAGIC;
        // The first layout: a length, then postcard's version string and dictionary.
        let mut old = magic.to_vec();
        let head = [&[5u8][..], b"0.1.0", &[0, 0, 0]].concat();
        old.extend((head.len() as u64).to_le_bytes());
        old.extend(&head);
        old.extend([0u8; 40]);
        let msg = load(&old);
        assert!(msg.contains("compile it again") && msg.contains("compiled by hantag 0.1.0,"), "{msg}");
        // A later version of this layout.
        let d = Dictionary::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dict")).unwrap();
        let mut other = Tagger::new(d).unwrap().compiled_bytes().unwrap();
        let label_at = magic.len() + 8 + 1;
        other[label_at] = b'9';
        assert!(load(&other).contains("compile it again"), "{}", load(&other));
        // A label that is not text is damage.
        other[label_at] = 0xff;
        assert!(load(&other).contains("damaged"));
        other[label_at - 1] = 0xf0;
        assert!(load(&other).contains("damaged"));
        // Not a compiled dictionary at all.
        assert!(load(b"id,type,name\n").contains("not a compiled hantag dictionary"));
        assert!(load(b"").contains("not a compiled hantag dictionary"));
        assert!(load(magic).contains("damaged"));
    }

    #[test]
    fn tagger_is_send_sync_clone() {
        fn bounds<T: Send + Sync + Clone>() {}
        bounds::<Tagger>();
    }

    #[test]
    fn bits() {
        let mut b = Bits::default();
        b.reset(200);
        assert!(!b.any(0..200));
        b.set(60..70);
        b.set(130..131);
        assert!(b.any(69..80) && b.any(0..61) && b.any(130..131) && b.any(0..200));
        assert!(!b.any(70..130) && !b.any(0..60) && !b.any(131..200) && !b.any(65..65));
        b.set(0..128);
        assert!(b.any(127..128) && !b.any(128..130));
        b.reset(10);
        assert!(!b.any(0..10));
    }

    #[test]
    fn window() {
        let t = "서울 강남구 네이버 스퀘어에서 열린";
        let s = t.find("스퀘어").unwrap();
        assert_eq!(&t[word_window(t, s, s + "스퀘어".len())], "스퀘어에서");
        let long = "가".repeat(100);
        assert_eq!(word_window(&long, 150, 153).len(), 48 + 3 + 48);
    }
}

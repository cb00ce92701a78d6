//! Korean morphology: the only module that names lindera types.
//!
//! The matcher asks morphology about the few words that hold a candidate whose boundary
//! the particle rules cannot decide; it sees our own [`Morpheme`]s through the [`Analyze`]
//! trait, so its tests can answer with hand-made ones.

use crate::error::{Error, ErrorKind, Result};
use lindera::dictionary::{load_dictionary, Dictionary as LinderaDictionary};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera::worker::SegmentWorker;
use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Part-of-speech tags, with the ko-dic (Sejong) names.
#[allow(missing_docs, clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pos {
    NNG,
    NNP,
    NNB,
    NNBC,
    NR,
    NP,
    VV,
    VA,
    VX,
    VCP,
    VCN,
    MM,
    MAG,
    MAJ,
    IC,
    JKS,
    JKC,
    JKG,
    JKO,
    JKB,
    JKV,
    JKQ,
    JX,
    JC,
    EP,
    EF,
    EC,
    ETN,
    ETM,
    XPN,
    XSN,
    XSV,
    XSA,
    XR,
    SF,
    SE,
    SSO,
    SSC,
    SC,
    SY,
    SL,
    SH,
    SN,
    /// A tag ko-dic does not define, or an unknown word.
    Unknown,
}

impl Pos {
    /// Parses one ko-dic tag (`NNP`); anything else is [`Pos::Unknown`].
    pub fn parse(tag: &str) -> Pos {
        use Pos::*;
        match tag {
            "NNG" => NNG,
            "NNP" => NNP,
            "NNB" => NNB,
            "NNBC" => NNBC,
            "NR" => NR,
            "NP" => NP,
            "VV" => VV,
            "VA" => VA,
            "VX" => VX,
            "VCP" => VCP,
            "VCN" => VCN,
            "MM" => MM,
            "MAG" => MAG,
            "MAJ" => MAJ,
            "IC" => IC,
            "JKS" => JKS,
            "JKC" => JKC,
            "JKG" => JKG,
            "JKO" => JKO,
            "JKB" => JKB,
            "JKV" => JKV,
            "JKQ" => JKQ,
            "JX" => JX,
            "JC" => JC,
            "EP" => EP,
            "EF" => EF,
            "EC" => EC,
            "ETN" => ETN,
            "ETM" => ETM,
            "XPN" => XPN,
            "XSN" => XSN,
            "XSV" => XSV,
            "XSA" => XSA,
            "XR" => XR,
            "SF" => SF,
            "SE" => SE,
            "SSO" => SSO,
            "SSC" => SSC,
            "SC" => SC,
            "SY" => SY,
            "SL" => SL,
            "SH" => SH,
            "SN" => SN,
            _ => Unknown,
        }
    }

    /// A particle (조사).
    pub fn is_particle(self) -> bool {
        use Pos::*;
        matches!(self, JKS | JKC | JKG | JKO | JKB | JKV | JKQ | JX | JC)
    }

    /// A verbal ending (어미).
    pub fn is_ending(self) -> bool {
        use Pos::*;
        matches!(self, EP | EF | EC | ETN | ETM)
    }

    /// Can stand in a name: nouns, numerals, foreign and hanja letters, noun prefixes/suffixes.
    pub fn is_nominal(self) -> bool {
        use Pos::*;
        matches!(self, NNG | NNP | NNB | NNBC | NR | NP | SL | SH | SN | XPN | XSN | XR | Unknown)
    }
}

/// One morpheme (or inflected token) of an analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Morpheme {
    /// Byte offset of its start in the analysed text.
    pub start: usize,
    /// Byte offset of its end in the analysed text.
    pub end: usize,
    /// Its tags: one, or several for an inflected form (`VV+ETM` for 지난).
    pub tags: Vec<Pos>,
    /// ko-dic's semantic class (`인명`, `지명`), if any.
    pub semantic: Option<String>,
    /// Whether the analyser knew the word (false for unknown-word guesses).
    pub known: bool,
}

impl Morpheme {
    /// A morpheme with one tag, for tests and hand-made analyses.
    pub fn new(start: usize, end: usize, pos: Pos) -> Morpheme {
        Morpheme { start, end, tags: vec![pos], semantic: None, known: true }
    }

    /// The first tag.
    pub fn first(&self) -> Pos {
        self.tags.first().copied().unwrap_or(Pos::Unknown)
    }

    /// The last tag.
    pub fn last(&self) -> Pos {
        self.tags.last().copied().unwrap_or(Pos::Unknown)
    }
}

/// Anything that splits a short text into morphemes.
pub trait Analyze {
    /// Analyses `text` into `out` (cleared first), in reading order.
    fn analyze(&mut self, text: &str, out: &mut Vec<Morpheme>) -> Result<()>;
}

/// How a word reads in ko-dic when looked up alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Readings {
    /// Lowest word cost among proper-noun (NNP) entries.
    pub proper: Option<i32>,
    /// Lowest word cost among ordinary-word entries (common nouns, verbs, adverbs …).
    pub common: Option<i32>,
}

/// The ko-dic dictionary embedded in the binary.
#[derive(Clone)]
pub struct KoDic {
    segmenter: Arc<Segmenter>,
}

impl std::fmt::Debug for KoDic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KoDic")
    }
}

impl KoDic {
    /// The embedded ko-dic for analysing running text, loaded once per process (the
    /// dictionary itself is zero-copy, but the segmenter builds tables over all its words).
    pub fn load() -> Result<KoDic> {
        static SHARED: OnceLock<std::result::Result<KoDic, String>> = OnceLock::new();
        Self::shared(&SHARED, true)
    }

    /// The embedded ko-dic for analysing single words, as the tagger does, loaded once per
    /// process. It leaves out mecab-ko-dic's left-space penalty, which only weighs tokens
    /// after a space, and whose table over every word of the dictionary costs tens of
    /// milliseconds at start-up.
    pub fn load_for_words() -> Result<KoDic> {
        static SHARED: OnceLock<std::result::Result<KoDic, String>> = OnceLock::new();
        Self::shared(&SHARED, false)
    }

    fn shared(slot: &OnceLock<std::result::Result<KoDic, String>>, space_penalty: bool) -> Result<KoDic> {
        let loaded = slot.get_or_init(|| {
            let mut dictionary =
                load_dictionary("embedded://ko-dic").map_err(|e| format!("cannot load ko-dic: {e}"))?;
            if !space_penalty {
                let mut metadata = (*dictionary.metadata).clone();
                metadata.space_penalty = None;
                dictionary.metadata = Arc::new(metadata);
            }
            // MeCab's max-grouping-size: without it lindera groups unknown Hangul without limit.
            let segmenter = Segmenter::new(Mode::Normal, dictionary, None).max_grouping_len(Some(24));
            Ok(KoDic { segmenter: Arc::new(segmenter) })
        });
        loaded.clone().map_err(|message| Error::new(ErrorKind::Morphology, message))
    }

    fn dictionary(&self) -> &LinderaDictionary {
        &self.segmenter.dictionary
    }

    /// The lowest costs of `word`'s proper-noun and ordinary readings (particle and
    /// ending readings are left out: the boundary rules deal with those).
    pub fn readings(&self, word: &str) -> Readings {
        let dict = self.dictionary();
        let mut readings = Readings::default();
        for entry in dict.prefix_dictionary.find_surface(word) {
            let cost = i32::from(entry.word_cost());
            let mut details = dict.word_details_iter(entry.word_id().id() as usize);
            let first = Pos::parse(details.next().unwrap_or("").split('+').next().unwrap_or(""));
            let entry_type = details.nth(3).unwrap_or("*");
            // A dictionary compound (국방부 = 국방+부, 구글 = 구+글) is how ko-dic lists many
            // institution and company names: it says nothing of an ordinary-word reading.
            // An inflected form counts only when it is a verb or adjective (지난 = 지나+ㄴ).
            if entry_type == "Compound" || (entry_type == "Inflect" && !matches!(first, Pos::VV | Pos::VA | Pos::VX)) {
                continue;
            }
            let slot = match first {
                Pos::NNP => &mut readings.proper,
                p if p.is_particle() || p.is_ending() || p == Pos::Unknown => continue,
                Pos::SL | Pos::SH | Pos::SN | Pos::SF | Pos::SE | Pos::SSO | Pos::SSC | Pos::SC | Pos::SY => continue,
                _ => &mut readings.common,
            };
            *slot = Some(slot.map_or(cost, |c: i32| c.min(cost)));
        }
        readings
    }

    /// A per-thread analyser with its own lattice.
    pub fn worker(&self) -> KoDicWorker {
        KoDicWorker { inner: self.segmenter.new_worker() }
    }
}

/// Per-thread ko-dic analyser.
pub struct KoDicWorker {
    inner: SegmentWorker,
}

impl Analyze for KoDicWorker {
    fn analyze(&mut self, text: &str, out: &mut Vec<Morpheme>) -> Result<()> {
        out.clear();
        let tokens =
            self.inner.segment(text).map_err(|e| Error::new(ErrorKind::Morphology, format!("analysis failed: {e}")))?;
        for mut token in tokens {
            let (start, end) = (token.byte_start, token.byte_end);
            let known = !token.word_id.is_unknown();
            // The first two fields are all we read: taken from the dictionary itself, not from
            // the vector of every field that `details_iter` fills for each token.
            let (id, dictionary) = (token.word_id.id() as usize, token.dictionary);
            let (tags, semantic) = if token.details.is_some() {
                tags_and_semantic(token.details_iter())
            } else if !known {
                tags_and_semantic(dictionary.unknown_word_details_iter(id))
            } else if token.word_id.is_system() {
                tags_and_semantic(dictionary.word_details_iter(id))
            } else {
                // A user dictionary's word (none is loaded).
                tags_and_semantic(token.details_iter())
            };
            out.push(Morpheme { start, end, tags, semantic, known });
        }
        Ok(())
    }
}

/// A morpheme's tags and semantic class, from the first two detail fields of its entry.
fn tags_and_semantic<'a>(mut details: impl Iterator<Item = &'a str>) -> (Vec<Pos>, Option<String>) {
    let tags = details.next().unwrap_or("").split('+').map(Pos::parse).collect();
    let semantic = details.next().filter(|s| *s != "*" && !s.is_empty()).map(str::to_string);
    (tags, semantic)
}

/// Analyses shared by the workers of one tagger, so that a word analysed on one thread is
/// not analysed again on another: sharded, so that threads rarely wait for each other.
#[derive(Default)]
pub struct SharedCache {
    shards: [Mutex<Analyses>; SHARDS],
}

/// Analyses by text.
type Analyses = HashMap<Box<str>, Arc<[Morpheme]>>;

const SHARDS: usize = 16;

impl SharedCache {
    fn shard(&self, text: &str) -> &Mutex<Analyses> {
        let hash = std::hash::BuildHasher::hash_one(&rustc_hash::FxBuildHasher, text);
        &self.shards[(hash >> 59) as usize % SHARDS]
    }

    fn get(&self, text: &str) -> Option<Arc<[Morpheme]>> {
        self.shard(text).lock().unwrap_or_else(|p| p.into_inner()).get(text).cloned()
    }

    fn insert(&self, text: &str, morphemes: Arc<[Morpheme]>, limit: usize) {
        let mut shard = self.shard(text).lock().unwrap_or_else(|p| p.into_inner());
        if shard.len() >= limit.div_ceil(SHARDS) {
            shard.clear();
        }
        shard.insert(text.into(), morphemes);
    }
}

/// Caches analyses per distinct text, per thread and (when given one) in a cache shared with
/// other threads; each is cleared when it grows past its bound.
pub struct Cache<A> {
    analyzer: A,
    map: Analyses,
    shared: Option<Arc<SharedCache>>,
    scratch: Vec<Morpheme>,
    limit: usize,
    /// Number of lookups answered from a cache.
    pub hits: u64,
    /// Number of lookups that ran the analyser.
    pub misses: u64,
}

impl<A: Analyze> Cache<A> {
    /// A cache over `analyzer` holding at most `limit` analyses.
    pub fn new(analyzer: A, limit: usize) -> Self {
        Cache { analyzer, map: HashMap::default(), shared: None, scratch: Vec::new(), limit, hits: 0, misses: 0 }
    }

    /// A cache that also looks in, and adds to, `shared`.
    pub fn with_shared(analyzer: A, limit: usize, shared: Arc<SharedCache>) -> Self {
        Cache { shared: Some(shared), ..Cache::new(analyzer, limit) }
    }

    /// The analysis of `text`, from the cache when possible.
    pub fn get(&mut self, text: &str) -> Result<Arc<[Morpheme]>> {
        if let Some(m) = self.map.get(text) {
            self.hits += 1;
            return Ok(m.clone());
        }
        let shared = self.shared.as_ref().and_then(|s| s.get(text));
        let m = match shared {
            Some(m) => {
                self.hits += 1;
                m
            }
            None => {
                self.misses += 1;
                self.analyzer.analyze(text, &mut self.scratch)?;
                let m: Arc<[Morpheme]> = self.scratch.as_slice().into();
                if let Some(s) = &self.shared {
                    s.insert(text, m.clone(), self.limit);
                }
                m
            }
        };
        if self.map.len() >= self.limit {
            self.map.clear();
        }
        self.map.insert(text.into(), m.clone());
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(text: &str) -> Vec<(String, Vec<Pos>)> {
        let dic = KoDic::load().unwrap();
        let mut w = dic.worker();
        let mut out = Vec::new();
        w.analyze(text, &mut out).unwrap();
        out.into_iter().map(|m| (text[m.start..m.end].to_string(), m.tags)).collect()
    }

    #[test]
    fn analyses_particles_and_verbs() {
        use Pos::*;
        assert_eq!(tags("평등이란"), [("평등".into(), vec![NNG]), ("이란".into(), vec![JX])]);
        assert_eq!(tags("오만한")[1], ("한".into(), vec![XSA, ETM]));
        assert_eq!(tags("리벨리온은")[1], ("은".into(), vec![JX]));
    }

    #[test]
    fn common_word_costs() {
        let dic = KoDic::load().unwrap();
        let photo = dic.readings("사진");
        assert!(photo.common.unwrap() + 3000 < photo.proper.unwrap());
        let india = dic.readings("인도");
        assert!(india.proper.unwrap() < india.common.unwrap());
        assert_eq!(dic.readings("없는단어없음"), Readings::default());
    }

    #[test]
    fn cache_counts() {
        let dic = KoDic::load().unwrap();
        let mut cache = Cache::new(dic.worker(), 2);
        cache.get("네이버는").unwrap();
        cache.get("네이버는").unwrap();
        assert_eq!((cache.hits, cache.misses), (1, 1));
    }

    #[test]
    fn shared_cache_spares_other_threads_the_analysis() {
        let dic = KoDic::load_for_words().unwrap();
        let shared = Arc::new(SharedCache::default());
        let mut first = Cache::with_shared(dic.worker(), 100, shared.clone());
        let mut second = Cache::with_shared(dic.worker(), 100, shared.clone());
        let a = first.get("네이버는").unwrap();
        let b = std::thread::scope(|s| s.spawn(|| second.get("네이버는").unwrap()).join().unwrap());
        assert_eq!(a, b);
        assert_eq!((first.hits, first.misses, second.hits, second.misses), (0, 1, 1, 0));
        // Bounded: a shard past its share of the limit starts afresh.
        let mut small = Cache::with_shared(dic.worker(), SHARDS, Arc::new(SharedCache::default()));
        for word in ["가", "나", "다", "라", "마", "바", "사", "아"].iter().cycle().take(200) {
            small.get(word).unwrap();
        }
        let sizes: usize = small.shared.as_ref().unwrap().shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(sizes <= SHARDS, "{sizes}");
    }
}

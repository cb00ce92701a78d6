//! Entity and topic lists, parsed and validated into typed entries.
//!
//! A dictionary directory holds `entities/*.csv` (columns `id,type,name,aliases,
//! exact_aliases,requires,excludes,note`) and optionally `topics.toml`. Loading validates
//! everything and fails with `file:line: what is wrong`; softer problems (extra columns,
//! an alias shared by two entities, one-syllable aliases) become [`Warning`]s that
//! `hantag check` prints.

use crate::error::{Error, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The stable id of an entity (`naver-cloud`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityId(pub String);

/// The stable id of a topic (`sovereign-ai`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TopicId(pub String);

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for TopicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an entry was defined, for messages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Origin {
    /// The file, relative to the dictionary directory (`entities/companies.csv`).
    pub file: String,
    /// The 1-based line.
    pub line: u64,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One entity with the surface forms that name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Unique id.
    pub id: EntityId,
    /// `company`, `person`, `product`, `organization`, `place`, or another lowercase word.
    pub kind: String,
    /// Canonical display name; matched as an alias too.
    pub name: String,
    /// Case-insensitive, spacing-tolerant surface forms (the name first).
    pub aliases: Vec<String>,
    /// Forms that match only with exactly this case (`MS`, `SK`).
    pub exact_aliases: Vec<String>,
    /// Context terms of which one must occur in the article for the entity to be kept.
    pub requires: Vec<String>,
    /// Phrases that block an overlapping alias of this entity (`인도적`).
    pub excludes: Vec<String>,
    /// Where it was defined.
    pub origin: Origin,
}

/// One topic: a Boolean query over terms and entities (see [`crate::topic`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicDef {
    /// Unique id.
    pub id: TopicId,
    /// Display name.
    pub name: String,
    /// A parent topic that this one implies.
    pub parent: Option<TopicId>,
    /// The membership rule in the query language.
    pub query: String,
    /// Extra weighted terms (`term → weight`) that add to the score when the query holds.
    pub keywords: Vec<(String, f64)>,
    /// The least score the topic needs.
    pub min_score: f64,
    /// The weight of one matched term occurrence.
    pub weight: f64,
    /// Where the topic was defined.
    pub origin: Origin,
    /// Line and column of the query's first character in the file, for query errors.
    pub query_at: (u64, u64),
}

/// A problem that does not stop loading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// `file:line` or `file`.
    pub place: String,
    /// What is odd.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// Parsed, validated entity and topic lists.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "Parts", into = "Parts")]
pub struct Dictionary {
    entities: Entities,
    topics: Vec<TopicDef>,
    warnings: Vec<Warning>,
}

/// What a dictionary serializes as.
#[derive(Serialize, Deserialize)]
struct Parts {
    entities: Vec<Entity>,
    topics: Vec<TopicDef>,
    warnings: Vec<Warning>,
}

impl From<Parts> for Dictionary {
    fn from(p: Parts) -> Dictionary {
        Dictionary { entities: Entities::from(p.entities), topics: p.topics, warnings: p.warnings }
    }
}

impl From<Dictionary> for Parts {
    fn from(d: Dictionary) -> Parts {
        Parts { entities: d.entities.into_list(), topics: d.topics, warnings: d.warnings }
    }
}

/// The entities of a dictionary: a list, or, for a compiled dictionary, the packed bytes they
/// are read from the first time someone asks for the list. Tagging needs only each entity's
/// id, name and type and whether it has `requires` and `excludes`, which loading takes out:
/// a 100k-entity dictionary loads without 700k small allocations (BENCHMARKS.md).
#[derive(Debug, Clone, Default)]
struct Entities {
    list: OnceLock<Vec<Entity>>,
    packed: Option<Arc<Packed>>,
}

/// Strings one after the other in one buffer, with where each ends: reading one touches two
/// small arrays rather than a string in an allocation of its own. Entity labels and the
/// matcher's surface texts are kept this way, and a compiled file holds them as they are kept
/// ([`StringList::write`]), so that loading reads them in place.
#[derive(Clone)]
pub(crate) enum StringList {
    /// Built in memory.
    Built {
        text: String,
        /// Where string `k` starts (`ends[k]`) and ends (`ends[k + 1]`).
        ends: Vec<u32>,
    },
    /// Read by [`StringList::read`]: `text` was checked as UTF-8 and `ends` as bounds into it.
    Loaded { text: Words<1>, ends: Words<4> },
}

impl Default for StringList {
    fn default() -> Self {
        StringList::with_capacity(0, 0)
    }
}

impl PartialEq for StringList {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (0..self.len()).all(|k| self.get(k) == other.get(k))
    }
}

impl Eq for StringList {}

impl fmt::Debug for StringList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries((0..self.len()).map(|k| self.get(k))).finish()
    }
}

impl StringList {
    /// Room for `strings` strings of `bytes` bytes in all.
    pub(crate) fn with_capacity(strings: usize, bytes: usize) -> Self {
        let mut ends = Vec::with_capacity(strings + 1);
        ends.push(0);
        StringList::Built { text: String::with_capacity(bytes), ends }
    }

    /// Appends `s`; `None` once the buffer passes 4 GiB (the string then reads as empty), or
    /// for a list that was read.
    pub(crate) fn push(&mut self, s: &str) -> Option<()> {
        let StringList::Built { text, ends } = self else { return None };
        text.push_str(s);
        let end = u32::try_from(text.len()).ok();
        ends.push(end.unwrap_or(u32::MAX));
        end.map(|_| ())
    }

    /// The number of strings.
    pub(crate) fn len(&self) -> usize {
        match self {
            StringList::Built { ends, .. } => ends.len() - 1,
            StringList::Loaded { ends, .. } => ends.as_slice().len().saturating_sub(1),
        }
    }

    /// The text and where string `k` starts and ends in it (0 past the end).
    #[inline]
    fn parts(&self, k: usize) -> (&str, usize, usize) {
        match self {
            StringList::Built { text, ends } => {
                let at = |k: usize| ends.get(k).map_or(0, |&end| end as usize);
                (text, at(k), at(k + 1))
            }
            StringList::Loaded { text, ends } => {
                let ends = ends.as_slice();
                let at = |k: usize| ends.get(k).map_or(0, |&end| u32::from_le_bytes(end) as usize);
                // SAFETY: `read` checked these bytes as UTF-8, and they do not change.
                let text = unsafe { std::str::from_utf8_unchecked(text.as_slice().as_flattened()) };
                (text, at(k), at(k + 1))
            }
        }
    }

    /// String `k` (empty past the end).
    #[inline]
    pub(crate) fn get(&self, k: usize) -> &str {
        let (text, start, end) = self.parts(k);
        text.get(start..end).unwrap_or_default()
    }

    /// Asks the CPU to fetch string `k`, so that [`StringList::get`] does not wait for it:
    /// `step` 0 fetches where it starts, 1 (after 0 has had time) its text.
    #[inline]
    pub(crate) fn prefetch(&self, k: usize, step: u8) {
        #[cfg(target_arch = "x86_64")]
        if step == 0 {
            match self {
                StringList::Built { ends, .. } => {
                    if let Some(end) = ends.get(k) {
                        crate::simd::prefetch(end);
                    }
                }
                StringList::Loaded { ends, .. } => {
                    if let Some(end) = ends.as_slice().get(k) {
                        crate::simd::prefetch(end);
                    }
                }
            }
        } else {
            let (text, start, _) = self.parts(k);
            if let Some(byte) = text.as_bytes().get(start) {
                crate::simd::prefetch(byte);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (k, step);
    }

    /// Writes the list as [`StringList::read`] reads it: the number of strings, the ends
    /// (that number plus one, from 0), the text's length and the text, in little-endian
    /// words.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let n = self.len();
        out.extend((n as u32).to_le_bytes());
        for k in 0..=n {
            out.extend((self.parts(k).1 as u32).to_le_bytes());
        }
        let (text, len, _) = self.parts(n);
        out.extend((len as u32).to_le_bytes());
        out.extend(&text.as_bytes()[..len]);
    }

    /// Reads what [`StringList::write`] wrote at the start of `bytes`, in place when they lie
    /// inside `file`; returns it and the bytes after it, `None` if it is damaged. The text is
    /// checked as UTF-8 once and the ends as rising bounds of it; a string's own ends are
    /// checked as character boundaries when it is read.
    pub(crate) fn read<'b>(bytes: &'b [u8], file: Option<&SharedBytes>) -> Option<(StringList, &'b [u8])> {
        let (n, rest) = take_u32(bytes)?;
        let (ends, rest) = take(rest, (n as usize).checked_add(1)?.checked_mul(4)?)?;
        let (len, rest) = take_u32(rest)?;
        let (text, rest) = take(rest, len as usize)?;
        simdutf8::basic::from_utf8(text).ok()?;
        let mut last = 0;
        for (k, &end) in ends.as_chunks::<4>().0.iter().enumerate() {
            let end = u32::from_le_bytes(end);
            if end < last || end > len || (k == 0 && end != 0) {
                return None;
            }
            last = end;
        }
        (last == len).then(|| (StringList::Loaded { text: Words::new(text, file), ends: Words::new(ends, file) }, rest))
    }
}

/// Bytes a loaded dictionary keeps: a compiled file's (a memory map, say), shared with
/// whoever loaded it. [`crate::TaggerBuilder::load_compiled_shared`] takes them.
pub(crate) type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// An array of little-endian words of `N` bytes as a loaded structure reads it: in place in
/// the compiled file the tagger keeps, or in a copy of its own (a structure built in memory,
/// or loaded from bytes it does not keep). Reading in place spares start-up the copy and
/// the fresh memory it would fill (BENCHMARKS.md, tenth round); a word is read with
/// `from_le_bytes`, which is a plain load on the targets we build for.
#[derive(Clone)]
pub(crate) enum Words<const N: usize> {
    Own(Box<[[u8; N]]>),
    Kept {
        /// Keeps the bytes `at` points into alive and unchanged.
        _file: SharedBytes,
        at: *const [u8; N],
        len: usize,
    },
}

impl Words<4> {
    /// The words that hold `words`.
    pub(crate) fn from_u32s(words: &[u32]) -> Words<4> {
        Words::Own(words.iter().map(|w| w.to_le_bytes()).collect())
    }

    /// The words as numbers.
    pub(crate) fn to_u32s(&self) -> Vec<u32> {
        self.as_slice().iter().map(|&w| u32::from_le_bytes(w)).collect()
    }
}

// SAFETY: `Kept` only reads bytes that `_file` (Send + Sync) owns and never changes.
unsafe impl<const N: usize> Send for Words<N> {}
// SAFETY: as above; nothing is written through `at`.
unsafe impl<const N: usize> Sync for Words<N> {}

impl<const N: usize> Words<N> {
    /// The words of `bytes` (whole words only), in place when `bytes` lie inside `file`.
    pub(crate) fn new(bytes: &[u8], file: Option<&SharedBytes>) -> Words<N> {
        let (words, _) = bytes.as_chunks::<N>();
        if let Some(file) = file {
            let whole = (**file).as_ref().as_ptr_range();
            let part = words.as_ptr_range();
            if whole.start <= part.start.cast() && part.end.cast() <= whole.end {
                return Words::Kept { _file: file.clone(), at: words.as_ptr(), len: words.len() };
            }
        }
        Words::Own(words.into())
    }

    /// The words.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[[u8; N]] {
        match self {
            Words::Own(words) => words,
            // SAFETY: `at` and `len` were taken from a slice of the bytes that `_file` holds,
            // which live as long as it and do not change (`load_compiled_shared`'s contract).
            Words::Kept { at, len, .. } => unsafe { std::slice::from_raw_parts(*at, *len) },
        }
    }

    /// Heap memory of a copy (none in place), in bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Words::Own(words) => N * words.len(),
            Words::Kept { .. } => 0,
        }
    }
}

/// A compiled dictionary's entities as loaded.
struct Packed {
    /// What [`Dictionary::to_packed`] wrote: in place in the compiled file the tagger keeps,
    /// or a copy.
    bytes: Words<1>,
    count: usize,
    /// The id, type and name of every entity, three strings each.
    labels: StringList,
    has_requires: Vec<bool>,
    has_excludes: Vec<bool>,
}

impl fmt::Debug for Packed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Packed").field("bytes", &self.bytes.as_slice().len()).field("count", &self.count).finish()
    }
}

impl From<Vec<Entity>> for Entities {
    fn from(list: Vec<Entity>) -> Entities {
        Entities { list: OnceLock::from(list), packed: None }
    }
}

impl Entities {
    fn list(&self) -> &[Entity] {
        self.list.get_or_init(|| match &self.packed {
            // The bytes were read through once when the dictionary loaded, by the same steps.
            Some(p) => read_entities(p.bytes.as_slice().as_flattened(), &p.labels)
                .expect("packed entities were checked when the dictionary loaded"),
            None => Vec::new(),
        })
    }

    fn list_mut(&mut self) -> &mut Vec<Entity> {
        self.list();
        // Changed entities no longer match the packed bytes.
        self.packed = None;
        self.list.get_mut().expect("just filled")
    }

    fn into_list(mut self) -> Vec<Entity> {
        std::mem::take(self.list_mut())
    }

    fn len(&self) -> usize {
        match &self.packed {
            Some(p) => p.count,
            None => self.list().len(),
        }
    }
}

/// Entities as topics and outputs see them: how many, and each one's id, name and type.
pub trait EntityNames {
    /// The number of entities.
    fn count(&self) -> usize;
    /// The id, name and type of entity `e` (`e < count()`).
    fn label(&self, e: usize) -> EntityLabel<'_>;
}

impl EntityNames for Dictionary {
    fn count(&self) -> usize {
        self.entity_count()
    }

    fn label(&self, e: usize) -> EntityLabel<'_> {
        Dictionary::label(self, e)
    }
}

/// A list of entities (a `Vec` or an array).
impl<T: AsRef<[Entity]>> EntityNames for T {
    fn count(&self) -> usize {
        self.as_ref().len()
    }

    fn label(&self, e: usize) -> EntityLabel<'_> {
        self.as_ref()[e].label()
    }
}

impl Entity {
    /// Its id, name and type.
    pub fn label(&self) -> EntityLabel<'_> {
        EntityLabel { id: &self.id.0, name: &self.name, kind: &self.kind }
    }
}

/// What outputs and topics read of an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityLabel<'a> {
    /// The entity's id.
    pub id: &'a str,
    /// Its display name.
    pub name: &'a str,
    /// Its type (`company`).
    pub kind: &'a str,
}

/// The dictionaries shipped in the binary: `(path relative to dictionaries/, content)`.
const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_dictionaries.rs"));

impl Dictionary {
    /// The built-in dictionaries (`dictionaries/` of the source tree, embedded at build time).
    pub fn builtin() -> Result<Dictionary> {
        let mut loader = Loader::default();
        for (name, text) in BUILTIN {
            loader.add_file(&format!("builtin:{name}"), name, text)?;
        }
        loader.finish()
    }

    /// Loads a dictionary directory (`entities/*.csv`, `topics.toml`), or one entity CSV file.
    ///
    /// A directory without an `entities/` folder is read for `*.csv` at its top level.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Dictionary> {
        let path = path.as_ref();
        let mut loader = Loader::default();
        if path.is_file() {
            let text = read_text(path)?;
            let kind = if path.extension().is_some_and(|e| e == "toml") { "topics.toml" } else { "entities/x.csv" };
            loader.add_file(&path.display().to_string(), kind, &text)?;
            return loader.finish();
        }
        if !path.is_dir() {
            return Err(
                Error::new(crate::ErrorKind::Io, "no such dictionary file or directory").at(path.display().to_string())
            );
        }
        let entity_dir = if path.join("entities").is_dir() { path.join("entities") } else { path.to_path_buf() };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&entity_dir)
            .map_err(|e| Error::io(&entity_dir, "cannot read dictionary directory", e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
            .collect();
        files.sort();
        let topics = path.join("topics.toml");
        if topics.is_file() {
            files.push(topics);
        }
        if files.is_empty() {
            return Err(Error::dictionary(&path.display().to_string(), None, "no entity CSV files and no topics.toml"));
        }
        for file in files {
            let text = read_text(&file)?;
            let kind = if file.extension().is_some_and(|e| e == "toml") { "topics.toml" } else { "entities/x.csv" };
            loader.add_file(&file.display().to_string(), kind, &text)?;
        }
        loader.finish()
    }

    /// A dictionary made of the given entities and topics, validated as a loaded one is.
    pub fn from_parts(entities: Vec<Entity>, topics: Vec<TopicDef>) -> Result<Dictionary> {
        let loader = Loader { entities, topics, ..Loader::default() };
        loader.finish()
    }

    /// Parses entity CSV text, as if read from a file named `file`.
    pub fn from_csv_str(file: &str, text: &str) -> Result<Dictionary> {
        let mut loader = Loader::default();
        loader.add_file(file, "entities/x.csv", text)?;
        loader.finish()
    }

    /// Adds `other` on top of `self`: an entity or topic of `other` replaces one with the same id.
    pub fn extend(&mut self, other: Dictionary) {
        let entities = self.entities.list_mut();
        let ids: HashMap<EntityId, usize> = entities.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
        for entity in other.entities.into_list() {
            match ids.get(&entity.id) {
                Some(&i) => entities[i] = entity,
                None => entities.push(entity),
            }
        }
        let topic_ids: HashMap<TopicId, usize> =
            self.topics.iter().enumerate().map(|(i, t)| (t.id.clone(), i)).collect();
        for topic in other.topics {
            match topic_ids.get(&topic.id) {
                Some(&i) => self.topics[i] = topic,
                None => self.topics.push(topic),
            }
        }
        self.warnings.extend(other.warnings);
        let entities = self.entities.list();
        let keys: Vec<Vec<String>> =
            entities.par_iter().map(|e| e.aliases.iter().map(|a| compact_key(a)).collect()).collect();
        self.warnings = shared_alias_warnings(entities, &keys, std::mem::take(&mut self.warnings));
    }

    /// The entities, in load order.
    pub fn entities(&self) -> &[Entity] {
        self.entities.list()
    }

    /// The number of entities.
    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    /// The id, name and type of entity `e` (an index into [`Dictionary::entities`]), without
    /// reading a compiled dictionary's entities in full.
    pub fn label(&self, e: usize) -> EntityLabel<'_> {
        match &self.entities.packed {
            Some(p) => {
                let l = &p.labels;
                EntityLabel { id: l.get(3 * e), kind: l.get(3 * e + 1), name: l.get(3 * e + 2) }
            }
            None => self.entities.list()[e].label(),
        }
    }

    /// Asks the CPU to fetch where entity `e`'s label starts (a compiled dictionary's), so
    /// that [`Dictionary::label`] does not wait for it: `step` 0 fetches the label's place in
    /// the table, 1 (after 0 has had time) the label's text.
    #[inline]
    pub(crate) fn prefetch_label(&self, e: usize, step: u8) {
        if let Some(p) = &self.entities.packed {
            p.labels.prefetch(3 * e, step);
        }
    }

    /// Whether each entity has `requires` terms, and whether it has `excludes` phrases.
    pub(crate) fn context_flags(&self) -> (Cow<'_, [bool]>, Cow<'_, [bool]>) {
        match &self.entities.packed {
            Some(p) => (Cow::Borrowed(&p.has_requires), Cow::Borrowed(&p.has_excludes)),
            None => {
                let (requires, excludes): (Vec<bool>, Vec<bool>) =
                    self.entities().iter().map(|e| (!e.requires.is_empty(), !e.excludes.is_empty())).unzip();
                (Cow::Owned(requires), Cow::Owned(excludes))
            }
        }
    }

    /// The topics, in load order.
    pub fn topics(&self) -> &[TopicDef] {
        &self.topics
    }

    /// Problems found while loading that did not stop it.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Number of aliases (names, aliases and exact aliases) over all entities.
    pub fn alias_count(&self) -> usize {
        self.entities().iter().map(|e| e.aliases.len() + e.exact_aliases.len()).sum()
    }
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read dictionary", e))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        Error::dictionary(
            &path.display().to_string(),
            None,
            format!("not UTF-8 (invalid byte at offset {})", e.utf8_error().valid_up_to()),
        )
    })
}

#[derive(Default)]
struct Loader {
    entities: Vec<Entity>,
    topics: Vec<TopicDef>,
    warnings: Vec<Warning>,
}

const ENTITY_COLUMNS: [&str; 8] = ["id", "type", "name", "aliases", "exact_aliases", "requires", "excludes", "note"];

impl Loader {
    fn add_file(&mut self, file: &str, kind: &str, text: &str) -> Result<()> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if kind.ends_with(".toml") {
            self.add_topics(file, text)
        } else {
            self.add_entities(file, text)
        }
    }

    fn add_entities(&mut self, file: &str, text: &str) -> Result<()> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
        let headers =
            reader.headers().map_err(|e| Error::dictionary(file, Some(1), format!("unreadable header: {e}")))?.clone();
        let column = |name: &str| headers.iter().position(|h| h.trim() == name);
        let [id_col, type_col, name_col] = ["id", "type", "name"].map(column);
        for (col, name) in [(id_col, "id"), (type_col, "type"), (name_col, "name")] {
            if col.is_none() {
                return Err(Error::dictionary(file, Some(1), format!("missing column \"{name}\"")));
            }
        }
        let (id_col, type_col, name_col) = (id_col.unwrap_or(0), type_col.unwrap_or(0), name_col.unwrap_or(0));
        let extra: Vec<&str> = headers.iter().filter(|h| !ENTITY_COLUMNS.contains(&h.trim())).collect();
        if !extra.is_empty() {
            self.warnings.push(Warning {
                place: format!("{file}:1"),
                message: format!("extra columns are ignored: {}", extra.join(", ")),
            });
        }
        let list_col = |name: &str| column(name);
        let [aliases_col, exact_col, requires_col, excludes_col] =
            ["aliases", "exact_aliases", "requires", "excludes"].map(list_col);
        for row in reader.records() {
            let row = row.map_err(|e| {
                let line = e.position().map(|p| p.line());
                Error::dictionary(file, line, format!("malformed CSV row: {}", csv_error_text(&e))).with_source(e)
            })?;
            let line = row.position().map_or(0, |p| p.line());
            if row.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let get = |col: usize| row.get(col).unwrap_or("").trim();
            let id = get(id_col);
            let err = |msg: String| Error::dictionary(file, Some(line), msg);
            if id.is_empty() {
                return Err(err("empty id".into()));
            }
            if id.chars().any(|c| c.is_whitespace() || c.is_control() || c == '|') {
                return Err(err(format!("id \"{id}\" has whitespace, a control character or '|'")));
            }
            let kind = get(type_col);
            if kind.is_empty() {
                return Err(err(format!("entity \"{id}\" has an empty type")));
            }
            if !is_type_word(kind) {
                return Err(err(format!(
                    "entity \"{id}\" has a malformed type \"{kind}\" (expected a lowercase word such as company)"
                )));
            }
            let name = get(name_col);
            if name.is_empty() {
                return Err(err(format!("entity \"{id}\" has an empty name")));
            }
            let list = |col: Option<usize>, what: &str| -> Result<Vec<String>> {
                let Some(col) = col else { return Ok(Vec::new()) };
                split_list(get(col)).map_err(|()| err(format!("entity \"{id}\" has an empty {what}")))
            };
            let mut aliases = vec![name.to_string()];
            aliases.extend(list(aliases_col, "alias")?);
            let exact_aliases = list(exact_col, "exact alias")?;
            let requires = list(requires_col, "requires term")?;
            let excludes = list(excludes_col, "excludes phrase")?;
            for alias in aliases.iter().chain(&exact_aliases) {
                if compact_key(alias).is_empty() {
                    return Err(err(format!(
                        "entity \"{id}\" has an alias \"{alias}\" that is empty after normalization"
                    )));
                }
            }
            self.entities.push(Entity {
                id: EntityId(id.to_string()),
                kind: kind.to_string(),
                name: name.to_string(),
                aliases,
                exact_aliases,
                requires,
                excludes,
                origin: Origin { file: file.to_string(), line },
            });
        }
        Ok(())
    }

    fn add_topics(&mut self, file: &str, text: &str) -> Result<()> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawTopic {
            id: toml::Spanned<String>,
            name: String,
            #[serde(default)]
            parent: Option<String>,
            query: toml::Spanned<String>,
            #[serde(default)]
            keywords: toml::Table,
            #[serde(default)]
            min_score: Option<f64>,
            #[serde(default)]
            weight: Option<f64>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawFile {
            #[serde(default)]
            topic: Vec<RawTopic>,
        }
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_col(text, s.start).0);
            Error::dictionary(file, line, e.message().trim_end_matches('\n').to_string())
        })?;
        for t in raw.topic {
            let (line, _) = line_col(text, t.id.span().start);
            let err = |msg: String| Error::dictionary(file, Some(line), msg);
            let id = t.id.into_inner();
            if id.trim().is_empty() || id.chars().any(|c| c.is_whitespace()) {
                return Err(err(format!("topic id \"{id}\" is empty or has whitespace")));
            }
            // The query's first character: one past the opening quote (or three for `'''`).
            let span = t.query.span();
            let quote =
                if text[span.start..].starts_with("'''") || text[span.start..].starts_with("\"\"\"") { 3 } else { 1 };
            let mut first = span.start + quote;
            // TOML drops a newline right after the opening `'''` or `"""`.
            if quote == 3 {
                if text[first..].starts_with("\r\n") {
                    first += 2;
                } else if text[first..].starts_with('\n') {
                    first += 1;
                }
            }
            let query_at = line_col(text, first);
            let mut keywords = Vec::new();
            for (term, weight) in t.keywords {
                let w = weight.as_float().or_else(|| weight.as_integer().map(|i| i as f64));
                match w {
                    Some(w) if w.is_finite() => keywords.push((term, w)),
                    _ => return Err(err(format!("topic \"{id}\": keyword \"{term}\" needs a numeric weight"))),
                }
            }
            let min_score = t.min_score.unwrap_or(1.0);
            let weight = t.weight.unwrap_or(1.0);
            if !(min_score.is_finite() && weight.is_finite() && weight > 0.0) {
                return Err(err(format!(
                    "topic \"{id}\": min_score and weight must be finite numbers, weight above 0"
                )));
            }
            self.topics.push(TopicDef {
                id: TopicId(id),
                name: t.name,
                parent: t.parent.map(TopicId),
                query: t.query.into_inner(),
                keywords,
                min_score,
                weight,
                origin: Origin { file: file.to_string(), line },
                query_at,
            });
        }
        Ok(())
    }

    fn finish(self) -> Result<Dictionary> {
        let mut seen: HashMap<&str, &Origin> = HashMap::default();
        for e in &self.entities {
            if let Some(first) = seen.insert(&e.id.0, &e.origin) {
                return Err(Error::dictionary(
                    &e.origin.file,
                    Some(e.origin.line),
                    format!("duplicate entity id \"{}\" (first defined at {first})", e.id),
                ));
            }
        }
        let mut topic_seen: HashMap<&str, &Origin> = HashMap::default();
        for t in &self.topics {
            if let Some(first) = topic_seen.insert(&t.id.0, &t.origin) {
                return Err(Error::dictionary(
                    &t.origin.file,
                    Some(t.origin.line),
                    format!("duplicate topic id \"{}\" (first defined at {first})", t.id),
                ));
            }
        }
        let mut warnings = self.warnings;
        // Each entity's own checks on the pool, reported in load order.
        let (own, keys): (Vec<Vec<Warning>>, Vec<Vec<String>>) = self.entities.par_iter().map(check_aliases).unzip();
        warnings.extend(own.into_iter().flatten());
        let warnings = shared_alias_warnings(&self.entities, &keys, warnings);
        Ok(Dictionary { entities: Entities::from(self.entities), topics: self.topics, warnings })
    }
}

/// An entity's warnings about its own aliases (one syllable; two the same after
/// normalization), and the keys of its aliases (not the exact ones), in order.
fn check_aliases(e: &Entity) -> (Vec<Warning>, Vec<String>) {
    let mut warnings = Vec::new();
    // Entities have a handful of aliases: a small list beats a map per entity.
    let mut keys: Vec<(String, &str)> = Vec::new();
    for alias in e.aliases.iter().chain(&e.exact_aliases) {
        let hangul = alias.chars().filter(|&c| crate::normalize::script(c) == crate::normalize::Script::Hangul).count();
        if alias.chars().count() == 1 && hangul == 1 {
            warnings.push(Warning {
                place: e.origin.to_string(),
                message: format!("entity \"{}\": one-syllable alias \"{alias}\" matches many unrelated words", e.id),
            });
        }
        let key = compact_key(alias);
        let previous = keys.iter().find(|(k, _)| *k == key).map(|&(_, a)| a);
        keys.push((key, alias));
        if let Some(other) = previous {
            if other != alias && !e.exact_aliases.iter().any(|x| x == alias || x == other) {
                warnings.push(Warning {
                    place: e.origin.to_string(),
                    message: format!(
                        "entity \"{}\": aliases \"{other}\" and \"{alias}\" are the same after normalization",
                        e.id
                    ),
                });
            }
        }
    }
    keys.truncate(e.aliases.len());
    (warnings, keys.into_iter().map(|(k, _)| k).collect())
}

/// Replaces the "shared alias" warnings with a fresh set for `entities`, whose aliases have
/// the keys `keys` (an entity's, in order).
fn shared_alias_warnings(entities: &[Entity], keys: &[Vec<String>], mut warnings: Vec<Warning>) -> Vec<Warning> {
    const SHARED: &str = "is also an alias of";
    warnings.retain(|w| !w.message.contains(SHARED));
    let mut owner: HashMap<&str, usize> = HashMap::default();
    for (i, (e, keys)) in entities.iter().zip(keys).enumerate() {
        for (alias, key) in e.aliases.iter().zip(keys) {
            match owner.get(key.as_str()) {
                Some(&j) if j != i => warnings.push(Warning {
                    place: e.origin.to_string(),
                    message: format!(
                        "alias \"{alias}\" of \"{}\" {SHARED} \"{}\" ({})",
                        e.id, entities[j].id, entities[j].origin
                    ),
                }),
                Some(_) => {}
                None => {
                    owner.insert(key, i);
                }
            }
        }
    }
    warnings
}

/// The comparison key of an alias: normalized, with every space removed.
pub fn compact_key(alias: &str) -> String {
    crate::normalize::with_scratch(alias, true, |key| key.split(' ').collect())
}

fn is_type_word(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Splits a `|`-separated list; an empty element (`a||b`, `a|`) is an error, an empty cell is none.
fn split_list(cell: &str) -> std::result::Result<Vec<String>, ()> {
    if cell.trim().is_empty() {
        return Ok(Vec::new());
    }
    cell.split('|')
        .map(|s| {
            let s = s.trim();
            if s.is_empty() {
                Err(())
            } else {
                Ok(s.to_string())
            }
        })
        .collect()
}

fn csv_error_text(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        _ => e.to_string(),
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, col)
}

/// Writes the compact binary form of compiled data (`hantag compile`): a table of distinct
/// strings and a stream of little-endian `u32` words that refer to them by index.
///
/// ```text
/// u32 string count N · u32 byte count B · (N + 1) × u32 string start (0 first, B last)
/// B bytes of strings · u32 word count W · W × u32 word
/// ```
///
/// [`Unpacker`] checks the string bytes as UTF-8 once, as a whole (a string that starts and
/// ends on character boundaries of valid UTF-8 is valid), so loading costs one allocation
/// per string and no per-string validation, and repeated strings (types, file names, a
/// name that is also the first alias) are stored once.
#[derive(Default)]
pub(crate) struct Packer<'a> {
    ids: HashMap<&'a str, u32>,
    ends: Vec<u32>,
    blob: Vec<u8>,
    words: Vec<u32>,
    /// A count or size passed 4 GiB: [`Packer::finish`] refuses to write.
    too_large: bool,
}

impl<'a> Packer<'a> {
    /// A word.
    pub(crate) fn word(&mut self, word: u32) {
        self.words.push(word);
    }

    /// A count or index.
    pub(crate) fn count(&mut self, n: usize) {
        let n = self.packed_u32(n);
        self.word(n);
    }

    /// A `u64` as two words, low first.
    pub(crate) fn u64(&mut self, v: u64) {
        self.word(v as u32);
        self.word((v >> 32) as u32);
    }

    /// An `f64`, bit for bit.
    pub(crate) fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }

    /// The index of `s` in the string table (added if new), as a word.
    pub(crate) fn str(&mut self, s: &'a str) {
        let id = self.index(s);
        self.word(id);
    }

    /// `None` as 0, a string as its index plus one.
    pub(crate) fn opt_str(&mut self, s: Option<&'a str>) {
        let word = s.map_or(0, |s| self.index(s) + 1);
        self.word(word);
    }

    /// A count, then the strings.
    pub(crate) fn strs(&mut self, list: &'a [String]) {
        self.count(list.len());
        for s in list {
            self.str(s);
        }
    }

    /// A count, then the words.
    pub(crate) fn u32s(&mut self, list: &[u32]) {
        self.count(list.len());
        self.words.extend_from_slice(list);
    }

    fn index(&mut self, s: &'a str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.packed_u32(self.ends.len());
        self.blob.extend_from_slice(s.as_bytes());
        let end = self.packed_u32(self.blob.len());
        self.ends.push(end);
        self.ids.insert(s, id);
        id
    }

    /// Appends the packed part to `out`.
    pub(crate) fn finish(mut self, out: &mut Vec<u8>) -> Result<()> {
        let (strings, bytes, words) =
            (self.packed_u32(self.ends.len()), self.packed_u32(self.blob.len()), self.packed_u32(self.words.len()));
        if self.too_large {
            return Err(Error::new(
                crate::error::ErrorKind::Config,
                "cannot compile: a part of the compiled dictionary would exceed 4 GiB",
            ));
        }
        out.reserve(16 + 4 * (self.ends.len() + self.words.len()) + self.blob.len());
        out.extend(strings.to_le_bytes());
        out.extend(bytes.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend(self.ends.iter().flat_map(|e| e.to_le_bytes()));
        out.extend(&self.blob);
        out.extend(words.to_le_bytes());
        out.extend(self.words.iter().flat_map(|w| w.to_le_bytes()));
        Ok(())
    }

    /// `n` as a word, noting when it does not fit.
    fn packed_u32(&mut self, n: usize) -> u32 {
        u32::try_from(n).unwrap_or_else(|_| {
            self.too_large = true;
            u32::MAX
        })
    }
}

/// Reads what a [`Packer`] wrote, checking every length, index and boundary: damaged bytes
/// give `None`, never a panic or an allocation larger than the input justifies.
pub(crate) struct Unpacker<'a> {
    /// The bytes of all the strings, checked as UTF-8 once.
    blob: &'a str,
    /// Where each string starts in `blob`, and where the last ends: little-endian `u32`s,
    /// checked once as rising character boundaries of `blob`, so that any string index
    /// below their count is a string.
    starts: &'a [[u8; 4]],
    words: &'a [u8],
}

impl<'a> Unpacker<'a> {
    /// Reads the packed part at the start of `bytes`; returns it and the bytes after it.
    pub(crate) fn new(bytes: &'a [u8]) -> Option<(Unpacker<'a>, &'a [u8])> {
        let (strings, rest) = take_u32(bytes)?;
        let (blob_len, rest) = take_u32(rest)?;
        let (starts, rest) = take(rest, (strings as usize).checked_add(1)?.checked_mul(4)?)?;
        let (blob, rest) = take(rest, blob_len as usize)?;
        let (words, rest) = take_u32(rest)?;
        let (words, rest) = take(rest, (words as usize).checked_mul(4)?)?;
        // One check of all the string bytes, and one pass over where the strings start (the
        // blob in order): each string is then a slice on char boundaries, and a string index
        // that a reader only checks (`Unpacker::check_str`) need not touch the blob.
        let blob = simdutf8::basic::from_utf8(blob).ok()?;
        let starts = starts.as_chunks::<4>().0;
        let mut last = 0;
        for &start in starts {
            let start = u32::from_le_bytes(start) as usize;
            if start < last || !blob.is_char_boundary(start) {
                return None;
            }
            last = start;
        }
        Some((Unpacker { blob, starts, words }, rest))
    }

    /// The next word.
    #[inline]
    pub(crate) fn word(&mut self) -> Option<u32> {
        let (word, rest) = self.words.split_first_chunk::<4>()?;
        self.words = rest;
        Some(u32::from_le_bytes(*word))
    }

    /// A count of items that take at least `min_words` words each (at least 1): never more
    /// than the words left can hold.
    #[inline]
    pub(crate) fn count(&mut self, min_words: usize) -> Option<usize> {
        let n = self.word()? as usize;
        (n.checked_mul(min_words.max(1))? <= self.words.len() / 4).then_some(n)
    }

    /// A `u64` written by [`Packer::u64`].
    #[inline]
    pub(crate) fn u64(&mut self) -> Option<u64> {
        let low = self.word()?;
        let high = self.word()?;
        Some(u64::from(low) | u64::from(high) << 32)
    }

    /// An `f64` written by [`Packer::f64`].
    pub(crate) fn f64(&mut self) -> Option<f64> {
        self.u64().map(f64::from_bits)
    }

    /// A string written by [`Packer::str`], borrowed from the input.
    #[inline]
    pub(crate) fn str(&mut self) -> Option<&'a str> {
        let index = self.word()?;
        self.str_at(index as usize)
    }

    /// A string written by [`Packer::opt_str`]; the outer `None` is damage.
    #[inline]
    pub(crate) fn opt_str(&mut self) -> Option<Option<&'a str>> {
        match self.word()? {
            0 => Some(None),
            n => self.str_at(n as usize - 1).map(Some),
        }
    }

    #[inline]
    fn str_at(&self, index: usize) -> Option<&'a str> {
        let start = u32::from_le_bytes(*self.starts.get(index)?) as usize;
        let end = u32::from_le_bytes(*self.starts.get(index.checked_add(1)?)?) as usize;
        // `get` refuses a reversed or out-of-range span and one off a char boundary.
        self.blob.get(start..end)
    }

    /// An owned string written by [`Packer::str`].
    #[inline]
    pub(crate) fn string(&mut self) -> Option<String> {
        self.str().map(str::to_owned)
    }

    /// Strings written by [`Packer::strs`].
    #[inline(always)]
    pub(crate) fn strings(&mut self) -> Option<Vec<String>> {
        // Most lists are empty or hold one string.
        match self.word()? {
            0 => Some(Vec::new()),
            1 => Some(vec![self.string()?]),
            n => self.more_strings(n as usize),
        }
    }

    /// Steps over strings written by [`Packer::strs`], checking them as [`Unpacker::strings`]
    /// would; returns how many there were.
    #[inline]
    pub(crate) fn skip_strs(&mut self) -> Option<usize> {
        let n = self.count(1)?;
        for _ in 0..n {
            self.check_str()?;
        }
        Some(n)
    }

    /// Skips a string written by [`Packer::str`], checking that it is one.
    #[inline]
    pub(crate) fn check_str(&mut self) -> Option<()> {
        let index = self.word()? as usize;
        (index < self.starts.len().saturating_sub(1)).then_some(())
    }

    fn more_strings(&mut self, n: usize) -> Option<Vec<String>> {
        if n > self.words.len() / 4 {
            return None;
        }
        let mut list = Vec::with_capacity(n);
        for _ in 0..n {
            list.push(self.string()?);
        }
        Some(list)
    }

    /// Words written by [`Packer::u32s`].
    pub(crate) fn u32s(&mut self) -> Option<Vec<u32>> {
        Some(self.u32_bytes()?.as_chunks::<4>().0.iter().map(|&w| u32::from_le_bytes(w)).collect())
    }

    /// Words written by [`Packer::u32s`], as the bytes they lie in.
    pub(crate) fn u32_bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.count(1)?;
        let (list, rest) = take(self.words, n * 4)?;
        self.words = rest;
        Some(list)
    }

    /// Whether every word has been read.
    pub(crate) fn is_done(&self) -> bool {
        self.words.is_empty()
    }
}

pub(crate) fn take(bytes: &[u8], n: usize) -> Option<(&[u8], &[u8])> {
    (n <= bytes.len()).then(|| bytes.split_at(n))
}

pub(crate) fn take_u32(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (word, rest) = bytes.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*word), rest))
}

/// Words per entity at the least: four list counts, file and line (its id, type and name are
/// in the labels).
const ENTITY_MIN_WORDS: usize = 7;
/// Words per topic at the least.
const TOPIC_MIN_WORDS: usize = 16;

impl Dictionary {
    /// Appends the compact form read by [`Dictionary::from_packed`] to `out`; an error if a
    /// part would pass 4 GiB.
    pub(crate) fn to_packed(&self, out: &mut Vec<u8>) -> Result<()> {
        let mut p = Packer::default();
        let entities = self.entities();
        p.count(entities.len());
        // Each entity's id, type and name are in the labels that follow.
        for e in entities {
            p.strs(&e.aliases);
            p.strs(&e.exact_aliases);
            p.strs(&e.requires);
            p.strs(&e.excludes);
            p.str(&e.origin.file);
            p.u64(e.origin.line);
        }
        p.count(self.topics.len());
        for t in &self.topics {
            p.str(&t.id.0);
            p.str(&t.name);
            p.opt_str(t.parent.as_ref().map(|p| p.0.as_str()));
            p.str(&t.query);
            p.count(t.keywords.len());
            for (term, weight) in &t.keywords {
                p.str(term);
                p.f64(*weight);
            }
            p.f64(t.min_score);
            p.f64(t.weight);
            p.str(&t.origin.file);
            p.u64(t.origin.line);
            p.u64(t.query_at.0);
            p.u64(t.query_at.1);
        }
        p.count(self.warnings.len());
        for w in &self.warnings {
            p.str(&w.place);
            p.str(&w.message);
        }
        p.finish(out)?;
        // The entities' ids, types and names, as a loaded dictionary keeps them (read in place).
        let labels = match &self.entities.packed {
            Some(packed) => Cow::Borrowed(&packed.labels),
            None => {
                let mut labels = StringList::default();
                for e in entities {
                    for s in [&e.id.0, &e.kind, &e.name] {
                        labels
                            .push(s)
                            .ok_or_else(|| Error::new(crate::ErrorKind::Config, "the entities' labels pass 4 GiB"))?;
                    }
                }
                Cow::Owned(labels)
            }
        };
        labels.write(out);
        Ok(())
    }

    /// [`Dictionary::from_packed_kept`], keeping a copy of `bytes`.
    #[cfg(test)]
    pub(crate) fn from_packed(bytes: &[u8]) -> Option<Dictionary> {
        Dictionary::from_packed_kept(bytes, None)
    }

    /// Reads what [`Dictionary::to_packed`] wrote at the start of `bytes` (and nothing after
    /// it); `None` if it is damaged. The entries are taken as they were when they compiled.
    /// The entities are read in full when asked for; they and their labels are read in place
    /// when `bytes` lie inside `file`, else from a copy.
    pub(crate) fn from_packed_kept(bytes: &[u8], file: Option<&SharedBytes>) -> Option<Dictionary> {
        let (mut u, rest) = Unpacker::new(bytes)?;
        let (labels, rest) = StringList::read(rest, file)?;
        if !rest.is_empty() {
            return None;
        }
        // The entities are only looked through here (see `Entities`); each string index and
        // count is checked as `read_entities` will read it.
        let n = u.count(ENTITY_MIN_WORDS)?;
        if labels.len() != 3 * n {
            return None;
        }
        let (mut has_requires, mut has_excludes) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let lists = [u.skip_strs()?, u.skip_strs()?, u.skip_strs()?, u.skip_strs()?];
            has_requires.push(lists[2] > 0);
            has_excludes.push(lists[3] > 0);
            u.check_str()?;
            u.u64()?;
        }
        let bytes = Words::new(bytes, file);
        let packed = Packed { bytes, count: n, labels, has_requires, has_excludes };
        let entities = Entities { list: OnceLock::new(), packed: Some(Arc::new(packed)) };
        let n = u.count(TOPIC_MIN_WORDS)?;
        let mut topics = Vec::with_capacity(n);
        for _ in 0..n {
            topics.push(TopicDef {
                id: TopicId(u.string()?),
                name: u.string()?,
                parent: u.opt_str()?.map(|p| TopicId(p.to_string())),
                query: u.string()?,
                keywords: {
                    let k = u.count(3)?;
                    let mut keywords = Vec::with_capacity(k);
                    for _ in 0..k {
                        keywords.push((u.string()?, u.f64()?));
                    }
                    keywords
                },
                min_score: u.f64()?,
                weight: u.f64()?,
                origin: Origin { file: u.string()?, line: u.u64()? },
                query_at: (u.u64()?, u.u64()?),
            });
        }
        let n = u.count(2)?;
        let mut warnings = Vec::with_capacity(n);
        for _ in 0..n {
            warnings.push(Warning { place: u.string()?, message: u.string()? });
        }
        u.is_done().then_some(Dictionary { entities, topics, warnings })
    }
}

/// The entities at the start of what [`Dictionary::to_packed`] wrote, whose `labels` were
/// read from what follows.
fn read_entities(bytes: &[u8], labels: &StringList) -> Option<Vec<Entity>> {
    let (mut u, _) = Unpacker::new(bytes)?;
    let n = u.count(ENTITY_MIN_WORDS)?;
    let mut entities = Vec::with_capacity(n);
    for e in 0..n {
        // Fields are read in the order they are written.
        entities.push(Entity {
            id: EntityId(labels.get(3 * e).to_string()),
            kind: labels.get(3 * e + 1).to_string(),
            name: labels.get(3 * e + 2).to_string(),
            aliases: u.strings()?,
            exact_aliases: u.strings()?,
            requires: u.strings()?,
            excludes: u.strings()?,
            origin: Origin { file: u.string()?, line: u.u64()? },
        });
    }
    Some(entities)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,type,name,aliases,exact_aliases,requires,excludes,note\n";

    fn load(rows: &str) -> Result<Dictionary> {
        Dictionary::from_csv_str("entities/t.csv", &format!("{HEADER}{rows}"))
    }

    #[test]
    fn parses_rows() {
        let d = load("naver-cloud,company,네이버클라우드,네이버 클라우드|NAVER Cloud,,,,\nms,company,마이크로소프트,Microsoft,MS,,,\n").unwrap();
        assert_eq!(d.entities().len(), 2);
        assert_eq!(d.entities()[0].aliases, ["네이버클라우드", "네이버 클라우드", "NAVER Cloud"]);
        assert_eq!(d.entities()[1].exact_aliases, ["MS"]);
        assert_eq!(d.entities()[1].origin.line, 3);
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            ("a,company,에이,,,,,\na,company,비,,,,,\n", "entities/t.csv:3: duplicate entity id \"a\" (first defined at entities/t.csv:2)"),
            ("a,company,에이,x||y,,,,\n", "entities/t.csv:2: entity \"a\" has an empty alias"),
            ("a,Company,에이,,,,,\n", "entities/t.csv:2: entity \"a\" has a malformed type \"Company\" (expected a lowercase word such as company)"),
            (",company,에이,,,,,\n", "entities/t.csv:2: empty id"),
            ("a,company,,,,,,\n", "entities/t.csv:2: entity \"a\" has an empty name"),
            ("a,company,에이,\u{200b},,,,\n", "entities/t.csv:2: entity \"a\" has an alias \"\u{200b}\" that is empty after normalization"),
        ];
        for (rows, want) in cases {
            assert_eq!(load(rows).unwrap_err().to_string(), want);
        }
        let err = Dictionary::from_csv_str("e.csv", "id,name\na,b\n").unwrap_err();
        assert_eq!(err.to_string(), "e.csv:1: missing column \"type\"");
    }

    #[test]
    fn warnings() {
        let d = Dictionary::from_csv_str("e.csv", "id,type,name,aliases,extra\na,place,인도,,x\nb,place,인 도,국,\n")
            .unwrap();
        let text: Vec<String> = d.warnings().iter().map(|w| w.to_string()).collect();
        assert!(text.contains(&"e.csv:1: extra columns are ignored: extra".to_string()), "{text:?}");
        assert!(text.iter().any(|w| w.contains("one-syllable alias \"국\"")), "{text:?}");
        assert!(text.iter().any(|w| w.contains("alias \"인 도\" of \"b\" is also an alias of \"a\"")), "{text:?}");

        // Aliases the same after normalization; an exact alias is neither such a pair (its
        // case sets it apart) nor shared with another entity's alias.
        let csv = "id,type,name,aliases,exact_aliases\nn,company,네이버,네 이버|NAVER,\nm,company,엠사,,네이버|NAVER\n";
        let d = Dictionary::from_csv_str("e.csv", csv).unwrap();
        let text: Vec<String> = d.warnings().iter().map(|w| w.to_string()).collect();
        assert_eq!(
            text,
            ["e.csv:2: entity \"n\": aliases \"네이버\" and \"네 이버\" are the same after normalization"]
        );

        // Extending a dictionary checks the aliases of both again.
        let mut d = Dictionary::from_csv_str("a.csv", "id,type,name\na,place,인도\n").unwrap();
        d.extend(Dictionary::from_csv_str("b.csv", "id,type,name,aliases\nb,place,비씨,인 도\n").unwrap());
        let text: Vec<String> = d.warnings().iter().map(|w| w.to_string()).collect();
        assert_eq!(text, ["b.csv:2: alias \"인 도\" of \"b\" is also an alias of \"a\" (a.csv:2)"]);
    }

    #[test]
    fn later_dictionary_wins() {
        let mut d = load("a,company,에이,,,,,\n").unwrap();
        d.extend(load("a,person,에이씨,,,,,\nb,place,비,,,,,\n").unwrap());
        assert_eq!(d.entities().len(), 2);
        assert_eq!(d.entities()[0].kind, "person");
    }

    #[test]
    fn topics_toml() {
        let text = "[[topic]]\nid = \"ai\"\nname = \"AI\"\nquery = '\"인공지능\" OR AI'\nmin_score = 2\n[topic.keywords]\n\"LLM\" = 2\n";
        let mut loader = Loader::default();
        loader.add_file("topics.toml", "topics.toml", text).unwrap();
        let d = loader.finish().unwrap();
        let t = &d.topics()[0];
        assert_eq!(t.query, "\"인공지능\" OR AI");
        assert_eq!(t.query_at, (4, 10));
        assert_eq!(t.min_score, 2.0);
        assert_eq!(t.keywords, [("LLM".to_string(), 2.0)]);
        let mut loader = Loader::default();
        loader
            .add_file("t.toml", "topics.toml", "[[topic]]\nid = \"b\"\nname = \"B\"\nquery = \'\'\'\n  반도체\'\'\'\n")
            .unwrap();
        assert_eq!(loader.topics[0].query_at, (5, 1));
        let mut loader = Loader::default();
        let err = loader.add_file("topics.toml", "topics.toml", "[[topic]]\nid = \"x\"\n").unwrap_err();
        assert!(err.to_string().starts_with("topics.toml"), "{err}");
    }

    #[test]
    fn builtin_loads() {
        let d = Dictionary::builtin().unwrap();
        assert!(!d.entities().is_empty());
    }

    /// A dictionary with every field set, empty and not, ASCII and not, at its limits.
    fn odd_dictionary() -> Dictionary {
        let entity = |id: &str, aliases: Vec<&str>, exact: Vec<&str>, requires: Vec<&str>, excludes: Vec<&str>| {
            let own = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
            Entity {
                id: EntityId(id.into()),
                kind: "company".into(),
                name: aliases.first().copied().unwrap_or("").into(),
                aliases: own(aliases),
                exact_aliases: own(exact),
                requires: own(requires),
                excludes: own(excludes),
                origin: Origin { file: "entities/가나.csv".into(), line: 2 },
            }
        };
        let many: Vec<String> = (0..300).map(|i| format!("별칭{i}")).collect();
        let mut big = entity("big", vec![], vec![], vec![], vec![]);
        big.aliases = many;
        big.origin.line = u64::MAX;
        let topic = |id: &str, parent: Option<&str>, keywords: Vec<(&str, f64)>| TopicDef {
            id: TopicId(id.into()),
            name: format!("{id} 주제"),
            parent: parent.map(|p| TopicId(p.into())),
            query: "\"소버린 AI\" OR 반도체*".into(),
            keywords: keywords.into_iter().map(|(k, w)| (k.to_string(), w)).collect(),
            min_score: -0.0,
            weight: 1e300,
            origin: Origin { file: "topics.toml".into(), line: 7 },
            query_at: (u64::MAX, 0),
        };
        Dictionary {
            entities: Entities::from(vec![
                entity(
                    "naver-cloud",
                    vec!["네이버클라우드", "NAVER Cloud"],
                    vec!["NC"],
                    vec!["클라우드"],
                    vec!["인도적"],
                ),
                entity("e", vec!["🙂 é", ""], vec![], vec![], vec![]),
                entity("ms", vec!["마이크로소프트"], vec!["MS", "ms"], vec![], vec!["네이버클라우드"]),
                big,
                entity("", vec![], vec![], vec![], vec![]),
            ]),
            topics: vec![topic("ai", None, vec![]), topic("sovereign-ai", Some("ai"), vec![("LLM", 2.5), ("", -1.0)])],
            warnings: vec![
                Warning { place: "entities/가나.csv:2".into(), message: "같은 별칭".into() },
                Warning { place: String::new(), message: String::new() },
            ],
        }
    }

    fn same(a: &Dictionary, b: &Dictionary) {
        assert_eq!(a.entities(), b.entities());
        assert_eq!(a.topics().len(), b.topics().len());
        for (x, y) in a.topics().iter().zip(b.topics()) {
            // Bit for bit, so that -0.0 and 0.0 differ.
            assert_eq!(format!("{x:?}"), format!("{y:?}"));
            assert_eq!((x.min_score.to_bits(), x.weight.to_bits()), (y.min_score.to_bits(), y.weight.to_bits()));
        }
        assert_eq!(a.warnings(), b.warnings());
    }

    #[test]
    fn packed_dictionary_round_trip() {
        for d in [odd_dictionary(), Dictionary::default(), Dictionary::builtin().unwrap()] {
            let mut bytes = Vec::new();
            d.to_packed(&mut bytes).unwrap();
            let back = Dictionary::from_packed(&bytes).unwrap();
            // What tagging reads, before the entities are read in full, then the entities.
            labels_agree(&back);
            same(&d, &back);
            // Anything after the packed part, or a part cut short, is damage.
            let mut longer = bytes.clone();
            longer.push(0);
            assert!(Dictionary::from_packed(&longer).is_none());
            for cut in 0..bytes.len() {
                assert!(Dictionary::from_packed(&bytes[..cut]).is_none(), "cut at {cut}");
                if bytes.len() > 2000 {
                    break;
                }
            }
        }
    }

    /// A compiled dictionary's labels and context flags, read at load, are those of its
    /// entities read in full; it checks them in that order.
    fn labels_agree(d: &Dictionary) {
        let labels: Vec<(String, String, String)> = (0..d.entity_count())
            .map(|e| d.label(e))
            .map(|l| (l.id.to_string(), l.name.to_string(), l.kind.to_string()))
            .collect();
        let flags = d.context_flags();
        assert_eq!(d.entities().len(), d.entity_count());
        for (e, entity) in d.entities().iter().enumerate() {
            assert_eq!(labels[e], (entity.id.0.clone(), entity.name.clone(), entity.kind.clone()));
            assert_eq!((flags.0[e], flags.1[e]), (!entity.requires.is_empty(), !entity.excludes.is_empty()));
        }
    }

    #[test]
    fn labels_are_read_in_place_and_are_the_entities_own() {
        let mut bytes = Vec::new();
        odd_dictionary().to_packed(&mut bytes).unwrap();
        let in_place = |d: &Dictionary| {
            matches!(&d.entities.packed, Some(p) if matches!(&p.labels,
                StringList::Loaded { text: Words::Kept { .. }, ends: Words::Kept { .. } }))
        };
        let file: SharedBytes = Arc::new(bytes.clone());
        let shared = Dictionary::from_packed_kept((*file).as_ref(), Some(&file)).unwrap();
        assert!(in_place(&shared));
        labels_agree(&shared);
        let copied = Dictionary::from_packed(&bytes).unwrap();
        assert!(!in_place(&copied));
        labels_agree(&copied);
        // The labels are the entities' only copy of their ids, types and names: the last
        // name, `Beta`, made `Betx` is what the entities read in full say too. A list cut
        // short or followed by more is refused.
        let mut ascii = Vec::new();
        let d = Dictionary::from_csv_str("t.csv", "id,type,name,aliases\na,company,Alpha,\nb,company,Beta,\n").unwrap();
        d.to_packed(&mut ascii).unwrap();
        *ascii.last_mut().unwrap() = b'x';
        let changed = Dictionary::from_packed(&ascii).unwrap();
        assert_eq!((changed.label(1).name, changed.entities()[1].name.as_str()), ("Betx", "Betx"));
        assert_eq!(changed.entities()[1].aliases, ["Beta"]);
        let last = bytes.len() - 1;
        assert!(Dictionary::from_packed(&bytes[..last]).is_none());
        assert!(Dictionary::from_packed(&[&bytes[..], &[0]].concat()).is_none());
    }

    #[test]
    fn a_compiled_dictionary_reads_its_entities_only_when_asked() {
        let mut bytes = Vec::new();
        odd_dictionary().to_packed(&mut bytes).unwrap();
        let d = Dictionary::from_packed(&bytes).unwrap();
        assert!(d.entities.list.get().is_none());
        assert_eq!(d.label(2), EntityLabel { id: "ms", name: "마이크로소프트", kind: "company" });
        let flags = d.context_flags();
        assert_eq!(
            (&*flags.0, &*flags.1),
            (&[true, false, false, false, false][..], &[true, false, true, false, false][..])
        );
        assert!(d.entities.list.get().is_none());
        assert_eq!(d.entities()[2].exact_aliases, ["MS", "ms"]);
        // Changed, it no longer answers from the packed bytes.
        let mut changed = d.clone();
        let ms = Entity {
            id: EntityId("ms".into()),
            kind: "company".into(),
            name: "엠에스".into(),
            aliases: vec!["엠에스".into()],
            exact_aliases: vec![],
            requires: vec!["윈도".into()],
            excludes: vec![],
            origin: Origin::default(),
        };
        changed.extend(Dictionary::from_parts(vec![ms], vec![]).unwrap());
        assert!(changed.entities.packed.is_none());
        assert_eq!(changed.entity_count(), 5);
        let flags = changed.context_flags();
        assert_eq!(
            (&*flags.0, &*flags.1),
            (&[true, false, true, false, false][..], &[true, false, false, false, false][..])
        );
        assert_eq!(changed.label(2).name, "엠에스");
        // Serialized, it is the same as the dictionary it was compiled from.
        assert_eq!(serde_json::to_string(&d).unwrap(), serde_json::to_string(&odd_dictionary()).unwrap());
    }

    #[test]
    fn a_part_past_4_gib_is_an_error() {
        let mut p = Packer::default();
        p.count(u32::MAX as usize + 1);
        let err = p.finish(&mut Vec::new()).unwrap_err().to_string();
        assert!(err.contains("4 GiB"), "{err}");
    }

    #[test]
    fn packed_strings_are_stored_once() {
        let d = odd_dictionary();
        let mut bytes = Vec::new();
        d.to_packed(&mut bytes).unwrap();
        let count = |b: &[u8]| b.windows("마이크로소프트".len()).filter(|w| *w == "마이크로소프트".as_bytes()).count();
        // Once in the packed entities' string table (its alias and name), and once more in the
        // labels, kept as tagging reads them.
        let (_, labels) = Unpacker::new(&bytes).unwrap();
        assert_eq!((count(&bytes[..bytes.len() - labels.len()]), count(labels)), (1, 1));
    }

    #[test]
    fn damaged_packed_parts_are_refused_without_panic() {
        let mut bytes = Vec::new();
        odd_dictionary().to_packed(&mut bytes).unwrap();
        // Every byte changed in turn: never a panic; a change inside the string bytes that
        // leaves valid UTF-8 may load (the file checksum catches it, see below).
        for i in 0..bytes.len() {
            for delta in [1u8, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[i] = damaged[i].wrapping_add(delta);
                // What loads reads its entities in full later without a panic.
                if let Some(d) = Dictionary::from_packed(&damaged) {
                    labels_agree(&d);
                }
            }
        }
        // Counts far beyond the input: refused before anything is allocated for them.
        let mut huge = Vec::new();
        for word in [0u32, 0, 0, 1, u32::MAX] {
            huge.extend(word.to_le_bytes());
        }
        assert!(Dictionary::from_packed(&huge).is_none());
        // A string span that ends inside a character.
        let mut p = Packer::default();
        p.str("가");
        let mut split = Vec::new();
        p.finish(&mut split).unwrap();
        split[12..16].copy_from_slice(&1u32.to_le_bytes());
        split[8..12].copy_from_slice(&0u32.to_le_bytes());
        // Its bytes are valid UTF-8, but the table is refused: a start off a char boundary.
        assert!(Unpacker::new(&split).is_none());
        // As are starts out of order (the string's end put before its start).
        let mut p = Packer::default();
        p.str("가");
        p.str("나");
        let mut swapped = Vec::new();
        p.finish(&mut swapped).unwrap();
        let (mut u, _) = Unpacker::new(&swapped).unwrap();
        assert_eq!((u.str(), u.str()), (Some("가"), Some("나")));
        swapped[12..16].copy_from_slice(&6u32.to_le_bytes());
        swapped[16..20].copy_from_slice(&3u32.to_le_bytes());
        assert!(Unpacker::new(&swapped).is_none());
        // A string index is checked without the string: one past the last is refused.
        let mut p = Packer::default();
        p.str("가");
        p.word(1);
        let mut past = Vec::new();
        p.finish(&mut past).unwrap();
        let (mut u, _) = Unpacker::new(&past).unwrap();
        assert_eq!((u.check_str(), u.check_str()), (Some(()), None));
    }

    fn fixture_tagger() -> crate::Tagger {
        let mut d = Dictionary::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dict")).unwrap();
        d.extend(Dictionary::builtin().unwrap());
        crate::Tagger::new(d).unwrap()
    }

    #[test]
    fn compiled_file_keeps_every_field() {
        let tagger = fixture_tagger();
        let bytes = tagger.compiled_bytes().unwrap();
        // Kept as a copy, and read from the file's bytes, which the tagger keeps.
        let shared = crate::Tagger::builder().load_compiled_shared(bytes.clone()).unwrap();
        same(tagger.dictionary(), shared.dictionary());
        assert_eq!(shared.compiled_bytes().unwrap(), bytes);
        let loaded = crate::Tagger::builder().load_compiled(&bytes).unwrap();
        same(tagger.dictionary(), loaded.dictionary());
        assert_eq!(loaded.compiled_bytes().unwrap(), bytes);
        let article = crate::Article::new(
            "a",
            "ＬＧ전자 발표",
            "네이버클라우드는 인도하고 있다. 인도는 MS와 사진을 찍었다. 소버린 AI 반도체",
        );
        let (a, b) = (tagger.tag(&article).unwrap(), loaded.tag(&article).unwrap());
        assert_eq!(a.mentions(), b.mentions());
        assert!(!a.mentions().is_empty());
        assert_eq!(format!("{:?}", a.topics()), format!("{:?}", b.topics()));
        assert_eq!(loaded.guarded_aliases(), tagger.guarded_aliases());
    }

    #[test]
    fn matcher_bytes_keep_every_surface() {
        let d = odd_dictionary();
        let entities: Vec<Entity> =
            d.entities().iter().filter(|e| !e.aliases.iter().any(String::is_empty)).cloned().collect();
        let terms = [
            crate::matcher::TermSpec { text: "반도체".into(), prefix: true },
            crate::matcher::TermSpec { text: "소버린 AI".into(), prefix: false },
        ];
        use crate::matcher::{Matcher, Scan};
        let guard = |a: &str| a.starts_with("마이");
        let m = Matcher::compile(&entities, &terms, &guard, &[Scan::Everywhere, Scan::WordStarts]).unwrap();
        let bytes = m.to_bytes().unwrap();
        let text = "네이버 클라우드와 마이크로소프트, 소버린ai 반도체산업";
        for scan in [Scan::Everywhere, Scan::WordStarts] {
            let back = Matcher::from_bytes(&bytes, scan).unwrap();
            assert_eq!(m.surfaces(), back.surfaces());
            for s in 0..m.surfaces().len() as u32 {
                assert_eq!((m.text(s), m.exact_key(s)), (back.text(s), back.exact_key(s)));
            }
            assert!(back.surfaces().iter().any(|s| s.guarded) && back.surfaces().iter().any(|s| s.prefix));
            // Surfaces 5–7 are 마이크로소프트 and the exact aliases MS and ms.
            assert_eq!((back.text(5), back.exact_key(5)), ("마이크로소프트", None));
            assert_eq!((back.text(6), back.exact_key(6)), ("MS", Some("MS")));
            assert_eq!((back.text(7), back.exact_key(7)), ("ms", Some("ms")));
            assert_eq!(back.pattern_count(), m.pattern_count());
            let fresh = Matcher::compile(&entities, &terms, &guard, &[scan]).unwrap();
            let (mut x, mut y) = (Vec::new(), Vec::new());
            fresh.scan(text, &mut x);
            back.scan(text, &mut y);
            assert_eq!(x, y);
            assert!(!x.is_empty());
            let step = (bytes.len() / 1000).max(1);
            for cut in (0..bytes.len()).step_by(step).chain(0..200) {
                assert!(Matcher::from_bytes(&bytes[..cut], scan).is_err(), "cut at {cut}");
            }
            // Damaged anywhere: an error, or a matcher whose scans do not panic.
            for i in (0..bytes.len()).step_by(step).chain(0..200) {
                let mut damaged = bytes.clone();
                damaged[i] ^= 0xa5;
                if let Ok(m) = Matcher::from_bytes(&damaged, scan) {
                    m.scan(text, &mut x);
                }
            }
        }
    }
}

//! Proposing entities the dictionaries lack, as rows ready to append to an entity CSV.
//!
//! ko-dic reads each line of an article; proper nouns (`NNP`), foreign-script runs (`SL`:
//! HyperCLOVA, DeepSeek) and Hangul words ko-dic does not know (often new company and
//! product names) are the raw material. Adjacent pieces join into one name when nothing
//! separates them (`퓨리오사` + `AI` → `퓨리오사AI`, `GPT` + `-` + `4` → `GPT-4`), Latin words
//! also across one space (`HyperCLOVA X`); particles are separate morphemes and never part
//! of a name. The words around a name vote for its type: ko-dic's semantic classes (`인명`,
//! `지명`) and cues such as `대표`, `장관`, `씨` (person), `시`, `구` (place), `社`, `그룹`
//! (company), `위원회`, `재단` (organization), `모델`, `서비스` (product).
//!
//! [`Finder`] holds ko-dic; a [`FinderWorker`] per thread reads articles into [`Found`]
//! names; a [`Tally`] adds them up in input order, and [`Tally::proposals`] drops what
//! [`Known`] covers, keeps what was seen often enough and ranks the rest, each with a
//! stable ascii id ([`slug`]).
//!
//! ```no_run
//! use hantag::discover::{Finder, Known, ProposalOptions, Tally};
//! use hantag::{Article, Dictionary};
//!
//! let finder = Finder::new()?;
//! let mut worker = finder.worker();
//! let mut tally = Tally::default();
//! for article in [Article::new("a1", "딥시크, 새 모델 공개", "딥시크는 새 모델을 공개했다.")] {
//!     let found = worker.find(&article)?;
//!     tally.add(&article, &found);
//! }
//! let known = Known::from_dictionary(&Dictionary::builtin()?);
//! for p in tally.proposals(&known, &ProposalOptions::default()) {
//!     println!("{} {} {} ×{}", p.id, p.kind, p.name, p.count);
//! }
//! # Ok::<(), hantag::Error>(())
//! ```

use crate::dictionary::{compact_key, Dictionary};
use crate::error::Result;
use crate::export::{context, field_text};
use crate::input::Article;
use crate::morph::{Analyze, KoDic, KoDicWorker, Morpheme, Pos};
use crate::normalize::{script, Script};
use crate::tagger::Field;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Header of the proposals CSV: the entity-dictionary columns, then the evidence.
pub const PROPOSAL_HEADER: &[&str] =
    &["id", "type", "name", "aliases", "exact_aliases", "requires", "excludes", "note", "count", "articles", "example"];

/// Longest piece of text analysed at once, in bytes (longer lines are cut at a space).
const MAX_SEGMENT: usize = 2000;
/// Characters of context on each side of a name in the `example` column.
const EXAMPLE_REACH: usize = 25;

/// Entity types a name can be guessed to have, in tie-break order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A person.
    Person,
    /// A company.
    Company,
    /// An organization (ministry, institute, association …).
    Organization,
    /// A place.
    Place,
    /// A product or model.
    Product,
}

impl Kind {
    const ALL: [Kind; 5] = [Kind::Person, Kind::Company, Kind::Organization, Kind::Place, Kind::Product];

    /// The dictionary `type` word.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Company => "company",
            Kind::Organization => "organization",
            Kind::Place => "place",
            Kind::Product => "product",
        }
    }
}

/// Votes for each [`Kind`], with the reasons (for the `note` column).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Votes {
    /// Votes per kind, indexed like `Kind::ALL`.
    counts: [u32; 5],
    /// Reason → how often it fired.
    reasons: Vec<(String, u32)>,
}

impl Votes {
    fn add(&mut self, kind: Kind, weight: u32, reason: &str) {
        self.counts[kind as usize] += weight;
        match self.reasons.iter_mut().find(|(r, _)| r == reason) {
            Some((_, n)) => *n += 1,
            None => self.reasons.push((reason.to_string(), 1)),
        }
    }

    fn merge(&mut self, other: &Votes) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
        for (reason, n) in &other.reasons {
            match self.reasons.iter_mut().find(|(r, _)| r == reason) {
                Some((_, m)) => *m += n,
                None => self.reasons.push((reason.clone(), *n)),
            }
        }
    }

    /// The kind with the most votes (ties go to the earlier kind), if any voted.
    pub fn winner(&self) -> Option<Kind> {
        let (best, votes) = Kind::ALL.iter().map(|&k| (k, self.counts[k as usize])).rev().max_by_key(|&(_, v)| v)?;
        (votes > 0).then_some(best)
    }
}

/// One name found in an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The field it is in.
    pub field: Field,
    /// Byte range in the original field text.
    pub span: Range<usize>,
    /// What the words around it say about its type.
    pub votes: Votes,
}

/// The ko-dic state shared by all workers.
#[derive(Debug, Clone)]
pub struct Finder {
    kodic: KoDic,
}

impl Finder {
    /// Loads the embedded ko-dic.
    pub fn new() -> Result<Finder> {
        Ok(Finder { kodic: KoDic::load()? })
    }

    /// Per-thread state for reading articles.
    pub fn worker(&self) -> FinderWorker {
        FinderWorker { analyzer: self.kodic.worker(), morphemes: Vec::new() }
    }
}

/// Reads articles for names; one per thread.
pub struct FinderWorker {
    analyzer: KoDicWorker,
    morphemes: Vec<Morpheme>,
}

/// What a morpheme can be in a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// A Hangul proper noun or unknown Hangul word.
    Name,
    /// A foreign-script run (SL).
    Latin,
    /// Digits (joined after Latin: `GPT4`).
    Digit,
    /// A common noun, joined after a Hangul name in the same word (`퓨리` + `오사` + `AI`,
    /// `신한` + `은행`).
    Noun,
    /// `-`, `.`, `&`, `+` between Latin or digits (`GPT-4`, `AT&T`).
    Joiner,
    /// Anything else.
    Other,
}

impl FinderWorker {
    /// The names in `article`'s title and body, in reading order.
    pub fn find(&mut self, article: &Article) -> Result<Vec<Found>> {
        let mut found = Vec::new();
        for field in [Field::Title, Field::Body] {
            let text = field_text(article, field);
            for segment in segments(text) {
                self.find_in(field, text, segment, &mut found)?;
            }
        }
        Ok(found)
    }

    fn find_in(&mut self, field: Field, text: &str, segment: Range<usize>, found: &mut Vec<Found>) -> Result<()> {
        let seg = &text[segment.clone()];
        self.analyzer.analyze(seg, &mut self.morphemes)?;
        let ms = &self.morphemes;
        let parts: Vec<Part> = ms.iter().map(|m| part(m, &seg[m.start..m.end])).collect();
        let mut i = 0;
        while i < ms.len() {
            if !matches!(parts[i], Part::Name | Part::Latin) {
                i += 1;
                continue;
            }
            // A Hangul name starts its word: `레터` in `뉴스레터` or `흥원` in `진흥원` is a
            // misreading of a longer word.
            let mid_word = parts[i] == Part::Name
                && i > 0
                && ms[i - 1].end == ms[i].start
                && seg[..ms[i].start].chars().next_back().is_some_and(is_hangul);
            if mid_word {
                i += 1;
                while i < ms.len() && ms[i - 1].end == ms[i].start && parts[i] != Part::Other {
                    i += 1;
                }
                continue;
            }
            let mut end = i; // last morpheme of the name
            let mut hangul_name = parts[i] == Part::Name;
            loop {
                let k = end + 1;
                if k >= ms.len() {
                    break;
                }
                let gap = &seg[ms[end].end..ms[k].start];
                let (prev, next) = (parts[end], parts[k]);
                let latinish = |p: Part| matches!(p, Part::Latin | Part::Digit);
                let joined = if gap.is_empty() {
                    match next {
                        Part::Name | Part::Latin => true,
                        Part::Digit => latinish(prev),
                        // After Latin only when the Latin is a name, not a common acronym:
                        // LG전자, LG AI연구원, but not AI반도체.
                        Part::Noun => match prev {
                            Part::Name | Part::Noun => hangul_name || latin_name(&seg[ms[i].start..ms[end].end]),
                            Part::Latin => latin_name(&seg[ms[i].start..ms[end].end]),
                            _ => false,
                        },
                        Part::Joiner => {
                            latinish(prev)
                                && parts.get(k + 1).is_some_and(|&p| latinish(p))
                                && ms[k].end == ms[k + 1].start
                        }
                        Part::Other => false,
                    }
                } else {
                    // Capitalized Latin words join across one space: HyperCLOVA X, Naver Cloud.
                    let capital =
                        |m: &Morpheme| seg[m.start..m.end].chars().any(|c| c.is_uppercase() || c.is_ascii_digit());
                    gap == " " && prev == Part::Latin && next == Part::Latin && capital(&ms[end]) && capital(&ms[k])
                };
                if !joined {
                    break;
                }
                hangul_name |= next == Part::Name;
                end = if next == Part::Joiner { k + 1 } else { k };
            }
            let span = ms[i].start..ms[end].end;
            if plausible(&seg[span.clone()]) {
                let votes = vote(seg, ms, &parts, i, end);
                found.push(Found { field, span: segment.start + span.start..segment.start + span.end, votes });
            }
            i = end + 1;
        }
        Ok(())
    }
}

fn part(m: &Morpheme, text: &str) -> Part {
    match m.first() {
        Pos::NNP => Part::Name,
        Pos::SL => Part::Latin,
        Pos::SN => Part::Digit,
        Pos::NNG if m.known => Part::Noun,
        Pos::SY if matches!(text, "-" | "." | "&" | "+") => Part::Joiner,
        // ko-dic's unknown Hangul words: new names more often than not.
        Pos::Unknown if !m.known && text.chars().count() >= 2 && text.chars().all(is_hangul) => Part::Name,
        _ => Part::Other,
    }
}

fn is_hangul(c: char) -> bool {
    script(c) == Script::Hangul
}

/// Whether a run of Latin letters (and digits) is a name rather than a common acronym.
fn latin_name(run: &str) -> bool {
    let kept = crate::normalize::normalize_keep_case(run);
    kept.chars().any(|c| c.is_uppercase()) && !COMMON_LATIN.contains(&kept.to_lowercase().as_str())
}

/// Whether a joined run can be a name at all.
fn plausible(name: &str) -> bool {
    let chars = name.chars().count();
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    if chars < 2 || letters == 0 || chars > 40 {
        return false;
    }
    // Common acronyms and words of Korean news written in Latin letters, not names; and
    // lower-case Latin is prose (a quoted English phrase), not a name.
    if !name.chars().any(is_hangul) {
        let kept = crate::normalize::normalize_keep_case(name);
        let lower_only = kept.chars().any(|c| c.is_ascii_alphabetic()) && !kept.chars().any(|c| c.is_ascii_uppercase());
        if letters < 2 || lower_only || COMMON_LATIN.contains(&kept.to_lowercase().as_str()) {
            return false;
        }
    }
    true
}

const COMMON_LATIN: &[&str] = &[
    "ai", "ceo", "cfo", "cto", "coo", "cio", "it", "ict", "gpu", "cpu", "npu", "tpu", "llm", "slm", "api", "os", "pc",
    "tv", "sw", "hw", "iot", "ipo", "esg", "vr", "ar", "xr", "mr", "ui", "ux", "usb", "led", "oled", "lcd", "dram",
    "nand", "ssd", "hbm", "lte", "gdp", "cpi", "sns", "ott", "b2b", "b2c", "saas", "paas", "iaas", "mou", "r&d", "m&a",
    "pd", "dj", "mc", "cg", "km", "kg", "cm", "mm", "kwh", "mw", "gw", "tb", "gb", "mb", "kb", "am", "pm", "no", "vs",
    "etc", "the", "and", "of", "in", "on", "for", "with", "by", "to", "is", "co", "inc", "ltd", "corp", "news", "q&a",
    "faq", "pdf", "app", "web", "data", "cloud", "chip", "model", "service", "open", "new", "best", "top", "big", "dx",
    "ax", "gx", "ip", "id", "ok", "ag", "pr", "hr", "cs", "qa", "kpi", "roi", "rpa", "ml", "dl", "nlp", "gen", "genai",
    "agi", "ev", "ess", "smr", "rf", "5g", "6g", "3d", "2d", "4k", "8k",
];

/// Cut a field into lines, and long lines into pieces at spaces, for analysis.
fn segments(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let line_end = line_start + line.len();
        let mut start = line_start;
        while line_end - start > MAX_SEGMENT {
            // The last character boundary within the limit, then the last space before it
            // (a spaceless run is cut at the boundary).
            let mut limit = start + MAX_SEGMENT;
            while !text.is_char_boundary(limit) {
                limit -= 1;
            }
            let cut = match text[start..limit].rfind(char::is_whitespace) {
                Some(c) if c > 0 => start + c,
                _ => limit,
            };
            out.push(start..cut);
            start = cut;
        }
        out.push(start..line_end);
        line_start = line_end;
    }
    out.retain(|r| text[r.clone()].chars().any(|c| !c.is_whitespace()));
    out
}

/// Person titles, after a name (`정신아 대표`) or before it (`CEO 샘 올트먼` is rarer).
const PERSON_CUES: &str = "대표 대표이사 회장 부회장 사장 부사장 전무 상무 이사 장관 차관 의원 대통령 총리 \
    위원장 교수 씨 감독 선수 기자 대변인 원장 총장 본부장 센터장 소장 창업자 변호사 박사 작가 최고경영자 CEO \
    CTO CFO COO 의장 시장 지사 군수 구청장 대사 총재 부총리 단장 팀장 실장 국장 처장 청장 연구원장 CSO CPO \
    CAIO";
/// Words attached to a name that make it a place (`부산시`, `강남구`).
const PLACE_SUFFIXES: &str = "시 구 군 도 동 읍 면 주 특별시 광역시 성 현";
/// Words after a name that say place.
const PLACE_CUES: &str = "지역 일대 시내 현지 정부 당국 주민";
/// Words attached to or after a name that say company.
const COMPANY_CUES: &str =
    "社 그룹 주식회사 기업 회사 업체 스타트업 계열사 자회사 주가 매출 실적 지분 법인 Inc Corp Ltd Co";
/// Last Latin words that say company (`Perplexity AI`, `Anthropic PBC`).
const COMPANY_ENDINGS: &str = "ai labs lab inc corp technologies systems group ltd pbc";
/// Words attached to or after a name that say organization.
const ORGANIZATION_CUES: &str =
    "위원회 연구소 연구원 재단 협회 학회 대학교 대학 병원 공사 공단 진흥원 센터 부처 기관 노조 정당 당";
/// Words after a name that say product or model.
const PRODUCT_CUES: &str = "모델 서비스 앱 플랫폼 기반 버전 칩 시리즈 제품 출시 신모델";

/// Whether `word` is one of the space-separated words of `list`.
fn listed(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|w| w == word)
}

/// The votes of the words around the name `ms[first..=last]` of `seg`.
fn vote(seg: &str, ms: &[Morpheme], parts: &[Part], first: usize, last: usize) -> Votes {
    let mut votes = Votes::default();
    // ko-dic's classes describe the morpheme: they say little about a longer name built on
    // it (퓨리 is a given name, 퓨리오사AI is not a person).
    let pure = parts[first..=last].iter().all(|&p| p == Part::Name);
    let semantic = |class: &str| pure && ms[first..=last].iter().any(|m| m.semantic.as_deref() == Some(class));
    if semantic("인명") {
        votes.add(Kind::Person, 2, "인명");
    } else if semantic("지명") {
        votes.add(Kind::Place, 2, "지명");
    }
    let name = &seg[ms[first].start..ms[last].end];
    // A last Latin word such as AI or Labs after the rest of a name: Perplexity AI, 퓨리오사AI.
    let last_word = &seg[ms[last].start..ms[last].end];
    if last > first && parts[last] == Part::Latin && listed(COMPANY_ENDINGS, &last_word.to_ascii_lowercase()) {
        votes.add(Kind::Company, 1, last_word);
    }
    // How the name ends: 상무부, 신한은행, 서울시청.
    if let Some(kind) = name_ending(name) {
        votes.add(kind.0, 3, kind.1);
    }
    // The word right after: attached to the name (부산시, 애플社) or the next word (정신아 대표),
    // as a word of its own (대표는, not 대표성).
    if let Some(next) = ms.get(last + 1) {
        let attached = next.start == ms[last].end;
        let text = &seg[next.start..next.end];
        let ends_word = ms.get(last + 2).is_none_or(|after| {
            after.start > next.end
                || after.first().is_particle()
                || after.first().is_ending()
                || after.first() == Pos::VCP
        });
        let next_word_follows = !attached && ends_word && seg[ms[last].end..next.start].chars().all(|c| c == ' ');
        if attached && listed(PLACE_SUFFIXES, text) && parts[last] == Part::Name && !next.first().is_particle() {
            votes.add(Kind::Place, 1, text);
        }
        if attached || next_word_follows {
            if listed(PERSON_CUES, text) {
                // `정신아 카카오 대표`: the title after a name that follows another name
                // belongs to the first; the second is where that person works.
                let after_name = first > 0 && parts[first - 1] == Part::Name && ms[first - 1].end < ms[first].start;
                if after_name {
                    votes.add(Kind::Company, 1, text);
                } else {
                    votes.add(Kind::Person, if text == "씨" { 2 } else { 1 }, text);
                }
            } else if listed(COMPANY_CUES, text) {
                votes.add(Kind::Company, 1, text);
            } else if listed(ORGANIZATION_CUES, text) {
                votes.add(Kind::Organization, 1, text);
            } else if listed(PRODUCT_CUES, text) {
                votes.add(Kind::Product, 1, text);
            } else if !attached && listed(PLACE_CUES, text) {
                votes.add(Kind::Place, 1, text);
            }
        }
    }
    // A title before the name: `CEO 샘 올트먼`, `장관 후보자` is rarer but `대표 정신아` occurs.
    if first > 0 {
        let prev = &ms[first - 1];
        let between = &seg[prev.end..ms[first].start];
        if between == " " && matches!(&seg[prev.start..prev.end], "CEO" | "회장" | "대표" | "장관" | "의원") {
            votes.add(Kind::Person, 1, &seg[prev.start..prev.end]);
        }
    }
    votes
}

/// Name endings that tell the type: (ending, kind, least characters of the whole name).
const NAME_ENDINGS: &[(&str, Kind, usize)] = &[
    ("위원회", Kind::Organization, 4),
    ("연구소", Kind::Organization, 4),
    ("연구원", Kind::Organization, 4),
    ("진흥원", Kind::Organization, 4),
    ("대학교", Kind::Organization, 4),
    ("재단", Kind::Organization, 3),
    ("협회", Kind::Organization, 3),
    ("학회", Kind::Organization, 3),
    ("공사", Kind::Organization, 3),
    ("공단", Kind::Organization, 3),
    ("병원", Kind::Organization, 3),
    ("시청", Kind::Organization, 3),
    ("부", Kind::Organization, 3),
    ("처", Kind::Organization, 3),
    ("청", Kind::Organization, 3),
    ("그룹", Kind::Company, 3),
    ("전자", Kind::Company, 3),
    ("은행", Kind::Company, 3),
    ("증권", Kind::Company, 3),
    ("텔레콤", Kind::Company, 4),
    ("건설", Kind::Company, 3),
    ("제약", Kind::Company, 3),
    ("바이오", Kind::Company, 4),
];

fn name_ending(name: &str) -> Option<(Kind, &'static str)> {
    let chars = name.chars().filter(|c| !c.is_whitespace()).count();
    NAME_ENDINGS.iter().find(|(end, _, min)| chars >= *min && name.ends_with(end)).map(|&(end, kind, _)| (kind, end))
}

/// Keys of everything the dictionaries know: aliases, exact aliases, names and topic terms.
#[derive(Debug, Clone, Default)]
pub struct Known {
    keys: HashSet<String>,
    ids: HashSet<String>,
}

impl Known {
    /// The aliases and ids of `dict`.
    pub fn from_dictionary(dict: &Dictionary) -> Known {
        let mut known = Known::default();
        for e in dict.entities() {
            known.ids.insert(e.id.0.clone());
            for alias in e.aliases.iter().chain(&e.exact_aliases).chain(std::iter::once(&e.name)) {
                known.add_term(alias);
            }
        }
        known
    }

    /// Counts `term` (a topic term, say) as known.
    pub fn add_term(&mut self, term: &str) {
        self.keys.insert(compact_key(term));
    }

    /// Whether a name with this spelling is already covered.
    pub fn covers(&self, name: &str) -> bool {
        self.keys.contains(&compact_key(name))
    }

    /// Whether the name at `span` of `text` is the start of a known form: `소버린` in
    /// `소버린 AI 포럼` when `소버린 AI` is known.
    pub fn covers_at(&self, text: &str, span: Range<usize>) -> bool {
        let Some(rest) = text.get(span.start..) else { return false };
        let window: String = rest.chars().take(40).collect();
        let key = compact_key(&window);
        let least = compact_key(text.get(span).unwrap_or("")).chars().count().max(1);
        key.char_indices().map(|(i, c)| i + c.len_utf8()).skip(least - 1).any(|end| self.keys.contains(&key[..end]))
    }

    /// Whether an entity id is taken.
    pub fn has_id(&self, id: &str) -> bool {
        self.ids.contains(id)
    }
}

/// Options for [`Tally::proposals`].
#[derive(Debug, Clone)]
pub struct ProposalOptions {
    /// Least number of occurrences (default 2).
    pub min_count: u64,
    /// Most rows returned (0: all).
    pub top: usize,
}

impl Default for ProposalOptions {
    fn default() -> Self {
        ProposalOptions { min_count: 2, top: 0 }
    }
}

/// One proposed entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// A unique ascii slug.
    pub id: String,
    /// The guessed type (`unknown` when nothing hinted at one).
    pub kind: String,
    /// The most frequent spelling.
    pub name: String,
    /// Short all-capital Latin names (`KT`) go here, to match with this case only.
    pub exact_aliases: Vec<String>,
    /// Why the type was guessed.
    pub note: String,
    /// Occurrences.
    pub count: u64,
    /// Articles it occurs in.
    pub articles: u64,
    /// Its first occurrence with some context.
    pub example: String,
}

impl Proposal {
    /// The cells of its CSV row, in [`PROPOSAL_HEADER`] order.
    pub fn cells(&self) -> [String; 11] {
        [
            self.id.clone(),
            self.kind.clone(),
            self.name.clone(),
            String::new(),
            self.exact_aliases.join("|"),
            String::new(),
            String::new(),
            self.note.clone(),
            self.count.to_string(),
            self.articles.to_string(),
            self.example.clone(),
        ]
    }
}

#[derive(Debug, Clone, Default)]
struct Entry {
    /// Spelling → occurrences, in order of first sight.
    spellings: Vec<(String, u64)>,
    count: u64,
    articles: u64,
    last_article: u64,
    example: String,
    votes: Votes,
}

/// Names found over a corpus, by compact key; add articles in input order for stable examples.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    entries: HashMap<String, Entry>,
    articles: u64,
}

impl Tally {
    /// Adds the names found in one article.
    pub fn add(&mut self, article: &Article, found: &[Found]) {
        self.articles += 1;
        for f in found {
            let text = field_text(article, f.field);
            let Some(surface) = text.get(f.span.clone()) else { continue };
            let key = compact_key(surface);
            if key.is_empty() {
                continue;
            }
            let entry = self.entries.entry(key).or_default();
            if entry.count == 0 {
                entry.example = context(text, f.span.clone(), EXAMPLE_REACH);
            }
            entry.count += 1;
            if entry.last_article != self.articles {
                entry.last_article = self.articles;
                entry.articles += 1;
            }
            match entry.spellings.iter_mut().find(|(s, _)| s == surface) {
                Some((_, n)) => *n += 1,
                None => entry.spellings.push((surface.to_string(), 1)),
            }
            entry.votes.merge(&f.votes);
        }
    }

    /// Number of articles added.
    pub fn article_count(&self) -> u64 {
        self.articles
    }

    /// Number of distinct names (by compact key) seen.
    pub fn distinct(&self) -> usize {
        self.entries.len()
    }

    /// The names `known` does not cover, seen at least `min_count` times, most frequent first.
    pub fn proposals(&self, known: &Known, opts: &ProposalOptions) -> Vec<Proposal> {
        let mut entries: Vec<(&String, Entry)> = self.entries.iter().map(|(k, e)| (k, e.clone())).collect();
        // A name ko-dic left glued to a particle (`업스테이지는` read as one unknown word)
        // counts for its stem when the stem was seen too.
        let keys: HashSet<&str> = self.entries.keys().map(String::as_str).collect();
        let mut folded: HashMap<String, Entry> = HashMap::new();
        entries.retain(|(key, entry)| match particle_stem(key) {
            Some(stem) if keys.contains(stem) || known.keys.contains(stem) => {
                if !known.keys.contains(stem) {
                    let into = folded.entry(stem.to_string()).or_default();
                    into.count += entry.count;
                    into.articles += entry.articles;
                    into.votes.merge(&entry.votes);
                }
                false
            }
            _ => true,
        });
        for (key, entry) in &mut entries {
            if let Some(extra) = folded.get(key.as_str()) {
                entry.count += extra.count;
                entry.articles = (entry.articles + extra.articles).min(self.articles);
                entry.votes.merge(&extra.votes);
            }
        }
        let mut rows: Vec<(&String, Entry, String)> = entries
            .into_iter()
            .filter(|(key, e)| e.count >= opts.min_count.max(1) && !known.keys.contains(key.as_str()))
            .map(|(key, e)| {
                // Full-width Ｇｏｏｇｌｅ is written Google: the dictionary matches both.
                let name = e
                    .spellings
                    .iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|s| crate::normalize::normalize_keep_case(&s.0));
                (key, e, name.unwrap_or_default())
            })
            .collect();
        rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(b.1.articles.cmp(&a.1.articles)).then(a.2.cmp(&b.2)));
        if opts.top > 0 {
            rows.truncate(opts.top);
        }
        // Ids are given in name order, so a name keeps its id however the counts move.
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| rows[a].2.cmp(&rows[b].2));
        let mut ids = vec![String::new(); rows.len()];
        let mut taken: HashSet<String> = HashSet::new();
        for i in order {
            let base = slug(&rows[i].2);
            let mut id = base.clone();
            let mut n = 2;
            while taken.contains(&id) || known.has_id(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            taken.insert(id.clone());
            ids[i] = id;
        }
        rows.into_iter()
            .zip(ids)
            .map(|((_, e, name), id)| {
                let kind = e.votes.winner();
                let mut reasons = e.votes.reasons.clone();
                reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let why: Vec<String> = reasons.iter().take(4).map(|(r, n)| format!("{r}×{n}")).collect();
                let note = match kind {
                    Some(_) => format!("discovered; type from {}", why.join(" ")),
                    None => "discovered; no type cue, review the type".to_string(),
                };
                let exact =
                    name.chars().count() <= 3 && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
                Proposal {
                    id,
                    kind: kind.map_or("unknown", Kind::as_str).to_string(),
                    exact_aliases: if exact { vec![name.clone()] } else { Vec::new() },
                    name,
                    note,
                    count: e.count,
                    articles: e.articles,
                    example: e.example,
                }
            })
            .collect()
    }
}

/// Common particles a name may stay glued to in an unknown-word reading.
const PARTICLES: &str = "에서는 에서 으로는 으로 에게 와의 과의 까지 부터 처럼 보다 이라는 라는 이다 은 는 이 \
    가 을 를 의 와 과 에 로 도 만";

/// The key without a trailing particle, when at least two syllables remain.
fn particle_stem(key: &str) -> Option<&str> {
    if !key.chars().last().is_some_and(is_hangul) {
        return None;
    }
    PARTICLES.split_ascii_whitespace().find_map(|p| {
        let stem = key.strip_suffix(p)?;
        (stem.chars().count() >= 2).then_some(stem)
    })
}

/// A stable ascii id for `name`: Hangul romanized (Revised Romanization), Latin letters and
/// digits lower-cased, anything else a `-`.
///
/// ```
/// assert_eq!(hantag::discover::slug("퓨리오사AI"), "pyuriosa-ai");
/// assert_eq!(hantag::discover::slug("HyperCLOVA X"), "hyperclova-x");
/// ```
pub fn slug(name: &str) -> String {
    // 0: separator, 1: Hangul syllable, 2: ascii letter or digit.
    let class = |c: char| match c {
        '\u{AC00}'..='\u{D7A3}' => 1u8,
        c if c.is_ascii_alphanumeric() => 2,
        _ => 0,
    };
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut word_class = 0u8;
    // NFKC first, so full-width Ｇｏｏｇｌｅ is google.
    for c in crate::normalize::normalize_key(name).chars() {
        let k = class(c);
        if k != word_class && !word.is_empty() {
            words.push(if word_class == 1 { romanize(&word) } else { word.to_ascii_lowercase() });
            word.clear();
        }
        if k != 0 {
            word.push(c);
        }
        word_class = k;
    }
    if !word.is_empty() {
        words.push(if word_class == 1 { romanize(&word) } else { word.to_ascii_lowercase() });
    }
    if words.is_empty() {
        "entity".to_string()
    } else {
        words.join("-")
    }
}

const INITIALS: [&str; 19] =
    ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"];
const MEDIALS: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu",
    "ui", "i",
];
const FINALS: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t",
    "t", "k", "t", "p", "t",
];
/// A final consonant carried over to a following silent ㅇ (`한국어` → hangugeo).
const LINKED: [&str; 28] = [
    "", "g", "kk", "ks", "n", "nj", "n", "d", "r", "lg", "lm", "lb", "ls", "lt", "lp", "r", "m", "b", "bs", "s", "ss",
    "ng", "j", "ch", "k", "t", "p", "",
];

/// Hangul syllables in the Revised Romanization (without the sound changes beyond liaison
/// and ㄹㄹ); other characters are kept.
///
/// ```
/// assert_eq!(hantag::discover::romanize("하이퍼클로바"), "haipeokeulloba");
/// assert_eq!(hantag::discover::romanize("한국어"), "hangugeo");
/// ```
pub fn romanize(text: &str) -> String {
    let jamo = |c: char| -> Option<(usize, usize, usize)> {
        let s = (c as u32).checked_sub(0xAC00)?;
        (s < 11172).then_some(((s / 588) as usize, ((s % 588) / 28) as usize, (s % 28) as usize))
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut carried = false; // the previous final was already written as this initial
    for (i, &c) in chars.iter().enumerate() {
        let Some((ini, med, fin)) = jamo(c) else {
            out.push(c);
            carried = false;
            continue;
        };
        if !carried {
            out.push_str(INITIALS[ini]);
        }
        out.push_str(MEDIALS[med]);
        carried = false;
        let next = chars.get(i + 1).and_then(|&n| jamo(n));
        match next {
            // Liaison: the final sounds as the next syllable's initial.
            Some((11, _, _)) if fin != 0 && fin != 21 => {
                out.push_str(LINKED[fin]);
            }
            // ㄹ before ㄹ or ㄴ, and ㄴ before ㄹ, are written ll.
            Some((5, _, _)) | Some((2, _, _)) if fin == 8 => {
                out.push_str("ll");
                carried = true;
            }
            Some((5, _, _)) if fin == 4 => {
                out.push_str("ll");
                carried = true;
            }
            _ => out.push_str(FINALS[fin]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn romanizes_names() {
        assert_eq!(romanize("하이퍼클로바"), "haipeokeulloba");
        assert_eq!(romanize("업스테이지"), "eopseuteiji");
        assert_eq!(romanize("리벨리온"), "ribellion");
        assert_eq!(romanize("신라"), "silla");
        assert_eq!(romanize("정신아"), "jeongsina");
        assert_eq!(romanize("서울"), "seoul");
        assert_eq!(romanize("영어"), "yeongeo");
    }

    #[test]
    fn slugs_are_ascii_and_stable() {
        assert_eq!(slug("퓨리오사AI"), "pyuriosa-ai");
        assert_eq!(slug("HyperCLOVA X"), "hyperclova-x");
        assert_eq!(slug("GPT-4o"), "gpt-4o");
        assert_eq!(slug("애플社"), "aepeul");
        assert_eq!(slug("社"), "entity");
        assert_eq!(slug("딥시크"), slug("딥시크"));
        for name in ["AT&T", "카카오 브레인", "Ｇｏｏｇｌｅ", "x", "—"] {
            let s = slug(name);
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{s}");
            assert!(!s.is_empty() && !s.starts_with('-') && !s.ends_with('-'), "{s}");
        }
    }

    #[test]
    fn segments_cover_long_lines_without_spaces() {
        let text = "가".repeat(3000);
        let segs = segments(&text);
        assert!(segs.len() >= 2);
        assert_eq!(segs.first().unwrap().start, 0);
        assert_eq!(segs.last().unwrap().end, text.len());
        assert!(segments(" \n \n").is_empty());
    }

    #[test]
    fn particle_stems() {
        assert_eq!(particle_stem("업스테이지는"), Some("업스테이지"));
        assert_eq!(particle_stem("카나"), None);
        assert_eq!(particle_stem("openai"), None);
    }

    #[test]
    fn finds_joined_names_with_types() {
        let finder = Finder::new().unwrap();
        let mut w = finder.worker();
        let article = Article::new(
            "a",
            "퓨리오사AI, HyperCLOVA X 공개",
            "정신아 대표는 부산시에서 DeepSeek 모델과 GPT-4 를 비교했다.",
        );
        let found = w.find(&article).unwrap();
        let names: Vec<&str> = found.iter().map(|f| &field_text(&article, f.field)[f.span.clone()]).collect();
        for want in ["퓨리오사AI", "HyperCLOVA X", "DeepSeek", "GPT-4"] {
            assert!(names.contains(&want), "{want} not in {names:?}");
        }
        let at = |f: &&Found| &field_text(&article, f.field)[f.span.clone()];
        let deepseek = found.iter().find(|f| at(f) == "DeepSeek").unwrap();
        assert_eq!(deepseek.votes.winner(), Some(Kind::Product), "{deepseek:?}");
        assert!(!names.contains(&"AI"), "{names:?}");
    }
}

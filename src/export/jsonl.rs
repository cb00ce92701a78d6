//! `articles.jsonl`: one object per input record.
//!
//! Fields (a contract; more may be added): `id`, `source`, `line` (for records of JSONL/CSV
//! files), `title`, `date`, `url`, `entities` (`id`, `name`, `type`, `count`, `mentions`
//! with `field`, `start`, `end`, `text`, `alias`), `topics` (`id`, `name`, `score`,
//! `evidence` with `term`, `count`), `errors`.
//!
//! The JSON is written by hand, byte for byte what `serde_json::to_writer` gives for the
//! equivalent structs (the test module keeps those structs as the oracle): `line` and `url`
//! are left out when absent, other absent values are `null`, strings are escaped as
//! serde_json's compact formatter escapes them, and scores are formatted by serde_json itself.
//!
//! The fixed text between two values is written as one piece, quotes included: the closing
//! quote of `id`, the key `source` and the opening quote of its value are one copy.

use super::{char_offsets_into, Outcome};
use crate::tagger::{Field, Mention, Tagger};

/// What [`render_with`] keeps from one record to the next within a run of records: the
/// escaped `source` (the same for every record of a file, so escaped once per file and run
/// rather than once per line) and the buffer for the mentions' character offsets.
#[derive(Debug, Default)]
pub struct RunCache {
    /// The `source` last written, and its escaped form (without quotes); both empty at first,
    /// which is right too: the empty string escapes to nothing.
    source: String,
    escaped_source: Vec<u8>,
    /// Character offsets of the mentions of the record being rendered.
    offsets: Vec<(usize, usize)>,
}

impl RunCache {
    /// Appends `source` escaped (without quotes), escaping it only when it differs from the
    /// previous record's.
    fn write_source(&mut self, out: &mut Vec<u8>, source: &str) {
        if self.source != source {
            self.source.clear();
            self.source.push_str(source);
            self.escaped_source.clear();
            write_escaped(&mut self.escaped_source, source);
        }
        out.extend_from_slice(&self.escaped_source);
    }
}

/// Appends the JSONL line (with its newline) for one outcome to `out`.
///
/// For a run of records, [`render_with`] and one [`RunCache`] for the run save some work.
pub fn render(tagger: &Tagger, outcome: &Outcome, out: &mut Vec<u8>) {
    render_with(tagger, outcome, &mut RunCache::default(), out);
}

/// Appends the JSONL line (with its newline) for one outcome to `out`, reusing what `cache`
/// kept from the records rendered before with it. The output is the same as [`render`]'s.
pub fn render_with(tagger: &Tagger, outcome: &Outcome, cache: &mut RunCache, out: &mut Vec<u8>) {
    match outcome {
        Outcome::Failed(err) => {
            out.extend_from_slice(b"{\"id\":null,\"source\":\"");
            cache.write_source(out, &err.source);
            out.push(b'"');
            if let (Some(line), false) = (err.line, err.source == "-") {
                out.extend_from_slice(b",\"line\":");
                write_uint(out, line);
            }
            out.extend_from_slice(b",\"title\":null,\"date\":null,\"entities\":[],\"topics\":[],\"errors\":[\"");
            write_escaped(out, &err.message);
            out.extend_from_slice(b"\"]}\n");
        }
        Outcome::Tagged(article, tagged) => {
            tagged.prefetch_labels();
            let mentions = tagged.mentions();
            let topics = tagged.topics();
            // No `reserve` for the line: the buffer grows by doubling, and the sinks reserve
            // room for a whole run of lines at its start.
            out.extend_from_slice(b"{\"id\":\"");
            write_escaped(out, &article.id);
            out.extend_from_slice(b"\",\"source\":\"");
            cache.write_source(out, &article.source);
            out.extend_from_slice(b"\",\"title\":\"");
            write_escaped(out, &article.title);
            out.extend_from_slice(b"\",\"date\":");
            match &article.date {
                Some(date) => write_str(out, date),
                None => out.extend_from_slice(b"null"),
            }
            if let Some(url) = &article.url {
                out.extend_from_slice(b",\"url\":\"");
                write_escaped(out, url);
                out.push(b'"');
            }

            out.extend_from_slice(b",\"entities\":[");
            char_offsets_into(article, mentions, &mut cache.offsets);
            let offsets = &cache.offsets;
            // Entities in order of first mention, each with its mentions in order: the group
            // of mention `i` is written when `i` is its entity's first mention.
            let mut seen = Seen::default();
            for (i, first) in mentions.iter().enumerate() {
                if !seen.insert(first.entity) {
                    continue;
                }
                if seen.len() > 1 {
                    out.push(b',');
                }
                let group = || mentions[i..].iter().enumerate().filter(|(_, m)| m.entity == first.entity);
                let e = tagged.label(first);
                out.extend_from_slice(b"{\"id\":\"");
                write_escaped(out, e.id);
                out.extend_from_slice(b"\",\"name\":\"");
                write_escaped(out, e.name);
                out.extend_from_slice(b"\",\"type\":\"");
                write_escaped(out, e.kind);
                out.extend_from_slice(b"\",\"count\":");
                write_uint(out, group().count() as u64);
                out.extend_from_slice(b",\"mentions\":[");
                for (n, (j, m)) in group().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    let (start, end) = offsets[i + j];
                    write_mention(tagger, article, m, start, end, out);
                }
                out.extend_from_slice(b"]}");
            }

            out.extend_from_slice(b"],\"topics\":[");
            for (n, t) in topics.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"id\":\"");
                write_escaped(out, &t.id.0);
                out.extend_from_slice(b"\",\"name\":\"");
                write_escaped(out, &t.name);
                out.extend_from_slice(b"\",\"score\":");
                // serde_json's own float formatting (and `null` for NaN and infinities).
                serde_json::to_writer(&mut *out, &t.score).expect("serializing a number to memory");
                out.extend_from_slice(b",\"evidence\":[");
                for (k, e) in t.evidence.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"{\"term\":\"");
                    write_escaped(out, &e.term);
                    out.extend_from_slice(b"\",\"count\":");
                    write_uint(out, u64::from(e.count));
                    out.push(b'}');
                }
                out.extend_from_slice(b"]}");
            }
            out.extend_from_slice(b"],\"errors\":[]}\n");
        }
    }
}

/// One element of an entity's `mentions`.
fn write_mention(
    tagger: &Tagger,
    article: &crate::input::Article,
    m: &Mention,
    start: usize,
    end: usize,
    out: &mut Vec<u8>,
) {
    // The field's name is part of a fixed piece (the match is exhaustive: a new field fails
    // to compile here rather than be written wrongly).
    out.extend_from_slice(match m.field {
        Field::Title => b"{\"field\":\"title\",\"start\":",
        Field::Body => b"{\"field\":\"body\",\"start\":",
    });
    write_uint(out, start as u64);
    out.extend_from_slice(b",\"end\":");
    write_uint(out, end as u64);
    out.extend_from_slice(b",\"text\":\"");
    write_escaped(out, m.surface(article));
    out.extend_from_slice(b"\",\"alias\":\"");
    write_escaped(out, tagger.alias_text(m.alias));
    out.extend_from_slice(b"\"}");
}

/// The entities met so far in one article: a few inline, more on the heap.
#[derive(Default)]
struct Seen {
    inline: [u32; 16],
    len: usize,
    spill: Vec<u32>,
}

impl Seen {
    /// Adds `entity`; false when it was there already.
    fn insert(&mut self, entity: u32) -> bool {
        let inline = &self.inline[..self.len.min(self.inline.len())];
        if inline.contains(&entity) || self.spill.contains(&entity) {
            return false;
        }
        if self.len < self.inline.len() {
            self.inline[self.len] = entity;
        } else {
            self.spill.push(entity);
        }
        self.len += 1;
        true
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// Appends `n` in decimal, as serde_json writes integers. Counts and character offsets are
/// mostly one or two digits: those are written inline, longer numbers by [`write_long_uint`].
#[inline(always)]
fn write_uint(out: &mut Vec<u8>, n: u64) {
    if n < 10 {
        out.push(b'0' + n as u8);
    } else if n < 100 {
        out.extend_from_slice(&[b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
    } else {
        write_long_uint(out, n);
    }
}

/// [`write_uint`] for any number.
#[inline(never)]
fn write_long_uint(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// For each byte, 0 when it is copied as is, otherwise the letter after the backslash of its
/// escape (`u` for `\u00XX`): serde_json's table.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0A] = b'n';
    table[0x0C] = b'f';
    table[0x0D] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends `s` as a JSON string: quotes around [`write_escaped`].
fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_escaped(out, s);
    out.push(b'"');
}

/// Appends `s` escaped exactly as serde_json's compact formatter escapes the inside of a
/// string: `"` and `\` with a backslash, `\b \t \n \f \r` by letter, other bytes below 0x20
/// as `\u00XX` (lowercase hex), everything else as it is. Most strings need no escape at all:
/// one scan finds that out and they are copied in one piece; that much is inlined where a
/// string is written, the rest is not.
#[inline(always)]
fn write_escaped(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    match find_escape(bytes) {
        None => out.extend_from_slice(bytes),
        Some(at) => write_escaped_from(out, bytes, at),
    }
}

/// [`write_escaped`] of `bytes`, whose first byte to escape is at `at`.
#[inline(never)]
fn write_escaped_from(out: &mut Vec<u8>, bytes: &[u8], mut at: usize) {
    let mut rest = bytes;
    loop {
        out.extend_from_slice(&rest[..at]);
        let byte = rest[at];
        match ESCAPE[byte as usize] {
            b'u' => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(byte >> 4) as usize],
                    HEX[(byte & 0xF) as usize],
                ]);
            }
            letter => out.extend_from_slice(&[b'\\', letter]),
        }
        rest = &rest[at + 1..];
        match find_escape(rest) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.extend_from_slice(rest);
}

/// The index of the first byte of `bytes` that needs an escape (below 0x20, `"` or `\`). The
/// JSONL reader finds the end of a string with it too (`input::PlainLine`). On x86-64, 16 bytes
/// at a time with SSE2 (part of every x86-64 CPU), the last ones as the string's last 16,
/// which overlap bytes already found clean; strings shorter than that, and other targets, go
/// by [`find_escape_words`].
#[inline]
pub(crate) fn find_escape(bytes: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= 16 {
        // SAFETY: SSE2 is part of x86-64, so every CPU this runs on has it.
        return unsafe { find_escape_sse2(bytes) };
    }
    find_escape_words(bytes)
}

/// [`find_escape`] of at least 16 bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn find_escape_sse2(bytes: &[u8]) -> Option<usize> {
    use crate::simd::{at_most, bits, equal, load};
    use core::arch::x86_64::_mm_or_si128;
    let hits = |at: usize| {
        let v = load(&bytes[at..]);
        bits(_mm_or_si128(at_most(v, 0x1F), _mm_or_si128(equal(v, b'"'), equal(v, b'\\'))))
    };
    let mut at = 0;
    while at + 16 <= bytes.len() {
        let found = hits(at);
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize);
        }
        at += 16;
    }
    if at == bytes.len() {
        return None;
    }
    // The bytes of the last 16 before `at` are clean: its first flagged byte is the first.
    let last = bytes.len() - 16;
    let found = hits(last);
    (found != 0).then(|| last + found.trailing_zeros() as usize)
}

/// [`find_escape`] eight bytes at a time, as bit tricks on a `u64` (two words per step, then
/// a word): on Korean text (all bytes ≥ 0x80) this beats a table lookup per byte. The last
/// bytes, fewer than a word, are checked as the string's last word, which overlaps bytes
/// already found clean; only strings shorter than a word go a byte at a time.
#[inline]
fn find_escape_words(bytes: &[u8]) -> Option<usize> {
    let mut pairs = bytes.chunks_exact(16);
    let mut at = 0;
    for pair in pairs.by_ref() {
        let (low, high) = (escape_hits(&pair[..8]), escape_hits(&pair[8..]));
        if low | high != 0 {
            return Some(at + if low != 0 { first_hit(low) } else { 8 + first_hit(high) });
        }
        at += 16;
    }
    let rest = pairs.remainder();
    if rest.len() >= 8 {
        let hits = escape_hits(&rest[..8]);
        if hits != 0 {
            return Some(at + first_hit(hits));
        }
        at += 8;
    }
    if at == bytes.len() {
        return None;
    }
    if bytes.len() >= 8 {
        // The bytes of this word before `at` are clean, so they flag nothing and pass no
        // borrow up: its first flagged byte is the first to escape.
        let last = bytes.len() - 8;
        let hits = escape_hits(&bytes[last..]);
        return (hits != 0).then(|| last + first_hit(hits));
    }
    bytes.iter().position(|&b| ESCAPE[b as usize] != 0)
}

/// For the eight bytes of `word`, the high bit of each byte set where it is below 0x20, `"` or
/// `\`, in the order of the bytes (little-endian). Each of the three tests is exact in its
/// lowest flagged byte (a borrow only runs upwards from a true hit), so the lowest flagged
/// byte of their union is the first byte to escape. `"` and `\` are below 0x80, so a byte
/// with its high bit set is never flagged, whichever test: the `& !w` is shared.
#[inline(always)]
fn escape_hits(word: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
    let quote = w ^ (ONES * b'"' as u64);
    let backslash = w ^ (ONES * b'\\' as u64);
    (w.wrapping_sub(ONES * 0x20) | quote.wrapping_sub(ONES) | backslash.wrapping_sub(ONES)) & !w & HIGH
}

/// The index of the byte of the lowest flag in `hits` (not 0) of [`escape_hits`].
#[inline(always)]
fn first_hit(hits: u64) -> usize {
    (hits.trailing_zeros() / 8) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::field_text;
    use crate::input::{Article, InputError};
    use crate::Dictionary;
    use proptest::prelude::*;
    use serde::Serialize;
    use std::sync::OnceLock;

    // -----------------------------------------------------------------------------------------
    // The oracle: the struct-based renderer this module had before, serialized by serde_json.

    #[derive(Serialize)]
    struct ArticleRecord<'a> {
        id: Option<&'a str>,
        source: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        line: Option<u64>,
        title: Option<&'a str>,
        date: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<&'a str>,
        entities: Vec<EntityRecord<'a>>,
        topics: Vec<TopicRecord<'a>>,
        errors: Vec<String>,
    }

    #[derive(Serialize)]
    struct EntityRecord<'a> {
        id: &'a str,
        name: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        count: usize,
        mentions: Vec<MentionRecord<'a>>,
    }

    #[derive(Serialize)]
    struct MentionRecord<'a> {
        field: &'static str,
        start: usize,
        end: usize,
        text: &'a str,
        alias: &'a str,
    }

    #[derive(Serialize)]
    struct TopicRecord<'a> {
        id: &'a str,
        name: &'a str,
        score: f64,
        evidence: Vec<EvidenceRecord<'a>>,
    }

    #[derive(Serialize)]
    struct EvidenceRecord<'a> {
        term: &'a str,
        count: u32,
    }

    fn reference_render(tagger: &Tagger, outcome: &Outcome, out: &mut Vec<u8>) {
        let record = match outcome {
            Outcome::Failed(err) => ArticleRecord {
                id: None,
                source: &err.source,
                line: if err.source == "-" { None } else { err.line },
                title: None,
                date: None,
                url: None,
                entities: Vec::new(),
                topics: Vec::new(),
                errors: vec![err.message.clone()],
            },
            Outcome::Tagged(article, tagged) => {
                let mut entities: Vec<EntityRecord> = Vec::new();
                let mut index: Vec<(u32, usize)> = Vec::new();
                for m in tagged.mentions() {
                    // Character offsets the plain way, counted from the start of the field.
                    let field = field_text(article, m.field);
                    let start = field[..m.span.start].chars().count();
                    let end = start + field[m.span.clone()].chars().count();
                    let slot = match index.iter().find(|(e, _)| *e == m.entity) {
                        Some(&(_, slot)) => slot,
                        None => {
                            let e = tagged.entity(m);
                            entities.push(EntityRecord {
                                id: &e.id.0,
                                name: &e.name,
                                kind: &e.kind,
                                count: 0,
                                mentions: Vec::new(),
                            });
                            index.push((m.entity, entities.len() - 1));
                            entities.len() - 1
                        }
                    };
                    let entity = &mut entities[slot];
                    entity.count += 1;
                    entity.mentions.push(MentionRecord {
                        field: m.field.as_str(),
                        start,
                        end,
                        text: m.surface(article),
                        alias: tagger.alias_text(m.alias),
                    });
                }
                let topics = tagged
                    .topics()
                    .iter()
                    .map(|t| TopicRecord {
                        id: &t.id.0,
                        name: &t.name,
                        score: t.score,
                        evidence: t.evidence.iter().map(|e| EvidenceRecord { term: &e.term, count: e.count }).collect(),
                    })
                    .collect();
                ArticleRecord {
                    id: Some(&article.id),
                    source: &article.source,
                    line: None,
                    title: Some(&article.title),
                    date: article.date.as_deref(),
                    url: article.url.as_deref(),
                    entities,
                    topics,
                    errors: Vec::new(),
                }
            }
        };
        serde_json::to_writer(&mut *out, &record).expect("serializing a record to memory");
        out.push(b'\n');
    }

    // -----------------------------------------------------------------------------------------
    // Helpers

    fn builtin() -> &'static Tagger {
        static T: OnceLock<Tagger> = OnceLock::new();
        T.get_or_init(|| Tagger::new(Dictionary::builtin().expect("builtin dictionary")).expect("builtin tagger"))
    }

    /// Renders with both renderers (each after some earlier output, as in a batch buffer),
    /// asserts they agree and that the line is one JSON object; returns the line.
    fn check(outcome: &Outcome) -> String {
        let tagger = builtin();
        let mut new = b"previous line\n".to_vec();
        let mut old = new.clone();
        render(tagger, outcome, &mut new);
        reference_render(tagger, outcome, &mut old);
        let (new, old) = (String::from_utf8(new).unwrap(), String::from_utf8(old).unwrap());
        assert_eq!(new, old, "for {outcome:?}");
        let line = new.strip_prefix("previous line\n").unwrap();
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1, "{line:?}");
        let value: serde_json::Value = serde_json::from_str(line).expect("output parses");
        assert!(value.is_object());
        line.to_string()
    }

    fn tagged(article: Article) -> Outcome {
        let tagged = builtin().tag(&article).expect("tagging");
        Outcome::Tagged(article, tagged)
    }

    fn failed(source: &str, line: Option<u64>, message: &str) -> Outcome {
        Outcome::Failed(InputError { source: source.into(), line, message: message.into() })
    }

    /// Every byte that needs an escape, and a few around them that do not.
    fn hostile() -> String {
        let mut s: String = (0u8..0x20).map(char::from).collect();
        s.push_str("\"\\/\u{7f}\u{80}\u{a0}\u{2028}\u{2029}\u{feff}😀👩‍👩‍👧 한국어 '<>&");
        s
    }

    // -----------------------------------------------------------------------------------------
    // Tests

    #[test]
    fn failed_outcomes_match_the_oracle() {
        let with_line = check(&failed("news/a.jsonl", Some(12), "invalid JSON: expected value"));
        assert_eq!(
            with_line,
            "{\"id\":null,\"source\":\"news/a.jsonl\",\"line\":12,\"title\":null,\"date\":null,\
             \"entities\":[],\"topics\":[],\"errors\":[\"invalid JSON: expected value\"]}\n"
        );
        // stdin never reports a line; neither does a file-level error.
        let stdin = check(&failed("-", Some(3), "bad record"));
        assert!(!stdin.contains("\"line\""), "{stdin}");
        check(&failed("-", None, "bad record"));
        check(&failed("dir/없는 파일.txt", None, "cannot read: 권한 없음"));
        check(&failed(&hostile(), Some(u64::MAX), &hostile()));
        check(&failed("", Some(0), ""));
    }

    #[test]
    fn tagged_outcomes_match_the_oracle() {
        let body = "삼성전자와 네이버가 협력한다. 네이버는 \"AI\" 반도체에 투자하고, 삼성전자는 \
                    SK하이닉스와 경쟁한다.\r\n\t현대자동차\\기아는 서울에서 발표했다. 😀 네이버";
        let mut article = Article::new("a\"1\\", "삼성전자, 네이버와 \"AI 동맹\"\n", body);
        article.source = "뉴스/2024\\01.jsonl".into();
        article.date = Some("2024-01-02T03:04:05+09:00".into());
        article.url = Some("https://example.com/a?b=\"c\"&d=\\e".into());
        let line = check(&tagged(article.clone()));
        assert!(line.contains("\"entities\":[{"), "the article should mention entities: {line}");
        assert!(line.contains("\"url\":"), "{line}");

        // No date (null) and no URL (left out).
        article.date = None;
        article.url = None;
        let line = check(&tagged(article.clone()));
        assert!(line.contains("\"date\":null") && !line.contains("\"url\""), "{line}");

        // Control bytes, DEL, emoji and Korean in every string field.
        let h = hostile();
        let mut hostile_article =
            Article::new(format!("{h}id"), format!("{h}삼성전자{h}"), format!("네이버{h}카카오 {h} 삼성전자"));
        hostile_article.source = h.clone();
        hostile_article.date = Some(h.clone());
        hostile_article.url = Some(h.clone());
        check(&tagged(hostile_article));

        // Nothing found, empty fields.
        check(&tagged(Article::new("", "", "")));
        check(&tagged(Article::new("x", "제목", "아무 것도 없는 본문")));
    }

    #[test]
    fn many_entities_spill_and_keep_first_mention_order() {
        // More distinct entities than `Seen` keeps inline, mentioned in interleaved order.
        let names = [
            "삼성전자",
            "네이버",
            "카카오",
            "SK하이닉스",
            "현대자동차",
            "LG전자",
            "서울",
            "부산",
            "미국",
            "중국",
            "일본",
            "애플",
            "구글",
            "마이크로소프트",
            "엔비디아",
            "아마존",
            "테슬라",
            "인텔",
            "한국은행",
            "국민연금",
            "기아",
            "포스코",
        ];
        let mut body = String::new();
        for round in 0..3 {
            for (i, name) in names.iter().enumerate() {
                if (i + round) % 3 != 0 {
                    body.push_str(&format!("{name}이 발표했다. "));
                }
            }
            for name in names.iter().rev() {
                body.push_str(&format!("{name} 관계자는 말했다. "));
            }
        }
        let outcome = tagged(Article::new("many", names.join(" "), body));
        let Outcome::Tagged(_, t) = &outcome else { unreachable!() };
        let distinct = t.entities().len();
        assert!(distinct > 16, "only {distinct} entities found");
        check(&outcome);
    }

    #[test]
    fn topics_match_the_oracle() {
        // Topic terms of the built-in set, so that topics and evidence are rendered.
        let tagger = builtin();
        let mut found = 0;
        for text in [
            "반도체 수출이 늘었다. 삼성전자와 SK하이닉스의 메모리 반도체 실적이 개선됐다.",
            "한국은행이 기준금리를 인상했다. 금리 인상으로 물가와 환율이 흔들린다.",
            "인공지능 AI 챗봇과 생성형 AI 모델 경쟁. 네이버 카카오 AI 투자.",
            "대통령 선거와 국회 여당 야당 정치 공방",
        ] {
            let outcome = tagged(Article::new("t", "", text));
            if let Outcome::Tagged(_, t) = &outcome {
                found += t.topics().len();
            }
            check(&outcome);
        }
        assert!(found > 0, "no topic fired; {} topics defined", tagger.topics().len());
    }

    /// Renders `outcomes` one after the other with one [`RunCache`], as a sink renders a run,
    /// and asserts the lines are the oracle's.
    fn check_run(outcomes: &[Outcome]) {
        let tagger = builtin();
        let mut cache = RunCache::default();
        let (mut new, mut old) = (Vec::new(), Vec::new());
        for outcome in outcomes {
            render_with(tagger, outcome, &mut cache, &mut new);
            reference_render(tagger, outcome, &mut old);
        }
        assert_eq!(String::from_utf8(new).unwrap(), String::from_utf8(old).unwrap());
    }

    #[test]
    fn a_run_reuses_the_source_only_while_it_is_the_same() {
        let article = |source: &str, title: &str| {
            let mut a = Article::new("id", title, "삼성전자와 네이버");
            a.source = source.into();
            tagged(a)
        };
        let h = hostile();
        check_run(&[
            // The cache starts empty: an empty source first, then others, back and forth,
            // one a prefix of another, failed records among tagged ones.
            article("", "첫 기사"),
            article("news/a.jsonl", "네이버"),
            article("news/a.jsonl", "카카오"),
            failed("news/a.jsonl", Some(3), "invalid JSON"),
            article("news/a.jsonl.bak", "삼성전자"),
            article("news/a.jsonl", ""),
            article(&h, "SK하이닉스"),
            failed(&h, Some(4), &h),
            article(&h, "\"따옴표\""),
            failed("-", Some(5), "bad record"),
            article("-", "표준 입력"),
            article("", "끝"),
        ]);
    }

    /// The first byte to escape, one byte at a time.
    fn naive_find_escape(bytes: &[u8]) -> Option<usize> {
        bytes.iter().position(|&b| ESCAPE[b as usize] != 0)
    }

    #[test]
    fn find_escape_finds_the_first_escape_at_every_position_and_length() {
        // Every length around the 16- and 8-byte steps and the overlapping last word, every
        // position of a byte to escape (alone, or followed by a second one), on every filler
        // byte: borrows must not flag a byte before the first true one.
        let needles = [0x00, 0x08, 0x1F, b'"', b'\\'];
        for len in 0..=40 {
            for filler in 0..=255u8 {
                let clean = vec![filler; len];
                assert_eq!(find_escape(&clean), naive_find_escape(&clean), "{filler:#x} × {len}");
                assert_eq!(find_escape_words(&clean), naive_find_escape(&clean), "{filler:#x} × {len}");
                for pos in 0..len {
                    for needle in needles {
                        let mut bytes = clean.clone();
                        bytes[pos] = needle;
                        assert_eq!(find_escape(&bytes), naive_find_escape(&bytes), "{bytes:?}");
                        assert_eq!(find_escape_words(&bytes), naive_find_escape(&bytes), "{bytes:?}");
                        if pos + 1 < len {
                            bytes[len - 1] = b'"';
                            assert_eq!(find_escape(&bytes), naive_find_escape(&bytes), "{bytes:?}");
                            assert_eq!(find_escape_words(&bytes), naive_find_escape(&bytes), "{bytes:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn strings_escape_like_serde_json() {
        let mut every_byte_char = String::new();
        for c in (0u32..0x80).chain([0x80, 0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff]) {
            every_byte_char.push(char::from_u32(c).unwrap());
        }
        for s in [String::new(), every_byte_char, hostile(), "가".repeat(40) + "\"" + &"나".repeat(3)] {
            // Every alignment of the first byte to escape relative to the eight-byte words.
            for pad in 0..17 {
                let s = format!("{}{s}{}", "한".repeat(pad / 3) + &"a".repeat(pad % 3), "x".repeat(pad));
                let mut out = Vec::new();
                write_str(&mut out, &s);
                assert_eq!(out, serde_json::to_vec(&s).unwrap(), "{s:?}");
            }
        }
    }

    #[test]
    fn integers_print_like_serde_json() {
        for n in [0, 1, 9, 10, 99, 100, 12345, u64::from(u32::MAX), u64::MAX - 1, u64::MAX] {
            let mut out = Vec::new();
            write_uint(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
    }

    /// Strings that mix what needs escaping with Korean, emoji and dictionary names.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            any::<String>(),
            "[\\x00-\\x1f\"\\\\\\x7f]{0,4}",
            Just("삼성전자".to_string()),
            Just("네이버".to_string()),
            Just("SK하이닉스".to_string()),
            Just("반도체".to_string()),
            Just(" ".to_string()),
            "[가-힣]{0,12}",
            "[😀-🙏]{0,3}",
        ];
        proptest::collection::vec(piece, 0..8).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_strings_match_the_oracle(
            id in text(),
            title in text(),
            body in text(),
            date in proptest::option::of(text()),
            url in proptest::option::of(text()),
            source in text(),
            line in proptest::option::of(any::<u64>()),
        ) {
            let mut article = Article::new(id, title, body);
            article.source = source.clone();
            article.date = date;
            article.url = url;
            check(&tagged(article));
            check(&failed(&source, line, &source));
        }

        #[test]
        fn a_run_of_records_matches_the_oracle(
            records in proptest::collection::vec(
                (prop_oneof![Just(String::new()), Just("a.jsonl".to_string()), Just("a.jsonl2".to_string()), text()],
                 text(), any::<bool>()),
                1..12,
            )
        ) {
            let outcomes: Vec<Outcome> = records
                .into_iter()
                .map(|(source, title, ok)| {
                    if ok {
                        let mut article = Article::new("r", title, "네이버와 삼성전자");
                        article.source = source;
                        tagged(article)
                    } else {
                        failed(&source, Some(1), &title)
                    }
                })
                .collect();
            check_run(&outcomes);
        }

        #[test]
        fn find_escape_is_the_first_byte_to_escape(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            prop_assert_eq!(find_escape(&bytes), naive_find_escape(&bytes));
            prop_assert_eq!(find_escape_words(&bytes), naive_find_escape(&bytes));
        }

        #[test]
        fn any_string_escapes_like_serde_json(s in any::<String>()) {
            let mut out = Vec::new();
            write_str(&mut out, &s);
            prop_assert_eq!(out, serde_json::to_vec(&s).unwrap());
        }

        #[test]
        fn any_integer_prints_like_serde_json(n in any::<u64>()) {
            let mut out = Vec::new();
            write_uint(&mut out, n);
            prop_assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
    }
}

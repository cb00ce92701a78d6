//! Text normalization shared by articles and dictionaries, with a map back to the original.
//!
//! Text and dictionary entries go through the same [`normalize`] so that a dictionary alias
//! and the text that spells it meet in the same form: NFKC (full-width `ＡＩ` → `ai`,
//! compatibility jamo composed), Unicode lower-casing, every whitespace run → one space,
//! zero-width and bidi controls dropped. Every normalized byte remembers the original byte
//! range it came from, because mentions are reported as spans of the *original* article:
//! an analyst slicing the text they gave us must get the surface they see.

use std::ops::Range;
use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Normalized text with a map from its bytes back to the byte ranges of the original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    text: String,
    /// Where the normalized text came from, as segments ordered by `norm`.
    segments: Vec<Segment>,
}

/// A run of normalized bytes from `norm` up to the next segment's `norm`.
///
/// Most of an article is copied unchanged (or changed to a character of the same length,
/// like `A` → `a`), so one *linear* segment maps a whole run byte for byte; only what
/// normalization really changed (a whitespace run, a full-width letter, a composed cluster)
/// needs a segment of its own that maps all its bytes to the whole original range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    norm: u32,
    orig: u32,
    /// For a non-linear segment: the end of the original range.
    orig_end: u32,
    linear: bool,
}

impl Normalized {
    /// The normalized text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Maps a byte range of the normalized text back to a byte range of the original text.
    ///
    /// The range must be non-empty and lie on character boundaries of the normalized text.
    pub fn original_span(&self, span: Range<usize>) -> Range<usize> {
        debug_assert!(span.start < span.end && span.end <= self.text.len());
        let first = self.segment(span.start);
        let start =
            if first.linear { first.orig as usize + (span.start - first.norm as usize) } else { first.orig as usize };
        let last = self.segment(span.end - 1);
        let end =
            if last.linear { last.orig as usize + (span.end - last.norm as usize) } else { last.orig_end as usize };
        start..end
    }

    fn segment(&self, byte: usize) -> &Segment {
        let i = self.segments.partition_point(|s| s.norm as usize <= byte);
        &self.segments[i.saturating_sub(1)]
    }

    /// Re-fills `self` with the normalization of `original`, reusing its buffers.
    pub fn refill(&mut self, original: &str, fold_case: bool) {
        self.text.clear();
        self.segments.clear();
        normalize_into(original, fold_case, self, true);
    }

    /// [`Normalized::refill`] without the fast path for runs that normalization leaves alone:
    /// the reference the fast path is tested (and fuzzed) against.
    #[doc(hidden)]
    pub fn refill_general(&mut self, original: &str, fold_case: bool) {
        self.text.clear();
        self.segments.clear();
        normalize_into(original, fold_case, self, false);
    }

    /// Appends `run`, which starts at byte `from` of the original and which normalization
    /// leaves as it is (but for ASCII case; `upper`: the run has an ASCII capital): one linear
    /// segment, as `push` would make it.
    // Inlined into the loop of `normalize_into`: the call cost as much as a short run.
    #[inline(always)]
    fn push_run(&mut self, run: &str, from: usize, fold_case: bool, upper: bool) {
        let norm = self.text.len() as u32;
        let extends =
            self.segments.last().is_some_and(|last| last.linear && last.orig + (norm - last.norm) == from as u32);
        if !extends {
            // The length of the first character, from its first byte.
            let first = run.as_bytes().first().map_or(0, |b| b.leading_ones().max(1)) as usize;
            self.segments.push(Segment { norm, orig: from as u32, orig_end: (from + first) as u32, linear: true });
        }
        self.text.push_str(run);
        if fold_case && upper {
            self.text[norm as usize..].make_ascii_lowercase();
        }
    }

    /// Appends the NFKC form of a `…` at byte `from` of the original that nothing joins: three
    /// dots from its three bytes, as `push` would add them.
    fn push_ellipsis(&mut self, from: usize) {
        // The second and third dots extend the segment of the first.
        self.push('.', from..from + ELLIPSIS.len_utf8());
        self.text.push_str("..");
    }

    fn push(&mut self, c: char, from: Range<usize>) {
        let norm = self.text.len() as u32;
        let linear = from.len() == c.len_utf8();
        let extends = match self.segments.last() {
            Some(last) if linear && last.linear => last.orig + (norm - last.norm) == from.start as u32,
            // More characters out of the same changed cluster (ﬁ → f, i).
            Some(last) if !linear && !last.linear => last.orig == from.start as u32 && last.orig_end == from.end as u32,
            _ => false,
        };
        if !extends {
            self.segments.push(Segment { norm, orig: from.start as u32, orig_end: from.end as u32, linear });
        }
        self.text.push(c);
    }

    /// Drops the last byte (a trailing space).
    fn pop_space(&mut self) {
        self.text.pop();
        let len = self.text.len() as u32;
        while self.segments.last().is_some_and(|s| s.norm >= len) {
            self.segments.pop();
        }
    }
}

/// Normalizes `original` (NFKC, case folding, whitespace runs, invisible characters dropped).
///
/// ```
/// let n = hantag::normalize::normalize("ＬＧ  AI연구원\u{200b}은");
/// assert_eq!(n.as_str(), "lg ai연구원은");
/// assert_eq!(n.original_span(0..2), 0..6); // full-width letters are 3 bytes each
/// ```
pub fn normalize(original: &str) -> Normalized {
    let mut n = Normalized::default();
    n.refill(original, true);
    n
}

/// Normalizes a short string to its comparison key without keeping an offset map.
pub fn normalize_key(s: &str) -> String {
    with_scratch(s, true, |text| text.to_string())
}

/// Normalizes without case folding, for exact-case comparisons.
pub fn normalize_keep_case(s: &str) -> String {
    with_scratch(s, false, |text| text.to_string())
}

/// Normalizes `s` into a per-thread buffer and hands the text to `f` (which must not
/// normalize in turn): keys are made by the hundred thousand when a dictionary loads, and a
/// fresh offset map and text each time cost more than the normalization of a short alias.
pub(crate) fn with_scratch<T>(s: &str, fold_case: bool, f: impl FnOnce(&str) -> T) -> T {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Normalized> = std::cell::RefCell::default();
    }
    SCRATCH.with_borrow_mut(|n| {
        n.refill(s, fold_case);
        f(&n.text)
    })
}

/// Characters removed from text: zero-width spaces and joiners, BOM, bidi controls, soft hyphen.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Whitespace and control characters, which all fold to one space.
fn is_space(c: char) -> bool {
    c.is_whitespace() || (c.is_control() && !is_invisible(c))
}

/// What the end of a cluster can still compose with under NFKC. Among characters that do
/// not combine with everything (combining marks), only Hangul jamo compose with what
/// precedes them: a modern leading consonant takes a vowel, an LV syllable takes a final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    Other,
    Lead,
    Lv,
}

/// The tail of a character's NFKC form (`ㄱ` ends in a leading consonant, `가` and `㉮` in
/// an LV syllable).
fn tail_of(c: char) -> Tail {
    let last = match c {
        '\u{AC00}'..='\u{D7A3}' => c,
        _ if c.is_ascii() => return Tail::Other,
        _ => match c.nfkc().last() {
            Some(last) => last,
            None => return Tail::Other,
        },
    };
    match last {
        '\u{1100}'..='\u{1112}' => Tail::Lead,
        '\u{AC00}'..='\u{D7A3}' if (last as u32 - 0xAC00).is_multiple_of(28) => Tail::Lv,
        _ => Tail::Other,
    }
}

/// How a character may join the cluster before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    No,
    /// A combining mark (also one NFKC makes, like U+FF9E): joins anything.
    Mark,
    /// A modern vowel jamo (conjoining, compatibility or half-width): joins a leading consonant.
    Vowel,
    /// A modern final jamo (`ㄳ` is one): joins an LV syllable.
    Final,
}

fn join_kind(n: char) -> Join {
    // Fast exit for ASCII and precomposed Hangul syllables, most of a Korean article.
    if (n as u32) < 0x300 || ('\u{AC00}'..='\u{D7A3}').contains(&n) {
        return Join::No;
    }
    if canonical_combining_class(n) != 0 || matches!(n, '\u{FF9E}' | '\u{FF9F}') {
        return Join::Mark;
    }
    let jamo = match n {
        '\u{1160}'..='\u{11FF}' => n,
        '\u{3131}'..='\u{318E}' | '\u{FFA0}'..='\u{FFDC}' => match n.nfkd().next() {
            Some(jamo) => jamo,
            None => return Join::No,
        },
        _ => return Join::No,
    };
    match jamo {
        '\u{1161}'..='\u{1175}' => Join::Vowel,
        '\u{11A8}'..='\u{11C2}' => Join::Final,
        _ => Join::No,
    }
}

/// Whether `n` joins the cluster that starts with `first` and ends in `tail` (`None`: nothing
/// has joined `first` yet; its tail is computed only if a jamo asks), updating the tail.
///
/// A cluster is as small as NFKC allows, so that each normalized character maps back to the
/// few original characters it came from: `Ｌㄱㅏ` is `l` from `Ｌ` and `가` from `ㄱㅏ`, not
/// `l가` from all three. (The rare pairs of starters that compose in other scripts, such as
/// Oriya `ୋ`, stay uncomposed, the same way in text and dictionary.)
fn joins(first: char, tail: &mut Option<Tail>, n: char) -> bool {
    let next = match join_kind(n) {
        Join::No => return false,
        Join::Mark => Tail::Other,
        kind => match (kind, *tail.get_or_insert_with(|| tail_of(first))) {
            (Join::Vowel, Tail::Lead) => Tail::Lv,
            (Join::Final, Tail::Lv) => Tail::Other,
            _ => return false,
        },
    };
    *tail = Some(next);
    true
}

/// Fast path: characters that NFKC and lower-casing leave unchanged and that never combine.
fn is_stable(c: char, fold_case: bool) -> bool {
    match c {
        'a'..='z' | '0'..='9' => true,
        'A'..='Z' => !fold_case,
        '\u{AC00}'..='\u{D7A3}' => true,
        _ => c.is_ascii_punctuation(),
    }
}

/// The characters of a text with their byte offsets, invisible characters left out.
struct Visible<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for Visible<'_> {
    type Item = (usize, char);

    fn next(&mut self) -> Option<(usize, char)> {
        loop {
            let at = self.pos;
            // ASCII (never invisible) without the general decoding.
            let &b = self.text.as_bytes().get(at)?;
            if b.is_ascii() {
                self.pos += 1;
                return Some((at, char::from(b)));
            }
            let c = self.text.get(self.pos..)?.chars().next()?;
            self.pos += c.len_utf8();
            if !is_invisible(c) {
                return Some((at, c));
            }
        }
    }
}

/// The end of the run from `start` (a character [`fast_char`] accepts) that normalizes to
/// itself but for ASCII case, and whether the run has an ASCII capital: ASCII letters, digits
/// and punctuation, the characters of [`wide_stable_len`] and single spaces between them,
/// stopping before a character that could join the run's last. Most of a Korean article is
/// such runs; the rest goes through the general path.
#[inline(never)]
fn fast_run(text: &str, start: usize) -> (usize, bool) {
    let bytes = text.as_bytes();
    let (mut i, mut upper) = (start, false);
    #[cfg(target_arch = "x86_64")]
    let avx2 = crate::simd::avx2();
    loop {
        // 32 or 16 bytes at a time over what the loop below would take a character at a time.
        #[cfg(target_arch = "x86_64")]
        if i > start && i + 18 <= bytes.len() {
            let ((taken, capital), all) = if avx2 && i + 34 <= bytes.len() {
                // SAFETY: the CPU has AVX2 (checked above).
                (unsafe { avx2_run_prefix(bytes, i) }, 32)
            } else {
                // SAFETY: SSE2 is part of x86-64, so every CPU this runs on has it.
                (unsafe { sse2_run_prefix(bytes, i) }, 16)
            };
            i += taken;
            upper |= capital;
            if taken == all {
                // On to the end of a syllable that the last byte taken cut.
                while bytes.get(i).is_some_and(|b| b & 0xC0 == 0x80) {
                    i += 1;
                }
                continue;
            }
        }
        let Some(&b) = bytes.get(i) else { break };
        if b < 0x80 {
            if b.wrapping_sub(b'!') <= b'~' - b'!' {
                upper |= b.is_ascii_uppercase();
                i += 1;
                continue;
            }
            // A single space is kept only with a run character after it (given back below).
            if b == b' ' && i > start && bytes[i - 1] != b' ' {
                i += 1;
                continue;
            }
            // Other ASCII (controls, a second space) never joins what precedes it.
            break;
        }
        // Lead bytes of U+B000..=U+CFFF, which are all syllables: three quarters of them.
        if matches!(b, 0xEB | 0xEC) {
            i += 3;
            continue;
        }
        let len = wide_stable_len(bytes, i);
        if len > 0 {
            i += len;
            continue;
        }
        // Any other character might join what precedes it (a combining mark, a jamo). A space
        // before it is left to it (a mark can join a space); so is the run's last character,
        // unless the character joins nothing (`…` ends many a headline). An invisible character
        // joins nothing, but what follows it might.
        if i > start && bytes[i - 1] == b' ' {
            return (i - 1, upper);
        }
        if text[i..].chars().next().is_some_and(|n| !is_invisible(n) && join_kind(n) == Join::No) {
            return (i, upper);
        }
        let mut last = i;
        while last > start {
            last -= 1;
            if bytes[last] & 0xC0 != 0x80 {
                break;
            }
        }
        return (last, upper);
    }
    if i > start && bytes[i - 1] == b' ' {
        i -= 1;
    }
    (i, upper)
}

/// How many bytes from `i` (a character start, after the start of a run, with the vector's
/// width and 2 bytes from it in `bytes`) up to that width [`fast_run`] takes as they are, and
/// whether they hold an ASCII capital: printable ASCII, a space after anything but a space,
/// and Hangul syllables. A syllable cut by the last byte is taken whole by the caller.
macro_rules! run_prefix {
    ($name:ident, $feature:literal, $masks:path, $bytes:literal, $andnot:ident, $or:ident) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        fn $name(bytes: &[u8], i: usize) -> (usize, bool) {
            use core::arch::x86_64::{$andnot, $or};
            use $masks::{between, bits, equal, load, syllable_leads};
            let (before, v) = (load(&bytes[i - 1..]), load(&bytes[i..]));
            let (v1, v2) = (load(&bytes[i + 1..]), load(&bytes[i + 2..]));
            let single_space = $andnot(equal(before, b' '), equal(v, b' '));
            // A continuation byte is taken only after its syllable's first byte: the first byte
            // not taken starts a character.
            let wide = $or(between(v, 0x80, 0xBF), syllable_leads(v, v1, v2));
            let taken = bits($or($or(between(v, b'!', b'~'), single_space), wide));
            let n = taken.trailing_ones().min($bytes);
            let capital = u64::from(bits(between(v, b'A', b'Z'))) & ((1u64 << n) - 1) != 0;
            (n as usize, capital)
        }
    };
}

run_prefix!(sse2_run_prefix, "sse2", crate::simd, 16, _mm_andnot_si128, _mm_or_si128);
run_prefix!(avx2_run_prefix, "avx2", crate::simd::wide, 32, _mm256_andnot_si256, _mm256_or_si256);

/// The length of the character at byte `i` (of valid UTF-8) if it is a non-ASCII character
/// that the fast path copies, else 0: a character that NFKC and lower-casing leave unchanged,
/// that is neither whitespace nor invisible and that never joins what precedes it. Precomposed
/// Hangul syllables, most of a Korean article, and the others common in Korean news: `·`,
/// curly quotes, arrows, `∼` and Han characters (`美`, `北`). (`tests::wide_stable_characters`
/// checks every one of them against the general path.)
#[inline]
fn wide_stable_len(bytes: &[u8], i: usize) -> usize {
    // UTF-8 keeps the order of code points, so the three bytes of a character, read as a
    // number, fall in a range exactly when the character does.
    match bytes.get(i..) {
        Some(&[b0, b1, b2, ..]) => match u32::from_be_bytes([0, b0, b1, b2]) {
            SYLLABLE_FIRST..=SYLLABLE_LAST => 3,
            HAN_FIRST..=HAN_LAST | QUOTE_FIRST..=QUOTE_LAST | ARROW_FIRST..=ARROW_LAST | TILDE_OPERATOR => 3,
            v if v >> 8 == MIDDLE_DOT => 2,
            _ => 0,
        },
        Some(&[b0, b1]) if u32::from_be_bytes([0, 0, b0, b1]) == MIDDLE_DOT => 2,
        _ => 0,
    }
}

/// The UTF-8 bytes of a character of three bytes, as a number.
const fn utf8_3(c: char) -> u32 {
    let c = c as u32;
    0xE0_80_80 | (c >> 12) << 16 | ((c >> 6) & 0x3F) << 8 | (c & 0x3F)
}

const SYLLABLE_FIRST: u32 = utf8_3('\u{AC00}');
const SYLLABLE_LAST: u32 = utf8_3('\u{D7A3}');
const HAN_FIRST: u32 = utf8_3('\u{4E00}');
const HAN_LAST: u32 = utf8_3('\u{9FFF}');
/// `‘’‚‛“”„‟`
const QUOTE_FIRST: u32 = utf8_3('\u{2018}');
const QUOTE_LAST: u32 = utf8_3('\u{201F}');
/// `←↑→↓↔↕↖↗↘↙`
const ARROW_FIRST: u32 = utf8_3('\u{2190}');
const ARROW_LAST: u32 = utf8_3('\u{2199}');
/// `∼`
const TILDE_OPERATOR: u32 = utf8_3('\u{223C}');
/// `·`, of two bytes.
const MIDDLE_DOT: u32 = 0xC2_B7;

/// U+2026, which NFKC makes `...`: the most common character of Korean news that normalization
/// changes.
const ELLIPSIS: char = '…';

/// Whether the character at byte `i` of `text` might join what precedes it (or is invisible, and
/// what follows might): it is not ASCII, `…` or a character of [`wide_stable_len`], which join
/// nothing, and the text does not end at `i`.
fn may_join(text: &str, i: usize) -> bool {
    let rest = &text.as_bytes()[i..];
    !(rest.first().is_none_or(u8::is_ascii) || wide_stable_len(rest, 0) > 0 || rest.starts_with("…".as_bytes()))
}

/// Whether the character at byte `i` of `text` can start a [`fast_run`].
fn fast_char(text: &str, i: usize) -> bool {
    text.as_bytes().get(i).is_some_and(u8::is_ascii_graphic) || wide_stable_len(text.as_bytes(), i) > 0
}

fn normalize_into(original: &str, fold_case: bool, out: &mut Normalized, fast: bool) {
    if original.is_empty() {
        // Nothing to set up (an article without a title or a body).
        return;
    }
    out.text.reserve(original.len());
    // Invisible characters are dropped before anything else looks at the text, so that a mark
    // or jamo after one still joins its cluster: `ㄱ\u{200b}ㅏ` is `가`, as its normalization is.
    let mut chars = Visible { text: original, pos: 0 }.peekable();
    let mut pending_space: Option<usize> = None; // original start of a whitespace run
    let mut cluster = String::new();
    let (mut folded, mut lowered) = (String::new(), String::new());
    while let Some((i, c)) = chars.next() {
        if fast && fast_char(original, i) {
            let (end, upper) = fast_run(original, i);
            if end > i {
                // What the general path would do first: end the whitespace run before `c`.
                if let Some(space_start) = pending_space.take() {
                    if !out.text.is_empty() {
                        out.push(' ', space_start..i);
                    }
                }
                out.push_run(&original[i..end], i, fold_case, upper);
                let mut end = end;
                // `…` ends many a run of a Korean headline; when nothing can join it, its dots
                // as the slow path makes them, and on with the run after it.
                while original[end..].starts_with(ELLIPSIS) && !may_join(original, end + ELLIPSIS.len_utf8()) {
                    out.push_ellipsis(end);
                    end += ELLIPSIS.len_utf8();
                    if fast_char(original, end) {
                        let (run_end, upper) = fast_run(original, end);
                        if run_end > end {
                            out.push_run(&original[end..run_end], end, fold_case, upper);
                            end = run_end;
                        }
                    }
                }
                chars = Visible { text: original, pos: end }.peekable();
                continue;
            }
        }
        let next_continues = chars.peek().is_some_and(|&(_, n)| joins(c, &mut None, n));
        if is_space(c) && !next_continues {
            pending_space.get_or_insert(i);
            continue;
        }
        if let Some(space_start) = pending_space.take() {
            if !out.text.is_empty() {
                out.push(' ', space_start..i);
            }
        }
        if !next_continues && is_stable(c, fold_case) {
            out.push(c, i..i + c.len_utf8());
            continue;
        }
        if !next_continues && fold_case && c.is_ascii_uppercase() {
            out.push(c.to_ascii_lowercase(), i..i + 1);
            continue;
        }
        if fast && !next_continues {
            // What the slow path makes of a character alone, without its buffers: the character
            // itself if NFKC and lower-casing leave it alone (`♥`), or `...` from `…`, the one
            // character of Korean news that NFKC changes and that is common.
            if c == ELLIPSIS {
                out.push_ellipsis(i);
                continue;
            }
            if is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes
                && (!fold_case || c.to_lowercase().eq(std::iter::once(c)))
            {
                out.push(c, i..i + c.len_utf8());
                continue;
            }
        }
        // Slow path: the cluster of c and every character that combines with it.
        cluster.clear();
        cluster.push(c);
        let mut end = i + c.len_utf8();
        let mut tail = None;
        while let Some(&(j, n)) = chars.peek() {
            if !joins(c, &mut tail, n) {
                break;
            }
            cluster.push(n);
            end = j + n.len_utf8();
            chars.next();
        }
        folded.clear();
        folded.extend(cluster.nfkc());
        if fold_case {
            // Lower-casing NFKC text can leave text that NFKC changes again (`İ` → `i` + U+0307,
            // which must be reordered with the marks after it), so fold and recompose until
            // nothing changes: the result is a fixed point, and normalizing is idempotent.
            for _ in 0..4 {
                if folded.chars().all(|f| f.to_lowercase().eq(std::iter::once(f))) {
                    break;
                }
                lowered.clear();
                lowered.extend(folded.chars().flat_map(char::to_lowercase));
                folded.clear();
                folded.extend(lowered.nfkc());
            }
        }
        for f in folded.chars() {
            if is_invisible(f) {
                continue;
            }
            if is_space(f) {
                // NFKC can produce spaces (e.g. from U+3000 or ideographic forms).
                if !out.text.is_empty() && !out.text.ends_with(' ') {
                    out.push(' ', i..end);
                }
                continue;
            }
            out.push(f, i..end);
        }
    }
    // A trailing whitespace run is dropped: normalized text never ends with a space.
    if out.text.ends_with(' ') {
        out.pop_space();
    }
}

/// Whether `c` is a Hangul syllable (U+AC00..=U+D7A3).
#[inline]
pub(crate) fn is_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Whether a Hangul syllable (U+AC00..=U+D7A3) starts at byte `i` of valid UTF-8: the
/// byte-level test of the fast paths, where most characters of a Korean text are syllables.
#[inline]
pub(crate) fn is_syllable_at(bytes: &[u8], i: usize) -> bool {
    match bytes.get(i..i + 3) {
        // U+B000..=U+CFFF: syllables only, whatever the other two bytes.
        Some(&[0xEB | 0xEC, _, _]) => true,
        Some(&[lead @ (0xEA | 0xED), b1, b2]) => {
            let c = (u32::from(lead & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F);
            (0xAC00..=0xD7A3).contains(&c)
        }
        _ => false,
    }
}

/// The script class of a character, as the boundary rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// A Hangul syllable or jamo.
    Hangul,
    /// A letter of another script or a digit (Latin, Greek, Han, …): Latin-like edges.
    Alnum,
    /// Space, punctuation and symbols.
    Other,
}

/// Classifies a character for the boundary rules.
pub fn script(c: char) -> Script {
    match c {
        '\u{AC00}'..='\u{D7A3}'
        | '\u{1100}'..='\u{11FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{A960}'..='\u{A97F}'
        | '\u{D7B0}'..='\u{D7FF}' => Script::Hangul,
        c if c.is_ascii_alphanumeric() => Script::Alnum,
        c if c.is_ascii() => Script::Other,
        c if c.is_alphanumeric() => Script::Alnum,
        _ => Script::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Characters around the fast path's edges: run characters, spaces, controls, marks,
    /// jamo that join syllables, invisible characters, full-width and compatibility forms.
    fn edge_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "가",
            "각",
            "힣",
            "네이버",
            "a",
            "Z",
            "9",
            "-",
            "~",
            "!",
            " ",
            "  ",
            "\t",
            "\n",
            "\r\n",
            "\u{7f}",
            "\u{301}",
            "\u{308}",
            "\u{11a8}",
            "\u{1161}",
            "\u{1100}",
            "ㄱ",
            "ㅏ",
            "ㄳ",
            "\u{200b}",
            "\u{feff}",
            "\u{ad}",
            "Ａ",
            "ＡＩ",
            "\u{3000}",
            "\u{a8}",
            "İ",
            "ﬁ",
            "…",
            "·",
            "“",
            "\u{d7b0}",
            "\u{a960}",
            "\u{a000}",
            "\u{a640}",
            "\u{a66f}",
            "\u{abff}",
            "\u{ac00}",
            "\u{afff}",
            "\u{b000}",
            "\u{cfff}",
            "\u{d000}",
            "\u{d7a3}",
            "\u{d7a4}",
            "中",
            "ﷺ",
            "é",
            // The other characters of the fast path, and their neighbours.
            "·",
            "\u{b6}",
            "\u{b8}",
            "‘",
            "”",
            "\u{2017}",
            "\u{2020}",
            "\u{2024}",
            "→",
            "\u{219a}",
            "∼",
            "\u{223d}",
            "\u{338}",
            "美",
            "\u{4dff}",
            "\u{9fff}",
            "\u{f900}",
            "♥",
            "ｶ\u{ff9e}",
        ]);
        prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        /// The fast path changes nothing: same text, same map back to the original; with
        /// AVX2 where the CPU has it, and without.
        #[test]
        fn fast_path_is_invisible(text in edge_text(), fold_case in any::<bool>(), sse2 in any::<bool>()) {
            let mut fast = Normalized::default();
            let mut refill = || fast.refill(&text, fold_case);
            #[cfg(target_arch = "x86_64")]
            if sse2 { crate::simd::without_avx2(refill) } else { refill() }
            #[cfg(not(target_arch = "x86_64"))]
            let () = (refill(), sse2).0;
            let mut slow = Normalized::default();
            slow.refill_general(&text, fold_case);
            prop_assert_eq!(&fast.text, &slow.text);
            for start in 0..fast.text.len() {
                for end in start + 1..=fast.text.len() {
                    if fast.text.is_char_boundary(start) && fast.text.is_char_boundary(end) {
                        prop_assert_eq!(fast.original_span(start..end), slow.original_span(start..end));
                    }
                }
            }
        }
    }

    #[test]
    fn fast_runs() {
        assert_eq!(fast_run("abc def", 0), (7, false));
        assert_eq!(fast_run("abC def", 0), (7, true));
        assert_eq!(fast_run("abc  def", 0), (3, false));
        // Sixteen bytes at a time: a syllable cut by the sixteenth, up to the end of the text;
        // a capital in the sixteen, or after them.
        assert_eq!(fast_run("a가가가가가가", 0), (19, false));
        assert_eq!(fast_run("a가가가가가가Z", 0), (20, true));
        assert_eq!(fast_run("a가가가가가B가가", 0), (23, true));
        assert_eq!(fast_run("a가가가가가가가  가", 0), (22, false));
        assert_eq!(fast_run("abc \tdef", 0), (3, false));
        assert_eq!(fast_run("abc ", 0), (3, false));
        assert_eq!(fast_run("가나 다", 0), (10, false));
        assert_eq!(fast_run("美國·北 “가”→∼", 0).0, "美國·北 “가”→∼".len());
        // A mark may join the last character (or the space) before it: left to the slow path.
        assert_eq!(fast_run("가나\u{301}", 0).0, 3);
        assert_eq!(fast_run("가·\u{301}", 0).0, 3);
        assert_eq!(fast_run("가나 \u{301}", 0).0, 6);
        assert_eq!(fast_run("가\u{11a8}", 0).0, 0);
        // So may one after an invisible character; a character that joins nothing may not.
        assert_eq!(fast_run("가나\u{200b}\u{301}", 0).0, 3);
        assert_eq!(fast_run("가나…", 0).0, 6);
        assert_eq!(fast_run("가나 …", 0).0, 6);
    }

    /// Every non-ASCII character of the fast path is one that the general path copies as it is,
    /// in any company.
    #[test]
    fn wide_stable_characters() {
        let wide: Vec<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| {
                let mut buf = [0; 4];
                let len = wide_stable_len(c.encode_utf8(&mut buf).as_bytes(), 0);
                assert!(len == 0 || (len == c.len_utf8() && !c.is_ascii()), "{c:?}");
                len > 0
            })
            .collect();
        // Syllables, Han, `·`, quotes, arrows, `∼`.
        assert_eq!(wide.len(), 11172 + 20992 + 1 + 8 + 10 + 1);
        for c in wide {
            assert!(c.nfkc().eq([c]) && c.to_lowercase().eq([c]), "{c:?}");
            assert!(!is_space(c) && !is_invisible(c) && join_kind(c) == Join::No, "{c:?}");
            for text in [
                format!("{c}"),
                format!("{c}a"),
                format!("가{c}가"),
                format!("A{c} {c}…"),
                format!("{c}\u{301}"),
                format!("{c} \u{301}"),
                format!("ㄱ{c}\u{1161}"),
                format!("\u{1100}{c}\u{200b}\u{1161}"),
            ] {
                for fold_case in [false, true] {
                    let (mut fast, mut slow) = (Normalized::default(), Normalized::default());
                    fast.refill(&text, fold_case);
                    slow.refill_general(&text, fold_case);
                    assert_eq!(fast, slow, "{text:?}");
                }
            }
        }
    }

    fn check_map(original: &str) {
        let n = normalize(original);
        for (i, c) in n.as_str().char_indices() {
            let span = n.original_span(i..i + c.len_utf8());
            assert!(original.is_char_boundary(span.start) && original.is_char_boundary(span.end));
            assert!(span.start < span.end, "{original:?}: empty origin for {c:?}");
        }
    }

    #[test]
    fn table() {
        let rows = [
            ("full-width latin", "ＡＩ 반도체", "ai 반도체"),
            ("case folding", "HyperCLOVA X", "hyperclova x"),
            ("whitespace runs", "네이버\t\n  클라우드  ", "네이버 클라우드"),
            ("leading space", "  삼성전자", "삼성전자"),
            ("zero width", "네이\u{200b}버", "네이버"),
            ("bidi controls", "\u{202e}LG\u{202c}전자", "lg전자"),
            ("compatibility jamo stay jamo", "ㅋㅋ", "ᄏᄏ"),
            ("conjoining jamo compose", "\u{1100}\u{1161}나", "가나"),
            ("full-width period", "했다．", "했다."),
            ("ideographic space", "소버린\u{3000}AI", "소버린 ai"),
            ("combining mark", "Cafe\u{301}", "café"),
            ("roman numeral", "Ⅱ", "ii"),
            ("nul is a space", "a\0b", "a b"),
        ];
        for (name, input, want) in rows {
            assert_eq!(normalize(input).as_str(), want, "{name}");
            check_map(input);
        }
    }

    #[test]
    fn spans_point_into_the_original() {
        let original = "[서울＝뉴시스]  ＬＧ전자는";
        let n = normalize(original);
        let at = n.as_str().find("lg전자").unwrap();
        let span = n.original_span(at..at + "lg전자".len());
        assert_eq!(&original[span], "ＬＧ전자");
    }

    #[test]
    fn idempotent_on_tricky_input() {
        for s in [
            "ㄱㅏ",
            "\u{1100}\u{1161}\u{11A8}",
            "İstanbul",
            "ﬁ",
            "A\u{0301}\u{0301}",
            "  \u{200d} ",
            "👩‍👩‍👧",
            "ᄀ\u{0300}",
            // Found by tests/properties.rs: a mark or jamo after an invisible character, and
            // lower-casing that leaves marks out of canonical order.
            "ㄱ\u{200b}\u{1161}",
            "a\u{200b}\u{301}",
            "İ\u{300}\u{316}",
        ] {
            let once = normalize(s);
            assert_eq!(normalize(once.as_str()).as_str(), once.as_str(), "{s:?}");
            check_map(s);
        }
    }

    #[test]
    fn clusters_are_as_small_as_nfkc_allows() {
        // Found by the fuzz target `matcher`: compatibility jamo after a Latin letter made one
        // cluster of all three, so `l` and `가` both mapped to the whole text and two mentions
        // of different entities reported the same span.
        let n = normalize("Ｌㄱㅏ");
        assert_eq!(n.as_str(), "l가");
        assert_eq!((n.original_span(0..1), n.original_span(1..4)), (0..3, 3..9));
        // A name followed by laughter keeps its own span.
        let n = normalize("네이버ㅋㅋ");
        assert_eq!(n.original_span(0..9), 0..9);
        // What does compose still does: L + V, LV + T (ㄳ is a final), marks after anything.
        for (input, want) in [("ㄱㅏㄳ", "갃"), ("가ㄳ", "갃"), ("각ㄱ", "각ᄀ"), ("ㅏㄱ", "ᅡᄀ"), ("e\u{301}ㄱ", "éᄀ")]
        {
            assert_eq!(normalize(input).as_str(), want, "{input:?}");
        }
    }

    #[test]
    fn keep_case() {
        assert_eq!(normalize_keep_case("ＭＳ  오피스"), "MS 오피스");
    }
}

//! Korean-aware boundary rules: where a name may start and end inside a word.
//!
//! A Latin or digit edge must not touch another Latin letter or digit (AI is not in SAID)
//! but may touch Hangul (OpenAI의). A Hangul edge must start a word (or follow punctuation,
//! Latin or digits) unless morphology shows a compound boundary, and may be followed only by
//! particles, the copula or a short list of noun suffixes (네이버클라우드는, 한국은행이,
//! 기업들). Morphology decides what the particle lists cannot (인도하고 vs 인도한).

use crate::morph::{Morpheme, Pos};
use crate::normalize::{is_syllable_at, script, Script};
use rustc_hash::FxHashSet as HashSet;
use std::ops::Range;
use std::sync::OnceLock;

/// Particles (조사) and copula forms (이다 …) that may follow a name.
const PARTICLES: &[&str] = &[
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "의",
    "에",
    "에서",
    "에게",
    "에게서",
    "께",
    "께서",
    "한테",
    "한테서",
    "와",
    "과",
    "랑",
    "이랑",
    "로",
    "으로",
    "로서",
    "으로서",
    "로써",
    "으로써",
    "로부터",
    "으로부터",
    "도",
    "만",
    "까지",
    "부터",
    "보다",
    "처럼",
    "같이",
    "만큼",
    "마다",
    "조차",
    "마저",
    "밖에",
    "뿐",
    "이나",
    "나",
    "이든",
    "든",
    "이든지",
    "든지",
    "이라도",
    "라도",
    "하고",
    "이며",
    "며",
    "이고",
    "고",
    "이다",
    "다",
    "이었다",
    "였다",
    "이었던",
    "였던",
    "이던",
    "던",
    "이라",
    "라",
    "이라고",
    "라고",
    "이라는",
    "라는",
    "이라며",
    "라며",
    "인",
    "이란",
    "란",
    "이자",
    "이지만",
    "지만",
    "입니다",
    "이야",
    "야",
    "이냐",
    "냐",
    "에선",
    "에서는",
    "에서도",
    "에서의",
    "에서만",
    "에서부터",
    "에는",
    "에도",
    "에만",
    "에게는",
    "에게도",
    "에게만",
    "으로는",
    "로는",
    "으로도",
    "로도",
    "으로만",
    "로만",
    "으로의",
    "로의",
    "와는",
    "과는",
    "와도",
    "과도",
    "와의",
    "과의",
    "까지는",
    "까지도",
    "까지의",
    "부터는",
    "만은",
    "만의",
    "만이",
    "만을",
    "이나마",
    "께선",
    "처럼",
    "보다는",
    "이라면",
    "라면",
    "이면",
    "면",
    "이어서",
    "여서",
    "이었고",
    "였고",
    "이었으며",
    "였으며",
    "이므로",
    "이니",
    "이에요",
    "예요",
    "이죠",
    "죠",
    "이었습니다",
    "였습니다",
];

/// Particles that stack after another particle.
const SECOND_PARTICLES: &[&str] =
    &["는", "은", "도", "의", "만", "요", "조차", "마저", "까지", "부터", "이나", "나", "라도", "이라도"];

/// Particles whose reading after a noun is so clear that morphology need not confirm it.
const SAFE_PARTICLES: &[&str] = &[
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "의",
    "에",
    "에서",
    "에게",
    "께서",
    "와",
    "과",
    "으로",
    "로",
    "도",
    "만",
    "까지",
    "부터",
    "보다",
    "처럼",
    "으로서",
    "로서",
    "에서는",
    "에는",
    "에도",
    "에게는",
    "으로는",
    "로는",
    "와의",
    "과의",
    "에서의",
    "와는",
    "과는",
    "에서도",
    "으로부터",
    "로부터",
    "이라는",
    "라는",
    "이라고",
    "라고",
];

/// Noun suffixes that may follow a name (기업들, 정부 측, 김 대표님); not derivational
/// suffixes (-적, -성, -화) that make a new word.
const NOUN_SUFFIXES: &[&str] = &["들", "측", "님", "씨", "등", "쪽"];

/// A set of particle rests and the byte length of its longest member: most rests that reach
/// the look-up are the tails of long words, refused by their length alone.
struct RestSet {
    set: HashSet<String>,
    longest: usize,
}

fn rest_set(safe: bool) -> &'static RestSet {
    static ALL: OnceLock<RestSet> = OnceLock::new();
    static SAFE: OnceLock<RestSet> = OnceLock::new();
    let build = |particles: &[&str]| {
        let mut set: HashSet<String> = particles.iter().map(|p| p.to_string()).collect();
        // Two stacked particles (에서조차, 과도, 로만은 …).
        for p in particles {
            for second in SECOND_PARTICLES {
                set.insert(format!("{p}{second}"));
            }
        }
        for suffix in NOUN_SUFFIXES {
            set.insert(suffix.to_string());
            for p in particles {
                set.insert(format!("{suffix}{p}"));
            }
        }
        let longest = set.iter().map(String::len).max().unwrap_or(0);
        RestSet { set, longest }
    };
    if safe {
        SAFE.get_or_init(|| build(SAFE_PARTICLES))
    } else {
        ALL.get_or_init(|| build(PARTICLES))
    }
}

/// Whether `rest` (the Hangul that follows a name in its word) is particles, copula or a noun
/// suffix by the lists; `safe` asks for the unambiguous list only.
pub fn is_particle_rest(rest: &str, safe: bool) -> bool {
    let rests = rest_set(safe);
    rest.len() <= rests.longest && rests.set.contains(rest)
}

/// How the left edge of a candidate sits in its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    /// At a word start (or after punctuation, Latin or digits).
    Ok,
    /// Inside a Hangul word: only a compound boundary shown by morphology allows it.
    MidWord,
    /// Touches a Latin letter or digit: never a mention.
    Reject,
}

/// How the right edge of a candidate sits in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Right {
    /// At a word end (or before punctuation, or Hangul meets Latin/digits).
    Ok,
    /// Followed by more Hangul in the same word: this byte range of the text.
    Rest(Range<usize>),
    /// Touches a Latin letter or digit: never a mention.
    Reject,
}

/// The left edge of the span starting at byte `start` of `text`.
pub fn left_edge(text: &str, start: usize) -> Left {
    // Fast path: a syllable after a syllable, the most common case by far.
    if start >= 3 && is_syllable_at(text.as_bytes(), start) && is_syllable_at(text.as_bytes(), start - 3) {
        return Left::MidWord;
    }
    let bytes = text.as_bytes();
    // After an ASCII character that is not a letter or digit (a space, most often).
    if start > 0 && start < bytes.len() && bytes[start - 1] < 0x80 && !bytes[start - 1].is_ascii_alphanumeric() {
        return Left::Ok;
    }
    left_edge_general(text, start)
}

/// [`left_edge`] without its fast path: the reference it is tested against.
fn left_edge_general(text: &str, start: usize) -> Left {
    let Some(first) = text[start..].chars().next() else { return Left::Reject };
    let Some(prev) = text[..start].chars().next_back() else { return Left::Ok };
    match (script(first), script(prev)) {
        (Script::Alnum, Script::Alnum) => Left::Reject,
        (Script::Hangul, Script::Hangul) => Left::MidWord,
        // Digits then Hangul are a number and its unit or counter (1987만명, 3일).
        (Script::Hangul, Script::Alnum) if prev.is_ascii_digit() => Left::Reject,
        _ => Left::Ok,
    }
}

/// Calls `f` with every byte offset of `text` where [`left_edge`] is [`Left::Ok`], in order:
/// the only places where a tagger without morphology can accept a span.
///
/// One pass over the text instead of a [`left_edge`] call per character: on x86-64, 32 bytes
/// at a time with AVX2 or SSE2 (byte masks for ASCII classes and syllables, [`script`] for the
/// other characters), elsewhere a class per character.
///
/// ```
/// let mut starts = Vec::new();
/// hantag::boundary::for_each_word_start("sk하이닉스 3일(네이버", |i| starts.push(i));
/// // s, 하 after Latin, the space, 3 (not 일 after a digit), the bracket, 네 after it.
/// assert_eq!(starts, [0, 2, 14, 15, 19, 20]);
/// ```
pub fn for_each_word_start(text: &str, mut f: impl FnMut(usize)) {
    for_each_word_start_block(text, true, |at, mut starts| {
        while starts != 0 {
            f(at + starts.trailing_zeros() as usize);
            starts &= starts - 1;
        }
    });
}

/// [`for_each_word_start`] a block at a time: `f(at, starts)` has bit `j` of `starts` set
/// for a word start at byte `at + j`, and is called for blocks in order, so that a caller
/// with much to do per start pays one call per block (32 bytes) rather than per start.
/// Spaces start words for the edge rule; without `spaces` they are left out.
#[inline]
pub(crate) fn for_each_word_start_block(text: &str, spaces: bool, f: impl FnMut(usize, u32)) {
    #[cfg(target_arch = "x86_64")]
    {
        let mut f = f;
        word_starts_simd::for_each(text, spaces, |at, starts, _| {
            if starts != 0 {
                f(at, starts)
            }
        });
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut f = f;
        for_each_word_start_general(text, |at| {
            if spaces || text.as_bytes()[at] != b' ' {
                f(at, 1)
            }
        });
    }
}

/// [`for_each_word_start_block`] without spaces, which also gives the syllables inside words:
/// `f(at, starts, inside)` has bit `j` of `inside` set for a Hangul syllable at byte `at + j`
/// after a Hangul character ([`left_edge`] is [`Left::MidWord`] there). Blocks where both
/// masks are empty are skipped.
#[inline]
pub(crate) fn for_each_word_block(text: &str, f: impl FnMut(usize, u32, u32)) {
    let mut f = f;
    #[cfg(target_arch = "x86_64")]
    word_starts_simd::for_each(text, false, |at, starts, inside| {
        if starts | inside != 0 {
            f(at, starts, inside)
        }
    });
    #[cfg(not(target_arch = "x86_64"))]
    for (at, c) in text.char_indices() {
        match left_edge_general(text, at) {
            Left::Ok if c != ' ' => f(at, 1, 0),
            Left::MidWord if is_syllable_at(text.as_bytes(), at) => f(at, 0, 1),
            _ => {}
        }
    }
}

/// The class of a character for the word-start rule: the table of `left_edge_general`.
#[derive(Clone, Copy, PartialEq)]
enum Class {
    Hangul,
    Digit,
    // A letter or a non-ASCII digit: `Script::Alnum` but not an ASCII digit.
    Letter,
    Other,
}

/// The class of a character that is neither ASCII nor a syllable.
fn wide_class(c: char) -> Class {
    match script(c) {
        Script::Hangul => Class::Hangul,
        Script::Alnum => Class::Letter,
        Script::Other => Class::Other,
    }
}

/// [`for_each_word_start`] a character at a time: the reference the vector version is tested
/// against, and the one used off x86-64.
#[doc(hidden)]
pub fn for_each_word_start_general(text: &str, mut f: impl FnMut(usize)) {
    let bytes = text.as_bytes();
    let mut prev: Option<Class> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (class, len) = if b < 0x80 {
            let class = match b {
                b'0'..=b'9' => Class::Digit,
                b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
                _ => Class::Other,
            };
            (class, 1)
        } else if is_syllable_at(bytes, i) {
            (Class::Hangul, 3)
        } else {
            let c = text[i..].chars().next().unwrap_or_default();
            (wide_class(c), c.len_utf8().max(1))
        };
        let inside = match (class, prev) {
            (_, None) => false,
            (Class::Digit | Class::Letter, Some(Class::Digit | Class::Letter)) => true,
            (Class::Hangul, Some(Class::Hangul | Class::Digit)) => true,
            _ => false,
        };
        if !inside {
            f(i);
        }
        prev = Some(class);
        i += len;
    }
}

/// [`for_each_word_start`] on 32 bytes at a time, with AVX2 where the CPU has it and SSE2 (part
/// of every x86-64 CPU) otherwise, without a branch per character: masks of the bytes of each
/// class give, for every character start, the class of the byte before it. A word is a few characters long, so the character-wise
/// loop mispredicted a branch at most word edges.
#[cfg(target_arch = "x86_64")]
mod word_starts_simd {
    use super::{wide_class, Class};

    /// Bytes a block reads: 32, and the two after them for the syllable test of its last bytes.
    const READ: usize = 34;

    /// Masks of a block's bytes, bit `j` for byte `j`.
    struct Block {
        ascii: u32,
        digit: u32,
        letter: u32,
        /// First bytes of multi-byte characters.
        wide_lead: u32,
        /// First bytes of Hangul syllables (U+AC00..=U+D7A3).
        syllable: u32,
        space: u32,
    }

    /// The masks of as many bytes as a vector of `$masks` holds, from `p`, which holds two
    /// more.
    macro_rules! masks {
        ($name:ident, $feature:literal, $masks:path, $bytes:literal, $or:ident, $set1:ident) => {
            #[target_feature(enable = $feature)]
            #[inline]
            fn $name(p: &[u8]) -> Block {
                use core::arch::x86_64::{$or, $set1};
                use $masks::{at_least, between, bits, equal, load, syllable_leads};
                let (v, v1, v2) = (load(p), load(&p[1..]), load(&p[2..]));
                let lower = $or(v, $set1(0x20));
                Block {
                    ascii: !bits(v) & (u32::MAX >> (32 - $bytes)),
                    digit: bits(between(v, b'0', b'9')),
                    letter: bits(between(lower, b'a', b'z')),
                    wide_lead: bits(at_least(v, 0xC0)),
                    syllable: bits(syllable_leads(v, v1, v2)),
                    space: bits(equal(v, b' ')),
                }
            }
        };
    }

    masks!(half, "sse2", crate::simd, 16, _mm_or_si128, _mm_set1_epi8);
    masks!(block_avx2, "avx2", crate::simd::wide, 32, _mm256_or_si256, _mm256_set1_epi8);

    /// The masks of 32 bytes; `p` holds at least [`READ`].
    #[target_feature(enable = "sse2")]
    #[inline]
    fn block(p: &[u8]) -> Block {
        let (lo, hi) = (half(p), half(&p[16..]));
        Block {
            ascii: lo.ascii | hi.ascii << 16,
            digit: lo.digit | hi.digit << 16,
            letter: lo.letter | hi.letter << 16,
            wide_lead: lo.wide_lead | hi.wide_lead << 16,
            syllable: lo.syllable | hi.syllable << 16,
            space: lo.space | hi.space << 16,
        }
    }

    /// What one block passes to the next: the class of its last byte, and the bytes of its
    /// last characters that fall into the next block.
    #[derive(Default)]
    struct Carry {
        /// Bit 0: the byte before the block is of that class.
        hangul: u32,
        digit: u32,
        letter: u32,
        /// Bytes of the block that belong to a character begun before it.
        spill_hangul: u32,
        spill_letter: u32,
    }

    /// Calls `f(at, starts, inside)` for each block of 32 bytes at `at`: its word starts and
    /// the syllables inside words ([`super::for_each_word_block`]).
    pub(super) fn for_each(text: &str, spaces: bool, f: impl FnMut(usize, u32, u32)) {
        if crate::simd::avx2() {
            // SAFETY: the CPU has AVX2, just checked.
            unsafe { for_each_avx2(text, spaces, f) }
        } else {
            // SAFETY: SSE2 is part of x86-64, so every CPU this runs on has it.
            unsafe { for_each_sse2(text, spaces, f) }
        }
    }

    #[target_feature(enable = "sse2")]
    fn for_each_sse2(text: &str, spaces: bool, f: impl FnMut(usize, u32, u32)) {
        each_block(text, spaces, f, |p| block(p));
    }

    #[target_feature(enable = "avx2")]
    fn for_each_avx2(text: &str, spaces: bool, f: impl FnMut(usize, u32, u32)) {
        each_block(text, spaces, f, |p| block_avx2(p));
    }

    /// Calls `f` for the word starts and inner syllables of each block of `text`, whose masks
    /// `block` gives.
    #[inline(always)]
    fn each_block(text: &str, spaces: bool, mut f: impl FnMut(usize, u32, u32), block: impl Fn(&[u8]) -> Block) {
        let bytes = text.as_bytes();
        let mut carry = Carry::default();
        let mut at = 0;
        while at < bytes.len() {
            let (m, inside) = if at + READ <= bytes.len() {
                (block(&bytes[at..]), u32::MAX)
            } else {
                // The tail, padded with NULs (ASCII, so they change no class before them).
                let mut padded = [0u8; READ];
                let n = (bytes.len() - at).min(32);
                padded[..bytes.len() - at].copy_from_slice(&bytes[at..]);
                (block(&padded), u32::MAX >> (32 - n))
            };
            let kept = if spaces { inside } else { inside & !m.space };
            let (starts, inner) = step(text, at, m, &mut carry);
            // One call site, so that `f` can be inlined here.
            f(at, starts & kept, inner & inside);
            at += 32;
        }
    }

    /// The word starts of the block at byte `at`, given its masks, and its syllables that
    /// follow a Hangul character.
    #[inline(always)]
    fn step(text: &str, at: usize, m: Block, carry: &mut Carry) -> (u32, u32) {
        // Bytes covered by the characters that start in this block, as 64 bits so that the
        // bytes past the block carry over.
        let s = u64::from(m.syllable);
        let mut hangul = s | s << 1 | s << 2;
        let mut letter = 0u64;
        // Other multi-byte characters (punctuation, Han, jamo, Latin with marks) one by one.
        let mut others = m.wide_lead & !m.syllable;
        while others != 0 {
            let j = others.trailing_zeros() as usize;
            others &= others - 1;
            let Some(c) = text.get(at + j..).and_then(|t| t.chars().next()) else { continue };
            let span = ((1u64 << c.len_utf8()) - 1) << j;
            match wide_class(c) {
                Class::Hangul => hangul |= span,
                Class::Letter => letter |= span,
                _ => {}
            }
        }
        let hangul_bytes = hangul as u32 | carry.spill_hangul;
        let letter_bytes = m.letter | letter as u32 | carry.spill_letter;
        let digit_bytes = m.digit;
        // The class of the byte before each byte.
        let before_hangul = hangul_bytes << 1 | carry.hangul;
        let before_digit = digit_bytes << 1 | carry.digit;
        let before_letter = letter_bytes << 1 | carry.letter;
        let inside = ((digit_bytes | letter_bytes) & (before_digit | before_letter))
            | (hangul_bytes & (before_hangul | before_digit));
        *carry = Carry {
            hangul: hangul_bytes >> 31,
            digit: digit_bytes >> 31,
            letter: letter_bytes >> 31,
            spill_hangul: (hangul >> 32) as u32,
            spill_letter: (letter >> 32) as u32,
        };
        ((m.ascii | m.wide_lead) & !inside, m.syllable & before_hangul)
    }
}

/// The right edge of the span ending at byte `end` of `text`.
pub fn right_edge(text: &str, end: usize) -> Right {
    let bytes = text.as_bytes();
    if end >= 3 && is_syllable_at(bytes, end - 3) && is_syllable_at(bytes, end) {
        // Fast path over the syllables that follow; any other Hangul after them as below.
        let mut to = end;
        while is_syllable_at(bytes, to) {
            to += 3;
        }
        let more: usize = text[to..].chars().take_while(|&c| script(c) == Script::Hangul).map(char::len_utf8).sum();
        return Right::Rest(end..to + more);
    }
    // Before an ASCII character that is not a letter or digit (a space, most often).
    if end > 0 && end < bytes.len() && bytes[end] < 0x80 && !bytes[end].is_ascii_alphanumeric() {
        return Right::Ok;
    }
    right_edge_general(text, end)
}

/// [`right_edge`] without its fast path: the reference it is tested against.
fn right_edge_general(text: &str, end: usize) -> Right {
    let Some(last) = text[..end].chars().next_back() else { return Right::Reject };
    let Some(next) = text[end..].chars().next() else { return Right::Ok };
    match (script(last), script(next)) {
        (Script::Alnum, Script::Alnum) => Right::Reject,
        (Script::Hangul, Script::Hangul) => {
            let len: usize = text[end..].chars().take_while(|&c| script(c) == Script::Hangul).map(char::len_utf8).sum();
            Right::Rest(end..end + len)
        }
        _ => Right::Ok,
    }
}

/// ko-dic reads some `noun + 하고` verbs (인도하고 있다) as noun + the particle 하고; the word
/// after tells them apart: an auxiliary or a verb of wanting/finishing follows a verb.
pub fn verb_follows_hago(text: &str, rest: Range<usize>) -> bool {
    if !text[rest.clone()].ends_with("하고") {
        return false;
    }
    let next_word = text[rest.end..].trim_start_matches(' ');
    if rest.end < text.len() && !text[rest.end..].starts_with(' ') {
        return false;
    }
    ["있", "싶", "나서", "난 ", "나면", "말", "계시", "보", "다니", "지내"].iter().any(|aux| next_word.starts_with(aux))
}

/// What morphology says of one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The span is a name here: its edges fall on morpheme boundaries, it ends nominally, and
    /// only particles, the copula or noun suffixes follow it in its word.
    pub valid: bool,
    /// Some morpheme of the span is read as a proper noun (NNP).
    pub proper: bool,
}

/// Judges the span `span` (offsets into the analysed text) given the morphemes of that text;
/// `rest` is the Hangul that follows it in its word, if any.
pub fn read_span(
    morphemes: &[Morpheme],
    span: Range<usize>,
    rest: Option<Range<usize>>,
    mid_word: bool,
    analysed: &str,
) -> Reading {
    let mut reading = Reading { valid: false, proper: false };
    let starts_at = |at: usize| morphemes.iter().any(|m| m.start == at);
    let ends_at = |at: usize| morphemes.iter().any(|m| m.end == at);
    if !starts_at(span.start) && mid_word {
        return reading;
    }
    if mid_word {
        // A compound boundary: the morpheme before must be nominal too (서울|강남구).
        match morphemes.iter().find(|m| m.end == span.start) {
            Some(m) if m.last().is_nominal() => {}
            _ => return reading,
        }
    }
    let inside: Vec<&Morpheme> = morphemes.iter().filter(|m| m.start < span.end && m.end > span.start).collect();
    reading.proper = inside.iter().any(|m| m.start >= span.start && m.end <= span.end && m.tags.contains(&Pos::NNP));
    let Some(last) = inside.last() else { return reading };
    if last.end > span.end {
        // The span ends inside a morpheme: only an unknown-word guess may hide a boundary.
        if last.known || !rest.as_ref().is_some_and(|r| is_particle_rest(&analysed[r.clone()], false)) {
            return reading;
        }
    } else if !last.last().is_nominal() && !ends_at(span.end) {
        return reading;
    }
    let first = inside[0];
    if first.first().is_particle() || first.first().is_ending() {
        return reading;
    }
    if last.end <= span.end && !(last.last().is_nominal()) {
        return reading;
    }
    if let Some(rest) = rest {
        for m in morphemes.iter().filter(|m| m.start >= span.end && m.start < rest.end) {
            let surface = &analysed[m.start..m.end.min(analysed.len())];
            let ok = m.tags.iter().all(|&t| t.is_particle() || t.is_ending() || t == Pos::VCP)
                || (m.first() == Pos::XSN && NOUN_SUFFIXES.iter().any(|s| surface.starts_with(s)))
                || (m.first() == Pos::NNB && NOUN_SUFFIXES.contains(&surface));
            if !ok {
                return reading;
            }
        }
    }
    reading.valid = true;
    reading
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The byte-level fast paths answer as the character-level rules, at every boundary,
        /// next to syllables, jamo, other Hangul blocks, the 3-byte neighbours of the syllable
        /// block (Yi, U+D7B0..) and Latin.
        #[test]
        fn edge_fast_paths_agree(pieces in prop::collection::vec(prop::sample::select(vec![
            "가", "힣", "국", "ㄱ", "\u{1100}", "\u{11A8}", "\u{A000}", "\u{A960}", "\u{ABFF}",
            "\u{D7A4}", "\u{D7B0}", "\u{D7FB}", "\u{E000}", "a", "1", " ", ".", "中", "é", "٣", "…",
            // The ends of the ASCII classes, and the bytes just outside them.
            "0", "9", "/", ":", "A", "Z", "z", "@", "[", "`", "{",
        ]), 0..48)) {
            let text: String = pieces.concat();
            for i in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                prop_assert_eq!(left_edge(&text, i), left_edge_general(&text, i), "left at {} of {:?}", i, text);
                prop_assert_eq!(right_edge(&text, i), right_edge_general(&text, i), "right at {} of {:?}", i, text);
            }
            let mut starts = Vec::new();
            for_each_word_start(&text, |i| starts.push(i));
            let expected: Vec<usize> = (0..text.len())
                .filter(|&i| text.is_char_boundary(i) && left_edge_general(&text, i) == Left::Ok)
                .collect();
            prop_assert_eq!(&starts, &expected, "word starts of {:?}", text);
            let mut general = Vec::new();
            for_each_word_start_general(&text, |i| general.push(i));
            prop_assert_eq!(&general, &expected, "word starts of {:?}", text);
            // Block by block, and without the spaces; on x86-64 without AVX2 too.
            for spaces in [true, false] {
                let kept: Vec<usize> =
                    expected.iter().copied().filter(|&i| spaces || text.as_bytes()[i] != b' ').collect();
                let push = |blocks: &mut Vec<usize>, at: usize, mut mask: u32| {
                    while mask != 0 {
                        blocks.push(at + mask.trailing_zeros() as usize);
                        mask &= mask - 1;
                    }
                };
                let mut blocks = Vec::new();
                for_each_word_start_block(&text, spaces, |at, mask| push(&mut blocks, at, mask));
                prop_assert_eq!(&blocks, &kept, "word starts of {:?}, spaces {}", text, spaces);
                #[cfg(target_arch = "x86_64")]
                {
                    let mut blocks = Vec::new();
                    crate::simd::without_avx2(|| {
                        for_each_word_start_block(&text, spaces, |at, mask| push(&mut blocks, at, mask));
                    });
                    prop_assert_eq!(&blocks, &kept, "SSE2 word starts of {:?}, spaces {}", text, spaces);
                }
            }
            // With the syllables inside words.
            let inner: Vec<usize> = (0..text.len())
                .filter(|&i| is_syllable_at(text.as_bytes(), i) && left_edge_general(&text, i) == Left::MidWord)
                .collect();
            let no_spaces: Vec<usize> = expected.iter().copied().filter(|&i| text.as_bytes()[i] != b' ').collect();
            let words = || {
                let (mut starts, mut inside) = (Vec::new(), Vec::new());
                for_each_word_block(&text, |at, s, i| {
                    for (mask, out) in [(s, &mut starts), (i, &mut inside)] {
                        out.extend((0..32).filter(|j| mask >> j & 1 != 0).map(|j| at + j));
                    }
                });
                (starts, inside)
            };
            prop_assert_eq!(words(), (no_spaces.clone(), inner.clone()), "words of {:?}", text);
            #[cfg(target_arch = "x86_64")]
            prop_assert_eq!(crate::simd::without_avx2(words), (no_spaces, inner), "SSE2 words of {:?}", text);
        }
    }

    #[test]
    fn edges() {
        assert_eq!(left_edge("said", 1), Left::Reject);
        assert_eq!(left_edge("openai의", 4), Left::Reject);
        assert_eq!(left_edge("sk하이닉스", 2), Left::Ok);
        assert_eq!(left_edge("국가나", 3), Left::MidWord);
        assert_eq!(left_edge("(네이버", 1), Left::Ok);
        assert_eq!(right_edge("lgbt", 2), Right::Reject);
        assert_eq!(right_edge("openai의", 6), Right::Ok);
        assert_eq!(right_edge("네이버는 ", 9), Right::Rest(9..12));
        assert_eq!(right_edge("네이버.", 9), Right::Ok);
    }

    #[test]
    fn particle_lists() {
        for rest in ["는", "에서는", "들이", "측은", "이다", "하고", "이란"] {
            assert!(is_particle_rest(rest, false), "{rest}");
        }
        for rest in ["한", "적", "성", "화", "클라우드", "하는"] {
            assert!(!is_particle_rest(rest, false), "{rest}");
        }
        assert!(!is_particle_rest("하고", true));
    }

    #[test]
    fn hago_rule() {
        let t = "인도하고 있다";
        assert!(verb_follows_hago(t, 6..12));
        let t = "인도하고 협력";
        assert!(!verb_follows_hago(t, 6..12));
    }

    #[test]
    fn hand_made_morphemes() {
        use Pos::*;
        // 오만한: 오만/NNG 한/XSA+ETM
        let m = vec![Morpheme::new(0, 6, NNG), Morpheme { tags: vec![XSA, ETM], ..Morpheme::new(6, 9, XSA) }];
        assert!(!read_span(&m, 0..6, Some(6..9), false, "오만한").valid);
        // 이란은: 이란/NNP 은/JX
        let m = vec![Morpheme::new(0, 6, NNP), Morpheme::new(6, 9, JX)];
        let r = read_span(&m, 0..6, Some(6..9), false, "이란은");
        assert!(r.valid && r.proper);
        // 국가나: 국가/NNG 나/JC — 가나 starts inside 국가
        let m = vec![Morpheme::new(0, 6, NNG), Morpheme::new(6, 9, JC)];
        assert!(!read_span(&m, 3..9, None, true, "국가나").valid);
        // 서울강남구: 서울/NNP 강남구/NNP — a compound boundary
        let m = vec![Morpheme::new(0, 6, NNP), Morpheme::new(6, 15, NNP)];
        assert!(read_span(&m, 6..15, None, true, "서울강남구").valid);
        // 지난: 지나/VV+ᆫ/ETM as one token
        let m = vec![Morpheme { tags: vec![VV, ETM], ..Morpheme::new(0, 6, VV) }];
        assert!(!read_span(&m, 0..6, None, false, "지난").valid);
    }
}

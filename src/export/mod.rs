//! Wire records and writers: JSONL for programs, CSV for analysts.
//!
//! Wire records are their own structs, so renaming a domain field cannot silently rename an
//! analyst's column. Offsets on the wire are character offsets within the field (the way
//! Python slices strings); the library keeps byte spans.

pub mod csv;
pub mod jsonl;

use crate::input::{Article, InputError};
use crate::tagger::{Field, Mention, Tagged};

/// What became of one input record.
#[derive(Debug)]
pub enum Outcome {
    /// The article and what was found in it.
    Tagged(Article, Tagged),
    /// The record or file could not be read or parsed.
    Failed(InputError),
}

/// Character offsets (start, end) of each mention in its field, in the mentions' order.
pub fn char_offsets(article: &Article, mentions: &[Mention]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(mentions.len());
    char_offsets_into(article, mentions, &mut out);
    out
}

/// [`char_offsets`] into `out` (cleared first), so that a renderer can keep one buffer for a
/// whole run of records instead of allocating one per record.
pub(crate) fn char_offsets_into(article: &Article, mentions: &[Mention], out: &mut Vec<(usize, usize)>) {
    // Mentions are sorted by field then start, so one forward walk per field suffices: each
    // mention's characters are counted from the end of the one before (or from its start,
    // when they overlap), so every byte of a field is counted about once.
    out.clear();
    /// A byte offset in a field and the number of characters before it.
    type Place = (usize, usize);
    // (field, the previous mention's start, its end)
    let mut cursor: Option<(Field, Place, Place)> = None;
    for m in mentions {
        let text = field_text(article, m.field);
        let (byte, chars) = match cursor {
            Some((f, _, end)) if f == m.field && end.0 <= m.span.start => end,
            Some((f, start, _)) if f == m.field && start.0 <= m.span.start => start,
            _ => (0, 0),
        };
        let start = chars + count_chars(&text[byte..m.span.start]);
        let end = start + count_chars(&text[m.span.clone()]);
        out.push((start, end));
        cursor = Some((m.field, (m.span.start, start), (m.span.end, end)));
    }
}

/// The number of characters in `s` (`s.chars().count()`): its bytes less its UTF-8
/// continuation bytes (`10xxxxxx`), these counted eight bytes at a time. The standard
/// library goes a byte at a time below 32 bytes, and the text before a mention in a headline
/// is mostly shorter than that.
fn count_chars(s: &str) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Continuation bytes of a word: the high bit set and the next bit (moved up by the shift
    // onto the high bit) clear; their number is the sum of the bytes of the flags moved down
    // to bit 0, which the multiplication gathers in the top byte (at most 8: no carry).
    let continuations = |w: u64| (((w & !(w << 1) & HIGH) >> 7).wrapping_mul(ONES) >> 56) as usize;
    let bytes = s.as_bytes();
    let mut words = bytes.chunks_exact(8);
    let mut count = bytes.len();
    for word in words.by_ref() {
        count -= continuations(u64::from_le_bytes(word.try_into().expect("eight bytes")));
    }
    let rest = words.remainder();
    if bytes.len() >= 8 {
        if !rest.is_empty() {
            // The string's last word, less its low bytes, which were counted in the last
            // whole word (the shift moves zeros in: no continuation bytes).
            let last = u64::from_le_bytes(bytes[bytes.len() - 8..].try_into().expect("eight bytes"));
            count -= continuations(last >> (8 * (8 - rest.len())));
        }
    } else {
        count -= rest.iter().filter(|&&b| b & 0xC0 == 0x80).count();
    }
    count
}

/// The text of `field` in `article`.
pub fn field_text(article: &Article, field: Field) -> &str {
    match field {
        Field::Title => &article.title,
        Field::Body => &article.body,
    }
}

/// Up to `reach` characters on each side of a byte span, on one line.
pub fn context(text: &str, span: std::ops::Range<usize>, reach: usize) -> String {
    let before_start = text[..span.start].char_indices().rev().nth(reach.saturating_sub(1)).map_or(0, |(i, _)| i);
    let after_end = text[span.end..].char_indices().nth(reach).map_or(text.len(), |(i, _)| span.end + i);
    let before_start = if reach == 0 { span.start } else { before_start };
    text[before_start..after_end].split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_characters() {
        let article = Article::new("a", "ＡＩ 네이버", "네이버는 네이버");
        let ms = [
            Mention { entity: 0, field: Field::Title, span: 7..16, alias: 0 },
            Mention { entity: 0, field: Field::Body, span: 0..9, alias: 0 },
            Mention { entity: 0, field: Field::Body, span: 13..22, alias: 0 },
        ];
        assert_eq!(char_offsets(&article, &ms), [(3, 6), (0, 3), (5, 8)]);
    }

    /// Character offsets the plain way, each counted from the start of its field.
    fn naive_offsets(article: &Article, mentions: &[Mention]) -> Vec<(usize, usize)> {
        mentions
            .iter()
            .map(|m| {
                let text = field_text(article, m.field);
                let start = text[..m.span.start].chars().count();
                (start, start + text[m.span.clone()].chars().count())
            })
            .collect()
    }

    #[test]
    fn offsets_of_overlapping_and_adjacent_mentions() {
        let article = Article::new("a", "삼성전자 네이버", "삼성전자와 삼성전자서비스, SK하이닉스");
        let body = &article.body;
        let at = |s: &str, nth: usize| body.match_indices(s).nth(nth).unwrap().0;
        let (first, second, sk) = (at("삼성전자", 0), at("삼성전자", 1), at("SK", 0));
        let ms = [
            Mention { entity: 0, field: Field::Title, span: 0..12, alias: 0 },
            Mention { entity: 1, field: Field::Title, span: 13..22, alias: 0 },
            Mention { entity: 0, field: Field::Body, span: first..first + 12, alias: 0 },
            // Adjacent: starts where the one before ends.
            Mention { entity: 2, field: Field::Body, span: first + 12..first + 15, alias: 0 },
            // Overlapping: inside the next, then one starting inside it, then one after both.
            Mention { entity: 3, field: Field::Body, span: second..second + 24, alias: 0 },
            Mention { entity: 0, field: Field::Body, span: second..second + 12, alias: 0 },
            Mention { entity: 4, field: Field::Body, span: second + 6..second + 12, alias: 0 },
            Mention { entity: 5, field: Field::Body, span: sk..body.len(), alias: 0 },
        ];
        let expected = naive_offsets(&article, &ms);
        assert_eq!(expected[4], (6, 16));
        assert_eq!(char_offsets(&article, &ms), expected);
        // A reused buffer is cleared first.
        let mut buffer = vec![(7, 7); 20];
        char_offsets_into(&article, &ms[2..], &mut buffer);
        assert_eq!(buffer, &expected[2..]);
    }

    #[test]
    fn count_chars_at_every_length() {
        // Every length around the eight-byte words, in 1-, 2-, 3- and 4-byte characters.
        for piece in ["a", "é", "한", "😀", "a한", "한😀é"] {
            for n in 0..=24 {
                for prefix in ["", "a", "ab", "한"] {
                    let s = format!("{prefix}{}", piece.repeat(n));
                    assert_eq!(count_chars(&s), s.chars().count(), "{s:?}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn count_chars_counts_like_chars(s in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(count_chars(&s), s.chars().count());
        }

        #[test]
        fn offsets_match_counting_from_the_start(
            title in "[a가-힣😀 ]{0,30}",
            body in "[a가-힣😀 ]{0,60}",
            cuts in proptest::collection::vec((proptest::prelude::any::<bool>(), 0usize..100, 0usize..100), 0..8),
        ) {
            let article = Article::new("a", title, body);
            // Mentions on character boundaries, sorted by field then start as the tagger
            // gives them; they may overlap, nest or be empty.
            let mut ms: Vec<Mention> = cuts
                .into_iter()
                .map(|(in_body, a, b)| {
                    let field = if in_body { Field::Body } else { Field::Title };
                    let text = field_text(&article, field);
                    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
                    let (a, b) = (bounds[a % bounds.len()], bounds[b % bounds.len()]);
                    Mention { entity: 0, field, span: a.min(b)..a.max(b), alias: 0 }
                })
                .collect();
            ms.sort_by_key(|m| (m.field == Field::Body, m.span.start));
            proptest::prop_assert_eq!(char_offsets(&article, &ms), naive_offsets(&article, &ms));
        }
    }

    #[test]
    fn context_window() {
        let text = "가나다라마 네이버 바사아자";
        let s = text.find("네이버").unwrap();
        assert_eq!(context(text, s..s + 9, 2), "마 네이버 바");
        assert_eq!(context("a\nb네이버c\nd", 3..12, 30), "a b네이버c d");
    }
}

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
    // Mentions are sorted by field then start, so one forward walk per field suffices.
    let mut out = Vec::with_capacity(mentions.len());
    let mut cursor: Option<(Field, usize, usize)> = None; // (field, byte, chars so far)
    for m in mentions {
        let text = field_text(article, m.field);
        let (mut byte, mut chars) = match cursor {
            Some((f, b, c)) if f == m.field && b <= m.span.start => (b, c),
            _ => (0, 0),
        };
        chars += text[byte..m.span.start].chars().count();
        byte = m.span.start;
        let start = chars;
        let end = start + text[m.span.clone()].chars().count();
        out.push((start, end));
        cursor = Some((m.field, byte, chars));
    }
    out
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

    #[test]
    fn context_window() {
        let text = "가나다라마 네이버 바사아자";
        let s = text.find("네이버").unwrap();
        assert_eq!(context(text, s..s + 9, 2), "마 네이버 바");
        assert_eq!(context("a\nb네이버c\nd", 3..12, 30), "a b네이버c d");
    }
}

//! The invariants every tagging result keeps, shared by the property tests
//! (`tests/properties.rs`) and the matcher fuzz target (`fuzz/fuzz_targets/matcher.rs`).

use hantag::normalize::normalize_key;
use hantag::{Article, Field, Tagged, Tagger};

/// Checks every mention of `tagged`, the result of tagging `article`: its span is non-empty,
/// inside its field and on character boundaries; its surface is that slice of the original
/// and spells the alias; mentions come in order and without overlap.
pub fn check_mentions(tagger: &Tagger, article: &Article, tagged: &Tagged) {
    let mut previous: Option<(Field, usize, usize)> = None;
    for m in tagged.mentions() {
        let field = match m.field {
            Field::Title => &article.title,
            Field::Body => &article.body,
        };
        let span = m.span();
        assert!(span.start < span.end && span.end <= field.len(), "{span:?} in {field:?}");
        assert!(field.is_char_boundary(span.start) && field.is_char_boundary(span.end), "{span:?} in {field:?}");
        let surface = m.surface(article);
        assert_eq!(surface, &field[span.clone()]);
        // The surface spells the alias (it may hold more: a cluster that normalization had to
        // take whole, such as a syllable and the combining mark after it).
        let alias = tagger.alias_text(m.alias);
        assert!(
            compact(&normalize_key(surface)).contains(&compact(&normalize_key(alias))),
            "surface {surface:?} does not spell alias {alias:?} ({span:?} in {field:?})"
        );
        if let Some((f, start, end)) = previous {
            assert!(f < m.field || (f == m.field && start <= span.start), "disorder at {span:?} in {field:?}");
            // Resolved without overlap in the normalized text, and in the original too: one
            // original character that normalizes to several (ﷺ, a run of marks) is never shared.
            assert!(f < m.field || end <= span.start, "overlap at {span:?} in {field:?}");
        }
        let reach = match previous {
            Some((f, _, end)) if f == m.field => end.max(span.end),
            _ => span.end,
        };
        previous = Some((m.field, span.start, reach));
    }
}

/// Spaces removed, for comparing spellings that differ only in spacing.
fn compact(s: &str) -> String {
    s.chars().filter(|&c| c != ' ').collect()
}

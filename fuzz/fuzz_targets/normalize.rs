//! The normalizer and its offset map: for any text, with and without case folding,
//! - every normalized character maps back to a non-empty range of the original on character
//!   boundaries, and the ranges never go backwards;
//! - the normalized text has no leading, trailing or double spaces;
//! - normalizing again changes nothing (idempotence), and folding the keep-case form gives
//!   the folded form;
//! - a reused `Normalized` (as workers reuse theirs) gives what a fresh one gives;
//! - the fast path gives exactly what the general path gives.
#![no_main]

use hantag::normalize::{normalize_keep_case, normalize_key, Normalized};
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;

thread_local! {
    static REUSED: RefCell<Normalized> = RefCell::new(Normalized::default());
}

fn check(original: &str, fold: bool) {
    let mut n = Normalized::default();
    n.refill(original, fold);
    // The fast path for runs that normalization leaves alone changes nothing.
    let mut general = Normalized::default();
    general.refill_general(original, fold);
    assert_eq!(n.as_str(), general.as_str(), "{original:?}");
    for (i, c) in n.as_str().char_indices() {
        assert_eq!(n.original_span(i..i + c.len_utf8()), general.original_span(i..i + c.len_utf8()), "{original:?}");
    }
    let text = n.as_str();
    assert!(!text.starts_with(' ') && !text.ends_with(' ') && !text.contains("  "), "{original:?} → {text:?}");
    let mut last = 0..0;
    let mut bounds = Vec::new();
    for (i, c) in text.char_indices() {
        let span = n.original_span(i..i + c.len_utf8());
        assert!(span.start < span.end, "{original:?}: empty origin for {c:?} at {i}");
        assert!(span.end <= original.len(), "{original:?}: {span:?} past the end");
        assert!(original.is_char_boundary(span.start) && original.is_char_boundary(span.end), "{original:?}: {span:?}");
        assert!(span.start >= last.start && span.end >= last.end, "{original:?}: {span:?} after {last:?}");
        bounds.push((i, span.clone()));
        last = span;
    }
    // A multi-character span maps to (start of its first character, end of its last).
    if bounds.len() >= 2 {
        let (first, last) = (&bounds[0], &bounds[bounds.len() - 1]);
        let whole = n.original_span(first.0..text.len());
        assert_eq!(whole, first.1.start..last.1.end, "{original:?}");
        let mid = &bounds[bounds.len() / 2];
        let part = n.original_span(mid.0..text.len());
        assert_eq!(part, mid.1.start..last.1.end, "{original:?}");
    }
    let mut again = Normalized::default();
    again.refill(text, fold);
    assert_eq!(again.as_str(), text, "not idempotent on {original:?}");
    REUSED.with(|r| {
        let mut r = r.borrow_mut();
        r.refill(original, fold);
        assert!(*r == n, "a reused buffer differs on {original:?}");
    });
}

fuzz_target!(|original: &str| {
    check(original, true);
    check(original, false);
    assert_eq!(normalize_key(&normalize_keep_case(original)), normalize_key(original), "{original:?}");
});

//! The word-start trie as the scan walks it.
//!
//! crawdad builds the trie (a character-wise double array) and defines its serialized form,
//! which compiled dictionaries hold. The scan walks it here instead of through crawdad's
//! `common_prefix_search`: the text is UTF-8 that the walk decodes itself, a node is one
//! 8-byte load, and a walk reports byte offsets, so a word start costs about half the
//! instructions (BENCHMARKS.md, seventh round). `tests` hold it to crawdad's own search.

use crate::dictionary::{take, take_u32, SharedBytes, Words};

/// Set on a node's base when the node is a leaf (its base is then a value), and on its check
/// when it has a leaf child (at its base XOR [`END_CODE`]).
const FLAG: u32 = 1 << 31;
/// A character that no key holds.
const NO_CODE: u32 = u32::MAX;
/// The code of crawdad's end marker, U+FFFF, which ends every key in the double array.
const END_CODE: u32 = 0;

/// A loaded trie: crawdad's code table and nodes, as they are serialized (in place in a
/// compiled file the tagger keeps).
pub(crate) struct Trie {
    /// The code of each character (by scalar value) that some key holds, [`NO_CODE`] for others.
    table: Words<4>,
    alphabet_size: u32,
    /// `base | check << 32`, with the [`FLAG`] bits.
    nodes: Words<8>,
}

impl Trie {
    /// Builds the trie of `records` (key, value below 2^31) with crawdad.
    pub(crate) fn build(records: Vec<(&str, u32)>) -> Result<Trie, String> {
        let built = crawdad::Trie::from_records(records).map_err(|e| e.to_string())?;
        Trie::from_bytes(&built.serialize_to_vec(), None)
            .ok_or_else(|| "the trie is not what crawdad builds".to_string())
    }

    /// Reads a serialized crawdad trie (0.4: the code table, the alphabet size, then the nodes
    /// as base and check words); `None` if it is damaged. It is checked as the walk needs it:
    /// the sizes, and that every child and leaf index a walk can compute from a node lands
    /// inside the nodes (a node's children are its base XOR a character code). The trie reads
    /// its arrays in place when `bytes` lie inside `file`.
    pub(crate) fn from_bytes(bytes: &[u8], file: Option<&SharedBytes>) -> Option<Trie> {
        let (table_len, rest) = take_u32(bytes)?;
        let (table, rest) = take(rest, (table_len as usize).checked_mul(4)?)?;
        let (alphabet_size, rest) = take_u32(rest)?;
        let (count, rest) = take_u32(rest)?;
        if rest.len() != (count as usize).checked_mul(8)? || count == 0 {
            return None;
        }
        let table = Words::new(table, file);
        let codes = table.as_slice().iter().map(|&c| u32::from_le_bytes(c));
        let max_code = codes.filter(|&c| c != NO_CODE).max().unwrap_or(0);
        let spread = max_code.checked_add(1)?.checked_next_power_of_two()? - 1;
        let nodes = Words::new(rest, file);
        // Vacant nodes (both words 2^31 - 1) are never reached: no parent has their check.
        let vacant = |n: u64| n == u64::from(!FLAG) << 32 | u64::from(!FLAG);
        let inside = nodes
            .as_slice()
            .iter()
            .map(|&n| u64::from_le_bytes(n))
            .all(|n| n as u32 & FLAG != 0 || vacant(n) || ((n as u32 & !FLAG) | spread) < count);
        inside.then_some(Trie { table, alphabet_size, nodes })
    }

    /// The serialized form [`Trie::from_bytes`] reads.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let (table, nodes) = (self.table.as_slice(), self.nodes.as_slice());
        let mut out = Vec::with_capacity(12 + 4 * table.len() + 8 * nodes.len());
        out.extend((table.len() as u32).to_le_bytes());
        out.extend(table.as_flattened());
        out.extend(self.alphabet_size.to_le_bytes());
        out.extend((nodes.len() as u32).to_le_bytes());
        out.extend(nodes.as_flattened());
        out
    }

    /// Heap memory, in bytes (none for arrays read in place).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.table.heap_bytes() + self.nodes.heap_bytes()
    }

    /// Calls `found(value, end)` for every key that starts `text` at byte `start` (a character
    /// boundary), shortest first; `end` is the byte offset where the key ends.
    #[inline]
    pub(crate) fn prefixes(&self, text: &str, start: usize, found: impl FnMut(u32, usize)) {
        self.long_prefixes::<0>(text, start, found);
    }

    /// [`Trie::prefixes`], leaving out keys shorter than `MIN_CHARS` characters.
    #[inline(always)]
    pub(crate) fn long_prefixes<const MIN_CHARS: u32>(
        &self,
        text: &str,
        start: usize,
        mut found: impl FnMut(u32, usize),
    ) {
        let bytes = text.as_bytes();
        let mut depth = 0u32;
        let (table, nodes) = (self.table.as_slice(), self.nodes.as_slice());
        let mut at = start;
        let mut node = 0u32;
        let mut base = match nodes.first() {
            Some(&root) => u64::from_le_bytes(root) as u32,
            None => return,
        };
        while let Some(&lead) = bytes.get(at) {
            // `text` is UTF-8 and `at` a character boundary: `lead` starts a character whose
            // continuation bytes follow.
            let (c, len) = match lead {
                0..0x80 => (u32::from(lead), 1),
                0x80..0xE0 => (u32::from(lead & 0x1F) << 6 | u32::from(bytes[at + 1] & 0x3F), 2),
                0xE0..0xF0 => (
                    u32::from(lead & 0x0F) << 12
                        | u32::from(bytes[at + 1] & 0x3F) << 6
                        | u32::from(bytes[at + 2] & 0x3F),
                    3,
                ),
                _ => (
                    u32::from(lead & 0x07) << 18
                        | u32::from(bytes[at + 1] & 0x3F) << 12
                        | u32::from(bytes[at + 2] & 0x3F) << 6
                        | u32::from(bytes[at + 3] & 0x3F),
                    4,
                ),
            };
            // U+FFFF, the end marker, has code 0: in a text it ends the walk, as no key holds
            // it (such patterns go to the automaton).
            let code = table.get(c as usize).map_or(NO_CODE, |&c| u32::from_le_bytes(c));
            if code == NO_CODE || code == END_CODE || base & FLAG != 0 {
                return;
            }
            let child = (base ^ code) as usize;
            let Some(&n) = nodes.get(child) else { return };
            let n = u64::from_le_bytes(n);
            let check = (n >> 32) as u32;
            if check & !FLAG != node {
                return;
            }
            at += len;
            base = n as u32;
            // Counted only when some keys are too short (the compiler drops it otherwise).
            depth += u32::from(MIN_CHARS > 1);
            let long_enough = MIN_CHARS <= 1 || depth >= MIN_CHARS;
            if base & FLAG != 0 {
                // A leaf reached by a character: a key with no longer key after it.
                if long_enough {
                    found(base & !FLAG, at);
                }
                return;
            }
            if check & FLAG != 0 && long_enough {
                if let Some(&leaf) = nodes.get((base ^ END_CODE) as usize) {
                    found(u64::from_le_bytes(leaf) as u32 & !FLAG, at);
                }
            }
            node = child as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every (value, end) of crawdad's own search from each character boundary of `text`.
    fn crawdad_prefixes(trie: &crawdad::Trie, text: &str) -> Vec<(usize, u32, usize)> {
        let mut out = Vec::new();
        for (start, _) in text.char_indices() {
            let chars: Vec<char> = text[start..].chars().take_while(|&c| c != crawdad::END_MARKER).collect();
            for (value, n) in trie.common_prefix_search(chars.iter().copied()) {
                out.push((start, value, start + chars[..n].iter().map(|c| c.len_utf8()).sum::<usize>()));
            }
        }
        out
    }

    fn walked(trie: &Trie, text: &str) -> Vec<(usize, u32, usize)> {
        let mut out = Vec::new();
        for (start, _) in text.char_indices() {
            trie.prefixes(text, start, |value, end| out.push((start, value, end)));
        }
        out
    }

    fn check(keys: &[String], text: &str) {
        let mut keys: Vec<&str> = keys.iter().map(String::as_str).filter(|k| !k.contains('\u{ffff}')).collect();
        keys.sort_unstable();
        keys.dedup();
        let records: Vec<(&str, u32)> = keys.iter().enumerate().map(|(i, &k)| (k, 7 * i as u32)).collect();
        let Ok(theirs) = crawdad::Trie::from_records(records.clone()) else { return };
        let ours = Trie::build(records).unwrap();
        let expected = crawdad_prefixes(&theirs, text);
        assert_eq!(walked(&ours, text), expected, "{keys:?} in {text:?}");
        // Only keys of three characters or more.
        let mut long = Vec::new();
        for (start, _) in text.char_indices() {
            ours.long_prefixes::<3>(text, start, |value, end| long.push((start, value, end)));
        }
        let three = |&&(start, _, end): &&(usize, u32, usize)| text[start..end].chars().count() >= 3;
        assert_eq!(long, expected.iter().filter(three).copied().collect::<Vec<_>>(), "{keys:?} in {text:?}");
        // What is written reads back the same, byte for byte.
        let bytes = ours.to_bytes();
        assert_eq!(bytes, theirs.serialize_to_vec());
        assert_eq!(Trie::from_bytes(&bytes, None).unwrap().to_bytes(), bytes);
    }

    #[test]
    fn walks_like_crawdad() {
        let keys: Vec<String> = ["삼성", "삼성전자", "삼", "a", "ab", "é", "€uro", "𝄞", "가\u{ffff}"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        check(&keys, "삼성전자는 삼성과 ab é€uro𝄞 삼\u{ffff}성 가");
        check(&keys, "");
    }

    #[test]
    fn damaged_tries_are_refused() {
        let ours = Trie::build(vec![("삼성", 1), ("삼성전자", 2)]).unwrap();
        let bytes = ours.to_bytes();
        for cut in 0..bytes.len() {
            assert!(Trie::from_bytes(&bytes[..cut], None).is_none(), "{cut}");
        }
        // A base that sends a child outside the nodes.
        let mut far = bytes.clone();
        let nodes_at = bytes.len() - 8 * ours.nodes.as_slice().len();
        far[nodes_at..nodes_at + 4].copy_from_slice(&0x7000_0000u32.to_le_bytes());
        assert!(Trie::from_bytes(&far, None).is_none());
    }

    proptest! {
        #[test]
        fn any_keys_walk_like_crawdad(
            keys in proptest::collection::vec("[가나다ab\u{e9}\u{1d11e}]{1,4}", 1..20),
            text in "[가나다ab\u{e9}\u{1d11e} \u{ffff}]{0,24}",
        ) {
            check(&keys, &text);
        }
    }
}

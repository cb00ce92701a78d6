//! Compares automaton implementations on Korean news with a large gazetteer, as hantag uses
//! them: all overlapping matches over normalized text; and, for `--morph off`, a trie walked
//! from word starts only. Then the two reference points: a plain `aho-corasick`
//! leftmost-longest scan (no validation, no I/O: the ceiling a tagger approaches) and lindera
//! analysing all the text with ko-dic. Reproduces the tables in BENCHMARKS.md.
//!
//! cargo run --release --example automaton_compare -- GAZETTEER.tsv CORPUS.jsonl

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use daachorse::CharwiseDoubleArrayAhoCorasick;
use hantag::matcher::spacing_variants;
use hantag::morph::{Analyze, KoDic};
use hantag::normalize::normalize_key;
use std::collections::HashSet;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (gazetteer, corpus) = (&args[1], &args[2]);
    let mut seen = HashSet::new();
    let mut patterns = Vec::new();
    for line in std::fs::read_to_string(gazetteer).unwrap().lines() {
        let alias = line.split('\t').next().unwrap_or("");
        for v in spacing_variants(&normalize_key(alias)) {
            if !v.is_empty() && seen.insert(v.clone()) {
                patterns.push(v);
            }
        }
    }
    let texts: Vec<String> = std::fs::read_to_string(corpus)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let t = format!("{} {}", v["title"].as_str().unwrap_or(""), v["body"].as_str().unwrap_or(""));
            normalize_key(&t)
        })
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("{} patterns, {:.1} MB of normalized text", patterns.len(), bytes as f64 / 1e6);
    println!("| automaton | build s | heap MB | scan MB/s | matches |");
    println!("|---|---|---|---|---|");
    for (name, kind) in [
        ("aho-corasick DFA", AhoCorasickKind::DFA),
        ("aho-corasick contiguous NFA", AhoCorasickKind::ContiguousNFA),
        ("aho-corasick noncontiguous NFA", AhoCorasickKind::NoncontiguousNFA),
    ] {
        let t = Instant::now();
        let ac = AhoCorasick::builder().match_kind(MatchKind::Standard).kind(Some(kind)).build(&patterns).unwrap();
        let build = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let n: usize = texts.iter().map(|s| ac.find_overlapping_iter(s).count()).sum();
        let scan = t.elapsed().as_secs_f64();
        println!(
            "| {name} | {build:.2} | {:.0} | {:.1} | {n} |",
            ac.memory_usage() as f64 / 1e6,
            bytes as f64 / 1e6 / scan
        );
    }
    let t = Instant::now();
    let da: CharwiseDoubleArrayAhoCorasick<u32> = CharwiseDoubleArrayAhoCorasick::new(&patterns).unwrap();
    let build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let n: usize = texts.iter().map(|s| da.find_overlapping_iter(s).count()).sum();
    let scan = t.elapsed().as_secs_f64();
    println!(
        "| daachorse charwise | {build:.2} | {:.0} | {:.1} | {n} |",
        da.heap_bytes() as f64 / 1e6,
        bytes as f64 / 1e6 / scan
    );
    // Without morphology only matches at word starts count: a trie walked from each of them.
    let mut records: Vec<(&str, u32)> = patterns.iter().enumerate().map(|(i, p)| (p.as_str(), i as u32)).collect();
    records.sort_unstable();
    let t = Instant::now();
    let trie = crawdad::Trie::from_records(records).unwrap();
    let build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut n = 0;
    for s in &texts {
        hantag::boundary::for_each_word_start(s, |i| {
            if s.as_bytes()[i] != b' ' {
                n += trie.common_prefix_search(s[i..].chars()).count();
            }
        });
    }
    let scan = t.elapsed().as_secs_f64();
    println!(
        "| crawdad trie from word starts (`--morph off`) | {build:.2} | {:.0} | {:.1} | {n} |",
        trie.heap_bytes() as f64 / 1e6,
        bytes as f64 / 1e6 / scan
    );

    // The ceiling: one leftmost-longest pass of aho-corasick (its default kind for
    // these patterns), matches counted and nothing else.
    let t = Instant::now();
    let ac = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&patterns).unwrap();
    let build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let n: usize = texts.iter().map(|s| ac.find_iter(s).count()).sum();
    let scan = t.elapsed().as_secs_f64();
    println!();
    println!("| reference | build s | scan MB/s | matches or tokens |");
    println!("|---|---|---|---|");
    println!(
        "| aho-corasick leftmost-longest ({:?}), no validation, no I/O | {build:.2} | {:.1} | {n} |",
        ac.kind(),
        bytes as f64 / 1e6 / scan
    );
    // lindera with ko-dic over every title and body.
    let t = Instant::now();
    let kodic = KoDic::load().unwrap();
    let build = t.elapsed().as_secs_f64();
    let mut worker = kodic.worker();
    let mut out = Vec::new();
    let t = Instant::now();
    let mut n = 0;
    for s in &texts {
        worker.analyze(s, &mut out).unwrap();
        n += out.len();
    }
    let scan = t.elapsed().as_secs_f64();
    println!("| lindera (ko-dic) over all the text | {build:.2} | {:.1} | {n} |", bytes as f64 / 1e6 / scan);
}

//! The matcher through the tagger: a dictionary and a text from the input, tagged with
//! morphology off (random dictionary) and on (the built-in dictionary with its topics).
//!
//! Input: `DICTIONARY \0 TEXT`. A dictionary starting with `id,` is entity CSV as a user would
//! write it; otherwise each line is `name|alias|…` with `=exact`, `+requires`, `-excludes`.
//! Without a `\0` the whole input is text for the built-in dictionary.
//!
//! Invariants: every mention's span is non-empty, inside its field, on character boundaries,
//! its surface (the original slice) spells the alias, mentions are in order without overlap,
//! and tagging twice gives the same result. For the random dictionary, also: the word-start
//! scan finds exactly what the full scan finds that a tagger without morphology can accept
//! (aliases and terms at word starts, exclusion and context phrases anywhere), built or
//! loaded from the matcher's bytes.
#![no_main]

use hantag::boundary::{left_edge, Left};
use hantag::dictionary::{Entity, EntityId, Origin};
use hantag::matcher::{Candidate, Matcher, Owner, Scan};
use hantag::normalize::normalize;
use hantag::{Article, Dictionary, Morphology, Tagger};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

#[path = "../../tests/support/mentions.rs"]
mod mentions;

fn builtin() -> &'static Tagger {
    static T: OnceLock<Tagger> = OnceLock::new();
    T.get_or_init(|| Tagger::new(Dictionary::builtin().unwrap()).unwrap())
}

fn check(tagger: &Tagger, article: &Article) {
    let tagged = tagger.tag(article).expect("tagging text never fails");
    mentions::check_mentions(tagger, article, &tagged);
    let again = tagger.tag(article).unwrap();
    assert_eq!(
        format!("{:?}{:?}", tagged.mentions(), tagged.topics()),
        format!("{:?}{:?}", again.mentions(), again.topics())
    );
    for t in tagged.topics() {
        assert!(t.score.is_finite(), "{t:?}");
    }
}

fn sorted(candidates: &[Candidate]) -> Vec<(u32, u32, u32)> {
    let mut v: Vec<(u32, u32, u32)> = candidates.iter().map(|c| (c.start, c.end, c.surface)).collect();
    v.sort_unstable();
    v
}

/// The word-start scan against the full one, each built and loaded from bytes.
fn check_scans(dictionary: &Dictionary, text: &str) {
    let compile = |scans: &[Scan]| Matcher::compile(dictionary.entities(), &[], &|_| false, scans).unwrap();
    let bytes = compile(&[Scan::Everywhere]).to_bytes().unwrap();
    let norm = normalize(text);
    let t = norm.as_str();
    let scan = |m: &Matcher| {
        let mut out = Vec::new();
        m.scan(t, &mut out);
        out
    };
    let mut all = scan(&compile(&[Scan::Everywhere]));
    let some = scan(&compile(&[Scan::WordStarts]));
    assert_eq!(sorted(&scan(&Matcher::from_bytes(&bytes, Scan::Everywhere).unwrap())), sorted(&all));
    assert_eq!(sorted(&scan(&Matcher::from_bytes(&bytes, Scan::WordStarts).unwrap())), sorted(&some));
    all.retain(|c| match c.owner {
        Owner::Alias(_) | Owner::Term(_) => left_edge(t, c.start as usize) == Left::Ok,
        Owner::Exclude(_) | Owner::Require(_) => true,
    });
    assert_eq!(sorted(&all), sorted(&some), "{t:?}");
}

fn entities(spec: &str) -> Vec<Entity> {
    spec.lines()
        .take(32)
        .enumerate()
        .filter_map(|(i, line)| {
            let mut fields = line.split('|');
            let name = fields.next()?.to_string();
            let mut e = Entity {
                id: EntityId(format!("e{i}")),
                kind: "company".to_string(),
                name,
                aliases: Vec::new(),
                exact_aliases: Vec::new(),
                requires: Vec::new(),
                excludes: Vec::new(),
                origin: Origin { file: "fuzz.csv".to_string(), line: i as u64 + 2 },
            };
            e.aliases.push(e.name.clone());
            for f in fields.take(8) {
                if let Some(x) = f.strip_prefix('=') {
                    e.exact_aliases.push(x.to_string());
                } else if let Some(x) = f.strip_prefix('+') {
                    e.requires.push(x.to_string());
                } else if let Some(x) = f.strip_prefix('-') {
                    e.excludes.push(x.to_string());
                } else {
                    e.aliases.push(f.to_string());
                }
            }
            Some(e)
        })
        .collect()
}

fuzz_target!(|input: &str| {
    let (dict, text) = input.split_once('\0').unwrap_or(("", input));
    let (title, body) = text.split_once('\n').unwrap_or(("", text));
    let article = Article::new("f", title, body);
    check(builtin(), &article);
    if dict.is_empty() {
        return;
    }
    let dictionary = if dict.starts_with("id,") {
        Dictionary::from_csv_str("fuzz.csv", dict)
    } else {
        Dictionary::from_parts(entities(dict), Vec::new())
    };
    // Malformed dictionaries are rejected with an error; that is fine here.
    let Ok(dictionary) = dictionary else { return };
    let Ok(tagger) = Tagger::builder().morphology(Morphology::Off).guard_common_words(false).build(dictionary) else {
        return;
    };
    check(&tagger, &article);
    check_scans(tagger.dictionary(), text);
});

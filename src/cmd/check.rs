//! `hantag check`: load dictionaries, report errors and warnings.

use crate::cli::{CheckArgs, MorphArg};
use hantag::morph::{Analyze, KoDic, Pos};
use hantag::{EntityId, Tagger};

/// Runs the command; returns the exit code.
pub fn run(args: CheckArgs) -> u8 {
    let tagger = match args.dict.tagger(MorphArg::On) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let dict = tagger.dictionary();
    for w in dict.warnings() {
        println!("warning: {w}");
    }
    let (entities, aliases, topics) = (dict.entities().len(), dict.alias_count(), dict.topics().len());
    let guarded = tagger.guarded_aliases();
    if !args.no_guarded {
        for (id, alias) in &guarded {
            println!("guarded: entity \"{id}\": alias \"{alias}\" is far more often a common word; it is tagged only with evidence (requires, exact case, or a proper-noun reading)");
        }
    }
    let common = if args.no_common { Vec::new() } else { common_word_aliases(&tagger, &guarded) };
    for (id, alias, how) in &common {
        println!("warning: entity \"{id}\": alias \"{alias}\" is also a common word ({how}); if it misfires, give the entity `requires` or `excludes`");
    }
    println!(
        "ok: {entities} entities, {aliases} aliases, {topics} topics, {} patterns, {} guarded aliases, {} warnings",
        tagger.pattern_count(),
        guarded.len(),
        tagger.dictionary().warnings().len() + common.len()
    );
    0
}

/// How much likelier (in ko-dic word cost) the ordinary reading must be than the name for a
/// warning; the guard itself holds back aliases at 3000 (see DESIGN.md).
const COMMON_MARGIN: i32 = 1000;
/// Without any proper-noun reading, ordinary words cheaper than this are warned about.
const COMMON_ONLY: i32 = 3000;

/// Hangul aliases that ko-dic also reads, as a whole, as an ordinary word (common noun, verb,
/// adjective …) clearly likelier than the name, but not so much likelier that the common-word
/// guard holds them back: 오만 (Oman; arrogance), 가나 (Ghana), 국회.
/// (entity id, alias, how ko-dic reads it), most common word first.
fn common_word_aliases<'a>(tagger: &'a Tagger, guarded: &[(&EntityId, &str)]) -> Vec<(&'a EntityId, &'a str, String)> {
    let Ok(kodic) = KoDic::load_for_words() else { return Vec::new() };
    let mut worker = kodic.worker();
    let mut morphemes = Vec::new();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // An entity with `requires` is only tagged in context already.
    for e in tagger.dictionary().entities().iter().filter(|e| e.requires.is_empty()) {
        for alias in e.aliases.iter().chain(&e.exact_aliases) {
            let hangul = alias.chars().count() >= 2 && alias.chars().all(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
            if !hangul || guarded.iter().any(|(id, a)| **id == e.id && *a == alias) || !seen.insert((&e.id, alias)) {
                continue;
            }
            let r = kodic.readings(alias);
            let Some(common) = r.common else { continue };
            let warn = match r.proper {
                Some(proper) => common + COMMON_MARGIN < proper,
                None => common < COMMON_ONLY,
            };
            if !warn {
                continue;
            }
            // The tag of the ordinary reading, when ko-dic reads the alias alone as one word.
            let tag = match worker.analyze(alias, &mut morphemes) {
                Ok(()) if morphemes.len() == 1 && morphemes[0].first() != Pos::NNP => {
                    morphemes[0].tags.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join("+")
                }
                _ => "ordinary word".to_string(),
            };
            let how = match r.proper {
                Some(proper) => format!("{tag}; ko-dic cost {common}, as a proper noun {proper}"),
                None => format!("{tag}; ko-dic cost {common}, no proper-noun reading"),
            };
            out.push((common, &e.id, alias.as_str(), how));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    out.into_iter().map(|(_, id, alias, how)| (id, alias, how)).collect()
}

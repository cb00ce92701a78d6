//! `hantag check`: load dictionaries, report errors and warnings.

use crate::cli::{build_tagger, CheckArgs, MorphArg};

/// Runs the command; returns the exit code.
pub fn run(args: CheckArgs) -> u8 {
    let dict = match args.dict.load() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    for w in dict.warnings() {
        println!("warning: {w}");
    }
    let (entities, aliases, topics) = (dict.entities().len(), dict.alias_count(), dict.topics().len());
    let tagger = match build_tagger(dict, MorphArg::On) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let guarded = tagger.guarded_aliases();
    if !args.no_guarded {
        for (id, alias) in &guarded {
            println!("guarded: entity \"{id}\": alias \"{alias}\" is far more often a common word; it is tagged only with evidence (requires, exact case, or a proper-noun reading)");
        }
    }
    println!(
        "ok: {entities} entities, {aliases} aliases, {topics} topics, {} patterns, {} guarded aliases, {} warnings",
        tagger.pattern_count(),
        guarded.len(),
        tagger.dictionary().warnings().len()
    );
    0
}

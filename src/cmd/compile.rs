//! `hantag compile`: save a compiled dictionary that loads without parsing or building.

use crate::cli::CompileArgs;
use std::io::Write;

/// Runs the command; returns the exit code.
pub fn run(args: CompileArgs) -> u8 {
    let started = std::time::Instant::now();
    let tagger = match args.dict.tagger(crate::cli::MorphArg::Off) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let bytes = match tagger.compiled_bytes() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    // Written under a temporary name and renamed, like every output of hantag.
    let tmp = args.output.with_extension(format!("partial-{}", std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(&bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, &args.output));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        eprintln!("error: {}: cannot write: {e}", args.output.display());
        return 2;
    }
    let d = tagger.dictionary();
    eprintln!(
        "hantag: compiled {} entities, {} aliases, {} topics into {} ({:.1} MB) in {:.2} s; use it with --dict {}",
        d.entities().len(),
        d.alias_count(),
        d.topics().len(),
        args.output.display(),
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        args.output.display()
    );
    0
}

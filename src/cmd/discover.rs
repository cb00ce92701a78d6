//! `hantag discover`: propose entities the dictionaries lack, as entity-CSV rows.

use crate::cli::DiscoverArgs;
use crate::cmd::tag::progress;
use hantag::batch::{self, Sink};
use hantag::discover::{Finder, FinderWorker, Found, Known, ProposalOptions, Tally, PROPOSAL_HEADER};
use hantag::export::{csv as csv_out, field_text, Outcome};
use hantag::{Article, Tagged};
use std::cell::RefCell;
use std::sync::Mutex;

/// Runs the command; returns the exit code.
pub fn run(args: DiscoverArgs) -> u8 {
    args.input.use_threads();
    let tagger = match args.dict.tagger(args.morph) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let finder = match Finder::new() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let mut known = Known::from_dictionary(tagger.dictionary());
    for term in tagger.topics().terms() {
        known.add_term(&term.text);
    }

    let opts = args.input.batch_options(&args.inputs);
    let (bar, mut progress) = progress(args.quiet, &args.inputs);
    let sink = DiscoverSink { finder, known, found: Mutex::default() };
    let result = batch::run(&tagger, &args.inputs, &opts, &sink, &mut progress);
    let (tally, names) = sink.found.into_inner().unwrap_or_else(|p| p.into_inner());
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };

    let proposals = tally.proposals(&sink.known, &ProposalOptions { min_count: args.min_count, top: args.top });
    let mut csv = Vec::new();
    if args.excel {
        csv.extend_from_slice(b"\xEF\xBB\xBF");
    }
    csv_out::write_row(&mut csv, PROPOSAL_HEADER.iter().copied(), false);
    for p in &proposals {
        let cells = p.cells();
        csv_out::write_row(&mut csv, cells.iter().map(String::as_str), args.excel);
    }
    if let Err(code) = super::write_output(args.output.as_deref(), &csv) {
        return code;
    }
    if !args.quiet {
        eprintln!(
            "hantag discover: {} records: {} read, {} failed; {} names not found by tagging, {} distinct; \
             {} proposed (seen ≥ {} times){}",
            summary.records,
            summary.tagged,
            summary.failed,
            names,
            tally.distinct(),
            proposals.len(),
            args.min_count.max(1),
            args.output.as_ref().map(|p| format!("; written to {}", p.display())).unwrap_or_default()
        );
        if summary.failed > 0 {
            eprintln!("hantag discover: {} inputs failed; see the messages above", summary.failed);
        }
    }
    if summary.failed > 0 {
        1
    } else {
        0
    }
}

thread_local! {
    /// One analyser per pool thread, made on first use.
    static WORKER: RefCell<Option<FinderWorker>> = const { RefCell::new(None) };
}

struct DiscoverSink {
    finder: Finder,
    known: Known,
    /// The names found so far, and how many.
    found: Mutex<(Tally, u64)>,
}

/// The names that no tagged mention holds and that do not start a known form. A name that
/// holds a mention is kept: `퓨리오사AI` is news even when `AI` is tagged.
fn uncovered(found: Vec<Found>, article: &Article, tagged: &Tagged, known: &Known) -> Vec<Found> {
    found
        .into_iter()
        .filter(|f| {
            let tagged_there = tagged
                .mentions()
                .iter()
                .any(|m| m.field == f.field && m.span.start <= f.span.start && f.span.end <= m.span.end);
            !tagged_there && !known.covers_at(field_text(article, f.field), f.span.clone())
        })
        .collect()
}

/// What the pool found in one record: a message for stderr, or an article's new names.
enum Discovered {
    Message(String),
    Names(Article, Vec<Found>),
}

impl Sink for DiscoverSink {
    type Rendered = Vec<Discovered>;

    fn render(&self, outcome: Outcome, into: &mut Vec<Discovered>) {
        let (article, tagged) = match outcome {
            Outcome::Failed(err) => return into.push(Discovered::Message(err.to_string())),
            Outcome::Tagged(article, tagged) => (article, tagged),
        };
        let found = WORKER.with(|slot| {
            let mut slot = slot.borrow_mut();
            let worker = slot.get_or_insert_with(|| self.finder.worker());
            worker.find(&article).map(|found| uncovered(found, &article, &tagged, &self.known))
        });
        into.push(match found {
            Ok(found) => Discovered::Names(article, found),
            Err(e) => Discovered::Message(format!("{}: article \"{}\": {e}", article.source, article.id)),
        });
    }

    fn write(&self, rendered: Vec<Discovered>) -> std::io::Result<()> {
        let mut guard = self.found.lock().unwrap_or_else(|p| p.into_inner());
        let (tally, names) = &mut *guard;
        for item in rendered {
            match item {
                Discovered::Message(message) => eprintln!("{message}"),
                Discovered::Names(article, found) => {
                    *names += found.len() as u64;
                    tally.add(&article, &found);
                }
            }
        }
        Ok(())
    }
}

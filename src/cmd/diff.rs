//! `hantag diff`: what changes in tagging between two dictionary versions.
//!
//! The inputs are tagged once with the new dictionaries by the batch pipeline; each pool
//! thread tags the same article again with the old ones, and the two sets of mentions are
//! compared by (entity id, field, span). A mention is gained when only the new version finds
//! it and lost when only the old one does.

use crate::cli::{DictArgs, DiffArgs};
use crate::cmd::tag::progress;
use hantag::batch::{self, Sink};
use hantag::export::{csv as csv_out, field_text, Outcome};
use hantag::{Article, Tagged, Tagger, Worker};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

/// Header of the diff CSV.
const DIFF_HEADER: &[&str] = &[
    "entity_id",
    "entity_name",
    "type",
    "mentions_old",
    "mentions_new",
    "gained",
    "lost",
    "example_gained",
    "example_lost",
];
/// Characters of context on each side of a mention in an example.
const EXAMPLE_REACH: usize = 20;

/// Runs the command; returns the exit code.
pub fn run(args: DiffArgs) -> u8 {
    args.input.use_threads();
    let load = |dict: &DictArgs, which: &str| -> Option<Tagger> {
        let built = dict.tagger(args.morph);
        match built {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("error: {which} dictionaries: {e}");
                None
            }
        }
    };
    let Some(old) = load(&args.dict, "old (--dict)") else { return 2 };
    let Some(new) = load(&DictArgs { dicts: args.dict_new.clone() }, "new (--dict-new)") else { return 2 };

    let opts = args.input.batch_options(&args.inputs);
    let (bar, mut progress) = progress(args.quiet, &args.inputs);
    let sink = DiffSink { old: old.clone(), totals: Mutex::new(BTreeMap::new()) };
    let result = batch::run(&new, &args.inputs, &opts, &sink, &mut progress);
    let totals = sink.totals.into_inner().unwrap_or_else(|p| p.into_inner());
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };

    // Names and types from the new dictionaries, else the old ones.
    let mut meta: HashMap<&str, (&str, &str)> = HashMap::new();
    for tagger in [&old, &new] {
        for e in tagger.dictionary().entities() {
            meta.insert(e.id.0.as_str(), (e.name.as_str(), e.kind.as_str()));
        }
    }
    let mut rows: Vec<(&String, &EntityDiff)> =
        totals.iter().filter(|(_, d)| args.all || d.gained + d.lost > 0).collect();
    rows.sort_by(|a, b| (b.1.gained + b.1.lost).cmp(&(a.1.gained + a.1.lost)).then(a.0.cmp(b.0)));

    let mut csv = Vec::new();
    if args.excel {
        csv.extend_from_slice(b"\xEF\xBB\xBF");
    }
    csv_out::write_row(&mut csv, DIFF_HEADER.iter().copied(), false);
    for (id, d) in &rows {
        let (name, kind) = meta.get(id.as_str()).copied().unwrap_or(("", ""));
        let numbers = [d.old, d.new, d.gained, d.lost].map(|n| n.to_string());
        csv_out::write_row(
            &mut csv,
            [
                id.as_str(),
                name,
                kind,
                &numbers[0],
                &numbers[1],
                &numbers[2],
                &numbers[3],
                d.example_gained.as_deref().unwrap_or(""),
                d.example_lost.as_deref().unwrap_or(""),
            ],
            args.excel,
        );
    }
    if let Err(code) = super::write_output(args.output.as_deref(), &csv) {
        return code;
    }
    if !args.quiet {
        print_summary(&totals, &meta, &summary, &rows);
    }
    if summary.failed > 0 {
        1
    } else {
        0
    }
}

fn print_summary(
    totals: &BTreeMap<String, EntityDiff>,
    meta: &HashMap<&str, (&str, &str)>,
    summary: &batch::Summary,
    rows: &[(&String, &EntityDiff)],
) {
    let sum = |f: fn(&EntityDiff) -> u64| totals.values().map(f).sum::<u64>();
    let changed = totals.values().filter(|d| d.gained + d.lost > 0).count();
    let appeared = totals.values().filter(|d| d.old == 0 && d.new > 0).count();
    let vanished = totals.values().filter(|d| d.old > 0 && d.new == 0).count();
    eprintln!(
        "hantag diff: {} articles ({} failed); mentions {} old → {} new: {} gained, {} lost; \
         {} entities changed ({} found only with the new dictionaries, {} no longer found)",
        summary.tagged,
        summary.failed,
        sum(|d| d.old),
        sum(|d| d.new),
        sum(|d| d.gained),
        sum(|d| d.lost),
        changed,
        appeared,
        vanished
    );
    for (id, d) in rows.iter().filter(|(_, d)| d.gained + d.lost > 0).take(10) {
        let name = meta.get(id.as_str()).map_or("", |m| m.0);
        let (gained, lost) = (format!("+{}", d.gained), format!("-{}", d.lost));
        eprintln!("  {gained:>6} {lost:>6}  {id} ({name}): {} → {} mentions", d.old, d.new);
    }
    if changed > 10 {
        eprintln!("  … and {} more entities in the CSV", changed - 10);
    }
}

/// Changes for one entity, over one article or the whole run.
#[derive(Debug, Default, Clone)]
struct EntityDiff {
    old: u64,
    new: u64,
    gained: u64,
    lost: u64,
    example_gained: Option<String>,
    example_lost: Option<String>,
}

thread_local! {
    /// One worker of the old tagger per pool thread, made on first use.
    static OLD_WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

struct DiffSink {
    old: Tagger,
    totals: Mutex<BTreeMap<String, EntityDiff>>,
}

/// Mentions of one tagging as (entity id, field, byte span) → example.
fn mention_keys(article: &Article, tagged: &Tagged) -> HashMap<(String, u8, usize, usize), String> {
    tagged
        .mentions()
        .iter()
        .map(|m| {
            let key = (tagged.label(m).id.to_string(), m.field as u8, m.span.start, m.span.end);
            (key, example(article, field_text(article, m.field), m.span.clone()))
        })
        .collect()
}

/// `id: …before [mention] after…` on one line.
fn example(article: &Article, text: &str, span: std::ops::Range<usize>) -> String {
    let before: String = {
        let mut chars: Vec<char> = text[..span.start].chars().rev().take(EXAMPLE_REACH).collect();
        chars.reverse();
        chars.into_iter().collect()
    };
    let after: String = text[span.end..].chars().take(EXAMPLE_REACH).collect();
    let line = format!("{before}[{}]{after}", &text[span]);
    format!("{}: {}", article.id, line.split_whitespace().collect::<Vec<_>>().join(" "))
}

impl Sink for DiffSink {
    type Rendered = Vec<Result<BTreeMap<String, EntityDiff>, String>>;

    fn render(&self, outcome: Outcome, into: &mut Self::Rendered) {
        into.push(match outcome {
            Outcome::Failed(err) => Err(err.to_string()),
            Outcome::Tagged(article, tagged) => self.diff(&article, &tagged),
        });
    }

    fn write(&self, rendered: Self::Rendered) -> std::io::Result<()> {
        let mut totals = self.totals.lock().unwrap_or_else(|p| p.into_inner());
        for item in rendered {
            match item {
                Ok(diffs) => add(&mut totals, diffs),
                Err(message) => eprintln!("{message}"),
            }
        }
        Ok(())
    }
}

impl DiffSink {
    /// The changes in one article.
    fn diff(&self, article: &Article, new_tagged: &Tagged) -> Result<BTreeMap<String, EntityDiff>, String> {
        let old_tagged = OLD_WORKER.with(|slot| {
            let mut slot = slot.borrow_mut();
            slot.get_or_insert_with(|| self.old.worker()).tag(article)
        });
        let old_tagged = old_tagged.map_err(|e| format!("{}: article \"{}\": {e}", article.source, article.id))?;
        let old = mention_keys(article, &old_tagged);
        let new = mention_keys(article, new_tagged);
        let mut diffs: BTreeMap<String, EntityDiff> = BTreeMap::new();
        let old_keys: HashSet<_> = old.keys().collect();
        let mut sorted_new: Vec<_> = new.iter().collect();
        sorted_new.sort();
        let mut sorted_old: Vec<_> = old.iter().collect();
        sorted_old.sort();
        for (key, ex) in sorted_new {
            let d = diffs.entry(key.0.clone()).or_default();
            d.new += 1;
            if !old_keys.contains(key) {
                d.gained += 1;
                d.example_gained.get_or_insert_with(|| ex.clone());
            }
        }
        for (key, ex) in sorted_old {
            let d = diffs.entry(key.0.clone()).or_default();
            d.old += 1;
            if !new.contains_key(key) {
                d.lost += 1;
                d.example_lost.get_or_insert_with(|| ex.clone());
            }
        }
        Ok(diffs)
    }
}

/// Adds one article's changes to the run's.
fn add(totals: &mut BTreeMap<String, EntityDiff>, diffs: BTreeMap<String, EntityDiff>) {
    for (id, d) in diffs {
        let t = totals.entry(id).or_default();
        t.old += d.old;
        t.new += d.new;
        t.gained += d.gained;
        t.lost += d.lost;
        if t.example_gained.is_none() {
            t.example_gained = d.example_gained;
        }
        if t.example_lost.is_none() {
            t.example_lost = d.example_lost;
        }
    }
}

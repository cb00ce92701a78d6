//! Help text, arguments, and their conversion into library types.

use clap::{Args, Parser, Subcommand, ValueEnum};
use hantag::batch::BatchOptions;
use hantag::input::{FieldNames, ReadOptions};
use hantag::{Dictionary, Morphology, Tagger};
use std::path::PathBuf;

const ABOUT: &str = "Tag Korean news articles with the entities they mention and the topics they are about.";

const AFTER_HELP: &str = "\
Examples:
  hantag tag examples/articles --out out/            # CSV and JSONL files in out/
  hantag tag news.jsonl --format jsonl > tagged.jsonl
  cat news.jsonl | hantag tag - --format jsonl       # a line-preserving filter
  hantag check --dict builtin --dict my-dicts/
  hantag discover examples/articles --min-count 2 -o proposals.csv
  hantag report out/ --html out/report.html
  hantag diff --dict builtin --dict-new my-dicts/ examples/articles

Exit codes: 0 all good, 1 some inputs failed, 2 bad arguments or dictionary.";

/// The command line.
#[derive(Parser, Debug)]
#[command(name = "hantag", version, about = ABOUT, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Tag articles (directories, files, or - for JSONL on stdin).
    #[command(after_help = "\
Examples:
  hantag tag examples/articles --out out/
  hantag tag news/ --out out/ --excel --threads 4
  hantag tag archive.jsonl --format jsonl --morph off > tagged.jsonl
  cat news.jsonl | hantag tag - --format jsonl

Inputs: directories are walked recursively in sorted order (symlinks not followed) for
.txt .md .jsonl .json .csv files; a file named on the command line is read whatever its
extension. With --out, articles.jsonl, mentions.csv, articles.csv, article_entities.csv,
entities.csv, topics.csv and errors.csv are written to DIR, each under a temporary name first and
renamed when complete.")]
    Tag(TagArgs),
    /// Load dictionaries and report errors (exit 2) and warnings.
    #[command(after_help = "\
Examples:
  hantag check                          # the built-in dictionaries
  hantag check --dict my-dicts/         # only mine
  hantag check --dict builtin --dict my-dicts/
  hantag check --dict proposals.csv --no-common   # a file from `hantag discover`

Errors (exit 2) name the file and line. Warnings: extra columns, an alias shared by two
entities, aliases equal after normalization, one-syllable aliases, and aliases that ko-dic
reads as a common word clearly likelier than the name (`warning: … is also a common word
(NNG; …)`); `guarded:` lines list the aliases the common-word guard holds back.")]
    Check(CheckArgs),
    /// Propose entities the dictionaries lack: frequent proper nouns and foreign-script names.
    #[command(after_help = "\
Examples:
  hantag discover examples/articles                      # CSV on stdout
  hantag discover news/ --min-count 5 --top 200 -o proposals.csv --excel
  hantag discover news/ --dict builtin --dict my-dicts/  # what counts as known

The CSV has the entity-dictionary columns (id,type,name,aliases,exact_aliases,requires,
excludes,note) plus count, articles and example, most frequent first. The type is a guess
from ko-dic (인명, 지명) and the words around the name (대표, 장관, 씨 → person; 시, 구 →
place; 社, 그룹 → company; 위원회, 재단 → organization; 모델, 서비스 → product), or
`unknown`. Review it, then append the rows to an entity CSV of your dictionary: the file
loads as it is (`hantag check --dict proposals.csv`; extra columns are ignored).

A name counts as known when any alias of the dictionaries (or a topic term) has the same
spelling up to case and spacing, or when tagging finds an entity where it occurs.")]
    Discover(DiscoverArgs),
    /// Write a self-contained HTML report over the output directory of `hantag tag --out`.
    #[command(after_help = "\
Examples:
  hantag tag examples/articles --out out/ && hantag report out/ --html out/report.html
  hantag report out/ --html weekly.html --period week --top 15
  hantag report tagged.jsonl --html report.html          # the output of --format jsonl

The report reads DIR/articles.jsonl (or the JSONL file given) and shows totals, the top
entities of each type (articles and share of articles), topics over time (per day, week
or month: chosen from the date range unless --period says), the strongest entity
co-occurrences (table and network), the top entities per topic, and the errors of the run.
One file: no scripts, no network; charts are inline SVG.")]
    Report(ReportArgs),
    /// Show what changes in tagging between two dictionary versions.
    #[command(after_help = "\
Examples:
  hantag diff --dict builtin --dict-new builtin --dict-new my-dicts/ news/
  hantag diff --dict old-dicts/ --dict-new new-dicts/ news/ -o changes.csv --excel
  hantag diff --dict v1/ --dict-new v2/ news/ --all     # unchanged entities too

Tags the inputs with both dictionaries and writes one CSV row per entity whose mentions
changed: entity_id,entity_name,type,mentions_old,mentions_new,gained,lost,example_gained,
example_lost (examples are `article id: …context with the [mention]…`). A summary goes to
stderr.")]
    Diff(DiffArgs),
    /// Save the compiled dictionaries to one file that loads without parsing or building.
    #[command(after_help = "\
Examples:
  hantag compile --dict builtin --dict my-dicts/ -o news.hantag
  hantag tag archive.jsonl --dict news.hantag --format jsonl > tagged.jsonl

A compiled file holds the entities, topics, common-word guards and the automaton. For a
dictionary of 100,000 aliases or more it starts a run several times faster (see
BENCHMARKS.md). It is tied to the hantag version that wrote it, and cannot be combined
with other --dict arguments.")]
    Compile(CompileArgs),
}

/// `hantag compile`.
#[derive(Args, Debug)]
pub struct CompileArgs {
    #[command(flatten)]
    pub dict: DictArgs,
    /// The file to write.
    #[arg(long, short, value_name = "FILE")]
    pub output: std::path::PathBuf,
}

/// Options shared by commands that load dictionaries.
#[derive(Args, Debug, Clone)]
pub struct DictArgs {
    /// Dictionary directory (entities/*.csv, topics.toml), entity CSV file, or a file from
    /// `hantag compile`; repeatable, later ones win on a duplicate id. `builtin` names the
    /// built-in set. Default: builtin.
    #[arg(long = "dict", value_name = "DIR")]
    pub dicts: Vec<String>,
}

impl DictArgs {
    /// The tagger for these dictionaries: a compiled file is loaded as it is, anything else
    /// is loaded, merged and compiled.
    pub fn tagger(&self, morph: MorphArg) -> hantag::Result<Tagger> {
        if let Some(bytes) = self.compiled()? {
            // The tagger keeps the map: its entities are read from it, not copied.
            return builder(morph).load_compiled_shared(bytes);
        }
        // ko-dic (for the common-word guard and morphology) loads while the CSVs parse.
        let (dictionary, _) = rayon::join(|| self.load(), hantag::morph::KoDic::load_for_words);
        build_tagger(dictionary?, morph)
    }

    /// The bytes of a compiled dictionary when `--dict` names one (and only one).
    fn compiled(&self) -> hantag::Result<Option<memmap2::Mmap>> {
        let mut found = None;
        for name in &self.dicts {
            let path = std::path::Path::new(name);
            if name == "builtin" || !path.is_file() {
                continue;
            }
            let mut head = [0u8; 64];
            let n = std::fs::File::open(path)
                .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
                .map_err(|e| hantag::Error::io(path, "cannot read dictionary", e))?;
            if hantag::tagger::is_compiled(&head[..n]) {
                if self.dicts.len() > 1 {
                    return Err(hantag::Error::new(
                        hantag::ErrorKind::Config,
                        "a compiled dictionary cannot be combined with other --dict arguments (compile them together)",
                    )
                    .at(name.clone()));
                }
                let file =
                    std::fs::File::open(path).map_err(|e| hantag::Error::io(path, "cannot read dictionary", e))?;
                // SAFETY: the tagger keeps the map for as long as it lives (it reads the
                // entities from it when asked). The bytes could change under it only if another
                // process wrote to the file meanwhile, which `hantag compile` never does (it
                // writes a new file and renames it). A file that changes before the load is
                // refused by the checksum, or at worst loads as a different dictionary; one that
                // changes later can give wrong entity details; a file cut short can stop the
                // process (SIGBUS), as it would with any program reading it while it shrinks.
                let map = unsafe { memmap2::Mmap::map(&file) };
                found = Some(map.map_err(|e| hantag::Error::io(path, "cannot read dictionary", e))?);
            }
        }
        Ok(found)
    }

    /// Loads and merges the named dictionaries.
    pub fn load(&self) -> hantag::Result<Dictionary> {
        let names: Vec<&str> =
            if self.dicts.is_empty() { vec!["builtin"] } else { self.dicts.iter().map(String::as_str).collect() };
        let mut merged: Option<Dictionary> = None;
        for name in names {
            let d = if name == "builtin" { Dictionary::builtin()? } else { Dictionary::from_path(name)? };
            match &mut merged {
                Some(m) => m.extend(d),
                None => merged = Some(d),
            }
        }
        Ok(merged.unwrap_or_default())
    }
}

/// `--morph on|off`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MorphArg {
    /// ko-dic decides the Hangul boundaries particle lists cannot.
    On,
    /// Particle rules only (faster).
    Off,
}

/// `--format jsonl|csv`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatArg {
    /// articles.jsonl records, one per input record.
    Jsonl,
    /// mentions.csv rows.
    Csv,
}

/// `hantag tag`.
#[derive(Args, Debug)]
pub struct TagArgs {
    /// Directories, files, or - for JSONL on stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Write all outputs (JSONL and CSV files) into this directory.
    #[arg(long, short, value_name = "DIR", conflicts_with = "format")]
    pub out: Option<PathBuf>,
    /// Stream one output to stdout instead: jsonl (articles) or csv (mentions).
    #[arg(long, short, value_enum)]
    pub format: Option<FormatArg>,
    #[command(flatten)]
    pub dict: DictArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// Decide Hangul boundaries with morphology (on) or particle rules only (off).
    #[arg(long, value_enum, default_value = "on")]
    pub morph: MorphArg,
    /// Excel-safe CSV: UTF-8 BOM, and cells starting with = + - @ neutralized.
    #[arg(long)]
    pub excel: bool,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `hantag check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub dict: DictArgs,
    /// Do not list guarded common-word aliases.
    #[arg(long)]
    pub no_guarded: bool,
    /// Do not warn about aliases that are also common Korean words per ko-dic.
    #[arg(long)]
    pub no_common: bool,
}

/// How inputs are read (shared by `tag`, `discover` and `diff`).
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Largest input file read whole, in MiB (larger files become errors); JSONL files and stdin
    /// are streamed, and the limit applies to each of their lines.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_file_mib: u64,
    /// JSONL/CSV field holding the id.
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,
    /// JSONL/CSV field holding the title.
    #[arg(long, default_value = "title", value_name = "NAME")]
    pub title_field: String,
    /// JSONL/CSV field holding the body (repeatable; the first present is used).
    #[arg(long = "body-field", value_name = "NAME", default_values_t = ["body".to_string(), "text".to_string()])]
    pub body_fields: Vec<String>,
    /// JSONL/CSV field holding the date.
    #[arg(long, default_value = "date", value_name = "NAME")]
    pub date_field: String,
}

impl InputArgs {
    /// Sizes the global thread pool, which builds the dictionary, to `--threads`, so that
    /// `--threads 1` keeps the whole run on one worker thread.
    pub fn use_threads(&self) {
        // Fails only if the pool already exists, as in tests that run commands in-process.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(self.threads).build_global();
    }

    /// The batch options for `inputs`.
    pub fn batch_options(&self, inputs: &[PathBuf]) -> BatchOptions {
        BatchOptions {
            threads: self.threads,
            chunk_size: if inputs.iter().any(|p| p.as_os_str() == "-") { 64 } else { 4096 },
            read: ReadOptions {
                fields: FieldNames {
                    id: self.id_field.clone(),
                    title: self.title_field.clone(),
                    body: self.body_fields.clone(),
                    date: self.date_field.clone(),
                    ..FieldNames::default()
                },
                max_file_bytes: self.max_file_mib.saturating_mul(1024 * 1024),
            },
        }
    }
}

/// `hantag discover`.
#[derive(Args, Debug)]
pub struct DiscoverArgs {
    /// Directories, files, or - for JSONL on stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Write the CSV to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub dict: DictArgs,
    /// Least number of occurrences of a name.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub min_count: u64,
    /// Most rows written (0: all).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub top: usize,
    /// How tagging decides what the dictionaries already find (see `hantag tag --morph`).
    #[arg(long, value_enum, default_value = "on")]
    pub morph: MorphArg,
    /// Excel-safe CSV: UTF-8 BOM, and cells starting with = + - @ neutralized.
    #[arg(long)]
    pub excel: bool,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

/// `--period` of `hantag report`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodArg {
    /// Day up to 45 days of dates, week up to a year, month beyond.
    Auto,
    /// Articles per day.
    Day,
    /// Articles per week (starting on Monday).
    Week,
    /// Articles per month.
    Month,
}

/// `hantag report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The output directory of `hantag tag --out` (or an articles.jsonl file).
    #[arg(value_name = "OUT_DIR")]
    pub dir: PathBuf,
    /// The HTML file to write (default: OUT_DIR/report.html).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Time unit of the topics-over-time chart.
    #[arg(long, value_enum, default_value = "auto")]
    pub period: PeriodArg,
    /// Entities shown per type and per topic, and co-occurring pairs shown (×2).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// The report's heading.
    #[arg(long, value_name = "TEXT", default_value = "hantag report")]
    pub title: String,
    /// No summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `hantag diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Directories, files, or - for JSONL on stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The old dictionaries (like `--dict` of `hantag tag`; repeatable; default: builtin).
    #[command(flatten)]
    pub dict: DictArgs,
    /// The new dictionaries (repeatable; `builtin` names the built-in set).
    #[arg(long = "dict-new", value_name = "DIR", required = true)]
    pub dict_new: Vec<String>,
    /// Write the CSV to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// List every entity found by either version, changed or not.
    #[arg(long)]
    pub all: bool,
    /// Decide Hangul boundaries with morphology (on) or particle rules only (off).
    #[arg(long, value_enum, default_value = "on")]
    pub morph: MorphArg,
    /// Excel-safe CSV: UTF-8 BOM, and cells starting with = + - @ neutralized.
    #[arg(long)]
    pub excel: bool,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Parses the command line (exits 2 with a message on bad arguments).
pub fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    }
}

/// A tagger builder for `--morph`.
fn builder(morph: MorphArg) -> hantag::TaggerBuilder {
    let mut builder = Tagger::builder();
    builder.morphology(match morph {
        MorphArg::On => Morphology::OnDemand,
        MorphArg::Off => Morphology::Off,
    });
    builder
}

/// Builds the tagger for `--morph`.
fn build_tagger(dict: Dictionary, morph: MorphArg) -> hantag::Result<Tagger> {
    builder(morph).build(dict)
}

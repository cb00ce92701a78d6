//! Help text, arguments, and their conversion into library types.

use clap::{Args, Parser, Subcommand, ValueEnum};
use hantag::{Dictionary, Morphology, Tagger};
use std::path::PathBuf;

const ABOUT: &str = "Tag Korean news articles with the entities they mention and the topics they are about.";

const AFTER_HELP: &str = "\
Examples:
  hantag tag examples/articles --out out/            # CSV and JSONL files in out/
  hantag tag news.jsonl --format jsonl > tagged.jsonl
  cat news.jsonl | hantag tag - --format jsonl       # a line-preserving filter
  hantag check --dict builtin --dict my-dicts/

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
extension. With --out, articles.jsonl, mentions.csv, articles.csv, entities.csv,
topics.csv and errors.csv are written to DIR, each under a temporary name first and
renamed when complete.")]
    Tag(TagArgs),
    /// Load dictionaries and report errors (exit 2) and warnings.
    #[command(after_help = "\
Examples:
  hantag check                          # the built-in dictionaries
  hantag check --dict my-dicts/         # only mine
  hantag check --dict builtin --dict my-dicts/")]
    Check(CheckArgs),
}

/// Options shared by commands that load dictionaries.
#[derive(Args, Debug, Clone)]
pub struct DictArgs {
    /// Dictionary directory (entities/*.csv, topics.toml) or entity CSV file; repeatable,
    /// later ones win on a duplicate id. `builtin` names the built-in set. Default: builtin.
    #[arg(long = "dict", value_name = "DIR")]
    pub dicts: Vec<String>,
}

impl DictArgs {
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
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Decide Hangul boundaries with morphology (on) or particle rules only (off).
    #[arg(long, value_enum, default_value = "on")]
    pub morph: MorphArg,
    /// Excel-safe CSV: UTF-8 BOM, and cells starting with = + - @ neutralized.
    #[arg(long)]
    pub excel: bool,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Largest input file read, in MiB; larger files become errors.
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

/// `hantag check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub dict: DictArgs,
    /// Do not list guarded common-word aliases.
    #[arg(long)]
    pub no_guarded: bool,
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

/// Builds the tagger for `--morph`.
pub fn build_tagger(dict: Dictionary, morph: MorphArg) -> hantag::Result<Tagger> {
    let morphology = match morph {
        MorphArg::On => Morphology::OnDemand,
        MorphArg::Off => Morphology::Off,
    };
    Tagger::builder().morphology(morphology).build(dict)
}

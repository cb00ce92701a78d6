//! `hantag tag`: tag inputs into an output directory or a stdout stream.

use crate::cli::{FormatArg, TagArgs};
use hantag::batch::{self, Sink, Summary};
use hantag::export::{csv as csv_out, jsonl, Outcome};
use hantag::Tagger;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Runs the command; returns the exit code.
pub fn run(args: TagArgs) -> u8 {
    args.input.use_threads();
    if args.out.is_none() && args.format.is_none() {
        eprintln!("error: say where the results go: --out DIR (all files) or --format jsonl|csv (stdout)");
        return 2;
    }
    let tagger = match args.dict.tagger(args.morph) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let opts = args.input.batch_options(&args.inputs);
    let (bar, mut progress) = progress(args.quiet, &args.inputs);

    let result = match (&args.out, args.format) {
        (Some(dir), _) => match DirSink::create(dir, &tagger, args.excel) {
            Ok(sink) => {
                batch::run(&tagger, &args.inputs, &opts, &sink, &mut progress).and_then(|s| sink.finish().map(|()| s))
            }
            Err(e) => {
                remove_partial_files();
                eprintln!("error: {}: cannot write output: {e}", dir.display());
                return 2;
            }
        },
        (None, Some(format)) => {
            let sink = StdoutSink::new(&tagger, format, args.excel);
            batch::run(&tagger, &args.inputs, &opts, &sink, &mut progress).and_then(|s| sink.flush().map(|()| s))
        }
        (None, None) => unreachable!("checked above"),
    };
    bar.finish_and_clear();
    // Whatever was not renamed into place is incomplete: a failed run leaves no partial files.
    remove_partial_files();
    // The process ends here: freeing a large dictionary piece by piece would only delay it.
    std::mem::forget(tagger);
    match result {
        Ok(summary) => {
            if !args.quiet {
                print_summary(&summary, args.out.as_deref());
            }
            if summary.failed > 0 {
                1
            } else {
                0
            }
        }
        // A closed pipe (`hantag tag … | head`) ends the run quietly.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn print_summary(s: &Summary, out: Option<&Path>) {
    let secs = s.elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "hantag: {} files, {} records: {} tagged, {} failed; {} mentions; {:.1} MB in {:.2} s ({:.1} MB/s, {:.0} docs/s){}",
        s.files,
        s.records,
        s.tagged,
        s.failed,
        s.mentions,
        s.bytes as f64 / 1e6,
        secs,
        s.bytes as f64 / 1e6 / secs,
        s.tagged as f64 / secs,
        out.map(|d| format!("; results in {}", d.display())).unwrap_or_default()
    );
    if std::env::var_os("HANTAG_STATS").is_some() {
        eprintln!("hantag: {} analyses, {} analysis cache hits", s.analyses, s.cache_hits);
    }
    if s.failed > 0 {
        eprintln!(
            "hantag: {} inputs failed; see the messages above{}",
            s.failed,
            out.map(|d| format!(" and {}", d.join("errors.csv").display())).unwrap_or_default()
        );
    }
}

/// The progress bar of a batch over `inputs` (see [`progress_bar`]) and the callback that
/// moves it, for `tag`, `discover` and `diff`.
pub(crate) fn progress(quiet: bool, inputs: &[PathBuf]) -> (ProgressBar, impl FnMut(u64, u64)) {
    let total_bytes = input_bytes(inputs);
    let bar = progress_bar(quiet, total_bytes);
    let moved = bar.clone();
    let update = move |records: u64, bytes: u64| {
        moved.set_position(bytes.min(total_bytes.max(1)));
        moved.set_message(progress_message(&moved, records));
    };
    (bar, update)
}

/// Sum of the sizes of the input files (for the progress bar); 0 when unknown.
fn input_bytes(inputs: &[PathBuf]) -> u64 {
    fn walk(p: &Path, depth: usize) -> u64 {
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_file() => m.len(),
            Ok(m) if m.is_dir() && depth < 64 => {
                std::fs::read_dir(p).map(|d| d.flatten().map(|e| walk(&e.path(), depth + 1)).sum()).unwrap_or(0)
            }
            _ => 0,
        }
    }
    inputs.iter().filter(|p| p.as_os_str() != "-").map(|p| walk(p, 0)).sum()
}

/// A progress bar on stderr over `total` input bytes (0: unknown, as for stdin); hidden when stderr is not a terminal or with `--quiet`, and
/// drawn only once the run has lasted a second, so short runs print just the summary.
/// The message is set by [`progress`] ([`progress_message`]).
fn progress_bar(quiet: bool, total: u64) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total.max(1)), ProgressDrawTarget::hidden());
    let template = if total == 0 {
        "{spinner} [{elapsed_precise}] {msg}"
    } else {
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {msg} ETA {eta}"
    };
    bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    let shown = bar.clone();
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(1) {
            if shown.is_finished() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if !shown.is_finished() {
            shown.set_draw_target(ProgressDrawTarget::stderr());
            shown.enable_steady_tick(Duration::from_millis(200));
        }
    });
    bar
}

/// The bar's message: articles done and articles per second.
fn progress_message(bar: &ProgressBar, records: u64) -> String {
    let secs = bar.elapsed().as_secs_f64().max(1e-3);
    format!("{records} articles, {:.0} articles/s", records as f64 / secs)
}

/// What the pool renders for the output directory, for a run of records.
#[derive(Default)]
struct Rendered {
    jsonl: Vec<u8>,
    /// What rendering `jsonl` keeps from one record of the run to the next.
    jsonl_cache: jsonl::RunCache,
    mentions: Vec<u8>,
    article: Vec<u8>,
    article_entities: Vec<u8>,
    topics: Vec<u8>,
    error: Vec<u8>,
    /// Messages for stderr, one per failed record.
    messages: Vec<String>,
    totals: csv_out::EntityTotals,
}

/// The files of `--out DIR`, each written under a temporary name and renamed when complete.
struct DirSink<'a> {
    tagger: &'a Tagger,
    excel: bool,
    dir: PathBuf,
    /// The files, and the entity counts for `entities.csv`.
    written: Mutex<(OutFiles, csv_out::EntityTotals)>,
}

/// The output files by name, each written through its buffer.
type OutFiles = Vec<(String, BufWriter<File>)>;

const OUT_FILES: [&str; 6] =
    ["articles.jsonl", "mentions.csv", "articles.csv", "article_entities.csv", "topics.csv", "errors.csv"];

/// The temporary files of this run's `--out`, removed if it is interrupted or fails, so that
/// an interrupted run leaves the previous complete files and nothing else.
static PARTIAL: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn remove_partial_files() {
    let mut files = PARTIAL.lock().unwrap_or_else(|p| p.into_inner());
    for path in files.drain(..) {
        let _ = std::fs::remove_file(path);
    }
}

fn register_partial(path: PathBuf) {
    PARTIAL.lock().unwrap_or_else(|p| p.into_inner()).push(path);
}

fn temp_name(name: &str) -> String {
    format!(".{name}.partial-{}", std::process::id())
}

impl<'a> DirSink<'a> {
    fn create(dir: &Path, tagger: &'a Tagger, excel: bool) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        // Ctrl-C, SIGTERM or SIGHUP: remove the temporary files, keep the previous outputs.
        let _ = ctrlc::set_handler(|| {
            remove_partial_files();
            std::process::exit(130);
        });
        let mut files = Vec::new();
        register_partial(dir.join(temp_name("entities.csv")));
        for name in OUT_FILES {
            register_partial(dir.join(temp_name(name)));
            let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join(temp_name(name)))?);
            let header = match name {
                "mentions.csv" => Some(csv_out::MENTIONS_HEADER),
                "articles.csv" => Some(csv_out::ARTICLES_HEADER),
                "article_entities.csv" => Some(csv_out::ARTICLE_ENTITIES_HEADER),
                "topics.csv" => Some(csv_out::TOPICS_HEADER),
                "errors.csv" => Some(csv_out::ERRORS_HEADER),
                _ => None,
            };
            if let Some(header) = header {
                write_csv_header(&mut w, header, excel)?;
            }
            files.push((name.to_string(), w));
        }
        Ok(DirSink {
            tagger,
            excel,
            dir: dir.to_path_buf(),
            written: Mutex::new((files, csv_out::EntityTotals::default())),
        })
    }

    fn finish(self) -> std::io::Result<()> {
        let (files, totals) = self.written.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut entities = Vec::new();
        if self.excel {
            entities.extend_from_slice(b"\xEF\xBB\xBF");
        }
        csv_out::write_row(&mut entities, csv_out::ENTITIES_HEADER.iter().copied(), false);
        totals.render(self.tagger, self.excel, &mut entities);
        std::fs::write(self.dir.join(temp_name("entities.csv")), entities)?;
        for (_, w) in files {
            let file = w.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
        }
        for name in OUT_FILES.iter().chain(["entities.csv"].iter()) {
            std::fs::rename(self.dir.join(temp_name(name)), self.dir.join(name))?;
        }
        PARTIAL.lock().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(())
    }
}

fn write_csv_header(w: &mut impl Write, header: &[&str], excel: bool) -> std::io::Result<()> {
    if excel {
        w.write_all(b"\xEF\xBB\xBF")?;
    }
    let mut row = Vec::new();
    csv_out::write_row(&mut row, header.iter().copied(), false);
    w.write_all(&row)
}

impl Sink for DirSink<'_> {
    type Rendered = Rendered;

    fn render(&self, outcome: Outcome, r: &mut Rendered) {
        reserve_run(&mut r.jsonl);
        jsonl::render_with(self.tagger, &outcome, &mut r.jsonl_cache, &mut r.jsonl);
        csv_out::render_mentions(self.tagger, &outcome, self.excel, &mut r.mentions);
        csv_out::render_article(&outcome, self.excel, &mut r.article);
        csv_out::render_article_entities(&outcome, self.excel, &mut r.article_entities);
        csv_out::render_topics(&outcome, self.excel, &mut r.topics);
        csv_out::render_error(&outcome, self.excel, &mut r.error);
        r.totals.add(&outcome);
        if let Outcome::Failed(err) = outcome {
            r.messages.push(err.to_string());
        }
    }

    fn write(&self, r: Rendered) -> std::io::Result<()> {
        for message in &r.messages {
            eprintln!("{message}");
        }
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        let (files, totals) = &mut *written;
        totals.merge(r.totals);
        for ((_, w), bytes) in
            files.iter_mut().zip([&r.jsonl, &r.mentions, &r.article, &r.article_entities, &r.topics, &r.error])
        {
            w.write_all(bytes)?;
        }
        Ok(())
    }
}

/// `--format`: one output streamed to stdout.
struct StdoutSink<'a> {
    tagger: &'a Tagger,
    format: FormatArg,
    excel: bool,
    /// The stream, and whether the CSV header is written.
    out: Mutex<(StdoutStream, bool)>,
}

/// Standard output as `StdoutSink` writes it.
type StdoutStream = BufWriter<Box<dyn Write + Send>>;

/// Standard output without its line buffer: a second handle on the same file where the
/// platform gives one. `Stdout` copies what follows a write's last newline into its own
/// buffer, and a run of rendered lines rarely ends where a write does.
fn raw_stdout() -> Box<dyn Write + Send> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() {
            return Box::new(File::from(fd));
        }
    }
    Box::new(std::io::stdout())
}

impl<'a> StdoutSink<'a> {
    fn new(tagger: &'a Tagger, format: FormatArg, excel: bool) -> Self {
        StdoutSink {
            tagger,
            format,
            excel,
            // Smaller than a run's lines usually are, which then go out without a copy.
            out: Mutex::new((BufWriter::with_capacity(8 << 10, raw_stdout()), false)),
        }
    }

    /// The stream, its CSV header written first.
    fn stream(&self) -> std::io::Result<std::sync::MutexGuard<'_, (StdoutStream, bool)>> {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if self.format == FormatArg::Csv && !out.1 {
            write_csv_header(&mut out.0, csv_out::MENTIONS_HEADER, self.excel)?;
            out.1 = true;
        }
        Ok(out)
    }

    fn flush(&self) -> std::io::Result<()> {
        self.stream()?.0.flush()
    }
}

/// Room for a run's output, made once when its first record is rendered: a buffer grown
/// record by record would be copied about eight times on its way to a run's usual size.
fn reserve_run(out: &mut Vec<u8>) {
    const RUN_OUTPUT: usize = 64 << 10;
    if out.capacity() == 0 {
        out.reserve(RUN_OUTPUT);
    }
}

/// What the pool renders for stdout, for a run of records.
#[derive(Default)]
struct Stream {
    out: Vec<u8>,
    /// What rendering JSONL keeps from one record of the run to the next.
    jsonl_cache: jsonl::RunCache,
    /// Messages for stderr, one per failed record.
    messages: Vec<String>,
}

impl Sink for StdoutSink<'_> {
    type Rendered = Stream;

    fn render(&self, outcome: Outcome, into: &mut Stream) {
        reserve_run(&mut into.out);
        match self.format {
            FormatArg::Jsonl => jsonl::render_with(self.tagger, &outcome, &mut into.jsonl_cache, &mut into.out),
            FormatArg::Csv => csv_out::render_mentions(self.tagger, &outcome, self.excel, &mut into.out),
        }
        if let Outcome::Failed(err) = outcome {
            into.messages.push(err.to_string());
        }
    }

    fn write(&self, rendered: Stream) -> std::io::Result<()> {
        for message in &rendered.messages {
            eprintln!("{message}");
        }
        self.stream()?.0.write_all(&rendered.out)
    }

    fn end_chunk(&self) -> std::io::Result<()> {
        self.stream()?.0.flush()
    }
}

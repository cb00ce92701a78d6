//! Directory walk + rayon: the only module that knows about threads.
//!
//! A reader thread turns the inputs into chunks of raw records (bounded in records and
//! bytes: at most a few chunks are in flight, so memory stays flat however large the corpus
//! is), each cut into runs of consecutive records; the rayon pool parses, tags and renders
//! the runs of each chunk in parallel and frees them; the calling thread hands the rendered
//! runs to the sink in input order, one chunk behind, while the pool works on the next.
//! Output is byte-identical for any thread count.

use crate::export::Outcome;
use crate::input::{expand_inputs, read_input, InputError, InputPath, Parser, ReadOptions, Record};
use crate::tagger::{Tagger, Worker};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Options for a batch run.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Records per chunk handed to the pool.
    pub chunk_size: usize,
    /// How inputs are read.
    pub read: ReadOptions,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions { threads: 0, chunk_size: 4096, read: ReadOptions::default() }
    }
}

/// Counts of a finished (or stopped) run; `tagged + failed_records == records`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Input files (and stdin) seen.
    pub files: u64,
    /// Records seen: articles plus records or files that failed.
    pub records: u64,
    /// Articles tagged.
    pub tagged: u64,
    /// Records or files that could not be read or parsed.
    pub failed: u64,
    /// Mentions found.
    pub mentions: u64,
    /// Bytes of article text (title + body) tagged.
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Morphological analyses run (cache misses).
    pub analyses: u64,
    /// Analyses answered from the per-thread caches.
    pub cache_hits: u64,
}

/// Receives what the pool rendered, in input order.
///
/// The pool renders runs of consecutive outcomes into one `Rendered` each and drops the
/// outcomes there, so the calling thread only hands finished bytes (or small tallies) on:
/// it stays light enough that adding pool threads adds throughput. It writes a chunk while
/// the pool tags and renders the next one, so what `write` changes sits behind a lock
/// (a `Mutex` that `render` never takes).
pub trait Sink {
    /// What the pool renders for a run of outcomes (e.g. JSONL lines and CSV rows).
    type Rendered: Send + Default;
    /// Renders one outcome into `into`; runs on the pool's threads, which drop the outcome.
    fn render(&self, outcome: Outcome, into: &mut Self::Rendered);
    /// Takes one rendered run, in input order, on the calling thread. An error stops the run
    /// (a closed pipe, a full disk).
    fn write(&self, rendered: Self::Rendered) -> std::io::Result<()>;
    /// Called after each chunk, so a streaming sink can flush.
    fn end_chunk(&self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Progress callback: (records done, input bytes read so far), for a bar whose total is the
/// size of the input files.
pub type Progress<'a> = dyn FnMut(u64, u64) + 'a;

/// Tags every article of `inputs` into `sink`; returns the counts.
pub fn run<S: Sink + Sync>(
    tagger: &Tagger,
    inputs: &[PathBuf],
    opts: &BatchOptions,
    sink: &S,
    progress: &mut Progress,
) -> std::io::Result<Summary> {
    let started = Instant::now();
    let (paths, walk_errors) = expand_inputs(inputs);
    let mut summary = Summary { files: paths.len() as u64, ..Summary::default() };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| std::io::Error::other(format!("cannot start threads: {e}")))?;

    let threads = pool.current_num_threads();
    // A chunk travels cut into runs (by the reader, which is mostly idle) with its input bytes.
    let (tx, rx) = sync_channel::<(Vec<Vec<Record>>, u64)>(2);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        let read = opts.read.clone();
        let chunk_size = opts.chunk_size.max(1);
        std::thread::spawn(move || {
            let mut chunk = Chunker::new(chunk_size, threads);
            let errors = walk_errors.into_iter().map(Record::Error);
            let records = paths.into_iter().flat_map(move |p: InputPath| read_input(&p, &read));
            for record in errors.chain(records) {
                if chunk.push(record) && (stop.load(Ordering::Relaxed) || tx.send(chunk.take()).is_err()) {
                    return;
                }
            }
            if !chunk.is_empty() {
                let _ = tx.send(chunk.take());
            }
        })
    };

    let parser = opts.read.parser();
    // One worker per pool thread for the whole run, so analysis caches live across chunks
    // (`map_init` would make a fresh one for every split of every chunk). Each lock is only
    // ever taken by its own thread, once per run of records.
    let workers: Vec<Mutex<Worker>> = (0..threads).map(|_| Mutex::new(tagger.worker())).collect();
    let mut result = Ok(());
    let mut input_bytes = 0u64;
    // With a core to spare, the calling thread writes a chunk while the pool works on the
    // next one (a pool that waits for each write idles for about 5% of a run over the news
    // corpus); without, it writes between chunks, as a write that shares a pool thread's core
    // also evicts what that thread keeps in cache.
    let overlap = threads < std::thread::available_parallelism().map_or(1, usize::from);
    // A chunk's rendered runs, and the input bytes read up to its end.
    let mut pending: Option<(Chunk<S>, u64)> = None;
    let mut write = |done: Chunk<S>, summary: &mut Summary| {
        for (rendered, counts) in done {
            summary.records += counts.records;
            summary.tagged += counts.tagged;
            summary.failed += counts.failed;
            summary.mentions += counts.mentions;
            summary.bytes += counts.bytes;
            if result.is_ok() {
                result = sink.write(rendered);
            }
        }
        if result.is_ok() {
            result = sink.end_chunk();
        }
        result.is_ok()
    };
    for (runs, chunk_bytes) in rx {
        let mut done: Chunk<S> = Vec::new();
        let mut write_pending = |summary: &mut Summary| match pending.take() {
            Some((previous, bytes)) => {
                let written = write(previous, summary);
                progress(summary.records, bytes);
                written
            }
            None => true,
        };
        let mut written = overlap || write_pending(&mut summary);
        if !written {
            stop.store(true, Ordering::Relaxed);
            break;
        }
        pool.in_place_scope(|scope| {
            scope.spawn(|_| {
                done = runs
                    .into_par_iter()
                    .map(|run| {
                        let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
                        let mut worker = workers[slot].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                        let mut rendered = S::Rendered::default();
                        let mut counts = Counts::default();
                        let mut records = run.into_iter().peekable();
                        while let Some(record) = records.next() {
                            if let Some(next) = records.peek() {
                                prefetch_line(next);
                            }
                            let outcome = tag_record(&mut worker, record, &parser);
                            counts.add(&outcome);
                            sink.render(outcome, &mut rendered);
                        }
                        (rendered, counts)
                    })
                    .collect();
            });
            if overlap {
                written = write_pending(&mut summary);
            }
        });
        if !written {
            stop.store(true, Ordering::Relaxed);
            break;
        }
        input_bytes += chunk_bytes;
        pending = Some((done, input_bytes));
    }
    if let Some((done, bytes)) = pending.take() {
        if write(done, &mut summary) {
            progress(summary.records, bytes);
        } else {
            stop.store(true, Ordering::Relaxed);
        }
    }
    // The reader ends once the channel is dropped or the inputs are exhausted.
    let _ = reader.join();
    for w in workers {
        let (hits, misses) = w.into_inner().unwrap_or_else(|p| p.into_inner()).cache_stats();
        summary.cache_hits += hits;
        summary.analyses += misses;
    }
    summary.elapsed = started.elapsed();
    result.map(|()| summary)
}

/// The rendered runs of a chunk, with their counts.
type Chunk<S> = Vec<(<S as Sink>::Rendered, Counts)>;

/// A chunk is sent to the pool at `chunk_size` records or this many bytes, whichever first.
const CHUNK_BYTES: u64 = 8 << 20;

/// Counts of a run of records, added up on the calling thread.
#[derive(Default)]
struct Counts {
    records: u64,
    tagged: u64,
    failed: u64,
    mentions: u64,
    bytes: u64,
}

impl Counts {
    fn add(&mut self, outcome: &Outcome) {
        self.records += 1;
        match outcome {
            Outcome::Tagged(a, tagged) => {
                self.tagged += 1;
                self.mentions += tagged.mentions().len() as u64;
                self.bytes += (a.title.len() + a.body.len()) as u64;
            }
            Outcome::Failed(_) => self.failed += 1,
        }
    }
}

/// Cuts the records, as they are read, into chunks of runs of consecutive records: a few runs
/// per thread (so that threads balance), each small enough in records and bytes that one slow
/// run does not hold the others up. A record is moved once, into its run.
struct Chunker {
    runs: Vec<Vec<Record>>,
    run: Vec<Record>,
    per_run: usize,
    chunk_size: usize,
    records: usize,
    bytes: u64,
    run_bytes: u64,
}

/// A run ends at this many bytes, whatever its records.
const RUN_BYTES: u64 = 256 << 10;

impl Chunker {
    fn new(chunk_size: usize, threads: usize) -> Chunker {
        let per_run = chunk_size.div_ceil(threads.max(1) * 4).clamp(1, 64);
        Chunker {
            runs: Vec::with_capacity(chunk_size.div_ceil(per_run)),
            run: Vec::with_capacity(per_run),
            per_run,
            chunk_size,
            records: 0,
            bytes: 0,
            run_bytes: 0,
        }
    }

    /// Adds `record`; whether the chunk is full (in records, or in bytes, so that chunks of
    /// large articles keep memory flat).
    fn push(&mut self, record: Record) -> bool {
        let bytes = raw_len(&record);
        self.run.push(record);
        self.records += 1;
        self.bytes += bytes;
        self.run_bytes += bytes;
        if self.run.len() >= self.per_run || self.run_bytes >= RUN_BYTES {
            self.end_run();
        }
        self.records >= self.chunk_size || self.bytes >= CHUNK_BYTES
    }

    fn end_run(&mut self) {
        if !self.run.is_empty() {
            self.runs.push(std::mem::replace(&mut self.run, Vec::with_capacity(self.per_run)));
        }
        self.run_bytes = 0;
    }

    fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// The chunk's runs and the input bytes they were read from; the next chunk starts empty.
    fn take(&mut self) -> (Vec<Vec<Record>>, u64) {
        self.end_run();
        let runs = std::mem::replace(&mut self.runs, Vec::with_capacity(self.chunk_size.div_ceil(self.per_run)));
        let bytes = std::mem::take(&mut self.bytes);
        self.records = 0;
        (runs, bytes)
    }
}

/// Asks the CPU to fetch the first bytes of a line record, which the reader wrote on
/// another core, while the record before it is tagged: the line's first touch (its UTF-8
/// check) then finds it in cache.
#[inline]
fn prefetch_line(record: &Record) {
    #[cfg(target_arch = "x86_64")]
    if let Record::Line { bytes, .. } = record {
        for line in bytes.iter().step_by(64).take(PREFETCH_LINES) {
            crate::simd::prefetch(line);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = record;
}

/// Cache lines of the next record fetched ahead: most news lines are a few hundred bytes.
const PREFETCH_LINES: usize = 8;

/// How many bytes of input a record was read from (about: CSV and JSON records are counted
/// by their text).
fn raw_len(record: &Record) -> u64 {
    match record {
        Record::Text { bytes, .. } => bytes.len() as u64,
        Record::Line { bytes, offset, .. } => (bytes.len() + offset) as u64 + 1,
        Record::Article(a) => (a.title.len() + a.body.len()) as u64,
        Record::Error(_) => 0,
    }
}

fn tag_record(worker: &mut Worker, record: Record, parser: &Parser) -> Outcome {
    match parser.parse(record) {
        Err(err) => Outcome::Failed(err),
        Ok(article) => match worker.tag(&article) {
            Ok(tagged) => Outcome::Tagged(article, tagged),
            Err(e) => Outcome::Failed(InputError {
                source: article.source.clone(),
                line: None,
                message: format!("article \"{}\": {e}", article.id),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{InputError, LineFormat};

    fn record(i: usize, bytes: usize) -> Record {
        Record::Text { source: format!("{i}"), bytes: vec![b'a'; bytes] }
    }

    fn sources(runs: &[Vec<Record>]) -> Vec<Vec<String>> {
        let source = |r: &Record| match r {
            Record::Text { source, .. } => source.clone(),
            _ => String::new(),
        };
        runs.iter().map(|run| run.iter().map(source).collect()).collect()
    }

    #[test]
    fn chunks_are_cut_into_runs_in_order() {
        // 2 threads, chunks of 24: runs of 3 (24 / 8), 8 runs to a chunk.
        let mut c = Chunker::new(24, 2);
        let mut chunks = Vec::new();
        for i in 0..50 {
            if c.push(record(i, 10)) {
                chunks.push(c.take());
            }
        }
        assert!(!c.is_empty());
        chunks.push(c.take());
        assert!(c.is_empty());
        let runs: Vec<Vec<Vec<String>>> = chunks.iter().map(|(runs, _)| sources(runs)).collect();
        assert_eq!(runs.iter().map(Vec::len).collect::<Vec<_>>(), [8, 8, 1]);
        assert!(runs.iter().flatten().all(|run| run.len() == 3 || run.len() == 2));
        let all: Vec<String> = runs.into_iter().flatten().flatten().collect();
        assert_eq!(all, (0..50).map(|i| i.to_string()).collect::<Vec<_>>());
        assert_eq!(chunks.iter().map(|(_, bytes)| *bytes).collect::<Vec<_>>(), [240, 240, 20]);
        // A record past a run's byte bound ends its run; one past a chunk's, its chunk.
        let mut c = Chunker::new(4096, 1);
        assert!(!c.push(record(0, RUN_BYTES as usize)));
        assert!(!c.push(record(1, 1)));
        assert!(c.push(record(2, CHUNK_BYTES as usize)));
        let (runs, bytes) = c.take();
        assert_eq!(sources(&runs), [vec!["0"], vec!["1", "2"]]);
        assert_eq!(bytes, RUN_BYTES + 1 + CHUNK_BYTES);
        // Errors count as records, of no bytes.
        let mut c = Chunker::new(2, 1);
        assert!(!c.push(Record::Error(InputError { source: "x".into(), line: None, message: "m".into() })));
        assert!(c.push(record(1, 1)));
    }

    #[test]
    fn prefetching_a_record_reads_nothing() {
        // A hint only: any record, an empty line or one far longer than what is fetched.
        for bytes in [Vec::new(), vec![b'{'; 10_000]] {
            prefetch_line(&Record::Line { source: "-".into(), line: 1, bytes, offset: 0, format: LineFormat::Jsonl });
        }
        prefetch_line(&record(0, 3));
    }
}

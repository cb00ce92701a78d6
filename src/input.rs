//! Reading article inputs: newsroom-layout or plain `.txt`/`.md` files, `.jsonl`, `.json` and
//! `.csv` files, and JSONL on stdin.
//!
//! [`expand_inputs`] turns command-line arguments into a sorted list of [`InputPath`]s,
//! [`read_input`] streams the [`Record`]s of one of them, and [`Record::parse`] turns a record
//! into an [`Article`], possibly on another thread. Nothing is dropped silently: a file or
//! record that cannot be read becomes an [`InputError`] naming its source (and line), and
//! reading goes on.
//!
//! Titles and bodies read from text files are exact substrings of the decoded file, because
//! mention offsets are reported into them and users slice the original text with those
//! offsets; the reader only trims and cuts, it never rewrites inner text (CRLF stays CRLF).
//!
//! ```no_run
//! # use hantag::input::{expand_inputs, read_input, ReadOptions};
//! let opts = ReadOptions::default();
//! // What every record's parse needs, made once (`record.parse(&opts)` makes it each time).
//! let parser = opts.parser();
//! let (paths, errors) = expand_inputs(&["news".into()]);
//! for error in &errors {
//!     eprintln!("{error}");
//! }
//! for path in &paths {
//!     for record in read_input(path, &opts) {
//!         match parser.parse(record) {
//!             Ok(article) => println!("{}: {}", article.id, article.title),
//!             Err(error) => eprintln!("{error}"),
//!         }
//!     }
//! }
//! ```

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::export::jsonl::find_escape;
use encoding_rs::{DecoderResult, Encoding};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

const MIB: u64 = 1024 * 1024;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Extensions taken from walked directories; a file named explicitly is read whatever its name.
const ARTICLE_EXTENSIONS: [&str; 5] = ["txt", "md", "jsonl", "json", "csv"];
/// Big enough that a JSONL reader rarely refills mid-line, small enough to stay flat per thread.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// One news article.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Article {
    /// Identifier taken from the record, or derived from the file name when there is none.
    pub id: String,
    /// Where the article came from: the file path as given or walked, or `-` for stdin.
    pub source: String,
    /// Headline, an exact substring of the decoded input text (empty when there is none).
    pub title: String,
    /// Body text, an exact substring of the decoded input text.
    pub body: String,
    /// Publication date, ISO 8601 when read from a newsroom layout, otherwise as given.
    pub date: Option<String>,
    /// Address of the original article, when the input gives one.
    pub url: Option<String>,
}

impl Article {
    /// Creates an article with an empty source and no date or URL.
    pub fn new(id: impl Into<String>, title: impl Into<String>, body: impl Into<String>) -> Self {
        Article { id: id.into(), title: title.into(), body: body.into(), ..Article::default() }
    }
}

/// A source that could not be read or a record that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file path as given or walked, or `-` for stdin.
    pub source: String,
    /// The 1-based line of the record in a JSONL or CSV file (or of a JSON syntax error).
    pub line: Option<u64>,
    /// What went wrong, in lower case without a trailing period.
    pub message: String,
}

impl InputError {
    fn new(source: impl Into<String>, line: Option<u64>, message: impl Into<String>) -> Self {
        InputError { source: source.into(), line, message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.source, line, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// Field names to read from JSONL/CSV records.
#[derive(Debug, Clone)]
pub struct FieldNames {
    /// Field holding the article id (`id`).
    pub id: String,
    /// Field holding the headline (`title`).
    pub title: String,
    /// Fields that may hold the body, the first present one wins (`body`, then `text`).
    pub body: Vec<String>,
    /// Field holding the publication date (`date`).
    pub date: String,
    /// Field holding the article URL (`url`).
    pub url: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            id: "id".to_string(),
            title: "title".to_string(),
            body: vec!["body".to_string(), "text".to_string()],
            date: "date".to_string(),
            url: "url".to_string(),
        }
    }
}

/// Options for reading.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Names of the fields read from JSONL, JSON and CSV records.
    pub fields: FieldNames,
    /// Largest file read whole, and largest line of a JSONL file or stdin (which are
    /// streamed, whatever their size), in bytes; 64 MiB by default.
    pub max_file_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { fields: FieldNames::default(), max_file_bytes: 64 * MIB }
    }
}

/// One unit of input, ready to be parsed, possibly on another thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// The undecoded bytes of a `.txt`/`.md` (or unknown-extension) file holding one article.
    Text {
        /// The file path as given or walked.
        source: String,
        /// The file contents, not yet decoded.
        bytes: Vec<u8>,
    },
    /// One non-blank line of a line-oriented file or of stdin, not yet decoded: checking and
    /// decoding it is work for the thread that parses it, not for the one that reads.
    Line {
        /// The file path as given or walked, or `-` for stdin.
        source: String,
        /// The 1-based line number, counting blank lines.
        line: u64,
        /// The line without its line terminator or byte-order mark.
        bytes: Vec<u8>,
        /// How many bytes of the line precede `bytes` (a byte-order mark), for error offsets.
        offset: usize,
        /// How the line is to be parsed.
        format: LineFormat,
    },
    /// An article parsed while reading (CSV rows and `.json` files). Boxed, so that a
    /// record is half as large to move for the JSONL lines that most runs read.
    Article(Box<Article>),
    /// A source or record that could not be read.
    Error(InputError),
}

// A line's record is what the reader moves for most inputs: kept small (the boxed article).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Record>() <= 80);

/// The format of a [`Record::Line`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFormat {
    /// One JSON object per line.
    Jsonl,
}

impl Record {
    /// Turns the record into an article: cheap for `Article` and `Error`, while `Text` and
    /// `Line` are decoded and parsed here so that callers can parse in parallel.
    pub fn parse(self, opts: &ReadOptions) -> Result<Article, InputError> {
        opts.parser().parse(self)
    }
}

/// Parses records with one [`ReadOptions`]: what every record's parse needs (the layout of
/// the field names) is made once, by [`ReadOptions::parser`], for as many records as it is
/// given. `Sync`, so one serves a pool of threads.
#[derive(Debug)]
pub struct Parser<'o> {
    /// The fields to keep, none filled: each JSONL line starts from a copy.
    empty: KeptFields<'o>,
}

impl ReadOptions {
    /// A parser for records read with these options.
    pub fn parser(&self) -> Parser<'_> {
        Parser { empty: KeptFields::new(&self.fields) }
    }
}

impl Parser<'_> {
    /// [`Record::parse`], without making the field layout again.
    pub fn parse(&self, record: Record) -> Result<Article, InputError> {
        match record {
            Record::Article(article) => Ok(*article),
            Record::Error(error) => Err(error),
            Record::Text { source, bytes } => parse_text(source, bytes),
            Record::Line { source, line, bytes, offset, format: LineFormat::Jsonl } => {
                // Valid UTF-8, nearly every line, is parsed in place; std's `from_utf8` is
                // several times slower on Hangul, and is left to find where bad bytes start.
                let utf8 = simdutf8::basic::from_utf8(&bytes).ok();
                // A line of the common shape is read by the fast path, which declines any
                // control byte or backslash in it: a line it takes holds no NUL either.
                if let Some(text) = utf8 {
                    let mut kept = self.empty.emptied();
                    if read_plain_line(text, &mut kept) {
                        return article_of_line(source, line, text, &mut kept);
                    }
                }
                if let Some(at) = memchr::memchr(0, &bytes) {
                    let message = format!("line is binary (NUL byte at offset {})", at + offset);
                    return Err(InputError::new(source, Some(line), message));
                }
                if let Some(text) = utf8 {
                    // The fast path declined it.
                    return parse_jsonl_text(source, line, text, &self.empty, false);
                }
                match decode_utf8_or_legacy(bytes) {
                    Ok(text) => parse_jsonl_text(source, line, &text, &self.empty, true),
                    Err(at) => Err(InputError::new(
                        source,
                        Some(line),
                        format!("invalid UTF-8 at byte offset {}", at + offset),
                    )),
                }
            }
        }
    }
}

/// One input named on the command line or found in a walked directory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputPath {
    /// A file, read according to its extension.
    File(PathBuf),
    /// Standard input, read as JSONL.
    Stdin,
}

impl fmt::Display for InputPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputPath::File(path) => write!(f, "{}", path.display()),
            InputPath::Stdin => f.write_str("-"),
        }
    }
}

/// Expands command-line inputs into a sorted, deduplicated list of files (stdin first, if
/// named), walking directories recursively and reporting what cannot be walked.
///
/// Inside directories only `txt`, `md`, `jsonl`, `json` and `csv` files (any case) are taken,
/// and symbolic links are not followed: a link to a file is read, a link to a directory is
/// reported as an error. A path named explicitly is taken whatever its extension, and is
/// followed if it is a link, because that is what the user pointed at.
pub fn expand_inputs(inputs: &[PathBuf]) -> (Vec<InputPath>, Vec<InputError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut stdin = false;
    for input in inputs {
        if input.as_os_str() == "-" {
            stdin = true;
            continue;
        }
        match fs::metadata(input) {
            Ok(meta) if meta.is_dir() => walk(input, &mut files, &mut errors),
            Ok(_) => files.push(input.clone()),
            Err(e) => errors.push(InputError::new(input.display().to_string(), None, describe_io(&e))),
        }
    }
    files.sort();
    files.dedup();
    let mut paths = Vec::with_capacity(files.len() + usize::from(stdin));
    if stdin {
        paths.push(InputPath::Stdin);
    }
    paths.extend(files.into_iter().map(InputPath::File));
    (paths, errors)
}

/// Adds the article files under `dir` to `files`, depth first in path order.
fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<InputError>) {
    let dir_error = |e: &io::Error| {
        InputError::new(dir.display().to_string(), None, format!("cannot read directory: {}", describe_io(e)))
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(dir_error(&e));
            return;
        }
    };
    let mut children = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry),
            Err(e) => errors.push(dir_error(&e)),
        }
    }
    children.sort_by_key(|entry| entry.file_name());
    for child in children {
        let path = child.path();
        let file_type = match child.file_type() {
            Ok(file_type) => file_type,
            Err(e) => {
                errors.push(InputError::new(path.display().to_string(), None, describe_io(&e)));
                continue;
            }
        };
        if file_type.is_dir() {
            walk(&path, files, errors);
        } else if file_type.is_symlink() {
            // Not following links keeps the walk free of cycles and inside the tree the user
            // named; a skipped directory link is reported so that nothing vanishes unnoticed.
            match fs::metadata(&path) {
                Ok(meta) if meta.is_dir() => {
                    errors.push(InputError::new(path.display().to_string(), None, "symbolic link not followed"))
                }
                Ok(meta) => {
                    if meta.is_file() && has_article_extension(&path) {
                        files.push(path);
                    }
                }
                Err(e) => {
                    if has_article_extension(&path) {
                        errors.push(InputError::new(
                            path.display().to_string(),
                            None,
                            format!("broken symbolic link: {}", describe_io(&e)),
                        ));
                    }
                }
            }
        } else if file_type.is_file() && has_article_extension(&path) {
            files.push(path);
        }
    }
}

fn has_article_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ARTICLE_EXTENSIONS.iter().any(|known| ext.eq_ignore_ascii_case(known)))
}

/// Streams the records of one input; nothing is read until the first record is asked for.
///
/// The file size is checked against [`ReadOptions::max_file_bytes`] before reading. `.jsonl`
/// files and stdin are read line by line (blank lines are skipped but counted), `.json` and
/// `.csv` files are read whole and parsed into articles, and any other file is one text
/// article. Offsets in line errors are byte offsets within the line.
pub fn read_input(path: &InputPath, opts: &ReadOptions) -> Box<dyn Iterator<Item = Record> + Send> {
    let max_bytes = opts.max_file_bytes;
    match path {
        InputPath::Stdin => Box::new(
            std::iter::once_with(move || -> Box<dyn Iterator<Item = Record> + Send> {
                let reader = BufReader::with_capacity(READ_BUFFER_BYTES, io::stdin());
                match line_reader(reader) {
                    Ok(reader) => Box::new(JsonLines::new("-".to_string(), reader, max_bytes, false)),
                    Err(e) => single_error("-", format!("cannot read: {}", describe_io(&e))),
                }
            })
            .flatten(),
        ),
        InputPath::File(file) => {
            let file = file.clone();
            let fields = opts.fields.clone();
            Box::new(std::iter::once_with(move || read_file(&file, &fields, max_bytes)).flatten())
        }
    }
}

/// How a file is read, decided by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileFormat {
    Text,
    Jsonl,
    Json,
    Csv,
}

impl FileFormat {
    fn of(path: &Path) -> FileFormat {
        let ext = path.extension().and_then(|ext| ext.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("jsonl") {
            FileFormat::Jsonl
        } else if ext.eq_ignore_ascii_case("json") {
            FileFormat::Json
        } else if ext.eq_ignore_ascii_case("csv") {
            FileFormat::Csv
        } else {
            FileFormat::Text
        }
    }
}

fn single_error(source: &str, message: String) -> Box<dyn Iterator<Item = Record> + Send> {
    Box::new(std::iter::once(Record::Error(InputError::new(source, None, message))))
}

fn read_file(path: &Path, fields: &FieldNames, max_bytes: u64) -> Box<dyn Iterator<Item = Record> + Send> {
    let source = path.display().to_string();
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => return single_error(&source, describe_io(&e)),
    };
    if meta.is_dir() {
        return single_error(&source, "is a directory".to_string());
    }
    let format = FileFormat::of(path);
    // Checked before opening so that an oversized file costs no memory at all. A JSONL file
    // is streamed a line at a time, so there the limit applies to each line: an archive of
    // any size is read in flat memory.
    if meta.len() > max_bytes && format != FileFormat::Jsonl {
        return single_error(&source, too_large("file", max_bytes, Some(meta.len())));
    }
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return single_error(&source, describe_io(&e)),
    };
    if format == FileFormat::Jsonl {
        let reader = BufReader::with_capacity(READ_BUFFER_BYTES, file);
        return match line_reader(reader) {
            Ok(reader) => Box::new(JsonLines::new(source, reader, max_bytes, true)),
            Err(e) => single_error(&source, format!("cannot read: {}", describe_io(&e))),
        };
    }
    let bytes = match read_bounded(file, meta.len(), max_bytes) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return single_error(&source, too_large("file", max_bytes, None)),
        Err(e) => return single_error(&source, format!("cannot read: {}", describe_io(&e))),
    };
    match format {
        FileFormat::Json => match decode_file(bytes) {
            Ok(text) => Box::new(json_records(&source, &text, fields).into_iter()),
            Err(message) => single_error(&source, message),
        },
        FileFormat::Csv => match decode_file(bytes) {
            Ok(text) => csv_records(source, text, fields),
            Err(message) => single_error(&source, message),
        },
        // JSONL returned above; it is listed here only to keep the match exhaustive.
        FileFormat::Text | FileFormat::Jsonl => Box::new(std::iter::once(Record::Text { source, bytes })),
    }
}

/// Reads a whole file, or returns `None` if it grew past `max_bytes` since its size was checked.
fn read_bounded(file: File, size_hint: u64, max_bytes: u64) -> io::Result<Option<Vec<u8>>> {
    let capacity = usize::try_from(size_hint.min(max_bytes)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Ok(None);
    }
    Ok(Some(bytes))
}

fn too_large(what: &str, max_bytes: u64, size: Option<u64>) -> String {
    let limit = if max_bytes >= MIB && max_bytes.is_multiple_of(MIB) {
        format!("{} MiB", max_bytes / MIB)
    } else {
        format!("{max_bytes} bytes")
    };
    match size {
        Some(size) => format!("{what} is larger than the {limit} limit ({size} bytes)"),
        None => format!("{what} is larger than the {limit} limit"),
    }
}

/// Describes an I/O error in our style: lower case, without the "(os error N)" suffix.
fn describe_io(error: &io::Error) -> String {
    let text = error.to_string();
    let text = match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => &text[..at],
        _ => text.as_str(),
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn file_stem(source: &str) -> String {
    Path::new(source).file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_else(|| source.to_string())
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// Decodes a whole file and rejects binary and blank ones.
fn decode_file(bytes: Vec<u8>) -> Result<String, String> {
    let text = decode(bytes)?;
    if text.trim().is_empty() {
        return Err("file is empty".to_string());
    }
    Ok(text)
}

/// Decodes bytes as UTF-16 (with a BOM), UTF-8 (BOM stripped) or, failing that, EUC-KR/CP949.
fn decode(mut bytes: Vec<u8>) -> Result<String, String> {
    if let Some(encoding) = utf16_bom(&bytes) {
        let text = decode_utf16(encoding, &bytes)?;
        if let Some(at) = text.find('\0') {
            let units = text[..at].encode_utf16().count();
            return Err(format!("file is binary (NUL byte at offset {})", 2 + 2 * units));
        }
        return Ok(text);
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(format!("file is binary (NUL byte at offset {at})"));
    }
    let bom = if bytes.starts_with(UTF8_BOM) { UTF8_BOM.len() } else { 0 };
    bytes.drain(..bom);
    decode_utf8_or_legacy(bytes).map_err(|at| format!("invalid UTF-8 at byte offset {}", at + bom))
}

/// Takes valid UTF-8 as is; otherwise accepts the bytes as EUC-KR/CP949 only when they decode
/// without error and hold Hangul, since Latin-1 and other garbage can decode cleanly too.
/// On failure returns the offset of the first invalid UTF-8 byte.
fn decode_utf8_or_legacy(bytes: Vec<u8>) -> Result<String, usize> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            // encoding_rs's EUC-KR is the WHATWG one, which is windows-949 (CP949).
            match encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(&bytes) {
                Some(text) if text.chars().any(is_hangul) => Ok(text.into_owned()),
                _ => Err(at),
            }
        }
    }
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

fn utf16_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    match bytes {
        [0xFF, 0xFE, ..] => Some(encoding_rs::UTF_16LE),
        [0xFE, 0xFF, ..] => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// Decodes UTF-16 bytes that start with a BOM.
fn decode_utf16(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, String> {
    // Only called when `utf16_bom` matched, so the two BOM bytes are there.
    let body = &bytes[2..];
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity =
        decoder.max_utf8_buffer_length_without_replacement(body.len()).unwrap_or(body.len().saturating_mul(2));
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(body, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok(text),
        DecoderResult::Malformed(bad, after) => {
            Err(format!("invalid UTF-16 at byte offset {}", 2 + read - usize::from(after) - usize::from(bad)))
        }
        // The capacity above is the decoder's own worst case, so the output cannot fill up.
        DecoderResult::OutputFull => Err("invalid UTF-16".to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// JSONL

/// Wraps a reader in a UTF-16 → UTF-8 transcoder when it starts with a UTF-16 BOM, so that the
/// line reader can split on `\n` bytes either way.
fn line_reader<R: BufRead + Send + 'static>(mut reader: R) -> io::Result<Box<dyn BufRead + Send>> {
    let utf16 = utf16_bom(reader.fill_buf()?).is_some();
    if utf16 {
        Ok(Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, Utf16Reader::new(reader))))
    } else {
        Ok(Box::new(reader))
    }
}

/// Streams the lines of a JSONL source as records, holding one line in memory at a time.
struct JsonLines {
    source: String,
    reader: Box<dyn BufRead + Send>,
    max_line_bytes: u64,
    line: u64,
    buf: Vec<u8>,
    /// `buf` was made for the line it holds (see `read_line`).
    fresh: bool,
    seen_record: bool,
    report_empty: bool,
    done: bool,
}

enum LineRead {
    Eof,
    Line,
    TooLong,
}

impl JsonLines {
    fn new(source: String, reader: Box<dyn BufRead + Send>, max_line_bytes: u64, report_empty: bool) -> Self {
        JsonLines {
            source,
            reader,
            max_line_bytes,
            line: 0,
            buf: Vec::new(),
            fresh: false,
            seen_record: false,
            report_empty,
            done: false,
        }
    }

    fn error(&self, line: Option<u64>, message: String) -> Record {
        Record::Error(InputError::new(self.source.clone(), line, message))
    }

    /// Reads one line into `buf`, skipping the rest of a line longer than the limit so that a
    /// runaway line on stdin cannot exhaust memory.
    fn read_line(&mut self) -> io::Result<LineRead> {
        let limit = self.max_line_bytes.saturating_add(1);
        // A line that the reader's buffer holds whole is copied once, into a vector of its
        // size that the record then takes (`fresh`).
        let buffered = self.reader.fill_buf()?;
        if let Some(at) = memchr::memchr(b'\n', buffered).filter(|&at| (at as u64) < limit) {
            self.buf = buffered[..=at].to_vec();
            self.fresh = true;
            self.reader.consume(at + 1);
            return Ok(LineRead::Line);
        }
        self.fresh = false;
        self.buf.clear();
        let n = (&mut self.reader).take(limit).read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(LineRead::Eof);
        }
        if self.buf.last() == Some(&b'\n') || (self.buf.len() as u64) < limit {
            return Ok(LineRead::Line);
        }
        self.buf.clear();
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(LineRead::TooLong);
            }
            match chunk.iter().position(|&b| b == b'\n') {
                Some(at) => {
                    self.reader.consume(at + 1);
                    return Ok(LineRead::TooLong);
                }
                None => {
                    let len = chunk.len();
                    self.reader.consume(len);
                }
            }
        }
    }
}

impl Iterator for JsonLines {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        while !self.done {
            let read = match self.read_line() {
                Ok(read) => read,
                Err(e) => {
                    self.done = true;
                    let message = if e.kind() == io::ErrorKind::InvalidData {
                        describe_io(&e)
                    } else {
                        format!("cannot read: {}", describe_io(&e))
                    };
                    return Some(self.error(Some(self.line + 1), message));
                }
            };
            match read {
                LineRead::Eof => {
                    self.done = true;
                    if self.report_empty && !self.seen_record {
                        return Some(self.error(None, "file is empty".to_string()));
                    }
                }
                LineRead::TooLong => {
                    self.line += 1;
                    self.seen_record = true;
                    let message = too_large("line", self.max_line_bytes, None);
                    return Some(self.error(Some(self.line), message));
                }
                LineRead::Line => {
                    self.line += 1;
                    if self.buf.last() == Some(&b'\n') {
                        self.buf.pop();
                    }
                    if self.buf.last() == Some(&b'\r') {
                        self.buf.pop();
                    }
                    let bom = if self.line == 1 && self.buf.starts_with(UTF8_BOM) { UTF8_BOM.len() } else { 0 };
                    if self.buf[bom..].iter().all(u8::is_ascii_whitespace) {
                        if self.source != "-" {
                            continue;
                        }
                        self.seen_record = true;
                        return Some(self.error(Some(self.line), "blank line".to_string()));
                    }
                    self.seen_record = true;
                    // A line read in one piece is taken as it is; otherwise a copy of exactly
                    // the line's size, and the buffer keeps its capacity.
                    let bytes =
                        if self.fresh && bom == 0 { std::mem::take(&mut self.buf) } else { self.buf[bom..].to_vec() };
                    return Some(Record::Line {
                        source: self.source.clone(),
                        line: self.line,
                        bytes,
                        offset: bom,
                        format: LineFormat::Jsonl,
                    });
                }
            }
        }
        None
    }
}

/// Transcodes a UTF-16 stream (BOM included) to UTF-8 while reading.
struct Utf16Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    /// Bytes of `inner` consumed so far, for error offsets.
    offset: usize,
    eof: bool,
    finished: bool,
    error: Option<io::Error>,
}

impl<R: Read> Utf16Reader<R> {
    fn new(inner: R) -> Self {
        Utf16Reader {
            inner,
            // BOM sniffing picks little or big endian and drops the BOM.
            decoder: encoding_rs::UTF_16LE.new_decoder(),
            input: vec![0; READ_BUFFER_BYTES],
            in_start: 0,
            in_end: 0,
            output: vec![0; 2 * READ_BUFFER_BYTES],
            out_start: 0,
            out_end: 0,
            offset: 0,
            eof: false,
            finished: false,
            error: None,
        }
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if let Some(error) = self.error.take() {
                self.finished = true;
                return Err(error);
            }
            if self.finished {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.eof,
            );
            self.in_start += read;
            self.offset += read;
            self.out_start = 0;
            self.out_end = written;
            match result {
                DecoderResult::InputEmpty => self.finished = self.eof,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, after) => {
                    let at = self.offset - usize::from(after) - usize::from(bad);
                    self.error =
                        Some(io::Error::new(io::ErrorKind::InvalidData, format!("invalid UTF-16 at byte offset {at}")));
                }
            }
        }
    }
}

/// In tests, whether the JSONL fast path is to misbehave in the named way, to show that its
/// property test would notice (`tests::Fault`); never otherwise.
#[cfg(test)]
macro_rules! broken {
    ($fault:ident) => {
        tests::is_broken(tests::Fault::$fault)
    };
}
#[cfg(not(test))]
macro_rules! broken {
    ($fault:ident) => {
        false
    };
}

/// Parses one JSONL line into an article.
///
/// The line is read in one pass that keeps only the fields named in `fields` and never builds
/// a [`Value`]: by [`read_plain_line`] when it has the common shape, otherwise by serde_json,
/// streaming. The result (article or error, message included) is what parsing the line into a
/// [`Value`] and calling [`article_from_fields`] on its object would give.
#[cfg(test)]
fn parse_jsonl_line(source: String, line: u64, text: &str, fields: &FieldNames) -> Result<Article, InputError> {
    parse_jsonl_text(source, line, text, &KeptFields::new(fields), true)
}

/// [`parse_jsonl_line`] with the fields of `empty` (which holds none yet), trying the fast
/// path first when `fast`.
fn parse_jsonl_text(
    source: String,
    line: u64,
    text: &str,
    empty: &KeptFields<'_>,
    fast: bool,
) -> Result<Article, InputError> {
    let mut kept = empty.emptied();
    if !(fast && read_plain_line(text, &mut kept)) {
        // Declined lines may have filled some slots before the fast path gave up.
        kept = empty.emptied();
        match read_line_with_serde(text, &mut kept) {
            Ok(true) => {}
            Ok(false) => return Err(InputError::new(source, Some(line), "record is not a JSON object")),
            Err(e) => return Err(InputError::new(source, Some(line), json_error_message(&e))),
        }
    }
    article_of_line(source, line, text, &mut kept)
}

/// The article of a line whose fields are `kept`.
fn article_of_line(source: String, line: u64, text: &str, kept: &mut KeptFields<'_>) -> Result<Article, InputError> {
    let default_id = || {
        if source == "-" {
            // Same record, same id, wherever it sits in the stream (FNV-1a of the line).
            let hash = text.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
            format!("-:{hash:016x}")
        } else {
            format!("{}:{line}", file_stem(&source))
        }
    };
    match article_from_fields(kept, default_id) {
        Ok(mut article) => {
            article.source = source;
            Ok(article)
        }
        Err(message) => Err(InputError::new(source, Some(line), message)),
    }
}

/// Reads one line, whatever it holds, into `kept`; yields whether it was an object.
fn read_line_with_serde(text: &str, kept: &mut KeptFields<'_>) -> Result<bool, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    // As `serde_json::from_str`: the whole value first, then nothing but whitespace after it.
    RecordSeed { kept }.deserialize(&mut de).and_then(|is_object| de.end().map(|()| is_object))
}

/// Reads a line of the common shape into `kept` as serde_json would, in a few scans and
/// without its machinery; declines (returns `false`, `kept` maybe part filled) anything else.
///
/// The common shape is one flat object whose keys and values are strings with no escape and
/// no control character (so each ends at the next quote and is its own value), `null`,
/// `true`, `false`, integers of at most
/// 18 digits (which serde_json reads as `u64` or `i64` and prints as written, `-0` excepted),
/// or arrays of such scalars, with spaces between tokens. Anything else, malformed or merely
/// unusual, is declined and left to serde_json, so this never has to describe an error: a
/// line it takes is valid JSON and its fields are exactly what [`read_line_with_serde`] would
/// keep, duplicates included.
fn read_plain_line(text: &str, kept: &mut KeptFields<'_>) -> bool {
    PlainLine { text, at: 0 }.object(kept).is_some()
}

/// A value read by [`PlainLine`]: a string or integer as written, or what a kept field needs.
enum PlainValue<'t> {
    Str(&'t str),
    Num(&'t str),
    Null,
    Other,
}

impl PlainValue<'_> {
    fn to_field(&self) -> FieldValue {
        match *self {
            PlainValue::Str(text) => FieldValue::Str(text.to_owned()),
            PlainValue::Num(text) => FieldValue::Num(text.to_owned()),
            PlainValue::Null => FieldValue::Null,
            PlainValue::Other => FieldValue::Other,
        }
    }
}

/// The reader of [`read_plain_line`]: every method gives `None` to decline the line.
struct PlainLine<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> PlainLine<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Some(())
        } else {
            None
        }
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// The object, and nothing but whitespace after it.
    fn object(&mut self, kept: &mut KeptFields<'_>) -> Option<()> {
        self.skip_space();
        self.eat(b'{')?;
        self.skip_space();
        if self.eat(b'}').is_none() {
            loop {
                self.eat(b'"')?;
                let key_at = self.at;
                let key = self.string()?;
                self.skip_space();
                self.eat(b':')?;
                self.skip_space();
                let value = self.value()?;
                if let Some(slot) = kept.slot_of_key(self.text.as_bytes(), key_at, key) {
                    // A later duplicate replaces an earlier one, as in a `Map`.
                    let slot = kept.slot_mut(slot);
                    if slot.is_none() || !broken!(FirstDuplicateWins) {
                        *slot = Some(value.to_field());
                    }
                }
                if !self.more(b'}')? {
                    break;
                }
            }
        }
        self.skip_space();
        (self.at == self.text.len() || broken!(TrailingText)).then_some(())
    }

    /// A string whose opening quote has been read, up to its closing quote, which must be the
    /// first byte that JSON escapes after it: a backslash or a control byte declines the line.
    /// The search takes sixteen bytes at a time ([`find_escape`], as JSON output does).
    #[inline(always)]
    fn string(&mut self) -> Option<&'t str> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut end = start + find_escape(&bytes[start..])?;
        while bytes[end] != b'"' {
            // Only a fast path broken on purpose (tests) reads on past them.
            let passes = match bytes[end] {
                b'\\' => broken!(Escapes),
                _ => broken!(ControlCharacters),
            };
            if !passes {
                return None;
            }
            end += 1 + find_escape(&bytes[end + 1..])?;
        }
        self.at = end + 1;
        // Quotes are ASCII, so both ends are character boundaries.
        Some(&self.text[start..end])
    }

    fn value(&mut self) -> Option<PlainValue<'t>> {
        if self.eat(b'[').is_none() {
            return self.scalar();
        }
        self.skip_space();
        if self.eat(b']').is_none() {
            loop {
                self.scalar()?;
                if !self.more(b']')? {
                    break;
                }
            }
        }
        Some(PlainValue::Other)
    }

    /// After an item of an object or array: `,` and more items (`true`), or its `close`
    /// (`false`), each taken with the spaces around it; anything else declines.
    fn more(&mut self, close: u8) -> Option<bool> {
        self.skip_space();
        let more = match self.peek()? {
            b',' => true,
            b if b == close => false,
            _ => return None,
        };
        self.at += 1;
        if more {
            self.skip_space();
        }
        Some(more)
    }

    fn scalar(&mut self) -> Option<PlainValue<'t>> {
        let literal = |reader: &mut Self, word: &str, value| {
            reader.text.as_bytes()[reader.at..].starts_with(word.as_bytes()).then(|| {
                reader.at += word.len();
                value
            })
        };
        match self.peek()? {
            b'"' => {
                self.at += 1;
                self.string().map(PlainValue::Str)
            }
            b'n' => literal(self, "null", PlainValue::Null),
            b't' => literal(self, "true", PlainValue::Other),
            b'f' => literal(self, "false", PlainValue::Other),
            b'-' | b'0'..=b'9' => self.integer().map(PlainValue::Num),
            _ => None,
        }
    }

    /// An integer that serde_json reads as a `u64` or `i64` and prints as written: no leading
    /// zero, not `-0` (a float to serde_json), at most 18 digits. What follows it is checked
    /// by the caller, which takes only whitespace, `,`, `}` or `]`, so `1.5` and `1e3` decline.
    fn integer(&mut self) -> Option<&'t str> {
        let start = self.at;
        let negative = self.eat(b'-').is_some();
        let digits = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        let count = self.at - digits;
        let zero_first = self.text.as_bytes()[digits..self.at].first() == Some(&b'0');
        let max_digits = if broken!(LongNumbers) { 20 } else { 18 };
        if count == 0 || count > max_digits || (zero_first && (count > 1 || (negative && !broken!(NegativeZero)))) {
            return None;
        }
        Some(&self.text[start..self.at])
    }
}

/// Describes a JSON syntax error; the line is reported by the caller, so only the column stays.
fn json_error_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let location = format!(" at line {} column {}", error.line(), error.column());
    match text.strip_suffix(&location) {
        Some(what) => format!("invalid JSON: {what} at column {}", error.column()),
        None => format!("invalid JSON: {text}"),
    }
}

/// The value of a field we keep, reduced to what [`article_from_fields`] looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FieldValue {
    Str(String),
    /// A number, as `serde_json` prints a [`serde_json::Number`].
    Num(String),
    Null,
    /// A boolean, array or object.
    Other,
}

impl FieldValue {
    fn from_value(value: Value) -> FieldValue {
        match value {
            Value::String(text) => FieldValue::Str(text),
            Value::Number(number) => FieldValue::Num(number.to_string()),
            Value::Null => FieldValue::Null,
            Value::Bool(_) | Value::Array(_) | Value::Object(_) => FieldValue::Other,
        }
    }
}

/// Slots held without allocating: id, title, date, url and up to four body candidates.
const INLINE_SLOTS: usize = 8;

/// The fields of one JSON object that [`FieldNames`] names, the rest dropped.
///
/// The names are taken in role order (id, title, body candidates, date, url) and each distinct
/// name has one slot: the position of its first role. Reading a field takes it out of its slot,
/// like removing it from a map, so that a name given to two roles is read by the first only.
///
/// Every key of every line is looked up here, so the role names are laid out once per object
/// in an array (when there are at most [`INLINE_SLOTS`] roles), and when no two roles share a
/// name (the usual case) each role's slot is its own position, found without comparing names.
#[derive(Debug)]
struct KeptFields<'f> {
    fields: &'f FieldNames,
    /// How many roles there are: 4 and the body candidates.
    roles: usize,
    /// The role names in role order, when they fit; otherwise unused.
    names: [&'f str; INLINE_SLOTS],
    /// The first eight bytes of each of `names`, zero after its end, as a little-endian word.
    words: [u64; INLINE_SLOTS],
    /// Whether the names fit in `names` and no two of them are equal.
    distinct: bool,
    /// Bit `n` set for each role name of `n` bytes (63 for any longer), so that most keys that
    /// are not kept are turned away by their length alone.
    lengths: u64,
    /// The first slots; for the many-body-candidates case the rest go to `more`.
    inline: [Option<FieldValue>; INLINE_SLOTS],
    more: Vec<Option<FieldValue>>,
}

impl<'f> KeptFields<'f> {
    fn new(fields: &'f FieldNames) -> Self {
        let roles = 4 + fields.body.len();
        let mut names = [""; INLINE_SLOTS];
        let fits = roles <= INLINE_SLOTS;
        if fits {
            for (slot, name) in names.iter_mut().zip(fields.role_names()) {
                *slot = name;
            }
        }
        let distinct = fits && (1..roles).all(|role| names[..role].iter().all(|&other| !same_name(other, names[role])));
        let more = roles.saturating_sub(INLINE_SLOTS);
        KeptFields {
            fields,
            roles,
            names,
            distinct,
            words: names.map(|name| word_of(name.as_bytes())),
            lengths: fields.role_names().fold(0, |lengths, name| lengths | length_bit(name)),
            inline: Default::default(),
            more: std::iter::repeat_with(|| None).take(more).collect(),
        }
    }

    /// The same layout with nothing kept yet, for the next record (cheaper than `new`, and
    /// than a clone, which would look at every slot).
    fn emptied(&self) -> Self {
        KeptFields {
            fields: self.fields,
            roles: self.roles,
            names: self.names,
            distinct: self.distinct,
            words: self.words,
            lengths: self.lengths,
            inline: Default::default(),
            more: std::iter::repeat_with(|| None).take(self.more.len()).collect(),
        }
    }

    /// Keeps the named fields of a parsed object.
    fn from_map(fields: &'f FieldNames, mut object: Map<String, Value>) -> Self {
        let mut kept = KeptFields::new(fields);
        for (slot, name) in fields.role_names().enumerate() {
            if kept.slot_of(name) == Some(slot) {
                *kept.slot_mut(slot) = object.remove(name).map(FieldValue::from_value);
            }
        }
        kept
    }

    fn slot(&self, slot: usize) -> &Option<FieldValue> {
        self.inline.get(slot).unwrap_or_else(|| &self.more[slot - INLINE_SLOTS])
    }

    fn slot_mut(&mut self, slot: usize) -> &mut Option<FieldValue> {
        match self.inline.get_mut(slot) {
            Some(value) => value,
            None => &mut self.more[slot - INLINE_SLOTS],
        }
    }

    /// The slot of a field name, or `None` for a field that is not kept: the position of its
    /// first role in [`FieldNames::role_names`].
    fn slot_of(&self, name: &str) -> Option<usize> {
        if self.lengths & length_bit(name) == 0 {
            None
        } else if self.roles <= INLINE_SLOTS {
            self.names[..self.roles].iter().position(|&role| same_name(role, name))
        } else {
            self.fields.role_names().position(|role| role == name)
        }
    }

    /// [`KeptFields::slot_of`] for `key`, which starts at byte `at` of `line`: a key of at
    /// most eight bytes with eight bytes of the line from its start (its closing quote and
    /// more follow it) is one word, compared with each role name's first word.
    #[inline]
    fn slot_of_key(&self, line: &[u8], at: usize, key: &str) -> Option<usize> {
        let n = key.len();
        if self.lengths & length_bit(key) == 0 {
            return None;
        }
        match line.get(at..at + 8).and_then(|bytes| <[u8; 8]>::try_from(bytes).ok()) {
            Some(bytes) if n <= 8 && self.roles <= INLINE_SLOTS => {
                let mask = if n == 0 { 0 } else { u64::MAX >> (64 - 8 * n) };
                let word = u64::from_le_bytes(bytes) & mask;
                (0..self.roles).find(|&r| self.words[r] == word && self.names[r].len() == n)
            }
            _ => self.slot_of(key),
        }
    }

    /// The slot of a role, given as its position in [`FieldNames::role_names`].
    fn slot_of_role(&self, role: usize) -> usize {
        if self.distinct {
            return role;
        }
        // A role's own name always finds a slot, at its own position or an earlier one.
        self.fields.role_names().nth(role).and_then(|name| self.slot_of(name)).unwrap_or(role)
    }

    /// Takes a role's field out, as `Map::remove` does.
    fn take(&mut self, role: usize) -> Option<FieldValue> {
        let slot = self.slot_of_role(role);
        self.slot_mut(slot).take()
    }

    fn is_present_and_not_null(&self, role: usize) -> bool {
        matches!(self.slot(self.slot_of_role(role)), Some(value) if *value != FieldValue::Null)
    }

    fn optional_string(&mut self, role: usize, name: &str) -> Result<Option<String>, String> {
        match self.take(role) {
            Some(FieldValue::Str(value)) => Ok(Some(value)),
            None | Some(FieldValue::Null) => Ok(None),
            Some(_) => Err(format!("field \"{name}\" is not a string")),
        }
    }
}

/// The first eight bytes of `bytes` (zero after its end) as a little-endian word.
fn word_of(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(word)
}

/// The bit of a name's length in [`KeptFields::lengths`].
fn length_bit(name: &str) -> u64 {
    1 << name.len().min(63)
}

/// Whether two field names are equal, with the cheap tests (length, first byte) first: most
/// keys of a line are compared with several role names that they are not.
#[inline]
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

impl FieldNames {
    /// The field names in role order: id, title, body candidates, date, url.
    fn role_names(&self) -> impl Iterator<Item = &str> {
        [self.id.as_str(), self.title.as_str()]
            .into_iter()
            .chain(self.body.iter().map(String::as_str))
            .chain([self.date.as_str(), self.url.as_str()])
    }
}

/// Builds an article (without its source) from the kept fields of one JSON object.
fn article_from_fields(kept: &mut KeptFields<'_>, default_id: impl FnOnce() -> String) -> Result<Article, String> {
    let fields = kept.fields;
    // The roles' positions in `FieldNames::role_names`.
    let (id_role, title_role, body_role, date_role, url_role) = (0, 1, 2, 2 + fields.body.len(), 3 + fields.body.len());
    let id = match kept.take(id_role) {
        Some(FieldValue::Str(id)) if !id.trim().is_empty() => id,
        Some(FieldValue::Num(id)) => id,
        None | Some(FieldValue::Null) | Some(FieldValue::Str(_)) => default_id(),
        Some(FieldValue::Other) => return Err(format!("field \"{}\" is not a string or number", fields.id)),
    };
    let title = kept.optional_string(title_role, &fields.title)?;
    // The first body candidate present and not null wins, even if it is not a string.
    let body_field = (0..fields.body.len()).find(|&at| kept.is_present_and_not_null(body_role + at));
    let body = match body_field {
        Some(at) => kept.optional_string(body_role + at, &fields.body[at])?,
        None => None,
    };
    let (title, body) = match (title, body) {
        (None, None) => return Err(format!("record has no {} field", fields.body.join(" or "))),
        (title, body) => (title.unwrap_or_default(), body.unwrap_or_default()),
    };
    let date = match kept.take(date_role) {
        Some(FieldValue::Str(date)) => Some(date),
        // A numeric date (a Unix time, say) is passed through as written.
        Some(FieldValue::Num(date)) => Some(date),
        None | Some(FieldValue::Null) => None,
        Some(FieldValue::Other) => return Err(format!("field \"{}\" is not a string", fields.date)),
    };
    let url = kept.optional_string(url_role, &fields.url)?;
    Ok(Article { id, source: String::new(), title, body, date, url })
}

/// The `Visitor` methods for every JSON scalar (booleans, numbers, strings, null), each
/// accepting it and giving `$value`.
macro_rules! scalars_give {
    ($ty:ty, $value:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$ty, E> {
            Ok($value)
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$ty, E> {
            Ok($value)
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$ty, E> {
            Ok($value)
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$ty, E> {
            Ok($value)
        }

        fn visit_str<E: de::Error>(self, _: &str) -> Result<$ty, E> {
            Ok($value)
        }

        fn visit_unit<E: de::Error>(self) -> Result<$ty, E> {
            Ok($value)
        }
    };
}

/// Reads one JSON value into [`KeptFields`]; yields whether it was an object.
///
/// Everything goes through `deserialize_any`, as deserializing a [`Value`] does, so that the
/// same text is accepted and the same errors come at the same places: serde_json's
/// `deserialize_ignored_any` (behind [`de::IgnoredAny`]) checks less, accepting lone
/// surrogate escapes, out-of-range numbers and nesting past the recursion limit.
struct RecordSeed<'k, 'f> {
    kept: &'k mut KeptFields<'f>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, '_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_, '_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while let Some(slot) = map.next_key_seed(KeySeed { kept: self.kept })? {
            match slot {
                // A later duplicate replaces an earlier one, as in a `Map`.
                Some(slot) => *self.kept.slot_mut(slot) = Some(map.next_value::<FieldValue>()?),
                None => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        SkipVisitor.visit_seq(seq).map(|Skip| false)
    }

    scalars_give!(bool, false);
}

/// Reads an object key, borrowed or unescaped into serde_json's scratch buffer, into the slot
/// of the field it names, if any; no key is ever allocated.
struct KeySeed<'k, 'f> {
    kept: &'k KeptFields<'f>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_, '_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, '_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.kept.slot_of(key))
    }
}

impl<'de> Deserialize<'de> for FieldValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldValueVisitor)
    }
}

struct FieldValueVisitor;

impl<'de> Visitor<'de> for FieldValueVisitor {
    type Value = FieldValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<FieldValue, E> {
        Ok(FieldValue::Str(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<FieldValue, E> {
        Ok(FieldValue::Str(value))
    }

    // Numbers become what `Value`'s visitor makes of them, printed as `Value` prints them.
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<FieldValue, E> {
        Ok(FieldValue::Num(serde_json::Number::from(value).to_string()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<FieldValue, E> {
        Ok(FieldValue::Num(serde_json::Number::from(value).to_string()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<FieldValue, E> {
        Ok(serde_json::Number::from_f64(value).map_or(FieldValue::Null, |n| FieldValue::Num(n.to_string())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<FieldValue, E> {
        Ok(FieldValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<FieldValue, E> {
        Ok(FieldValue::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<FieldValue, E> {
        Ok(FieldValue::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<FieldValue, A::Error> {
        SkipVisitor.visit_seq(seq).map(|Skip| FieldValue::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldValue, A::Error> {
        SkipVisitor.visit_map(map).map(|Skip| FieldValue::Other)
    }
}

/// A value read in full, checked as a [`Value`] would be, and dropped; strings are borrowed or
/// unescaped into serde_json's scratch buffer, never allocated.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    scalars_give!(Skip, Skip);
}

// ---------------------------------------------------------------------------------------------
// JSON

/// Parses a `.json` file holding one object or an array of objects.
fn json_records(source: &str, text: &str, fields: &FieldNames) -> Vec<Record> {
    let error = |line: Option<u64>, message: String| vec![Record::Error(InputError::new(source, line, message))];
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return error(Some(e.line() as u64), json_error_message(&e)),
    };
    let stem = file_stem(source);
    let with_source = |result: Result<Article, String>| match result {
        Ok(mut article) => {
            article.source = source.to_string();
            Record::Article(Box::new(article))
        }
        Err(message) => Record::Error(InputError::new(source, None, message)),
    };
    match value {
        // One object is one article, named after its file like a text article.
        Value::Object(object) => {
            vec![with_source(article_from_fields(&mut KeptFields::from_map(fields, object), || stem.clone()))]
        }
        Value::Array(items) if items.is_empty() => error(None, "file has no records".to_string()),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                let number = index + 1;
                with_source(match item {
                    Value::Object(object) => {
                        article_from_fields(&mut KeptFields::from_map(fields, object), || format!("{stem}:{number}"))
                            .map_err(|message| format!("record {number}: {message}"))
                    }
                    _ => Err(format!("record {number} is not a JSON object")),
                })
            })
            .collect(),
        _ => error(None, "JSON file holds neither an object nor an array of objects".to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Column indices of the fields in a CSV header.
struct Columns {
    id: Option<usize>,
    title: Option<usize>,
    body: Vec<usize>,
    date: Option<usize>,
    url: Option<usize>,
}

fn csv_records(source: String, text: String, fields: &FieldNames) -> Box<dyn Iterator<Item = Record> + Send> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(io::Cursor::new(text.into_bytes()));
    let headers: Vec<String> = match reader.headers() {
        Ok(headers) => headers.iter().map(|name| name.trim().to_string()).collect(),
        Err(e) => return single_error(&source, format!("invalid CSV header: {e}")),
    };
    let find = |name: &str| headers.iter().position(|header| header == name);
    let columns = Columns {
        id: find(&fields.id),
        title: find(&fields.title),
        body: fields.body.iter().filter_map(|name| find(name)).collect(),
        date: find(&fields.date),
        url: find(&fields.url),
    };
    if columns.body.is_empty() && columns.title.is_none() {
        return single_error(
            &source,
            format!("CSV has no {} column (columns: {})", fields.body.join(" or "), headers.join(", ")),
        );
    }
    Box::new(CsvRows {
        stem: file_stem(&source),
        source,
        reader,
        columns,
        record: csv::StringRecord::new(),
        seen_record: false,
        last_error_at: None,
        done: false,
    })
}

/// Streams the rows of a decoded CSV file as articles.
struct CsvRows {
    source: String,
    stem: String,
    reader: csv::Reader<io::Cursor<Vec<u8>>>,
    columns: Columns,
    record: csv::StringRecord,
    seen_record: bool,
    /// Byte position of the last error, so that an error the reader cannot get past ends the
    /// file instead of repeating forever.
    last_error_at: Option<u64>,
    done: bool,
}

impl CsvRows {
    fn article(&self, line: u64) -> Article {
        let cell = |index: Option<usize>| index.and_then(|i| self.record.get(i)).unwrap_or("");
        let optional =
            |index: Option<usize>| Some(cell(index)).filter(|value| !value.trim().is_empty()).map(str::to_string);
        let id = match cell(self.columns.id) {
            id if id.trim().is_empty() => format!("{}:{line}", self.stem),
            id => id.to_string(),
        };
        // The first body column with text wins; an empty one only if all are empty.
        let body = self.columns.body.iter().map(|&i| cell(Some(i))).find(|value| !value.is_empty()).unwrap_or("");
        Article {
            id,
            source: self.source.clone(),
            title: cell(self.columns.title).to_string(),
            body: body.to_string(),
            date: optional(self.columns.date),
            url: optional(self.columns.url),
        }
    }
}

impl Iterator for CsvRows {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        if self.done {
            return None;
        }
        match self.reader.read_record(&mut self.record) {
            Ok(true) => {
                self.seen_record = true;
                let line = self.record.position().map_or(0, csv::Position::line);
                Some(Record::Article(Box::new(self.article(line))))
            }
            Ok(false) => {
                self.done = true;
                (!self.seen_record)
                    .then(|| Record::Error(InputError::new(self.source.clone(), None, "file has no records")))
            }
            Err(e) => {
                self.seen_record = true;
                let at = e.position().map(csv::Position::byte);
                if at.is_none() || at == self.last_error_at {
                    self.done = true;
                }
                self.last_error_at = at;
                let line = e.position().map(csv::Position::line);
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("row has {len} fields but the header has {expected_len}")
                    }
                    _ => format!("invalid CSV row: {e}"),
                };
                Some(Record::Error(InputError::new(self.source.clone(), line, message)))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Text articles

fn parse_text(source: String, bytes: Vec<u8>) -> Result<Article, InputError> {
    let text = match decode_file(bytes) {
        Ok(text) => text,
        Err(message) => return Err(InputError::new(source, None, message)),
    };
    let layout = split_article(&text);
    Ok(Article {
        id: file_stem(&source),
        title: layout.title.to_string(),
        body: layout.body.to_string(),
        date: layout.date,
        url: None,
        source,
    })
}

/// Title, body and date of a text article; title and body are slices of the text.
#[derive(Debug, PartialEq, Eq)]
struct Layout<'a> {
    title: &'a str,
    body: &'a str,
    date: Option<String>,
}

/// One line of a text, without its terminator, and where it starts.
struct TextLine<'a> {
    start: usize,
    text: &'a str,
}

fn text_lines(text: &str) -> Vec<TextLine<'_>> {
    let mut start = 0;
    text.split_inclusive('\n')
        .map(|raw| {
            let line = TextLine { start, text: raw.trim_end_matches(['\n', '\r']) };
            start += raw.len();
            line
        })
        .collect()
}

/// Byte offset of `inner` within `outer`; `inner` must be a slice of `outer`.
fn offset_in(outer: &str, inner: &str) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

/// The value of a labelled newsroom-layout line such as `# **제목: …**`, `**내용:** …` or
/// `  **날짜: …**`: the text after `label:`, trimmed of spaces and bold marks.
struct Labelled<'a> {
    value: &'a str,
    /// The line opened `**` before the label and closes it at its end, not right after the colon.
    closes_at_end: bool,
}

fn label_value<'a>(line: &'a str, label: &str) -> Option<Labelled<'a>> {
    let rest = line.trim_start().trim_start_matches('#').trim_start();
    let unstarred = rest.trim_start_matches('*');
    let bold = unstarred.len() < rest.len();
    let rest = unstarred.trim_start().strip_prefix(label)?.trim_start();
    let rest = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))?;
    let after = rest.trim_start();
    let unstarred = if bold { after.trim_start_matches('*') } else { after };
    let closes_at_end = bold && unstarred.len() == after.len();
    let value = unstarred.trim();
    let value = if closes_at_end { value.trim_end_matches('*').trim_end() } else { value };
    Some(Labelled { value, closes_at_end })
}

/// Splits a text article into title, body and date: the newsroom layout when a `제목:` or
/// `내용:` line is present, otherwise first non-empty line = title and the rest = body.
fn split_article(text: &str) -> Layout<'_> {
    let lines = text_lines(text);
    let find = |label: &str, from: usize| (from..lines.len()).find(|&i| label_value(lines[i].text, label).is_some());
    let title_at = find("제목", 0);
    let content_at = find("내용", 0);
    let Some(anchor) = content_at.or(title_at) else {
        return split_plain(text);
    };
    let date_after = find("날짜", anchor + 1);
    let date = date_after
        .or_else(|| find("날짜", 0))
        .and_then(|i| label_value(lines[i].text, "날짜"))
        .map(|labelled| labelled.value)
        .and_then(|value| parse_date(value).or_else(|| (!value.is_empty()).then(|| value.to_string())));
    let body_end = date_after.map_or(text.len(), |i| lines[i].start);
    let body = match content_at {
        Some(i) => {
            let line = lines[i].text;
            let labelled = label_value(line, "내용");
            // The body starts where the value on the label line starts and may run on for
            // many lines, so it is cut from the whole text rather than from the label line.
            let start = lines[i].start + labelled.as_ref().map_or(line.len(), |l| offset_in(line, l.value));
            let body = text[start..body_end.max(start)].trim();
            if labelled.is_some_and(|l| l.closes_at_end) {
                body.trim_end_matches('*').trim_end()
            } else {
                body
            }
        }
        None => {
            let start = lines.get(anchor + 1).map_or(text.len(), |line| line.start);
            text[start..body_end.max(start)].trim()
        }
    };
    let title = match (title_at, content_at) {
        (Some(i), _) => label_value(lines[i].text, "제목").map_or("", |l| l.value),
        // No title label: a plain first line before `내용:` is the headline.
        (None, Some(i)) => {
            lines[..i].iter().map(|line| line.text.trim()).find(|line| !line.is_empty()).map_or("", strip_heading)
        }
        (None, None) => "",
    };
    Layout { title, body, date }
}

fn split_plain(text: &str) -> Layout<'_> {
    let text = text.trim_start();
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    Layout { title: strip_heading(first.trim()), body: rest.trim(), date: None }
}

/// Cuts markdown heading marks (`# `) and a bold pair (`**…**`) off a title line.
fn strip_heading(line: &str) -> &str {
    let hashes = line.len() - line.trim_start_matches('#').len();
    let line = if (1..=6).contains(&hashes) && line[hashes..].starts_with(|c: char| c.is_whitespace()) {
        line[hashes..].trim()
    } else {
        line
    };
    match line.strip_prefix("**").and_then(|l| l.strip_suffix("**")) {
        Some(inner) if !inner.trim().is_empty() => inner.trim(),
        _ => line,
    }
}

/// Parses the first date of a newsroom date line, `2025.04.23. 오후 2:38` →
/// `2025-04-23T14:38:00+09:00` (Korean time), or `2025.04.23.` → `2025-04-23`.
///
/// Minutes take exactly two digits, which is what separates the glued pair
/// `오후 2:382025.04.23. 오후 4:37` (published, then edited) into its first date.
fn parse_date(text: &str) -> Option<String> {
    let (year, rest) = take_digits(text.trim_start(), 4, 4)?;
    let rest = take_separator(rest)?;
    let (month, rest) = take_digits(rest, 1, 2)?;
    let rest = take_separator(rest)?;
    let (day, rest) = take_digits(rest, 1, 2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    let rest = rest.strip_prefix(['.', '일']).unwrap_or(rest).trim_start();
    let (meridiem, rest) = if let Some(rest) = rest.strip_prefix("오전") {
        (Some(false), rest.trim_start())
    } else if let Some(rest) = rest.strip_prefix("오후") {
        (Some(true), rest.trim_start())
    } else {
        (None, rest)
    };
    let time = take_digits(rest, 1, 2).and_then(|(hour, rest)| {
        let rest = rest.strip_prefix(':')?;
        let (minute, rest) = take_digits(rest, 2, 2)?;
        let second = rest.strip_prefix(':').and_then(|rest| take_digits(rest, 2, 2)).map_or(0, |(second, _)| second);
        Some((hour, minute, second))
    });
    let Some((hour, minute, second)) = time else {
        // A 오전/오후 without a time is malformed; a bare date is fine.
        return meridiem.is_none().then_some(date);
    };
    let hour = match (meridiem, hour) {
        (Some(false), 12) => 0,
        (Some(false), 0..=11) => hour,
        (Some(true), 0 | 12) => 12,
        (Some(true), 1..=11) => hour + 12,
        // "오후 14:38" happens; the hour is already on the 24-hour clock.
        (Some(true), 13..=23) | (None, 0..=23) => hour,
        _ => return None,
    };
    if minute > 59 || second > 59 {
        return None;
    }
    Some(format!("{date}T{hour:02}:{minute:02}:{second:02}+09:00"))
}

/// Takes `min..=max` ASCII digits (as many as possible) off the front of `text`.
fn take_digits(text: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let len = text.bytes().take(max).take_while(u8::is_ascii_digit).count();
    if len < min {
        return None;
    }
    let value = text[..len].parse().ok()?;
    Some((value, &text[len..]))
}

/// Takes one date separator (`.`, `-`, `/`, `년`, `월`) and the spaces after it.
fn take_separator(text: &str) -> Option<&str> {
    let rest = text.strip_prefix(['.', '-', '/', '년', '월'])?;
    Some(rest.trim_start())
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LAYOUT: &str = "# **제목: 한빛AI, 가상 박람회서 \"말하는 지도\" 공개**\n\n  내용: 한빛AI가 23일 서울에서 열린 가상 박람회에서 새 서비스를 선보였다.\n박람회에는 300여 개 기업이 참여했다．\n\n  **날짜: 2025.04.23. 오후 2:382025.04.23. 오후 4:37**";

    fn parse_bytes(source: &str, bytes: &[u8]) -> Result<Article, InputError> {
        let record = Record::Text { source: source.to_string(), bytes: bytes.to_vec() };
        record.parse(&ReadOptions::default())
    }

    fn message(result: Result<Article, InputError>) -> String {
        match result {
            Ok(article) => panic!("expected an error, got {article:?}"),
            Err(error) => error.message,
        }
    }

    fn read_path(path: &Path, opts: &ReadOptions) -> Vec<Result<Article, InputError>> {
        read_input(&InputPath::File(path.to_path_buf()), opts).map(|record| record.parse(opts)).collect()
    }

    fn write_and_read(dir: &Path, name: &str, bytes: &[u8], opts: &ReadOptions) -> Vec<Result<Article, InputError>> {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        read_path(&path, opts)
    }

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    #[test]
    fn newsroom_layout_gives_title_body_and_first_date() {
        let article = parse_bytes("news/expo.txt", LAYOUT.as_bytes()).unwrap();
        assert_eq!(article.id, "expo");
        assert_eq!(article.source, "news/expo.txt");
        assert_eq!(article.title, "한빛AI, 가상 박람회서 \"말하는 지도\" 공개");
        assert_eq!(
            article.body,
            "한빛AI가 23일 서울에서 열린 가상 박람회에서 새 서비스를 선보였다.\n박람회에는 300여 개 기업이 참여했다．"
        );
        assert_eq!(article.date.as_deref(), Some("2025-04-23T14:38:00+09:00"));
        assert_eq!(article.url, None);
    }

    #[test]
    fn newsroom_layout_is_lenient_about_marks_and_spaces() {
        let text = "## 제목 : 표시 없는 제목\n내용:\n\n  둘째 줄부터 본문  \n날짜: 2025.01.02.";
        let layout = split_article(text);
        assert_eq!(layout.title, "표시 없는 제목");
        assert_eq!(layout.body, "둘째 줄부터 본문");
        assert_eq!(layout.date.as_deref(), Some("2025-01-02"));

        let text = "**제목：전각 쌍점**\n**내용: 굵은 본문**\n";
        let layout = split_article(text);
        assert_eq!(layout.title, "전각 쌍점");
        assert_eq!(layout.body, "굵은 본문");
        assert_eq!(layout.date, None);
    }

    #[test]
    fn bold_label_closed_after_the_colon() {
        let text = "**제목:** 라벨만 굵게\n\n**내용:** 본문은 *강조*로 끝난다*\n\n**날짜:** 2025.06.01. 오후 12:00";
        let layout = split_article(text);
        assert_eq!(layout.title, "라벨만 굵게");
        assert_eq!(layout.body, "본문은 *강조*로 끝난다*");
        assert_eq!(layout.date.as_deref(), Some("2025-06-01T12:00:00+09:00"));
        let layout = split_article("제목: *별표* 제목\n내용: 본문");
        assert_eq!(layout.title, "*별표* 제목");
    }

    #[test]
    fn newsroom_layout_without_title_label_uses_first_line() {
        let layout = split_article("# 헤드라인 한 줄\n\n내용: 본문입니다.\n날짜: 2025.03.01. 오전 9:05");
        assert_eq!(layout.title, "헤드라인 한 줄");
        assert_eq!(layout.body, "본문입니다.");
        assert_eq!(layout.date.as_deref(), Some("2025-03-01T09:05:00+09:00"));
    }

    #[test]
    fn newsroom_layout_without_content_label_takes_lines_after_title() {
        let layout = split_article("제목: 라벨 없는 본문\n첫 문단.\n\n둘째 문단.\n날짜: 2025.03.01.\n");
        assert_eq!(layout.title, "라벨 없는 본문");
        assert_eq!(layout.body, "첫 문단.\n\n둘째 문단.");
        assert_eq!(layout.date.as_deref(), Some("2025-03-01"));
    }

    #[test]
    fn unparsable_date_is_passed_through() {
        let layout = split_article("제목: 날짜 미상\n내용: 본문\n**날짜: 지난주 어느 날**");
        assert_eq!(layout.date.as_deref(), Some("지난주 어느 날"));
        let layout = split_article("제목: 빈 날짜\n내용: 본문\n날짜:   ");
        assert_eq!(layout.date, None);
    }

    #[test]
    fn dates_are_parsed_on_the_twelve_hour_clock() {
        let cases = [
            ("2025.04.23. 오후 2:38", Some("2025-04-23T14:38:00+09:00")),
            ("2025.04.23. 오전 9:07", Some("2025-04-23T09:07:00+09:00")),
            ("2025.04.23. 오전 12:05", Some("2025-04-23T00:05:00+09:00")),
            ("2025.04.23. 오후 12:05", Some("2025-04-23T12:05:00+09:00")),
            ("2025.04.23. 오후 11:59:30", Some("2025-04-23T23:59:30+09:00")),
            ("2025.04.23. 14:38", Some("2025-04-23T14:38:00+09:00")),
            ("2025.04.23. 오후 14:38", Some("2025-04-23T14:38:00+09:00")),
            ("2025.04.23.", Some("2025-04-23")),
            ("2025.4.3", Some("2025-04-03")),
            ("2025. 04. 23.", Some("2025-04-23")),
            ("2025-04-23", Some("2025-04-23")),
            ("2025년 4월 23일 오후 3:00", Some("2025-04-23T15:00:00+09:00")),
            ("2025.04.23. 오전 11:592025.04.24. 오후 1:00", Some("2025-04-23T11:59:00+09:00")),
            ("2025.04.23.2025.04.24.", Some("2025-04-23")),
            ("2024.02.29.", Some("2024-02-29")),
            ("2025.02.29.", None),
            ("2025.13.01.", None),
            ("2025.04.23. 오전 13:00", None),
            ("2025.04.23. 오후 2:61", None),
            ("2025.04.23. 오후", None),
            ("어제 오후", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_date(text).as_deref(), expected, "{text:?}");
        }
    }

    #[test]
    fn plain_text_first_line_is_title() {
        let text = "\n\n  첫 줄이 제목  \n\n본문 첫 줄\n본문 둘째 줄\n\n";
        let article = parse_bytes("a/plain.txt", text.as_bytes()).unwrap();
        assert_eq!(article.title, "첫 줄이 제목");
        assert_eq!(article.body, "본문 첫 줄\n본문 둘째 줄");
        assert_eq!(article.date, None);

        assert_eq!(split_plain("# 마크다운 제목\n\n본문").title, "마크다운 제목");
        assert_eq!(split_plain("#해시태그 제목\n본문").title, "#해시태그 제목");
        let only_title = split_plain("제목뿐");
        assert_eq!((only_title.title, only_title.body), ("제목뿐", ""));
    }

    #[test]
    fn crlf_text_keeps_exact_substrings() {
        let text = LAYOUT.replace('\n', "\r\n");
        let article = parse_bytes("crlf.txt", text.as_bytes()).unwrap();
        assert_eq!(article.title, "한빛AI, 가상 박람회서 \"말하는 지도\" 공개");
        assert!(article.body.contains("선보였다.\r\n박람회에는"));
        assert!(!article.body.ends_with('\r'));
        assert!(text.contains(&article.title));
        assert!(text.contains(&article.body));
        assert_eq!(article.date.as_deref(), Some("2025-04-23T14:38:00+09:00"));

        let plain = "제목 줄\r\n\r\n본문 한 줄\r\n둘째 줄\r\n";
        let article = parse_bytes("plain.txt", plain.as_bytes()).unwrap();
        assert_eq!(article.title, "제목 줄");
        assert_eq!(article.body, "본문 한 줄\r\n둘째 줄");
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice("BOM 달린 제목\n본문".as_bytes());
        let article = parse_bytes("bom.txt", &bytes).unwrap();
        assert_eq!(article.title, "BOM 달린 제목");
        assert_eq!(article.body, "본문");
    }

    #[test]
    fn euc_kr_file_is_decoded() {
        let text = "# **제목: 옛 인코딩 기사, 똠방각하**\n내용: 완성형 한글 본문.\n날짜: 2024.12.31. 오후 11:59";
        let (bytes, _, had_errors) = encoding_rs::EUC_KR.encode(text);
        assert!(!had_errors);
        assert!(std::str::from_utf8(&bytes).is_err());
        let article = parse_bytes("legacy.txt", &bytes).unwrap();
        assert_eq!(article.title, "옛 인코딩 기사, 똠방각하");
        assert_eq!(article.body, "완성형 한글 본문.");
        assert_eq!(article.date.as_deref(), Some("2024-12-31T23:59:00+09:00"));
    }

    #[test]
    fn utf16_file_with_bom_is_decoded() {
        let article = parse_bytes("u16le.txt", &utf16le("유니코드 제목\r\n본문")).unwrap();
        assert_eq!(article.title, "유니코드 제목");
        assert_eq!(article.body, "본문");

        let mut big_endian = vec![0xFE, 0xFF];
        big_endian.extend("빅 엔디언\n본문".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(parse_bytes("u16be.txt", &big_endian).unwrap().title, "빅 엔디언");

        assert_eq!(message(parse_bytes("nul16.txt", &utf16le("가\0"))), "file is binary (NUL byte at offset 4)");
        let mut odd = utf16le("가");
        odd.push(0x41);
        assert!(message(parse_bytes("odd16.txt", &odd)).starts_with("invalid UTF-16"));
    }

    #[test]
    fn invalid_utf8_reports_first_bad_offset() {
        assert_eq!(message(parse_bytes("bad.txt", b"title \xC3( more")), "invalid UTF-8 at byte offset 6");
        // Latin-1 that is not clean EUC-KR with Hangul stays an error.
        assert_eq!(message(parse_bytes("latin1.txt", b"caf\xE9 au lait")), "invalid UTF-8 at byte offset 3");
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice(b"ab\xFF");
        assert_eq!(message(parse_bytes("bom.txt", &bytes)), "invalid UTF-8 at byte offset 5");
    }

    #[test]
    fn nul_byte_means_binary() {
        let error = parse_bytes("news/b.txt", "제목\n본\0문".as_bytes()).unwrap_err();
        assert_eq!(error.message, "file is binary (NUL byte at offset 10)");
        assert_eq!(error.to_string(), "news/b.txt: file is binary (NUL byte at offset 10)");
    }

    #[test]
    fn empty_and_blank_files_are_errors() {
        for bytes in [&b""[..], b" \n\t\r\n", UTF8_BOM] {
            assert_eq!(message(parse_bytes("empty.txt", bytes)), "file is empty");
        }
    }

    #[test]
    fn error_display_names_source_and_line() {
        let error = InputError::new("news/a.jsonl", Some(12), "invalid JSON: expected value at column 3");
        assert_eq!(error.to_string(), "news/a.jsonl:12: invalid JSON: expected value at column 3");
        let error = io::Error::from_raw_os_error(2);
        assert_eq!(describe_io(&error), "no such file or directory");
    }

    #[test]
    fn parsed_records_pass_through() {
        let opts = ReadOptions::default();
        let article = Article::new("a1", "제목", "본문");
        assert_eq!(article.source, "");
        assert_eq!(Record::Article(Box::new(article.clone())).parse(&opts), Ok(article));
        let error = InputError::new("x.txt", None, "file is empty");
        assert_eq!(Record::Error(error.clone()).parse(&opts), Err(error));
    }

    #[test]
    fn jsonl_good_and_bad_lines_keep_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            r#"{"id": 7, "title": "첫 기사", "body": "첫 본문", "date": "2025-04-23", "url": "https://example.com/1"}"#,
            "",
            r#"{"title": "둘째 기사", "text": "텍스트 필드 본문"}"#,
            r#"{"title": "셋째", "body": "#,
            "   ",
            "[1, 2]",
            r#"{"id": "no-body"}"#,
            r#"{"title": "제목만 있는 기사"}"#,
            r#"{"id": true, "body": "본문"}"#,
            "{\"id\": \"crlf\", \"body\": \"윈도 줄바꿈\"}\r",
            r#"{"id": 3.5, "body": "소수 id", "date": null, "title": null}"#,
            "x",
        ];
        let results = write_and_read(dir.path(), "news.jsonl", lines.join("\n").as_bytes(), &ReadOptions::default());
        assert_eq!(results.len(), 10);

        let first = results[0].as_ref().unwrap();
        assert_eq!(first.id, "7");
        assert_eq!((first.title.as_str(), first.body.as_str()), ("첫 기사", "첫 본문"));
        assert_eq!(first.date.as_deref(), Some("2025-04-23"));
        assert_eq!(first.url.as_deref(), Some("https://example.com/1"));
        assert!(first.source.ends_with("news.jsonl"));

        let second = results[1].as_ref().unwrap();
        assert_eq!(second.id, "news:3");
        assert_eq!(second.body, "텍스트 필드 본문");

        let bad = results[2].as_ref().unwrap_err();
        assert_eq!(bad.line, Some(4));
        assert!(bad.message.starts_with("invalid JSON: EOF while parsing"), "{bad}");
        assert!(bad.message.contains("at column"), "{bad}");
        assert!(!bad.message.contains("line"), "{bad}");
        assert!(bad.to_string().contains("news.jsonl:4: invalid JSON"));

        let not_object = results[3].as_ref().unwrap_err();
        assert_eq!((not_object.line, not_object.message.as_str()), (Some(6), "record is not a JSON object"));
        let no_body = results[4].as_ref().unwrap_err();
        assert_eq!((no_body.line, no_body.message.as_str()), (Some(7), "record has no body or text field"));

        let title_only = results[5].as_ref().unwrap();
        assert_eq!((title_only.title.as_str(), title_only.body.as_str()), ("제목만 있는 기사", ""));

        let bad_id = results[6].as_ref().unwrap_err();
        assert_eq!(bad_id.line, Some(9));
        assert_eq!(bad_id.message, "field \"id\" is not a string or number");

        let crlf = results[7].as_ref().unwrap();
        assert_eq!((crlf.id.as_str(), crlf.body.as_str()), ("crlf", "윈도 줄바꿈"));

        let decimal = results[8].as_ref().unwrap();
        assert_eq!((decimal.id.as_str(), decimal.title.as_str(), decimal.date.clone()), ("3.5", "", None));

        let garbage = results[9].as_ref().unwrap_err();
        assert_eq!(garbage.line, Some(12));
        assert_eq!(garbage.message, "invalid JSON: expected value at column 1");
    }

    #[test]
    fn jsonl_lines_are_decoded_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice("{\"id\": \"bom\", \"body\": \"첫 줄\"}\n".as_bytes());
        bytes.extend_from_slice(b"{\"body\":\"a\0b\"}\n");
        let (euc_kr, _, _) = encoding_rs::EUC_KR.encode("{\"id\": \"euc\", \"body\": \"완성형 본문\"}\n");
        bytes.extend_from_slice(&euc_kr);
        bytes.extend_from_slice(b"{\"body\": \"\xFF\"}\n");
        let results = write_and_read(dir.path(), "bytes.jsonl", &bytes, &ReadOptions::default());
        assert_eq!(results.len(), 4);
        assert_eq!(results[0].as_ref().unwrap().id, "bom");
        let nul = results[1].as_ref().unwrap_err();
        assert_eq!((nul.line, nul.message.as_str()), (Some(2), "line is binary (NUL byte at offset 10)"));
        let decoded = results[2].as_ref().unwrap();
        assert_eq!((decoded.id.as_str(), decoded.body.as_str()), ("euc", "완성형 본문"));
        let invalid = results[3].as_ref().unwrap_err();
        assert_eq!((invalid.line, invalid.message.as_str()), (Some(4), "invalid UTF-8 at byte offset 10"));
    }

    #[test]
    fn jsonl_in_utf16_is_transcoded() {
        let dir = tempfile::tempdir().unwrap();
        let text = "{\"id\":\"u16\",\"body\":\"유니코드\"}\r\n\r\n{\"body\":\"둘째\"}\r\n";
        let results = write_and_read(dir.path(), "wide.jsonl", &utf16le(text), &ReadOptions::default());
        let ids: Vec<_> = results.iter().map(|r| r.as_ref().unwrap().id.as_str()).collect();
        assert_eq!(ids, ["u16", "wide:3"]);
        assert_eq!(results[0].as_ref().unwrap().body, "유니코드");

        // A lone surrogate ends the file with an error after the good lines.
        let mut bytes = utf16le("{\"body\":\"a\"}\n");
        bytes.extend_from_slice(&[0x00, 0xD8, 0x61, 0x00]);
        let results = write_and_read(dir.path(), "broken.jsonl", &bytes, &ReadOptions::default());
        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok());
        let error = results[1].as_ref().unwrap_err();
        assert_eq!(error.line, Some(2));
        assert_eq!(error.message, "invalid UTF-16 at byte offset 28");
    }

    #[test]
    fn empty_jsonl_file_is_an_error_but_empty_stdin_is_not() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [("empty.jsonl", &b""[..]), ("blank.jsonl", b"\n \n\r\n")] {
            let results = write_and_read(dir.path(), name, bytes, &ReadOptions::default());
            assert_eq!(results.len(), 1);
            let error = results[0].as_ref().unwrap_err();
            assert_eq!((error.line, error.message.as_str()), (None, "file is empty"));
        }
        let stdin_like = JsonLines::new("-".to_string(), Box::new(io::Cursor::new(Vec::new())), 100, false);
        assert_eq!(stdin_like.count(), 0);
    }

    #[test]
    fn stdin_records_are_named_after_dash() {
        // On stdin a blank line is a record too (one output line per input line), and a record
        // without an id is named after its content, not its position in the stream.
        let input = "\n{\"body\": \"표준 입력\"}\n".as_bytes().to_vec();
        let opts = ReadOptions::default();
        let records: Vec<_> = JsonLines::new("-".to_string(), Box::new(io::Cursor::new(input)), 100, false).collect();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].clone().parse(&opts).unwrap_err().message, "blank line");
        let article = records[1].clone().parse(&opts).unwrap();
        assert_eq!(article.source, "-");
        assert!(article.id.starts_with("-:") && article.id.len() == 18, "{}", article.id);
    }

    #[test]
    fn overlong_jsonl_line_is_skipped_with_an_error() {
        let long = format!("{{\"body\": \"{}\"}}", "가".repeat(20));
        let input = format!("{{\"body\": \"a\"}}\n{long}\n{{\"body\": \"b\"}}");
        let records: Vec<_> = JsonLines::new("-".to_string(), Box::new(io::Cursor::new(input.into_bytes())), 20, false)
            .map(|record| record.parse(&ReadOptions::default()))
            .collect();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].as_ref().unwrap().body, "a");
        let error = records[1].as_ref().unwrap_err();
        assert_eq!((error.line, error.message.as_str()), (Some(2), "line is larger than the 20 bytes limit"));
        assert_eq!(records[2].as_ref().unwrap().body, "b");
    }

    #[test]
    fn one_parser_for_many_records() {
        // Nothing of one record's fields reaches the next one's.
        let opts = ReadOptions::default();
        let parser = opts.parser();
        let line = |n: u64, text: &str| Record::Line {
            source: "p.jsonl".into(),
            line: n,
            bytes: text.as_bytes().to_vec(),
            offset: 0,
            format: LineFormat::Jsonl,
        };
        let lines = [
            r#"{"id": "a", "title": "제목", "body": "본문", "date": "2025-01-02", "url": "u"}"#,
            r#"{"body": "둘째"}"#,
            r#"{"id": "c", "title": "\u0041", "text": "셋째"}"#,
            r#"{"title": "넷째"}"#,
        ];
        for (n, text) in lines.iter().enumerate() {
            let n = n as u64 + 1;
            assert_eq!(parser.parse(line(n, text)), line(n, text).parse(&opts), "{text}");
        }
        let second = parser.parse(line(2, lines[1])).unwrap();
        assert_eq!((second.id.as_str(), second.title.as_str(), second.date.as_deref()), ("p:2", "", None));
    }

    #[test]
    fn lines_across_the_read_buffer_read_whole() {
        // Lines of every length around the reader's buffer, so that some sit inside it and
        // others straddle its end (read in pieces): each reads as written, the BOM of the
        // first and the CR of a CRLF ending taken off.
        let dir = tempfile::tempdir().unwrap();
        let mut file = Vec::from(UTF8_BOM);
        let mut bodies = Vec::new();
        let mut len = 1;
        while file.len() < 3 * READ_BUFFER_BYTES {
            let body = "가".repeat(len % 5000) + &"x".repeat(len % 3);
            let ending = if len % 2 == 0 { "\r\n" } else { "\n" };
            file.extend(format!("{{\"id\": \"{len}\", \"body\": \"{body}\"}}{ending}").bytes());
            bodies.push(body);
            len = (len * 7919 + 13) % 3001;
        }
        let results = write_and_read(dir.path(), "long.jsonl", &file, &ReadOptions::default());
        let read: Vec<&str> = results.iter().map(|r| r.as_ref().unwrap().body.as_str()).collect();
        assert_eq!(read, bodies);
    }

    #[test]
    fn field_names_are_configurable() {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = ReadOptions::default();
        opts.fields.title = "headline".to_string();
        opts.fields.body = vec!["content".to_string()];
        opts.fields.id = "article_id".to_string();
        let line = r#"{"article_id": "k1", "headline": "머리기사", "content": "본문", "body": "무시"}"#;
        let results = write_and_read(dir.path(), "custom.jsonl", line.as_bytes(), &opts);
        let article = results[0].as_ref().unwrap();
        assert_eq!((article.id.as_str(), article.title.as_str(), article.body.as_str()), ("k1", "머리기사", "본문"));
        let results = write_and_read(dir.path(), "missing.jsonl", b"{\"id\": 1}", &opts);
        assert_eq!(message(results[0].clone()), "record has no content field");
    }

    #[test]
    fn json_array_and_object_files() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ReadOptions::default();
        let array = r#"[{"id": "a", "title": "제목", "body": "본문"}, {"body": "둘째"}, 3, {"id": "x"}]"#;
        let results = write_and_read(dir.path(), "arr.json", array.as_bytes(), &opts);
        assert_eq!(results.len(), 4);
        assert_eq!(results[0].as_ref().unwrap().id, "a");
        assert_eq!(results[1].as_ref().unwrap().id, "arr:2");
        assert!(results[1].as_ref().unwrap().source.ends_with("arr.json"));
        let error = results[2].as_ref().unwrap_err();
        assert_eq!((error.line, error.message.as_str()), (None, "record 3 is not a JSON object"));
        assert_eq!(message(results[3].clone()), "record 4: record has no body or text field");

        let results = write_and_read(dir.path(), "one.json", "{\"body\": \"하나\"}".as_bytes(), &opts);
        assert_eq!(results[0].as_ref().unwrap().id, "one");

        let results = write_and_read(dir.path(), "bad.json", b"{\n  \"id\": 1,\n  oops\n}", &opts);
        let error = results[0].as_ref().unwrap_err();
        assert_eq!(error.line, Some(3));
        assert_eq!(error.message, "invalid JSON: key must be a string at column 3");

        let results = write_and_read(dir.path(), "none.json", b"[]", &opts);
        assert_eq!(message(results[0].clone()), "file has no records");
        let results = write_and_read(dir.path(), "scalar.json", b"42", &opts);
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
    }

    #[test]
    fn csv_rows_become_articles_and_bad_rows_errors() {
        let dir = tempfile::tempdir().unwrap();
        let csv = "id,title,body,date,url\n\
                   1,첫 제목,\"본문, 쉼표 포함\",2025-04-23,https://example.com/1\n\
                   2,잘못된 행\n\
                   ,셋째 제목,\"여러 줄\n본문\",,\n\
                   4,넷째,본문4,,\n";
        let results = write_and_read(dir.path(), "rows.csv", csv.as_bytes(), &ReadOptions::default());
        assert_eq!(results.len(), 4);
        let first = results[0].as_ref().unwrap();
        assert_eq!((first.id.as_str(), first.title.as_str()), ("1", "첫 제목"));
        assert_eq!(first.body, "본문, 쉼표 포함");
        assert_eq!(first.date.as_deref(), Some("2025-04-23"));
        assert_eq!(first.url.as_deref(), Some("https://example.com/1"));
        let error = results[1].as_ref().unwrap_err();
        assert_eq!((error.line, error.message.as_str()), (Some(3), "row has 2 fields but the header has 5"));
        let third = results[2].as_ref().unwrap();
        assert_eq!((third.id.as_str(), third.body.as_str()), ("rows:4", "여러 줄\n본문"));
        assert_eq!((third.date.clone(), third.url.clone()), (None, None));
        assert_eq!(results[3].as_ref().unwrap().id, "4");
    }

    #[test]
    fn csv_columns_text_title_only_and_missing_body() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ReadOptions::default();
        let results =
            write_and_read(dir.path(), "text.csv", "\u{FEFF}id,title,text\r\n1,제목,텍스트 본문\r\n".as_bytes(), &opts);
        let article = results[0].as_ref().unwrap();
        assert_eq!((article.id.as_str(), article.body.as_str()), ("1", "텍스트 본문"));

        let results = write_and_read(dir.path(), "titles.csv", "id,title\n1,제목만\n".as_bytes(), &opts);
        let article = results[0].as_ref().unwrap();
        assert_eq!((article.title.as_str(), article.body.as_str()), ("제목만", ""));

        let results = write_and_read(dir.path(), "other.csv", b"id,name,memo\n1,a,b\n2,c,d\n", &opts);
        assert_eq!(results.len(), 1);
        assert_eq!(message(results[0].clone()), "CSV has no body or text column (columns: id, name, memo)");

        let results = write_and_read(dir.path(), "header.csv", b"id,body\n", &opts);
        assert_eq!(message(results[0].clone()), "file has no records");

        let (euc_kr, _, _) = encoding_rs::EUC_KR.encode("id,body\n1,완성형 본문\n");
        let results = write_and_read(dir.path(), "legacy.csv", &euc_kr, &opts);
        assert_eq!(results[0].as_ref().unwrap().body, "완성형 본문");
    }

    #[test]
    fn size_limit_is_checked_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ReadOptions { max_file_bytes: 16, ..ReadOptions::default() };
        let text = "제목\n본문이 열 바이트보다 깁니다";
        for name in ["big.txt", "big.csv", "big.json"] {
            let results = write_and_read(dir.path(), name, text.as_bytes(), &opts);
            assert_eq!(results.len(), 1);
            assert_eq!(
                message(results[0].clone()),
                format!("file is larger than the 16 bytes limit ({} bytes)", text.len())
            );
        }
        // JSONL is streamed: the limit is per line, so short lines of a longer file are read.
        let jsonl = "{\"body\":\"a\"}\n{\"body\":\"b\"}\n{\"body\":\"0123456789\"}\n";
        let results = write_and_read(dir.path(), "big.jsonl", jsonl.as_bytes(), &opts);
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_ref().unwrap().body, "a");
        assert_eq!(results[1].as_ref().unwrap().body, "b");
        assert_eq!(message(results[2].clone()), "line is larger than the 16 bytes limit");
        assert_eq!(
            too_large("file", ReadOptions::default().max_file_bytes, Some(70_000_000)),
            "file is larger than the 64 MiB limit (70000000 bytes)"
        );
    }

    #[test]
    fn unknown_extension_is_text_and_missing_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ReadOptions::default();
        let results = write_and_read(dir.path(), "note.dat", "메모 제목\n메모 본문".as_bytes(), &opts);
        let article = results[0].as_ref().unwrap();
        assert_eq!((article.id.as_str(), article.title.as_str()), ("note", "메모 제목"));

        let results = write_and_read(dir.path(), "read.MD", "# 마크다운\n본문".as_bytes(), &opts);
        assert_eq!(results[0].as_ref().unwrap().title, "마크다운");

        let missing = read_path(&dir.path().join("missing.txt"), &opts);
        assert_eq!(message(missing[0].clone()), "no such file or directory");
        let directory = read_path(dir.path(), &opts);
        assert_eq!(message(directory[0].clone()), "is a directory");
    }

    #[test]
    fn records_can_cross_threads() {
        fn assert_send<T: Send>() {}
        assert_send::<Record>();
        assert_send::<Box<dyn Iterator<Item = Record> + Send>>();
        let opts = ReadOptions::default();
        let record = Record::Text { source: "t.txt".to_string(), bytes: "제목\n본문".as_bytes().to_vec() };
        let article = std::thread::spawn(move || record.parse(&opts)).join().unwrap();
        assert_eq!(article.unwrap().title, "제목");
    }

    #[cfg(unix)]
    #[test]
    fn expand_inputs_walks_sorted_filters_and_skips_directory_links() {
        use std::os::unix::fs::symlink;

        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("news");
        let sub = root.join("sub");
        fs::create_dir_all(sub.join("deeper")).unwrap();
        fs::create_dir_all(temp.path().join("extra")).unwrap();
        for name in ["b.txt", "a.MD", "notes.pdf", "README", "z.Txt"] {
            fs::write(root.join(name), "제목\n본문").unwrap();
        }
        fs::write(sub.join("c.jsonl"), "{}").unwrap();
        fs::write(sub.join("e.json"), "{}").unwrap();
        fs::write(sub.join("deeper").join("d.csv"), "id,body").unwrap();
        let explicit = temp.path().join("extra").join("explicit.dat");
        fs::write(&explicit, "제목\n본문").unwrap();
        symlink(&sub, root.join("link_dir")).unwrap();
        symlink(root.join("b.txt"), root.join("link_file.txt")).unwrap();
        symlink(root.join("nowhere.txt"), root.join("broken.txt")).unwrap();
        let missing = temp.path().join("missing");

        let inputs = [root.clone(), root.join("b.txt"), explicit.clone(), PathBuf::from("-"), missing.clone()];
        let (paths, errors) = expand_inputs(&inputs);
        let file = |path: PathBuf| InputPath::File(path);
        assert_eq!(
            paths,
            [
                InputPath::Stdin,
                file(explicit),
                file(root.join("a.MD")),
                file(root.join("b.txt")),
                file(root.join("link_file.txt")),
                file(sub.join("c.jsonl")),
                file(sub.join("deeper").join("d.csv")),
                file(sub.join("e.json")),
                file(root.join("z.Txt")),
            ]
        );
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                format!("{}: broken symbolic link: no such file or directory", root.join("broken.txt").display()),
                format!("{}: symbolic link not followed", root.join("link_dir").display()),
                format!("{}: no such file or directory", missing.display()),
            ]
        );
        assert_eq!(InputPath::Stdin.to_string(), "-");
    }

    #[test]
    fn shared_sample_article_if_present() {
        let path = Path::new("/work/shared/samples/naver-cloud-sovereign-ai.txt");
        if !path.exists() {
            return;
        }
        let opts = ReadOptions::default();
        let results = read_path(path, &opts);
        assert_eq!(results.len(), 1);
        let article = results[0].as_ref().unwrap();
        let text = fs::read_to_string(path).unwrap();
        assert_eq!(article.id, "naver-cloud-sovereign-ai");
        assert!(article.title.starts_with("네이버클라우드 대표"), "{}", article.title);
        assert_eq!(article.date.as_deref(), Some("2025-04-23T14:38:00+09:00"));
        assert!(article.body.starts_with("\"글로벌 기술"));
        assert!(article.body.ends_with("덧붙였다．"));
        assert!(text.contains(&article.title) && text.contains(&article.body));
    }

    #[test]
    fn fixture_directory_reads_every_file() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/input");
        let (paths, errors) = expand_inputs(std::slice::from_ref(&dir));
        assert!(errors.is_empty(), "{errors:?}");
        let opts = ReadOptions::default();
        let results: Vec<_> =
            paths.iter().flat_map(|path| read_input(path, &opts)).map(|record| record.parse(&opts)).collect();
        let ok: Vec<&str> = results.iter().filter_map(|r| r.as_ref().ok()).map(|a| a.id.as_str()).collect();
        // The README is itself an `.md` file, so a directory walk reads it as an article.
        assert_eq!(ok, ["README", "brief-1", "brief-3", "hanbit-ai-expo"]);
        let errors: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(2));
        let expo = results.iter().filter_map(|r| r.as_ref().ok()).find(|a| a.id == "hanbit-ai-expo").unwrap();
        assert_eq!(expo.date.as_deref(), Some("2025-05-14T10:30:00+09:00"));
        assert!(expo.title.starts_with("한빛AI"));
    }

    // -----------------------------------------------------------------------------------------
    // JSONL parsing against the `Value`-based parser it replaced

    // The parser as it was before the streaming one, kept verbatim as the oracle.
    fn reference_parse(source: String, line: u64, text: &str, fields: &FieldNames) -> Result<Article, InputError> {
        let value: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => return Err(InputError::new(source, Some(line), json_error_message(&e))),
        };
        let Value::Object(object) = value else {
            return Err(InputError::new(source, Some(line), "record is not a JSON object"));
        };
        let default_id = || {
            if source == "-" {
                // Same record, same id, wherever it sits in the stream (FNV-1a of the line).
                let hash =
                    text.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
                format!("-:{hash:016x}")
            } else {
                format!("{}:{line}", file_stem(&source))
            }
        };
        match reference_article_from_object(object, fields, default_id) {
            Ok(mut article) => {
                article.source = source;
                Ok(article)
            }
            Err(message) => Err(InputError::new(source, Some(line), message)),
        }
    }

    /// Builds an article (without its source) from one JSON object.
    fn reference_article_from_object(
        mut object: Map<String, Value>,
        fields: &FieldNames,
        default_id: impl FnOnce() -> String,
    ) -> Result<Article, String> {
        let id = match object.remove(&fields.id) {
            Some(Value::String(id)) if !id.trim().is_empty() => id,
            Some(Value::Number(id)) => id.to_string(),
            None | Some(Value::Null) | Some(Value::String(_)) => default_id(),
            Some(_) => return Err(format!("field \"{}\" is not a string or number", fields.id)),
        };
        let title = reference_optional_string(&mut object, &fields.title)?;
        let body_field =
            fields.body.iter().find(|name| object.get(name.as_str()).is_some_and(|value| !value.is_null()));
        let body = match body_field {
            Some(name) => reference_optional_string(&mut object, name)?,
            None => None,
        };
        let (title, body) = match (title, body) {
            (None, None) => return Err(format!("record has no {} field", fields.body.join(" or "))),
            (title, body) => (title.unwrap_or_default(), body.unwrap_or_default()),
        };
        let date = match object.remove(&fields.date) {
            Some(Value::String(date)) => Some(date),
            // A numeric date (a Unix time, say) is passed through as written.
            Some(Value::Number(date)) => Some(date.to_string()),
            None | Some(Value::Null) => None,
            Some(_) => return Err(format!("field \"{}\" is not a string", fields.date)),
        };
        let url = reference_optional_string(&mut object, &fields.url)?;
        Ok(Article { id, source: String::new(), title, body, date, url })
    }

    fn reference_optional_string(object: &mut Map<String, Value>, name: &str) -> Result<Option<String>, String> {
        match object.remove(name) {
            Some(Value::String(value)) => Ok(Some(value)),
            None | Some(Value::Null) => Ok(None),
            Some(_) => Err(format!("field \"{name}\" is not a string")),
        }
    }

    /// Field-name sets the comparisons run under: the default, renamed fields, names shared
    /// between roles, escaped and non-ASCII names, and more body candidates than fit inline.
    fn field_name_sets() -> Vec<FieldNames> {
        let names = |id: &str, title: &str, body: &[&str], date: &str, url: &str| FieldNames {
            id: id.to_string(),
            title: title.to_string(),
            body: body.iter().map(|name| name.to_string()).collect(),
            date: date.to_string(),
            url: url.to_string(),
        };
        vec![
            FieldNames::default(),
            names("article_id", "headline", &["content"], "published", "link"),
            names("x", "x", &["x", "body", "x"], "body", "id"),
            names("id", "title", &["text", "body", "본문", ""], "date", "url"),
            names("id", "ti\"tle", &["a", "b", "c", "d", "e", "f", "body"], "date", "date"),
            names("제목", "title", &[], "url", "url"),
            names("id", "title", &["body", "body"], "title", "text"),
            // A body candidate that loses to an earlier one is still read as the date.
            names("id", "title", &["body", "text"], "text", "body"),
        ]
    }

    fn assert_same_as_reference(text: &str) {
        for fields in field_name_sets() {
            for (source, line) in [("news/batch.jsonl", 7), ("-", 3), ("plain", 1)] {
                let expected = reference_parse(source.to_string(), line, text, &fields);
                let actual = parse_jsonl_line(source.to_string(), line, text, &fields);
                assert_eq!(actual, expected, "line {text:?} with {fields:?}");
            }
            // `.json` files read objects through `KeptFields::from_map`.
            if let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) {
                let expected = reference_article_from_object(object.clone(), &fields, || "stem".to_string());
                let actual = article_from_fields(&mut KeptFields::from_map(&fields, object), || "stem".to_string());
                assert_eq!(actual, expected, "object {text:?} with {fields:?}");
            }
        }
    }

    /// Lines covering every field type in every role, and the ways JSON can go wrong.
    const JSONL_EDGE_CASES: &[&str] = &[
        // Plain records and the corpus shape.
        r#"{"id": "a1", "title": "제목", "body": "본문", "date": "2025-04-23", "url": "https://example.com/1"}"#,
        r#"{"id": "ynat_lush_0", "title": "제6회 국제주택도시금융포럼", "body": "", "date": null, "source": "klue", "labels": []}"#,
        r#"{"title": "제목만"}"#,
        r#"{"body": "본문만"}"#,
        r#"{"text": "텍스트"}"#,
        r#"{}"#,
        r#"{"id": "k"}"#,
        r#"{"source": "x", "labels": ["a", {"b": [1, 2.5, null]}]}"#,
        // Body and text: null, empty, missing, wrong type.
        r#"{"body": null, "text": "텍스트"}"#,
        r#"{"body": "", "text": "텍스트"}"#,
        r#"{"text": "텍스트", "body": null}"#,
        r#"{"body": null, "text": null}"#,
        r#"{"body": null, "text": null, "title": "t"}"#,
        r#"{"body": 1, "text": "텍스트"}"#,
        r#"{"body": null, "text": 1}"#,
        r#"{"body": [], "text": "x"}"#,
        r#"{"body": {}, "title": "t"}"#,
        r#"{"body": true}"#,
        r#"{"body": false, "text": "x"}"#,
        r#"{"body": "b", "text": 5}"#,
        // Title of every type.
        r#"{"title": null, "body": "b"}"#,
        r#"{"title": 1, "body": "b"}"#,
        r#"{"title": 1.5, "body": "b"}"#,
        r#"{"title": true, "body": "b"}"#,
        r#"{"title": [], "body": "b"}"#,
        r#"{"title": {"a": 1}, "body": "b"}"#,
        r#"{"title": "", "body": null}"#,
        r#"{"title": "t", "body": 3}"#,
        // Id of every type, numbers of every shape.
        r#"{"id": null, "body": "b"}"#,
        r#"{"id": "", "body": "b"}"#,
        r#"{"id": "  \t ", "body": "b"}"#,
        r#"{"id": "\u3000", "body": "b"}"#,
        r#"{"id": 0, "body": "b"}"#,
        r#"{"id": -0, "body": "b"}"#,
        r#"{"id": 42, "body": "b"}"#,
        r#"{"id": -42, "body": "b"}"#,
        r#"{"id": 1.5, "body": "b"}"#,
        r#"{"id": 1.0, "body": "b"}"#,
        r#"{"id": 1.5e3, "body": "b"}"#,
        r#"{"id": 1E3, "body": "b"}"#,
        r#"{"id": -2.50e-3, "body": "b"}"#,
        r#"{"id": 0.1, "body": "b"}"#,
        r#"{"id": 1e-400, "body": "b"}"#,
        r#"{"id": 1e400, "body": "b"}"#,
        r#"{"id": -1e400, "body": "b"}"#,
        r#"{"id": 9223372036854775807, "body": "b"}"#,
        r#"{"id": -9223372036854775808, "body": "b"}"#,
        r#"{"id": -9223372036854775809, "body": "b"}"#,
        r#"{"id": 18446744073709551615, "body": "b"}"#,
        r#"{"id": 18446744073709551616, "body": "b"}"#,
        r#"{"id": 123456789012345678901234567890, "body": "b"}"#,
        r#"{"id": 1.7976931348623157e308, "body": "b"}"#,
        r#"{"id": 5e-324, "body": "b"}"#,
        r#"{"id": true, "body": "b"}"#,
        r#"{"id": false}"#,
        r#"{"id": [], "body": "b"}"#,
        r#"{"id": {}, "body": "b"}"#,
        r#"{"id": [1], "title": 2}"#,
        // Date and url of every type.
        r#"{"body": "b", "date": 1714000000}"#,
        r#"{"body": "b", "date": -1.25}"#,
        r#"{"body": "b", "date": 1e21}"#,
        r#"{"body": "b", "date": true}"#,
        r#"{"body": "b", "date": []}"#,
        r#"{"body": "b", "date": {}}"#,
        r#"{"body": "b", "date": ""}"#,
        r#"{"body": "b", "url": null}"#,
        r#"{"body": "b", "url": 1}"#,
        r#"{"body": "b", "url": ""}"#,
        r#"{"body": "b", "url": ["x"]}"#,
        r#"{"body": "b", "date": 1, "url": 2}"#,
        r#"{"title": 1, "date": true, "url": 2}"#,
        r#"{"id": [], "title": 1, "date": true}"#,
        // Duplicate keys: the last one wins.
        r#"{"body": "a", "body": "b"}"#,
        r#"{"body": "a", "body": null, "text": "t"}"#,
        r#"{"body": null, "body": "b", "text": "t"}"#,
        r#"{"id": [], "id": "ok", "body": "b"}"#,
        r#"{"id": "ok", "id": [], "body": "b"}"#,
        r#"{"title": 1, "title": "t"}"#,
        r#"{"date": 1, "date": "d", "body": "b", "date": null}"#,
        r#"{"body": "b", "url": "u1", "url": "u2", "source": 1, "source": []}"#,
        // Escaped keys and values.
        r#"{"ti\u0074le": "t", "\u0062ody": "b"}"#,
        r#"{"title": "t", "ti\u0074le": "t2"}"#,
        r#"{"ti\"tle": "q", "body": "b"}"#,
        r#"{"\u0069d": 7, "body": "b"}"#,
        r#"{"\uc81c\ubaa9": "제목 키", "body": "b"}"#,
        r#"{"": "empty key", "body": "b"}"#,
        r#"{"body": "\ud55c\uae00 \"인용\" \\ \/ \b\f\n\r\t"}"#,
        r#"{"body": "emoji \ud83d\ude00 raw 😀"}"#,
        r#"{"body": "\u0000"}"#,
        r#"{"body": "lone \ud800"}"#,
        r#"{"body": "lone \udc00"}"#,
        r#"{"body": "b", "source": "lone \ud800 in an ignored field"}"#,
        r#"{"body": "b", "\ud800": 1}"#,
        r#"{"body": "b", "labels": [{"\udfff": 1}]}"#,
        r#"{"body": "bad \x escape"}"#,
        r#"{"body": "b", "source": "bad \x escape"}"#,
        r#"{"body": "b", "source": "\u12"}"#,
        "{\"body\": \"raw\ttab\"}",
        "{\"body\": \"b\", \"source\": \"raw\ttab\"}",
        "{\"body\": \"b\", \"source\": \"raw\u{1}control\"}",
        // Ignored fields: nested, deep, numbers out of range, bad literals.
        r#"{"body": "b", "labels": [[[[[[[[[[{"a": [{"b": {}}]}]]]]]]]]]]}"#,
        r#"{"body": "b", "source": 1e400}"#,
        r#"{"body": "b", "source": -1e400}"#,
        r#"{"body": "b", "source": 01}"#,
        r#"{"body": "b", "source": 1.}"#,
        r#"{"body": "b", "source": .5}"#,
        r#"{"body": "b", "source": -}"#,
        r#"{"body": "b", "source": 1e}"#,
        r#"{"body": "b", "source": tru}"#,
        r#"{"body": "b", "source": nul}"#,
        r#"{"body": "b", "source": NaN}"#,
        r#"{"body": "b", "source": [1,]}"#,
        r#"{"body": "b", "source": [1 2]}"#,
        r#"{"body": "b", "source": {"a":1,}}"#,
        r#"{"body": "b", "source": {"a" 1}}"#,
        r#"{"body": "b", "source": {1: 2}}"#,
        r#"{"body": "b", "source": []]}"#,
        r#"{"body": 01}"#,
        r#"{"body": [1,]}"#,
        r#"{"id": 1e400}"#,
        r#"{"title": {"a": "\ud800"}}"#,
        // Not an object, or not only one.
        r#"[]"#,
        r#"[{"body": "b"}]"#,
        r#""body""#,
        r#"42"#,
        r#"-1.5"#,
        r#"null"#,
        r#"true"#,
        r#"[1, 2"#,
        r#"[1, 2] x"#,
        r#""x" "y""#,
        "",
        "   ",
        "\u{feff}{\"body\": \"b\"}",
        "\u{a0}{\"body\": \"b\"}",
        r#"{"body": "b"} x"#,
        r#"{"body": "b"}}"#,
        r#"{"body": "b"},"#,
        r#"{"body": "b"} {"body": "c"}"#,
        r#"{"body": "b"}   "#,
        "\t {\"body\": \"b\"}\r",
        r#"{"body": "b"} // comment"#,
        // Truncated and malformed objects.
        r#"{"#,
        r#"{"body""#,
        r#"{"body":"#,
        r#"{"body": "b"#,
        r#"{"body": "b","#,
        r#"{"body": "b", "labels": [1, {"a": "#,
        r#"{"body": "b",}"#,
        r#"{,"body": "b"}"#,
        r#"{"body" "b"}"#,
        r#"{"body": "b" "text": "t"}"#,
        r#"{body: "b"}"#,
        r#"{'body': 'b'}"#,
        r#"{"body": "b"; "id": 1}"#,
        r#"{"id": 1, "body": "b", "title": }"#,
        r#"{"id": [], "body": "b", "title": }"#,
        r#"{"id": [], "body": "b"} trailing"#,
        r#"{"body": null} ]"#,
        // Custom field names.
        r#"{"article_id": "k1", "headline": "머리기사", "content": "본문", "body": "무시"}"#,
        r#"{"article_id": 3, "headline": null, "content": null, "published": 1, "link": "l"}"#,
        r#"{"x": "shared", "body": "b", "id": "u"}"#,
        r#"{"x": null, "body": 1}"#,
        r#"{"x": "", "body": "d"}"#,
        r#"{"a": null, "b": null, "c": "", "f": "f", "body": "b", "date": "d"}"#,
        r#"{"ti\"tle": 1, "e": "e"}"#,
        r#"{"본문": "한글 키", "": "빈 키"}"#,
        r#"{"": "빈 키만"}"#,
        r#"{"제목": 1, "url": "u", "title": "t"}"#,
    ];

    #[test]
    fn jsonl_parser_matches_reference_on_edge_cases() {
        for text in JSONL_EDGE_CASES {
            assert_same_as_reference(text);
        }
        // Nesting around serde_json's recursion limit (128), in kept and ignored fields.
        for depth in [1, 100, 126, 127, 128, 129, 130, 500] {
            let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            for nested in [&arrays, &objects] {
                assert_same_as_reference(nested);
                assert_same_as_reference(&format!("{{\"body\": \"b\", \"labels\": {nested}}}"));
                assert_same_as_reference(&format!("{{\"title\": {nested}, \"body\": \"b\"}}"));
                assert_same_as_reference(&format!("{{\"body\": \"b\", \"labels\": {nested}"));
            }
        }
    }

    #[test]
    fn jsonl_parser_keeps_the_documented_rules() {
        let fields = FieldNames::default();
        let parse = |text: &str| parse_jsonl_line("news/a.jsonl".to_string(), 2, text, &fields);
        let article = parse(r#"{"id": 1.5e3, "body": null, "body": "last", "text": "t", "date": -7}"#).unwrap();
        assert_eq!(
            (article.id.as_str(), article.body.as_str(), article.date.as_deref()),
            ("1500.0", "last", Some("-7"))
        );
        let article = parse(r#"{"ti\u0074le": "escaped", "body": null, "text": "텍스트"}"#).unwrap();
        assert_eq!((article.id.as_str(), article.title.as_str(), article.body.as_str()), ("a:2", "escaped", "텍스트"));
        assert_eq!(parse(r#"{"body": 1, "text": "t"}"#).unwrap_err().message, "field \"body\" is not a string");
        assert_eq!(parse(r#"{"id": [], "body": "b"}"#).unwrap_err().message, "field \"id\" is not a string or number");
        assert_eq!(parse(r#"{"body": null}"#).unwrap_err().message, "record has no body or text field");
        assert_eq!(parse("[]").unwrap_err().message, "record is not a JSON object");
        assert_eq!(parse(r#"{"body": "b"} x"#).unwrap_err().message, "invalid JSON: trailing characters at column 15");
        // What serde_json's `IgnoredAny` would let through in an ignored field is still an error.
        for text in [
            r#"{"body": "b", "source": "\ud800"}"#,
            r#"{"body": "b", "source": 1e400}"#,
            &format!("{{\"body\": \"b\", \"labels\": {}{}}}", "[".repeat(200), "]".repeat(200)),
        ] {
            assert!(parse(text).unwrap_err().message.starts_with("invalid JSON: "), "{text}");
        }
    }

    /// Scalars that parse, strings most often since they are what fields hold.
    const VALID_STRINGS: &[&str] = &[
        r#""""#,
        r#"" ""#,
        r#""\t\n""#,
        r#""기사""#,
        r#""본문 텍스트""#,
        r#""a\"b""#,
        r#""\u00e9""#,
        r#""\ud55c\uae00""#,
        r#""\ud83d\ude00""#,
        r#""\u0000""#,
        r#""\/""#,
        r#""😀""#,
    ];
    const VALID_OTHERS: &[&str] = &[
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1",
        "-1",
        "42",
        "1.5",
        "1.5e3",
        "-2.50E-3",
        "1e-400",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775809",
        "0.1",
        "[]",
        "{}",
    ];
    /// Scalars that do not parse as a `Value`; some would pass serde_json's `IgnoredAny`.
    const INVALID_SCALARS: &[&str] = &[
        r#""\ud800""#,
        r#""\udc00x""#,
        "\"raw\ttab\"",
        r#""bad \x""#,
        "1e400",
        "-1e400",
        "01",
        "1.",
        ".5",
        "NaN",
        "tru",
        "[1,]",
    ];
    /// The fields the default and the custom field names read.
    const FIELD_KEYS: &[&str] = &[
        r#""id""#,
        r#""title""#,
        r#""body""#,
        r#""text""#,
        r#""date""#,
        r#""url""#,
        r#""ti\u0074le""#,
        r#""\u0062ody""#,
        r#""article_id""#,
        r#""headline""#,
        r#""content""#,
    ];
    const OTHER_KEYS: &[&str] = &[
        r#""source""#,
        r#""labels""#,
        r#""x""#,
        r#""""#,
        r#""제목""#,
        r#""본문""#,
        r#""a""#,
        r#""f""#,
        r#""ti\"tle""#,
    ];
    const INVALID_KEYS: &[&str] = &[r#""\ud800""#, "id", "1", "'id'"];

    fn pick(items: &'static [&'static str]) -> impl Strategy<Value = &'static str> + Clone {
        prop::sample::select(items)
    }

    /// A strategy of something valid or, when `invalid` is set, now and then of something not.
    fn sometimes_invalid<T: std::fmt::Debug + Clone + 'static>(
        valid: impl Strategy<Value = T> + Clone + 'static,
        not_valid: impl Strategy<Value = T> + Clone + 'static,
        invalid: bool,
    ) -> BoxedStrategy<T> {
        if invalid {
            prop_oneof![12 => valid, 1 => not_valid].boxed()
        } else {
            valid.boxed()
        }
    }

    /// An object key as written in JSON, escapes included.
    fn json_key(invalid: bool) -> BoxedStrategy<&'static str> {
        sometimes_invalid(prop_oneof![3 => pick(FIELD_KEYS), 2 => pick(OTHER_KEYS)], pick(INVALID_KEYS), invalid)
    }

    /// JSON text of a field value from a small vocabulary: mostly a string, sometimes nested a
    /// few levels, now and then nested around serde_json's recursion limit.
    fn json_value(invalid: bool) -> impl Strategy<Value = String> {
        let valid = prop_oneof![4 => pick(VALID_STRINGS), 1 => pick(VALID_OTHERS)];
        let scalar = sometimes_invalid(valid, pick(INVALID_SCALARS), invalid).prop_map(str::to_string);
        let nested = scalar.clone().prop_recursive(3, 16, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
                prop::collection::vec((json_key(invalid), inner), 0..4).prop_map(|entries| {
                    let entries: Vec<String> = entries.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!("{{{}}}", entries.join(", "))
                }),
            ]
        });
        // Inside a line's object, 126 levels of arrays are the most serde_json takes.
        let deep = (120usize..=if invalid { 131 } else { 126 })
            .prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
        prop_oneof![12 => scalar, 3 => nested, 1 => deep]
    }

    /// A JSONL line: one object of known and unknown fields; with `invalid`, now and then
    /// something that is not valid JSON or not an object.
    fn jsonl_line_of(invalid: bool) -> impl Strategy<Value = String> {
        let space = move || {
            sometimes_invalid(
                prop_oneof![20 => Just(""), 4 => Just(" "), 1 => Just("\t"), 1 => Just("\r")],
                Just("\u{a0}"),
                invalid,
            )
        };
        let entry = (json_key(invalid), space(), space(), json_value(invalid))
            .prop_map(|(k, s1, s2, v)| format!("{k}{s1}:{s2}{v}"));
        let separator = sometimes_invalid(
            prop_oneof![4 => Just(", "), 1 => Just(","), 1 => Just(" ,")],
            prop_oneof![Just(",,"), Just(" ")],
            invalid,
        );
        let tail = sometimes_invalid(
            prop_oneof![4 => Just(""), 1 => Just(" ")],
            prop_oneof![Just(","), Just(" x"), Just("}"), Just("{}"), Just("]")],
            invalid,
        );
        let open = sometimes_invalid(Just("{"), prop_oneof![Just("["), Just("[{"), Just("\""), Just("1")], invalid);
        (space(), prop::collection::vec(entry, 0..6), separator, tail, open).prop_map(
            |(lead, entries, separator, tail, open)| {
                let close = match open {
                    "[" => "]",
                    "[{" => "}]",
                    "\"" => "\"",
                    "1" => "",
                    _ => "}",
                };
                format!("{lead}{open}{}{close}{tail}", entries.join(separator))
            },
        )
    }

    /// A JSONL line: valid JSON half the time, the rest now and then broken or not an object.
    fn jsonl_line() -> impl Strategy<Value = String> {
        prop_oneof![jsonl_line_of(false), jsonl_line_of(true)]
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        Delete(prop::sample::Index),
        Insert(prop::sample::Index, u8),
        Replace(prop::sample::Index, u8),
        Truncate(prop::sample::Index),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        mutation_of(b"{}[]\":,\\ 0-.eE1nultrfa\tu")
    }

    /// A mutation whose bytes are JSON's own or `bytes`, or any byte.
    fn mutation_of(bytes: &[u8]) -> impl Strategy<Value = Mutation> {
        let byte = prop_oneof![prop::sample::select(bytes.to_vec()), any::<u8>()];
        prop_oneof![
            any::<prop::sample::Index>().prop_map(Mutation::Delete),
            (any::<prop::sample::Index>(), byte.clone()).prop_map(|(at, b)| Mutation::Insert(at, b)),
            (any::<prop::sample::Index>(), byte).prop_map(|(at, b)| Mutation::Replace(at, b)),
            any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        ]
    }

    fn mutate(text: &str, mutations: &[Mutation]) -> String {
        String::from_utf8_lossy(&mutate_bytes(text.as_bytes(), mutations)).into_owned()
    }

    fn mutate_bytes(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
        let mut bytes = bytes.to_vec();
        for mutation in mutations {
            match mutation {
                Mutation::Delete(at) if !bytes.is_empty() => {
                    bytes.remove(at.index(bytes.len()));
                }
                Mutation::Insert(at, byte) => bytes.insert(at.index(bytes.len() + 1), *byte),
                Mutation::Replace(at, byte) if !bytes.is_empty() => {
                    let at = at.index(bytes.len());
                    bytes[at] = *byte;
                }
                Mutation::Truncate(at) => bytes.truncate(at.index(bytes.len() + 1)),
                Mutation::Delete(_) | Mutation::Replace(..) => {}
            }
        }
        bytes
    }

    /// `Record::parse` of a line as it was before its NUL and UTF-8 checks were sped up, over
    /// the reference parser: the oracle for lines given as bytes.
    fn reference_parse_line(
        source: &str,
        line: u64,
        bytes: &[u8],
        offset: usize,
        fields: &FieldNames,
    ) -> Result<Article, InputError> {
        let source = source.to_string();
        if let Some(at) = bytes.iter().position(|&b| b == 0) {
            let message = format!("line is binary (NUL byte at offset {})", at + offset);
            return Err(InputError::new(source, Some(line), message));
        }
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => reference_parse(source, line, &text, fields),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                match encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(e.as_bytes()) {
                    Some(text) if text.chars().any(is_hangul) => reference_parse(source, line, &text, fields),
                    _ => Err(InputError::new(
                        source,
                        Some(line),
                        format!("invalid UTF-8 at byte offset {}", at + offset),
                    )),
                }
            }
        }
    }

    fn assert_line_same_as_reference(bytes: &[u8]) {
        for fields in field_name_sets() {
            let opts = ReadOptions { fields: fields.clone(), ..ReadOptions::default() };
            for (source, line, offset) in [("news/batch.jsonl", 7, 0), ("-", 3, 3)] {
                let expected = reference_parse_line(source, line, bytes, offset, &fields);
                let record = Record::Line {
                    source: source.to_string(),
                    line,
                    bytes: bytes.to_vec(),
                    offset,
                    format: LineFormat::Jsonl,
                };
                assert_eq!(record.parse(&opts), expected, "line {bytes:?} with {fields:?}");
            }
        }
    }

    /// A line as its UTF-8 bytes, or as EUC-KR (CP949) when it can be written so.
    fn euc_kr(text: &str) -> Option<Vec<u8>> {
        let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(text);
        (!unmappable).then(|| bytes.into_owned())
    }

    #[test]
    fn line_records_match_reference_on_bytes() {
        let mut lines: Vec<Vec<u8>> = Vec::new();
        for text in JSONL_EDGE_CASES {
            let bytes = text.as_bytes();
            lines.push(bytes.to_vec());
            lines.extend(euc_kr(text));
            // NULs, a stray continuation byte, a cut-off sequence and an overlong form at a few places.
            for at in [0, bytes.len() / 2, bytes.len()] {
                let bad: [&[u8]; 9] = [
                    b"\0",
                    b"\0 \0",
                    b"\x80\0",
                    b"\x80",
                    b"\xED",
                    b"\xEA\xB0",
                    b"\xC0\xAF",
                    b"\xED\xA0\x80",
                    b"\xF4\x90\x80\x80",
                ];
                for bad in bad {
                    let mut line = bytes.to_vec();
                    line.splice(at..at, bad.iter().copied());
                    lines.push(line);
                }
            }
        }
        // Legacy lines: Hangul in EUC-KR decodes, other bytes that happen to decode do not count.
        lines.push(b"{\"title\": \"\xC7\xD1\xB1\xDB\", \"body\": \"\xBA\xBB\xB9\xAE\"}".to_vec());
        lines.push(b"{\"body\": \"caf\xE9\"}".to_vec());
        lines.push(b"{\"body\": \"\xC7\xD1\"}\xFF".to_vec());
        for line in &lines {
            assert_line_same_as_reference(line);
        }
        // The lines reach each way out: UTF-8, legacy, bad UTF-8, NUL.
        let opts = ReadOptions::default();
        let parse = |bytes: &[u8]| {
            let record = Record::Line {
                source: "a.jsonl".into(),
                line: 1,
                bytes: bytes.to_vec(),
                offset: 0,
                format: LineFormat::Jsonl,
            };
            record.parse(&opts)
        };
        assert_eq!(parse(r#"{"body": "본문"}"#.as_bytes()).unwrap().body, "본문");
        assert_eq!(parse(&lines[lines.len() - 3]).unwrap().title, "한글");
        assert_eq!(parse(&lines[lines.len() - 2]).unwrap_err().message, "invalid UTF-8 at byte offset 13");
        assert_eq!(parse(b"{\"body\": \"\0\"}").unwrap_err().message, "line is binary (NUL byte at offset 10)");
    }

    /// Guards the property tests below against a generator that only makes broken lines.
    #[test]
    fn jsonl_line_generator_reaches_every_outcome() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;

        let mut runner = TestRunner::deterministic();
        let strategy = jsonl_line();
        let fields = FieldNames::default();
        let mut seen = std::collections::BTreeMap::<&str, usize>::new();
        for _ in 0..2000 {
            let line = strategy.new_tree(&mut runner).unwrap().current();
            let outcome = match parse_jsonl_line("-".to_string(), 1, &line, &fields) {
                Ok(_) => "ok",
                Err(e) if e.message.starts_with("invalid JSON: ") => "invalid JSON",
                Err(e) if e.message == "record is not a JSON object" => "not an object",
                Err(e) if e.message.ends_with("is not a string or number") => "bad id",
                Err(e) if e.message.ends_with("is not a string") => "not a string",
                Err(e) if e.message.starts_with("record has no ") => "no body",
                Err(e) => panic!("unexpected error {e}"),
            };
            *seen.entry(outcome).or_default() += 1;
        }
        assert_eq!(seen.len(), 6, "{seen:?}");
        assert!(seen.values().all(|&count| count >= 10), "{seen:?}");
    }

    // -----------------------------------------------------------------------------------------
    // The JSONL fast path against the serde_json path

    /// Ways the fast path can be broken on purpose, to show that its property test notices.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) enum Fault {
        /// Backslashes pass as plain bytes, escapes taken as written.
        Escapes,
        /// Control characters pass as plain bytes.
        ControlCharacters,
        /// A duplicate key keeps its first value.
        FirstDuplicateWins,
        /// Whatever follows the object is ignored.
        TrailingText,
        /// Integers of up to 20 digits, past `i64` and `u64`.
        LongNumbers,
        /// `-0` taken as an integer.
        NegativeZero,
    }

    thread_local! {
        static FAULT: std::cell::Cell<Option<Fault>> = const { std::cell::Cell::new(None) };
    }

    pub(super) fn is_broken(fault: Fault) -> bool {
        FAULT.with(|current| current.get() == Some(fault))
    }

    /// Runs `f` with the fast path broken in the given way.
    fn with_fault<T>(fault: Fault, f: impl FnOnce() -> T) -> T {
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                FAULT.with(|current| current.set(None));
            }
        }
        FAULT.with(|current| current.set(Some(fault)));
        let _reset = Reset;
        f()
    }

    fn slots(kept: &KeptFields<'_>) -> Vec<Option<FieldValue>> {
        (0..kept.roles).map(|slot| kept.slot(slot).clone()).collect()
    }

    /// How the fast path differs from serde_json on a line under some field-name set, if it
    /// takes the line at all: it must only take valid JSON objects and keep exactly the
    /// fields, and so build exactly the article, that serde_json does.
    fn plain_path_disagreement(text: &str) -> Option<String> {
        for fields in field_name_sets() {
            let mut fast = KeptFields::new(&fields);
            if !read_plain_line(text, &mut fast) {
                continue;
            }
            let mut slow = KeptFields::new(&fields);
            let parsed = read_line_with_serde(text, &mut slow).map_err(|e| e.to_string());
            if parsed != Ok(true) {
                return Some(format!("fast path took {text:?}, serde_json gave {parsed:?}"));
            }
            if slots(&fast) != slots(&slow) {
                return Some(format!("{text:?} with {fields:?}: {:?} != {:?}", slots(&fast), slots(&slow)));
            }
            let fast = article_from_fields(&mut fast, || "default".to_string());
            let slow = article_from_fields(&mut slow, || "default".to_string());
            if fast != slow {
                return Some(format!("{text:?} with {fields:?}: {fast:?} != {slow:?}"));
            }
        }
        None
    }

    /// Whether the fast path takes a line under the default field names.
    fn takes_fast_path(text: &str) -> bool {
        read_plain_line(text, &mut KeptFields::new(&FieldNames::default()))
    }

    /// Keys of the field-name sets, written plainly, and others: the first six most often.
    const PLAIN_KEYS: &[&str] = &[
        "id",
        "title",
        "body",
        "text",
        "date",
        "url",
        "x",
        "a",
        "f",
        "본문",
        "제목",
        "",
        "source",
        "labels",
        "headline",
        "content",
        "article_id",
        "published",
        "link",
    ];
    /// Keys just outside the fast path's shape.
    const NEAR_KEYS: &[&str] = &["ti\\\"tle", "ti\\u0074le", "b\tody"];
    /// Values of the fast path's shape: the first six most often.
    const PLAIN_VALUES: &[&str] = &[
        r#""""#,
        r#""기사 제목""#,
        r#""a b""#,
        r#""😀 x""#,
        r#""  ""#,
        r#""제6회 국제주택도시금융포럼 — 한빛AI 2025-04-23, 서울""#,
        "null",
        "true",
        "false",
        "0",
        "7",
        "-7",
        "42",
        "123456789012345678",
        "-123456789012345678",
        "[]",
        "[ ]",
        r#"["a", 1, null, true, false, -2]"#,
    ];
    /// Values just outside the fast path's shape, valid JSON or not.
    const NEAR_VALUES: &[&str] = &[
        r#""a\"b""#,
        r#""\n""#,
        r#""\u00e9""#,
        "\"raw\ttab\"",
        "\"raw\u{1f}unit\"",
        "nul",
        "tru",
        "nulls",
        "-0",
        "007",
        "-01",
        "1.5",
        "1e3",
        "1E3",
        "-",
        "--1",
        "1234567890123456789",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999",
        r#"["a",]"#,
        "[,]",
        "[[]]",
        "[{}]",
        "[1 2]",
        "{}",
        r#"{"a": 1}"#,
        "[",
        r#"""#,
    ];

    /// A line built to take the fast path (or, half the time, now and then just miss it):
    /// plain keys and simple values, duplicates, spaces; with `near`, sometimes other JSON
    /// whitespace or whitespace that is not JSON's, pieces from just outside the shape, a
    /// stray token.
    fn plain_jsonl_line_of(near: bool) -> impl Strategy<Value = String> {
        let space = move || {
            sometimes_invalid(
                prop_oneof![12 => Just(""), 8 => Just(" "), 1 => Just("  ")],
                prop_oneof![
                    Just("\t"),
                    Just("\r"),
                    Just("\n"),
                    Just(" \r\n\t"),
                    Just("\u{a0}"),
                    Just("\u{b}"),
                    Just("\u{c}")
                ],
                near,
            )
        };
        let key =
            sometimes_invalid(prop_oneof![2 => pick(&PLAIN_KEYS[..6]), 1 => pick(PLAIN_KEYS)], pick(NEAR_KEYS), near);
        let value = sometimes_invalid(
            prop_oneof![2 => pick(&PLAIN_VALUES[..6]), 1 => pick(PLAIN_VALUES)],
            pick(NEAR_VALUES),
            near,
        );
        let entry = (space(), key, space(), space(), value, space())
            .prop_map(|(s1, k, s2, s3, v, s4)| format!("{s1}\"{k}\"{s2}:{s3}{v}{s4}"));
        let separator = sometimes_invalid(Just(","), prop_oneof![Just(",,"), Just(""), Just(";")], near);
        let tail = sometimes_invalid(Just(""), prop_oneof![Just(","), Just("x"), Just("}"), Just("{}")], near);
        (space(), prop::collection::vec(entry, 0..8), separator, space(), tail, space()).prop_map(
            |(lead, entries, separator, inner, tail, end)| {
                format!("{lead}{{{}{inner}}}{tail}{end}", entries.join(separator))
            },
        )
    }

    fn plain_jsonl_line() -> impl Strategy<Value = String> {
        prop_oneof![plain_jsonl_line_of(false), plain_jsonl_line_of(true)]
    }

    #[test]
    fn plain_path_agrees_with_serde_on_edge_cases() {
        for text in JSONL_EDGE_CASES {
            assert_eq!(plain_path_disagreement(text), None);
        }
        for text in PLAIN_VALUES.iter().chain(NEAR_VALUES) {
            for line in [format!("{{\"id\": {text}, \"body\": \"b\"}}"), format!("{{\"body\": \"b\", \"x\": {text}}}")]
            {
                assert_eq!(plain_path_disagreement(&line), None);
                assert_same_as_reference(&line);
            }
        }
    }

    #[test]
    fn plain_path_takes_the_common_shape_and_declines_the_rest() {
        // The corpus shape, and the ones the fast path is for.
        for text in [
            JSONL_EDGE_CASES[0],
            JSONL_EDGE_CASES[1],
            r#"{}"#,
            r#"  {"id":7,"body":"b","date":-1714000000,"labels":["a", 1, null, true, false]}  "#,
            r#"{"body": "b", "body": "c", "x": [], "x": null}"#,
            // Tabs and carriage returns between tokens are JSON whitespace.
            "{\"body\":\t\"b\"\r}",
        ] {
            assert!(takes_fast_path(text), "{text}");
            assert_eq!(plain_path_disagreement(text), None);
        }
        // Escapes, control characters in strings, floats, `-0`, long integers, nesting, errors
        // of any kind.
        for text in [
            r#"{"body": "a\"b"}"#,
            "{\"body\": \"a\tb\"}",
            "{\"body\": \"b\"}\u{1}",
            r#"{"id": 1.5, "body": "b"}"#,
            r#"{"id": -0, "body": "b"}"#,
            r#"{"id": 1234567890123456789, "body": "b"}"#,
            r#"{"body": "b", "labels": [[]]}"#,
            r#"{"body": "b", "labels": {}}"#,
            r#"{"body": "b",}"#,
            r#"{"body": "b"} x"#,
            r#"[{"body": "b"}]"#,
            r#"{"body": nul}"#,
        ] {
            assert!(!takes_fast_path(text), "{text}");
        }
    }

    /// Guards the property tests below against a generator that misses the fast path, or
    /// only ever takes it.
    #[test]
    fn plain_line_generator_takes_and_misses_the_fast_path() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;

        let mut runner = TestRunner::deterministic();
        let strategy = plain_jsonl_line();
        let taken = (0..2000).filter(|_| takes_fast_path(&strategy.new_tree(&mut runner).unwrap().current())).count();
        assert!((300..1700).contains(&taken), "{taken} of 2000");
    }

    /// The property test below notices each way of breaking the fast path.
    #[test]
    fn plain_path_check_catches_a_broken_fast_path() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;

        for fault in [
            Fault::Escapes,
            Fault::ControlCharacters,
            Fault::FirstDuplicateWins,
            Fault::TrailingText,
            Fault::LongNumbers,
            Fault::NegativeZero,
        ] {
            let mut runner = TestRunner::deterministic();
            let strategy = plain_jsonl_line();
            let caught = (0..4096).any(|_| {
                let line = strategy.new_tree(&mut runner).unwrap().current();
                with_fault(fault, || plain_path_disagreement(&line)).is_some()
            });
            assert!(caught, "{fault:?} went unnoticed");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]

        #[test]
        fn jsonl_parser_matches_reference_on_random_objects(line in jsonl_line()) {
            assert_same_as_reference(&line);
        }

        #[test]
        fn jsonl_parser_matches_reference_on_mutated_lines(
            line in jsonl_line(),
            mutations in prop::collection::vec(mutation(), 1..5),
        ) {
            assert_same_as_reference(&mutate(&line, &mutations));
        }

        /// Whole line records, checked and decoded from bytes: UTF-8, EUC-KR, broken bytes, NULs.
        #[test]
        fn line_records_match_reference_on_mutated_bytes(
            line in jsonl_line(),
            legacy in any::<bool>(),
            mutations in prop::collection::vec(mutation_of(b"{}[]\":,\\ 0-.\0\0\x80\xC7\xED\xFF"), 0..4),
        ) {
            let bytes = if legacy { euc_kr(&line).unwrap_or_else(|| line.clone().into_bytes()) } else { line.into_bytes() };
            assert_line_same_as_reference(&mutate_bytes(&bytes, &mutations));
        }

        /// Lines of the fast path's shape: it takes them as serde_json does, or declines.
        #[test]
        fn plain_path_agrees_with_serde_on_plain_lines(line in plain_jsonl_line()) {
            proptest::prop_assert_eq!(plain_path_disagreement(&line), None);
            assert_same_as_reference(&line);
        }

        #[test]
        fn plain_path_agrees_with_serde_on_mutated_lines(
            line in prop_oneof![plain_jsonl_line(), jsonl_line()],
            mutations in prop::collection::vec(mutation(), 1..4),
        ) {
            let line = mutate(&line, &mutations);
            proptest::prop_assert_eq!(plain_path_disagreement(&line), None);
            assert_same_as_reference(&line);
        }

        /// Whole line records of the fast path's shape, from bytes.
        #[test]
        fn line_records_match_reference_on_plain_lines(
            line in plain_jsonl_line(),
            mutations in prop::collection::vec(mutation_of(b"{}[]\":,\\ 0-\0\x80\x1f"), 0..3),
        ) {
            assert_line_same_as_reference(&mutate_bytes(line.as_bytes(), &mutations));
        }
    }
}

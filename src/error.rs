//! The library's one error type.

use std::fmt;
use std::path::PathBuf;

/// What went wrong, for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A dictionary file is malformed (bad column, duplicate id, bad query …).
    Dictionary,
    /// A file or directory could not be read or written.
    Io,
    /// The morphological analyser failed to load or to analyse.
    Morphology,
    /// An option or argument has a value that cannot be used.
    Config,
}

/// An error with the place it happened (`file:line`) and what is wrong.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    place: Option<String>,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// A new error of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, place: None, message: message.into(), source: None }
    }

    /// A dictionary error at `file:line`.
    pub fn dictionary(file: &str, line: Option<u64>, message: impl Into<String>) -> Self {
        let place = match line {
            Some(line) => format!("{file}:{line}"),
            None => file.to_string(),
        };
        Error::new(ErrorKind::Dictionary, message).at(place)
    }

    /// An I/O error on `path`; the io error itself is kept as the source.
    pub fn io(path: impl Into<PathBuf>, what: &str, err: std::io::Error) -> Self {
        let path = path.into();
        Error::new(ErrorKind::Io, format!("{what}: {err}")).at(path.display().to_string()).with_source(err)
    }

    /// Sets where the error happened (a file, `file:line`, or a value).
    pub fn at(mut self, place: impl Into<String>) -> Self {
        self.place = Some(place.into());
        self
    }

    /// Keeps the underlying error as the `source()`.
    pub fn with_source(mut self, err: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(err));
        self
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message without the place.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Some(place) => write!(f, "{place}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

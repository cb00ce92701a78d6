//! One file per subcommand.

pub mod check;
pub mod compile;
pub mod diff;
pub mod discover;
pub mod report;
pub mod tag;

use std::io::Write;
use std::path::Path;

/// Writes a command's whole output to `path`, or to stdout. `Err` holds the exit code the
/// command ends with: 0 when stdout was closed (`… | head` ends the run quietly), 2 when
/// the output cannot be written (the message is on stderr).
pub(crate) fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<(), u8> {
    let written = match path {
        Some(path) => std::fs::write(path, bytes).map_err(|e| format!("{}: cannot write: {e}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|()| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Err(0),
                Err(e) => Err(format!("cannot write to stdout: {e}")),
            }
        }
    };
    written.map_err(|message| {
        eprintln!("error: {message}");
        2
    })
}

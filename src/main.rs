//! The `hantag` command: args → config → run → exit code; nothing else.

// Messages to a closed stderr (`hantag tag … 2>&1 | head`) or a report to a closed stdout
// must not panic, as the standard macros do: these shadow them for the whole binary.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod cli;
mod cmd;

#[cfg(feature = "fast-alloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::parse();
    let code = match args.command {
        cli::Command::Tag(a) => cmd::tag::run(a),
        cli::Command::Check(a) => cmd::check::run(a),
        cli::Command::Discover(a) => cmd::discover::run(a),
        cli::Command::Report(a) => cmd::report::run(a),
        cli::Command::Diff(a) => cmd::diff::run(a),
        cli::Command::Compile(a) => cmd::compile::run(a),
    };
    ExitCode::from(code)
}

//! The `hantag` command: args → config → run → exit code; nothing else.

mod cli;
mod cmd;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::parse();
    let code = match args.command {
        cli::Command::Tag(a) => cmd::tag::run(a),
        cli::Command::Check(a) => cmd::check::run(a),
    };
    ExitCode::from(code)
}

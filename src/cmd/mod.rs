//! One file per subcommand.

pub mod check;
pub mod compile;
pub mod diff;
pub mod discover;
pub mod report;
pub mod tag;

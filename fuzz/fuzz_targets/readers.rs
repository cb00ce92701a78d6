//! The readers: any bytes written as a `.txt`, `.md`, `.jsonl`, `.json`, `.csv` or extension-less
//! file, read with `read_input` and every record parsed. Never panics, and nothing vanishes: a
//! file gives at least one article or error, and every error names its source and says what
//! is wrong.
//!
//! Input: one byte choosing the extension and the size limit, then the file's bytes.
#![no_main]

use hantag::input::{read_input, InputPath, ReadOptions};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

const EXTENSIONS: [&str; 6] = ["txt", "md", "jsonl", "json", "csv", "bin"];

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("hantag-fuzz-readers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let ext = EXTENSIONS[selector as usize % EXTENSIONS.len()];
    // Mostly the default limit; sometimes a tiny one, to exercise the size checks.
    let max_file_bytes = if selector >= 0xC0 { u64::from(selector & 0x3F) } else { 64 * 1024 * 1024 };
    let path = dir().join(format!("input.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    let opts = ReadOptions { max_file_bytes, ..ReadOptions::default() };
    let source = path.display().to_string();
    let mut records = 0;
    for record in read_input(&InputPath::File(path.clone()), &opts) {
        records += 1;
        match record.parse(&opts) {
            Ok(article) => assert_eq!(article.source, source),
            Err(error) => {
                assert_eq!(error.source, source);
                assert!(!error.message.is_empty());
                assert!(error.line.is_none_or(|l| l >= 1), "{error}");
            }
        }
    }
    assert!(records >= 1, "{ext}: no record and no error for {} bytes", bytes.len());
});

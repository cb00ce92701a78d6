//! Runs the `hantag` binary as a user would, in temporary directories seeded from
//! `tests/fixtures/`, and compares its files byte for byte with `tests/golden/`.
//!
//! Set `HANTAG_BLESS=1` to rewrite the golden files after an intended change.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn hantag() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hantag"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    hantag().current_dir(root()).args(args).output().expect("run hantag")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn compare_golden(name: &str, got: &[u8]) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("HANTAG_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read(&path).unwrap_or_default();
    assert!(
        want == got,
        "{name} differs from tests/golden/{name} (HANTAG_BLESS=1 rewrites it)\n--- want\n{}\n--- got\n{}",
        text(&want),
        text(got)
    );
}

const OUTPUTS: [&str; 7] = [
    "articles.jsonl",
    "mentions.csv",
    "articles.csv",
    "article_entities.csv",
    "entities.csv",
    "topics.csv",
    "errors.csv",
];

#[test]
fn golden_output_directory() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "tag",
        "tests/fixtures/articles",
        "--dict",
        "tests/fixtures/dict",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    // Two inputs fail (a binary file, an empty file) and one JSONL line: exit 1.
    assert_eq!(o.status.code(), Some(1), "stderr: {}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("tests/fixtures/articles/sub/e-binary.txt: file is binary (NUL byte at offset 3)"),
        "{stderr}"
    );
    assert!(stderr.contains("tests/fixtures/articles/sub/b-records.jsonl:2: invalid JSON"), "{stderr}");
    assert!(stderr.contains("10 records: 7 tagged, 3 failed"), "{stderr}");
    for name in OUTPUTS {
        compare_golden(name, &std::fs::read(out.path().join(name)).unwrap());
    }
    let leftovers: Vec<_> = std::fs::read_dir(out.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), OUTPUTS.len(), "temporary files left behind: {leftovers:?}");
}

#[test]
fn reported_offsets_slice_the_original_fields() {
    let o = run(&["tag", "tests/fixtures/articles", "--dict", "tests/fixtures/dict", "--format", "jsonl", "-q"]);
    let mut checked = 0;
    for line in text(&o.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(title) = v["title"].as_str() else { continue };
        let source = v["source"].as_str().unwrap();
        for e in v["entities"].as_array().unwrap() {
            for m in e["mentions"].as_array().unwrap() {
                let field = m["field"].as_str().unwrap();
                let (start, end) = (m["start"].as_u64().unwrap() as usize, m["end"].as_u64().unwrap() as usize);
                let chars: Vec<char> = if field == "title" {
                    title.chars().collect()
                } else {
                    body_of(source, v["id"].as_str().unwrap()).chars().collect()
                };
                let sliced: String = chars[start..end].iter().collect();
                assert_eq!(sliced, m["text"].as_str().unwrap(), "{source} {field} {start}..{end}");
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} mentions checked");
}

/// The body of an article as the library reads it.
fn body_of(source: &str, id: &str) -> String {
    use hantag::input::{read_input, InputPath, ReadOptions};
    let opts = ReadOptions::default();
    read_input(&InputPath::File(root().join(source)), &opts)
        .filter_map(|r| r.parse(&opts).ok())
        .find(|a| a.id == id)
        .map(|a| a.body)
        .unwrap()
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.jsonl");
    let mut f = std::fs::File::create(&input).unwrap();
    let bodies = [
        "네이버클라우드는 하이퍼클로바X를 공개했다.",
        "인도는 성장했고 인도적 지원도 늘렸다.",
        "LG전자와 SK하이닉스, 삼성전자가 참여했다.",
        "이란은 가나와 협력한다. 오만한 태도는 없었다.",
    ];
    for i in 0..3000 {
        let body = bodies[i % bodies.len()].repeat(1 + i % 7);
        writeln!(f, "{}", serde_json::json!({"id": format!("n{i}"), "title": format!("기사 {i}"), "body": body}))
            .unwrap();
    }
    drop(f);
    let mut outputs = Vec::new();
    for threads in ["1", "4"] {
        let out = dir.path().join(format!("out{threads}"));
        let o = run(&[
            "tag",
            input.to_str().unwrap(),
            "--dict",
            "tests/fixtures/dict",
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        outputs.push(OUTPUTS.map(|n| std::fs::read(out.join(n)).unwrap()));
    }
    for (i, name) in OUTPUTS.iter().enumerate() {
        assert!(outputs[0][i] == outputs[1][i], "{name} differs between 1 and 4 threads");
    }
    assert_eq!(text(&outputs[0][0]).lines().count(), 3000);
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    let mut child = hantag()
        .current_dir(root())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    o
}

#[test]
fn stdin_filter_keeps_one_record_per_line() {
    let input = "{\"id\":\"x1\",\"title\":\"\",\"body\":\"네이버는\"}\nnot json\n{\"id\":\"x3\",\"body\":\"MS와\"}\n\n{\"body\":\"MS\"}\n";
    let o = run_stdin(&["tag", "-", "--format", "jsonl", "--dict", "tests/fixtures/dict", "-q"], input);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // One output line per input line, blank lines included; nothing depends on the position in
    // the stream (Spark partitions see different line numbers for the same record).
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["source"], "-");
    assert_eq!(lines[0]["entities"][0]["id"], "naver");
    assert!(lines[1].get("line").is_none());
    assert!(lines[1]["errors"][0].as_str().unwrap().starts_with("invalid JSON"));
    assert_eq!(lines[2]["entities"][0]["id"], "ms");
    assert_eq!(lines[3]["errors"][0], "blank line");
    let id = lines[4]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("-:"), "{id}");
    let again =
        run_stdin(&["tag", "-", "--format", "jsonl", "--dict", "tests/fixtures/dict", "-q"], "{\"body\":\"MS\"}\n");
    let again: serde_json::Value = serde_json::from_str(text(&again.stdout).trim()).unwrap();
    assert_eq!(again["id"], id.as_str());
    assert!(text(&o.stderr).contains("-:2: invalid JSON"), "{}", text(&o.stderr));
}

#[test]
fn closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let line = serde_json::json!({"id": "b", "title": "네이버", "body": "네이버클라우드는 MS와 협력한다. ".repeat(50)})
        .to_string();
    std::fs::write(&input, format!("{line}\n").repeat(20_000)).unwrap();
    let mut child = hantag()
        .current_dir(root())
        .args(["tag", input.to_str().unwrap(), "--format", "jsonl", "--dict", "tests/fixtures/dict"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("error"), "{}", text(&o.stderr));
}

#[test]
fn excel_mode_neutralizes_formulas_and_adds_bom() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&[
        "tag",
        "tests/fixtures/articles/sub/c-table.csv",
        "--dict",
        "tests/fixtures/dict",
        "--excel",
        "-q",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let articles = std::fs::read(out.path().join("articles.csv")).unwrap();
    assert!(articles.starts_with(b"\xEF\xBB\xBFarticle_id,"));
    assert!(text(&articles).contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{}", text(&articles));
    for name in ["mentions.csv", "entities.csv", "topics.csv", "errors.csv"] {
        assert!(std::fs::read(out.path().join(name)).unwrap().starts_with(b"\xEF\xBB\xBF"), "{name}");
    }
    let plain = run(&[
        "tag",
        "tests/fixtures/articles/sub/c-table.csv",
        "--dict",
        "tests/fixtures/dict",
        "-q",
        "--format",
        "csv",
    ]);
    assert!(!plain.stdout.starts_with(b"\xEF\xBB\xBF"));
}

#[test]
fn bad_dictionary_exits_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let entities = dir.path().join("entities");
    std::fs::create_dir(&entities).unwrap();
    std::fs::write(entities.join("x.csv"), "id,type,name,aliases\na,company,에이,\na,company,비,\n").unwrap();
    let o = run(&["tag", "tests/fixtures/articles", "--dict", dir.path().to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("x.csv:3: duplicate entity id \"a\""), "{stderr}");
    let o = run(&["check", "--dict", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_arguments_exit_2() {
    assert_eq!(run(&["tag"]).status.code(), Some(2));
    assert_eq!(run(&["tag", "x", "--morph", "maybe", "--format", "jsonl"]).status.code(), Some(2));
    assert_eq!(run(&["tag", "tests/fixtures/articles"]).status.code(), Some(2));
    assert_eq!(run(&["--help"]).status.code(), Some(0));
}

#[test]
fn missing_input_is_an_error_row_not_a_crash() {
    let o = run(&[
        "tag",
        "no/such/file.txt",
        "tests/fixtures/articles/a2-plain.md",
        "--dict",
        "tests/fixtures/dict",
        "--format",
        "jsonl",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("no/such/file.txt"), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).lines().count(), 2);
}

#[test]
fn check_reports_warnings_and_guarded_aliases() {
    let o = run(&["check", "--dict", "tests/fixtures/dict"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("guarded: entity \"photo-person\": alias \"사진\""), "{stdout}");
    assert!(stdout.contains("ok: 27 entities"), "{stdout}");
}

#[test]
fn builtin_dictionary_runs_on_the_shipped_examples() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&["tag", "examples/articles", "--out", out.path().to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mentions = text(&std::fs::read(out.path().join("mentions.csv")).unwrap());
    for id in ["naver-cloud", "samsung-electronics", "sk-hynix"] {
        assert!(mentions.contains(&format!(",{id},")), "{id} not found in\n{mentions}");
    }
}

#[test]
fn compiled_dictionary_gives_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let compiled = dir.path().join("fixture.hantag");
    let o = run(&["compile", "--dict", "tests/fixtures/dict", "-o", compiled.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let args = |dict: &str| -> Vec<String> {
        ["tag", "tests/fixtures/articles", "--dict", dict, "--format", "jsonl", "-q"].map(String::from).to_vec()
    };
    let from_csv = hantag().current_dir(root()).args(args("tests/fixtures/dict")).output().unwrap();
    let from_bin = hantag().current_dir(root()).args(args(compiled.to_str().unwrap())).output().unwrap();
    assert!(!from_csv.stdout.is_empty());
    assert!(from_csv.stdout == from_bin.stdout, "compiled output differs");
    let o = run(&["check", "--dict", compiled.to_str().unwrap()]);
    assert!(text(&o.stdout).contains("ok: 27 entities"), "{}", text(&o.stdout));
    // Combining it with another dictionary is refused, not silently half-used.
    let o = run(&[
        "tag",
        "tests/fixtures/articles",
        "--dict",
        compiled.to_str().unwrap(),
        "--dict",
        "builtin",
        "--format",
        "jsonl",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot be combined"), "{}", text(&o.stderr));
    // A damaged file is a clear error.
    let bytes = std::fs::read(&compiled).unwrap();
    std::fs::write(&compiled, &bytes[..bytes.len() / 2]).unwrap();
    let o = run(&["tag", "tests/fixtures/articles", "--dict", compiled.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("compiled dictionary is damaged"), "{}", text(&o.stderr));
}

/// The binary keeps to small pages (BENCHMARKS.md, "Fresh memory") unless
/// `MIMALLOC_ALLOW_THP` is set: read from the kernel's view of a running process once it
/// sleeps, waiting on its standard input (its start, where the flag is set, is over).
#[cfg(all(target_os = "linux", feature = "fast-alloc"))]
#[test]
fn huge_pages_are_off_unless_asked_for() {
    let thp_enabled = |env: Option<&str>| {
        let mut cmd = hantag();
        cmd.args(["tag", "--format", "jsonl", "-"]).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null());
        if let Some(value) = env {
            cmd.env("MIMALLOC_ALLOW_THP", value);
        } else {
            cmd.env_remove("MIMALLOC_ALLOW_THP");
        }
        let mut child = cmd.spawn().expect("run hantag");
        let path = format!("/proc/{}/status", child.id());
        let mut status = String::new();
        for _ in 0..500 {
            status = std::fs::read_to_string(&path).unwrap_or_default();
            if status.contains("State:\tS") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        drop(child.stdin.take());
        assert!(child.wait().unwrap().success());
        // Kernels before 6.0 do not show the flag; nothing to check there.
        status.lines().find_map(|l| l.strip_prefix("THP_enabled:")).map(|v| v.trim() == "1")
    };
    if let Some(enabled) = thp_enabled(None) {
        assert!(!enabled, "huge pages are on by default");
        assert_eq!(thp_enabled(Some("1")), Some(true), "MIMALLOC_ALLOW_THP=1 does not turn them on");
    }
}

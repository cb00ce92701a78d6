//! Hostile inputs through the `hantag` binary: each test builds its inputs in a temporary
//! directory, runs the CLI as a user would (with a hang guard), and checks the exit code, the
//! messages (file, line, byte offset), that the summary adds up (tagged + failed = records),
//! the rows of `errors.csv`, and that nothing panicked.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn hantag() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hantag"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Waits for a child (reading its output as it goes), killing it after `secs`: a hang is a
/// failure, not a stuck suite.
fn wait(child: Child, secs: u64) -> Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            panic!("hantag did not finish within {secs} s");
        }
    }
}

fn run(args: &[&str], secs: u64) -> Output {
    let child = hantag().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let o = wait(child, secs);
    assert!(!text(&o.stderr).contains("panicked"), "panic: {}", text(&o.stderr));
    o
}

/// `(files, records, tagged, failed)` from the summary line.
fn summary(stderr: &str) -> (u64, u64, u64, u64) {
    let line = stderr.lines().find(|l| l.starts_with("hantag: ") && l.contains(" records: ")).expect("summary line");
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .take(4)
        .map(|t| t.parse().unwrap())
        .collect();
    (nums[0], nums[1], nums[2], nums[3])
}

fn jsonl(id: &str, body: &str) -> String {
    serde_json::json!({"id": id, "title": "", "body": body}).to_string()
}

#[test]
fn every_bad_input_is_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("in");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("a-empty.txt"), b"").unwrap();
    std::fs::write(d.join("b-binary.txt"), b"title\nbo\0dy").unwrap();
    std::fs::write(d.join("c-latin1.txt"), b"caf\xe9 au lait\nbody").unwrap();
    std::fs::write(d.join("d-utf8.txt"), "삼성전자 발표\n삼성전자는 투자를 늘린다.").unwrap();
    let (euckr, _, _) = encoding_rs::EUC_KR.encode("오만 정부\n오만은 협력한다.");
    std::fs::write(d.join("e-legacy.txt"), &euckr).unwrap();
    std::fs::write(
        d.join("f-lines.jsonl"),
        format!(
            "{}\n{{\"id\": \"cut\", \"body\": \"네이\n\n{}\nnot json\n",
            jsonl("ok1", "네이버는"),
            jsonl("ok2", "MS와")
        ),
    )
    .unwrap();
    std::fs::write(d.join("g-nobody.csv"), "id,headline\n1,x\n").unwrap();
    std::fs::write(d.join("h-bom-crlf.txt"), b"\xEF\xBB\xBF\xec\xa0\x9c\xeb\xaa\xa9\r\n\xeb\xb3\xb8\xeb\xac\xb8\r\n")
        .unwrap();
    let out = dir.path().join("out");
    let o = run(&["tag", s(&d), "--out", s(&out)], 60);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    for want in [
        "a-empty.txt: file is empty",
        "b-binary.txt: file is binary (NUL byte at offset 8)",
        "c-latin1.txt: invalid UTF-8 at byte offset 3",
        "f-lines.jsonl:2: invalid JSON",
        "f-lines.jsonl:5: invalid JSON",
        "g-nobody.csv: CSV has no body or text column",
    ] {
        assert!(stderr.contains(want), "{want:?} not in\n{stderr}");
    }
    let (files, records, tagged, failed) = summary(&stderr);
    assert_eq!(files, 8);
    assert_eq!(tagged + failed, records);
    assert_eq!(failed, 6, "{stderr}");
    let errors = text(&std::fs::read(out.join("errors.csv")).unwrap());
    assert_eq!(errors.lines().count() as u64, failed + 1, "{errors}");
    assert!(errors.contains("f-lines.jsonl,2,invalid JSON"), "{errors}");
    let jsonl_out = text(&std::fs::read(out.join("articles.jsonl")).unwrap());
    assert_eq!(jsonl_out.lines().count() as u64, records);
    assert!(jsonl_out.contains("\"oman\""), "EUC-KR file not decoded: {jsonl_out}");
}

#[test]
fn long_lines_and_size_limits() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.jsonl");
    let body = "네이버클라우드는 하이퍼클로바X를 공개했다. ".repeat(120_000);
    assert!(body.len() > 5_000_000);
    std::fs::write(&big, format!("{}\n", jsonl("big", &body))).unwrap();
    let o = run(&["tag", s(&big), "--format", "jsonl", "-q"], 300);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    assert_eq!(v["entities"][0]["count"], 120_000);
    let o = run(&["tag", s(&big), "--format", "jsonl", "--max-file-mib", "1"], 60);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("file is larger than the 1 MiB limit"), "{}", text(&o.stderr));
}

#[test]
fn symlink_loops_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("in");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/a.txt"), "제목\n네이버는 발표했다.").unwrap();
    std::os::unix::fs::symlink(".", d.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink("..", d.join("sub/up")).unwrap();
    let o = run(&["tag", s(&d), "--format", "jsonl"], 60);
    let stderr = text(&o.stderr);
    assert!(stderr.contains("symbolic link not followed"), "{stderr}");
    let (_, records, tagged, failed) = summary(&stderr);
    assert_eq!((tagged, tagged + failed), (1, records));
}

#[test]
fn a_hundred_thousand_small_files_in_flat_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("many");
    std::fs::create_dir(&d).unwrap();
    for i in 0..100_000 {
        std::fs::write(d.join(format!("{i:06}.txt")), "제목\n네이버는").unwrap();
    }
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "rss=%M", env!("CARGO_BIN_EXE_hantag")]);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_hantag"))
    };
    let child = cmd
        .args(["tag", s(&d), "--format", "csv", "--morph", "off"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let o = wait(child, 600);
    let stderr = text(&o.stderr);
    assert_eq!(summary(&stderr), (100_000, 100_000, 100_000, 0), "{stderr}");
    if let Some(rss) = stderr.lines().find_map(|l| l.strip_prefix("rss=")) {
        let kb: u64 = rss.trim().parse().unwrap();
        assert!(kb < 400_000, "peak RSS {kb} KB");
    }
}

#[test]
fn hostile_unicode_is_tagged_with_valid_spans() {
    let body = "네\u{0301}\u{0302}이버는 \u{1100}\u{1161}\u{11A8} ㄱㅏ 👩\u{200d}👩\u{200d}👧 \u{202e}MS\u{202c}와 \
                \u{200b}네이버\u{200b}클라우드\0는 \u{2066}삼성전자\u{2069} \u{E000} ﷺ 🇰🇷";
    let input = format!("{}\n", jsonl("u", body));
    let mut child = hantag()
        .args(["tag", "-", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let o = wait(child, 60);
    assert!(!text(&o.stderr).contains("panicked"));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    let chars: Vec<char> = body.chars().collect();
    let mut n = 0;
    for e in v["entities"].as_array().unwrap() {
        for m in e["mentions"].as_array().unwrap() {
            let (a, b) = (m["start"].as_u64().unwrap() as usize, m["end"].as_u64().unwrap() as usize);
            assert_eq!(chars[a..b].iter().collect::<String>(), m["text"].as_str().unwrap());
            n += 1;
        }
    }
    assert!(n >= 3, "{}", text(&o.stdout));
}

#[test]
fn excel_cells_are_neutralized() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("a.csv");
    std::fs::write(&csv, "id,title,body\n=cmd,\" +1\",네이버는\n-x,@x,네이버는\n-12.5,-inf,네이버는\n").unwrap();
    let out = dir.path().join("out");
    let o = run(&["tag", s(&csv), "--out", s(&out), "--excel", "-q"], 60);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for name in ["articles.csv", "mentions.csv", "article_entities.csv", "entities.csv", "topics.csv", "errors.csv"] {
        assert!(std::fs::read(out.join(name)).unwrap().starts_with(b"\xEF\xBB\xBF"), "{name}");
    }
    let articles = text(&std::fs::read(out.join("articles.csv")).unwrap());
    for cell in ["'=cmd", "' +1", "'-x", "'@x", "'-inf"] {
        assert!(articles.contains(cell), "{cell} not neutralized:\n{articles}");
    }
    assert!(articles.contains("\n-12.5,"), "a plain number was changed:\n{articles}");
    let o = run(&["tag", s(&csv), "--out", s(&out), "-q"], 60);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&std::fs::read(out.join("articles.csv")).unwrap()).contains("\n=cmd,"));
}

fn big_input(dir: &Path) -> PathBuf {
    let input = dir.join("big.jsonl");
    let line = jsonl("x", &"네이버클라우드는 하이퍼클로바X를 공개했다. 인도는 오만한 태도를 버렸다. ".repeat(40));
    std::fs::write(&input, format!("{line}\n").repeat(12_000)).unwrap();
    input
}

#[test]
fn an_interrupted_run_leaves_the_previous_files_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let input = big_input(dir.path());
    let out = dir.path().join("out");
    for (signal, previous) in [("INT", false), ("TERM", true), ("KILL", true)] {
        if previous {
            let small = dir.path().join("small.jsonl");
            std::fs::write(&small, format!("{}\n", jsonl("s", "네이버는"))).unwrap();
            let o = run(&["tag", s(&small), "--out", s(&out), "-q"], 60);
            assert_eq!(o.status.code(), Some(0));
        }
        let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&out)
            .map(|d| d.flatten().map(|e| (e.path(), std::fs::read(e.path()).unwrap())).collect())
            .unwrap_or_default();
        let child = hantag().args(["tag", s(&input), "--out", s(&out), "-q"]).stderr(Stdio::piped()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(700));
        let status = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let o = wait(child, 60);
        assert!(!text(&o.stderr).contains("panicked"));
        let after: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&out)
            .map(|d| d.flatten().map(|e| (e.path(), std::fs::read(e.path()).unwrap())).collect())
            .unwrap_or_default();
        let finals: Vec<_> =
            after.iter().filter(|(p, _)| !p.file_name().unwrap().to_str().unwrap().starts_with('.')).collect();
        let before_finals: Vec<_> =
            before.iter().filter(|(p, _)| !p.file_name().unwrap().to_str().unwrap().starts_with('.')).collect();
        assert_eq!(finals, before_finals, "after SIG{signal} the complete files changed");
        if signal != "KILL" {
            assert_eq!(after.len(), finals.len(), "SIG{signal} left temporary files: {after:?}");
        }
        // A killed run cannot clean up; its partial files never look like outputs.
        for (p, _) in &after {
            let name = p.file_name().unwrap().to_str().unwrap();
            assert!(!name.starts_with('.') || name.contains(".partial-"), "{name}");
        }
        for (p, _) in after.iter().filter(|(p, _)| p.file_name().unwrap().to_str().unwrap().starts_with('.')) {
            std::fs::remove_file(p).unwrap();
        }
    }
}

#[test]
fn a_closed_stderr_or_stdout_pipe_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.jsonl");
    std::fs::write(&input, "not json\n".repeat(50_000)).unwrap();
    let out = dir.path().join("out");
    let mut child = hantag()
        .args(["tag", s(&input), "--out", s(&out)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = {
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "hang");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    assert_eq!(status.code(), Some(1));
    assert!(out.join("errors.csv").exists());
}

#[test]
fn a_deeply_nested_topic_query_is_an_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let query = format!("{}반도체{}", "(".repeat(5000), ")".repeat(5000));
    std::fs::write(dir.path().join("topics.toml"), format!("[[topic]]\nid = \"x\"\nname = \"X\"\nquery = '{query}'\n"))
        .unwrap();
    let o = run(&["check", "--dict", s(dir.path())], 60);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("topics.toml:4:"), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("nested too deeply"), "{}", text(&o.stderr));
}

//! The analyst commands, run as a user would: `discover`, `report`, `diff`, the per-entity
//! columns of `tag --out`, and the common-word warnings of `check`. Fixtures are in
//! `tests/fixtures/analyst/` (made-up briefs and two versions of a tiny dictionary).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hantag")).current_dir(root()).args(args).output().expect("run hantag")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

const ARTICLES: &str = "tests/fixtures/analyst/articles";
const OLD: &str = "tests/fixtures/analyst/dict-old";
const NEW: &str = "tests/fixtures/analyst/dict-new";

/// Rows of a CSV as header-keyed maps.
fn csv_rows(data: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(data.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| headers.iter().map(String::from).zip(r.unwrap().iter().map(String::from)).collect())
        .collect()
}

#[test]
fn discover_proposes_unknown_names_with_types_and_ids() {
    let o = run(&["discover", ARTICLES, "--dict", OLD, "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.starts_with("id,type,name,aliases,exact_aliases,requires,excludes,note,count,articles,example\n"),
        "{out}"
    );
    let rows = csv_rows(&out);
    let deepseek = rows.iter().find(|r| r["name"] == "DeepSeek").unwrap_or_else(|| panic!("no DeepSeek in\n{out}"));
    assert_eq!(deepseek["id"], "deepseek");
    assert_eq!(deepseek["count"], "4");
    assert_eq!(deepseek["articles"], "2");
    assert!(deepseek["example"].contains("DeepSeek"), "{out}");
    // A person named twice, with 대표 after the name.
    let person = rows.iter().find(|r| r["name"] == "박지훈").unwrap_or_else(|| panic!("no 박지훈 in\n{out}"));
    assert_eq!(person["type"], "person", "{out}");
    assert_eq!(person["id"], "bakjihun");
    // Most frequent first; names the dictionary covers are not proposed.
    assert_eq!(rows[0]["name"], "DeepSeek", "{out}");
    for covered in ["네이버", "삼성전자"] {
        assert!(rows.iter().all(|r| r["name"] != covered), "{covered} proposed:\n{out}");
    }
    // Common Latin acronyms are not names.
    assert!(rows.iter().all(|r| r["name"] != "AI" && r["name"] != "HBM"), "{out}");
}

#[test]
fn discover_respects_min_count_top_and_known_dictionaries() {
    let o = run(&["discover", ARTICLES, "--dict", OLD, "--min-count", "3", "-q"]);
    let rows = csv_rows(&text(&o.stdout));
    assert_eq!(rows.len(), 1, "{}", text(&o.stdout));
    assert_eq!(rows[0]["name"], "DeepSeek");
    let o = run(&["discover", ARTICLES, "--dict", OLD, "--top", "1", "-q"]);
    assert_eq!(csv_rows(&text(&o.stdout)).len(), 1);
    // With the new dictionary DeepSeek is known.
    let o = run(&["discover", ARTICLES, "--dict", NEW, "-q"]);
    let out = text(&o.stdout);
    assert!(!out.contains("DeepSeek"), "{out}");
}

#[test]
fn discover_output_loads_as_a_dictionary() {
    let dir = tempfile::tempdir().unwrap();
    let entities = dir.path().join("entities");
    std::fs::create_dir(&entities).unwrap();
    let file = entities.join("x.csv");
    let o = run(&["discover", ARTICLES, "--dict", OLD, "-o", path(&file), "--excel"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("2 proposed"), "{}", text(&o.stderr));
    let o = run(&["check", "--dict", path(dir.path()), "--no-common"]);
    assert_eq!(o.status.code(), Some(0), "stdout {}\nstderr {}", text(&o.stdout), text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("extra columns are ignored: count, articles, example"), "{stdout}");
    assert!(stdout.contains("ok: 2 entities"), "{stdout}");
    // And tagging with it finds the names.
    let o = run(&["tag", ARTICLES, "--dict", path(dir.path()), "--format", "csv", "-q"]);
    let mentions = text(&o.stdout);
    assert!(mentions.contains(",deepseek,DeepSeek,"), "{mentions}");
}

#[test]
fn discover_survives_hostile_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("odd.jsonl");
    let long = "가".repeat(5000);
    let lines = [
        serde_json::json!({"id": "a", "title": "", "body": ""}).to_string(),
        serde_json::json!({"id": "b", "title": "\u{200b}\u{feff}", "body": long}).to_string(),
        serde_json::json!({"id": "c", "title": "ＡＢＣ Ｃｏｒｐ ＡＢＣ Ｃｏｒｐ", "body": "X-1 X-1 - . & 社社 ㆍ도 ㆍ도"}).to_string(),
        "{not json".to_string(),
    ];
    std::fs::write(&input, lines.join("\n")).unwrap();
    let o = run(&["discover", path(&input), "--dict", OLD, "--min-count", "1"]);
    // One malformed record: exit 1, with the record on stderr, and the rest still read.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("odd.jsonl:4"), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("id,type,name"));
    for row in csv_rows(&text(&o.stdout)) {
        let id = &row["id"];
        assert!(!id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{id}");
    }
}

#[test]
fn tag_writes_per_entity_columns() {
    let out = tempfile::tempdir().unwrap();
    let o = run(&["tag", ARTICLES, "--dict", OLD, "--out", path(out.path()), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let per_entity = text(&std::fs::read(out.path().join("article_entities.csv")).unwrap());
    assert!(
        per_entity.starts_with(
            "article_id,source,date,entity_id,entity_name,type,mentions,in_title,first_field,first_start,first_body_start\n"
        ),
        "{per_entity}"
    );
    let rows = csv_rows(&per_entity);
    let n3 = rows.iter().find(|r| r["article_id"] == "n3" && r["entity_id"] == "samsung-electronics").unwrap();
    assert_eq!((n3["mentions"].as_str(), n3["in_title"].as_str()), ("2", "1"));
    assert_eq!(
        (n3["first_field"].as_str(), n3["first_start"].as_str(), n3["first_body_start"].as_str()),
        ("title", "0", "0")
    );
    let n1 = rows.iter().find(|r| r["article_id"] == "n1" && r["entity_id"] == "naver").unwrap();
    assert_eq!((n1["in_title"].as_str(), n1["first_field"].as_str()), ("0", "body"));
    let before = "중국 스타트업 DeepSeek가 새 추론 모델을 공개했다. ";
    assert_eq!(n1["first_start"], before.chars().count().to_string());

    let articles = csv_rows(&text(&std::fs::read(out.path().join("articles.csv")).unwrap()));
    let n2 = articles.iter().find(|r| r["article_id"] == "n2").unwrap();
    // The existing columns stay; the top entity is the first of `entities`.
    assert_eq!(n2["entities"], "naver:2|samsung-electronics:2");
    assert_eq!(n2["top_entity"], "naver");
    assert_eq!(n2["top_entity_mentions"], "2");
    assert_eq!(n2["top_entity_in_title"], "1");
    assert_eq!(n2["top_entity_first_start"], "0");
}

/// Tags `records` (JSON objects) into a temporary directory and writes the report.
fn report_for(records: &[serde_json::Value], extra: &[&str]) -> (tempfile::TempDir, String, Output) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    std::fs::write(&input, lines.join("\n") + "\n{broken\n").unwrap();
    let out = dir.path().join("out");
    let o = run(&["tag", path(&input), "--out", path(&out), "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let html = dir.path().join("report.html");
    let mut args = vec!["report", path(&out), "--html", path(&html)];
    args.extend_from_slice(extra);
    let o = run(&args);
    let page = std::fs::read_to_string(&html).unwrap_or_default();
    (dir, page, o)
}

fn sample_records() -> Vec<serde_json::Value> {
    vec![
        serde_json::json!({"id": "r1", "title": "<script>alert('x')</script> 네이버클라우드, 하이퍼클로바X 공개",
            "body": "네이버클라우드는 하이퍼클로바X를 공개했다. 삼성전자와 SK하이닉스도 참여했다.", "date": "2025-05-01"}),
        serde_json::json!({"id": "r2", "title": "삼성전자, HBM 투자 확대", "body": "삼성전자와 SK하이닉스가 HBM 투자를 늘린다. 엔비디아 GPU 수요 때문이다.",
            "date": "2025-05-09T10:00:00+09:00"}),
        serde_json::json!({"id": "r3", "title": "카카오 & \"AI\"", "body": "카카오는 <b>AI</b> 메이트를 공개했다. 네이버클라우드와 경쟁한다.", "date": "2025-06-20"}),
        serde_json::json!({"id": "r4", "title": "날짜 없는 기사", "body": "LG AI연구원은 엑사원을 공개했다."}),
    ]
}

#[test]
fn report_is_one_self_contained_page_with_charts() {
    let (_dir, page, o) = report_for(&sample_records(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    for section in ["totals", "entities", "topics-over-time", "cooccurrence", "topic-entities", "errors"] {
        assert!(page.contains(&format!("<section id=\"{section}\">")), "section {section} missing");
    }
    assert!(page.matches("<svg ").count() >= 4, "too few charts");
    assert!(page.contains("class=\"chart bars\""));
    assert!(page.contains("class=\"chart timeline\""));
    assert!(page.contains("class=\"chart network\""));
    assert!(page.contains("Noto Sans KR"), "no Korean font stack");
    assert!(page.contains("<meta charset=\"utf-8\">"));
    // Self-contained: no script, no external reference of any kind.
    assert!(!page.contains("<script"), "a script in the page");
    for attr in ["src=", "href=", "url(", "@import"] {
        assert!(!page.contains(attr), "{attr} in the page");
    }
    assert!(!page.contains("http://") && !page.contains("https://"));
    // Untrusted text is escaped.
    assert!(
        page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") || !page.contains("alert"),
        "title not escaped"
    );
    assert!(page.contains("카카오"));
    // Failed records are listed: the broken line.
    assert!(page.contains("in.jsonl"), "errors table missing the failed record");
    assert!(page.contains("invalid JSON"), "errors table missing the message");
    // The counts the page shows.
    assert!(page.contains("<div class=\"n\">4</div><div class=\"l\">articles tagged</div>"), "{page}");
    assert!(page.contains("<div class=\"n\">1</div><div class=\"l\">failed records</div>"));
    assert!(page.contains("삼성전자"));
}

#[test]
fn report_escapes_hostile_entity_and_topic_text() {
    // A report over a hand-written articles.jsonl whose names and sources are markup.
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("articles.jsonl");
    let hostile = "<img src=x onerror=alert(1)>";
    let records = [
        serde_json::json!({"id": "a", "source": hostile, "title": hostile, "date": "2025-01-01",
            "entities": [{"id": "e\"1", "name": hostile, "type": "com<pany", "count": 2, "mentions": [{"field": "title"}, {"field": "body"}]},
                         {"id": "e2", "name": "정상", "type": "company", "count": 1, "mentions": [{"field": "body"}]}],
            "topics": [{"id": "t", "name": "</svg><script>x</script>", "score": 1.0, "evidence": []}], "errors": []}),
        serde_json::json!({"id": null, "source": "<b>bad</b>", "line": 3, "title": null, "date": null,
            "entities": [], "topics": [], "errors": ["<i>boom</i>"]}),
    ];
    let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    std::fs::write(&jsonl, lines.join("\n")).unwrap();
    let html = dir.path().join("r.html");
    let o = run(&["report", path(&jsonl), "--html", path(&html), "--title", "<h1>x</h1>"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let page = std::fs::read_to_string(&html).unwrap();
    for raw in ["<img", "<script", "</svg><", "<b>bad", "<i>boom", "<h1>x", "com<pany", "e\"1"] {
        assert!(!page.contains(raw), "unescaped {raw:?} in the page");
    }
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("&lt;i&gt;boom&lt;/i&gt;"));
}

#[test]
fn report_periods_and_missing_input() {
    let (_dir, page, o) = report_for(&sample_records(), &["--period", "month"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(page.contains("per month"), "period not used");
    assert!(page.contains(">2025-05<") && page.contains(">2025-06<"), "month labels missing");
    // The auto period over 50 days of dates is the week.
    let (_dir, page, _) = report_for(&sample_records(), &[]);
    assert!(page.contains("per week"), "auto period should be week");
    let o = run(&["report", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("hantag tag"), "{}", text(&o.stderr));
}

#[test]
fn diff_counts_gained_and_lost_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("diff.csv");
    let o = run(&["diff", "--dict", OLD, "--dict-new", NEW, ARTICLES, "-o", path(&file)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("mentions 7 old → 9 new: 4 gained, 2 lost"), "{stderr}");
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv
        .starts_with("entity_id,entity_name,type,mentions_old,mentions_new,gained,lost,example_gained,example_lost\n"));
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 2, "{csv}");
    let deepseek = rows.iter().find(|r| r["entity_id"] == "deepseek").unwrap();
    assert_eq!(
        [&deepseek["mentions_old"], &deepseek["mentions_new"], &deepseek["gained"], &deepseek["lost"]],
        ["0", "4", "4", "0"]
    );
    assert_eq!(deepseek["example_gained"], "n1: [DeepSeek], 새 추론 모델 공개");
    let samsung = rows.iter().find(|r| r["entity_id"] == "samsung-electronics").unwrap();
    assert_eq!(
        [&samsung["mentions_old"], &samsung["mentions_new"], &samsung["gained"], &samsung["lost"]],
        ["4", "2", "0", "2"]
    );
    assert!(samsung["example_lost"].starts_with("n3: [삼성전자]"), "{csv}");
    // --all lists the unchanged entity too; swapping the versions swaps gained and lost.
    let o = run(&["diff", "--dict", NEW, "--dict-new", OLD, ARTICLES, "--all", "-q"]);
    let rows = csv_rows(&text(&o.stdout));
    assert_eq!(rows.len(), 3);
    let deepseek = rows.iter().find(|r| r["entity_id"] == "deepseek").unwrap();
    assert_eq!([&deepseek["gained"], &deepseek["lost"]], ["0", "4"]);
    let naver = rows.iter().find(|r| r["entity_id"] == "naver").unwrap();
    assert_eq!(
        [&naver["mentions_old"], &naver["mentions_new"], &naver["gained"], &naver["lost"]],
        ["3", "3", "0", "0"]
    );
}

#[test]
fn diff_needs_both_versions_and_reports_bad_ones() {
    let o = run(&["diff", "--dict", OLD, ARTICLES]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--dict-new"), "{}", text(&o.stderr));
    let o = run(&["diff", "--dict", OLD, "--dict-new", "no/such/dict", ARTICLES]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("new (--dict-new) dictionaries"), "{}", text(&o.stderr));
}

#[test]
fn check_warns_about_common_word_aliases() {
    let o = run(&["check", "--dict", "tests/fixtures/dict"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("warning: entity \"oman\": alias \"오만\" is also a common word (NNG;"), "{stdout}");
    // Not the guarded alias again, and not a name ko-dic reads as a name first.
    assert!(!stdout.contains("alias \"사진\" is also a common word"), "{stdout}");
    assert!(!stdout.contains("alias \"인도\" is also a common word"), "{stdout}");
    let o = run(&["check", "--dict", "tests/fixtures/dict", "--no-common"]);
    assert!(!text(&o.stdout).contains("is also a common word"));
}

#[test]
fn every_subcommand_has_examples_in_its_help() {
    for cmd in ["tag", "check", "discover", "report", "diff"] {
        let o = run(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{cmd}");
        let help = text(&o.stdout);
        assert!(help.contains("Examples:") && help.contains(&format!("hantag {cmd}")), "{cmd} --help:\n{help}");
    }
}

//! The topic query language: any query compiles or fails with `topics.toml:LINE:COL: what`,
//! and a compiled topic scores any text without panicking, the same way twice.
//!
//! Input: `QUERY \0 TEXT` (without `\0`, all query and a fixed text).
#![no_main]

use hantag::dictionary::{Entity, Origin, TopicDef};
use hantag::{Article, Dictionary, Morphology, Tagger, TopicId};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn entities() -> &'static [Entity] {
    static E: OnceLock<Vec<Entity>> = OnceLock::new();
    E.get_or_init(|| {
        let csv = "id,type,name,aliases,exact_aliases,requires,excludes\n\
                   naver,company,네이버,NAVER,,,\n\
                   naver-cloud,company,네이버클라우드,네이버 클라우드,,,\n\
                   samsung-electronics,company,삼성전자,Samsung Electronics,,,\n\
                   ms,company,마이크로소프트,Microsoft,MS,,\n\
                   india,place,인도,India,,,인도적\n";
        Dictionary::from_csv_str("entities.csv", csv).unwrap().entities().to_vec()
    })
}

/// `file:LINE:COL: message` with LINE ≥ the query's line and COL ≥ 1.
fn is_placed(message: &str) -> bool {
    let Some(rest) = message.strip_prefix("topics.toml:") else { return false };
    let mut parts = rest.splitn(3, ':');
    let line = parts.next().and_then(|l| l.parse::<u64>().ok());
    let col = parts.next().and_then(|c| c.parse::<u64>().ok());
    let what = parts.next().unwrap_or("");
    matches!((line, col), (Some(l), Some(c)) if l >= 7 && c >= 1) && what.starts_with(' ') && what.len() > 1
}

fuzz_target!(|input: &str| {
    let (query, text) =
        input.split_once('\0').unwrap_or((input, "네이버클라우드는 소버린 AI와 반도체 데이터센터를 말했다."));
    let def = TopicDef {
        id: TopicId("t".to_string()),
        name: "t".to_string(),
        parent: None,
        query: query.to_string(),
        keywords: Vec::new(),
        min_score: 1.0,
        weight: 1.0,
        origin: Origin { file: "topics.toml".to_string(), line: 7 },
        query_at: (7, 9),
    };
    let dictionary = match Dictionary::from_parts(entities().to_vec(), vec![def]) {
        Ok(d) => d,
        Err(e) => panic!("from_parts failed on a valid entity list: {e}"),
    };
    let tagger = match Tagger::builder().morphology(Morphology::Off).guard_common_words(false).build(dictionary) {
        Ok(t) => t,
        Err(e) => {
            let message = e.to_string();
            assert!(is_placed(&message), "query error without line:col: {message:?} for {query:?}");
            return;
        }
    };
    let (title, body) = text.split_once('\n').unwrap_or(("", text));
    let article = Article::new("q", title, body);
    let first = tagger.tag(&article).unwrap();
    let second = tagger.tag(&article).unwrap();
    assert_eq!(format!("{:?}", first.topics()), format!("{:?}", second.topics()));
    for t in first.topics() {
        assert!(t.score.is_finite() && t.score >= 1.0, "{t:?}");
    }
});

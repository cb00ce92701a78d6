//! Topic queries through the real tagger: Korean matching of query terms (particles, spacing,
//! case, boundaries, wildcards), field scopes, entity and type conditions, parents, load errors,
//! and the built-in topics on the sample article.

use hantag::{Article, Dictionary, Tagger, TopicScore};
use std::path::Path;
use std::sync::OnceLock;

/// The tagger over the built-in dictionaries, built once for the tests that need it.
fn builtin() -> &'static Tagger {
    static TAGGER: OnceLock<Tagger> = OnceLock::new();
    TAGGER.get_or_init(|| {
        Tagger::new(Dictionary::builtin().expect("builtin dictionary loads")).expect("builtin topics compile")
    })
}

const ENTITIES: &str = "id,type,name,aliases,exact_aliases,requires,excludes,note\n\
naver-cloud,company,네이버클라우드,NAVER Cloud,,,,\n\
nvidia,company,엔비디아,NVIDIA,,,,\n\
kim-yuwon,person,김유원,,,,,\n";

/// A tagger over the small entity list above and `topics` as `topics.toml`.
fn tagger(topics: &str) -> Tagger {
    let dir = write_dictionary(topics);
    let dict = Dictionary::from_path(dir.path()).expect("dictionary loads");
    Tagger::new(dict).expect("topics compile")
}

fn write_dictionary(topics: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("entities")).expect("entities dir");
    std::fs::write(dir.path().join("entities/test.csv"), ENTITIES).expect("write entities");
    std::fs::write(dir.path().join("topics.toml"), topics).expect("write topics");
    dir
}

/// One topic `t` with this query (and min_score 1).
fn one(query: &str) -> String {
    format!("[[topic]]\nid = \"t\"\nname = \"T\"\nquery = '{query}'\n")
}

fn tag(tagger: &Tagger, title: &str, body: &str) -> Vec<TopicScore> {
    tagger.tag(&Article::new("a", title, body)).expect("tagging works").topics().to_vec()
}

/// The topic ids with their scores.
fn scores(tagger: &Tagger, title: &str, body: &str) -> Vec<(String, f64)> {
    tag(tagger, title, body).into_iter().map(|t| (t.id.0, t.score)).collect()
}

fn fires(tagger: &Tagger, body: &str) -> bool {
    !tag(tagger, "", body).is_empty()
}

#[test]
fn terms_take_particles() {
    let t = tagger(&one("반도체"));
    assert_eq!(scores(&t, "", "정부가 반도체를 지원한다. 반도체의 미래."), [("t".to_string(), 2.0)]);
    assert!(fires(&t, "반도체는 산업의 쌀이다."));
}

#[test]
fn spacing_variants() {
    let phrase = tagger(&one("\"소버린 AI\""));
    assert!(fires(&phrase, "한국의 소버린AI 생태계"));
    assert!(fires(&phrase, "한국의 소버린 AI 생태계"));
    let joined = tagger(&one("소버린AI"));
    assert!(fires(&joined, "한국의 소버린 AI 생태계"));
    let center = tagger(&one("\"데이터 센터\""));
    assert!(fires(&center, "데이터센터를 짓는다"));
    assert!(fires(&center, "데이터 센터를 짓는다"));
}

#[test]
fn case_and_width_fold() {
    let upper = tagger(&one("GPU"));
    assert!(fires(&upper, "gpu 가격이 올랐다"));
    assert!(fires(&upper, "ＧＰＵ 가격이 올랐다"));
    let lower = tagger(&one("gpu"));
    assert!(fires(&lower, "GPU를 확보했다"));
}

#[test]
fn latin_terms_need_latin_boundaries() {
    let t = tagger(&one("AI"));
    assert!(!fires(&t, "He SAID so."));
    assert!(!fires(&t, "OpenAI released a model."));
    assert!(fires(&t, "AI가 바꾸는 세상"));
    assert!(fires(&t, "생성형AI 시대"));
}

#[test]
fn wildcards_match_continuations() {
    let t = tagger(&one("반도체*"));
    assert!(fires(&t, "반도체주가 일제히 올랐다"));
    assert!(fires(&t, "반도체를 만든다"));
    let english = tagger(&one("quantum*"));
    assert!(fires(&english, "Quantumania is a film"));
    assert!(!fires(&english, "subquantum effects"));
}

#[test]
fn wildcard_too_short_is_a_load_error() {
    let dir = write_dictionary(&one("반* OR AI"));
    let err = Tagger::new(Dictionary::from_path(dir.path()).unwrap()).unwrap_err().to_string();
    let file = dir.path().join("topics.toml").display().to_string();
    assert!(err.starts_with(&format!("{file}:4:10: \"반*\": wildcard too short")), "{err}");
}

#[test]
fn load_errors_name_line_and_column() {
    let cases = [
        (one("(반도체 OR GPU"), "4:10: unbalanced parenthesis"),
        (one("GPU OR entity:nope"), "4:17: unknown entity \"nope\" in entity:"),
        (one("a NEAR b"), "4:12: NEAR without a number"),
        (one("date:(a)"), "4:10: unknown field scope \"date\" (expected title:, body:, entity: or type:)"),
        (one(""), "4:10: empty query"),
        (
            "[[topic]]\nid = \"t\"\nname = \"T\"\nquery = '''반도체 OR\n  (GPU'''\n".to_string(),
            "5:3: unbalanced parenthesis",
        ),
        (
            "[[topic]]\nid = \"t\"\nname = \"T\"\nparent = \"nope\"\nquery = 'a'\n".to_string(),
            "2: topic \"t\" has an unknown parent \"nope\"",
        ),
    ];
    for (topics, want) in cases {
        let dir = write_dictionary(&topics);
        let err = Tagger::new(Dictionary::from_path(dir.path()).unwrap()).unwrap_err();
        assert_eq!(err.kind(), hantag::ErrorKind::Dictionary);
        let file = dir.path().join("topics.toml").display().to_string();
        assert_eq!(err.to_string(), format!("{file}:{want}"), "{topics}");
    }
}

#[test]
fn field_scopes() {
    let t = tagger(&one("title:(반도체 OR GPU) OR body:entity:nvidia"));
    assert!(tag(&t, "오늘의 뉴스", "반도체 GPU 반도체").is_empty());
    assert_eq!(scores(&t, "반도체 수출 호조", "반도체 GPU"), [("t".to_string(), 2.0)]);
    assert!(tag(&t, "엔비디아 실적", "").is_empty());
    assert_eq!(scores(&t, "", "엔비디아가 발표했다"), [("t".to_string(), 1.0)]);
}

#[test]
fn entity_and_type_conditions() {
    let topics = "[[topic]]\nid = \"cloud\"\nname = \"클라우드\"\nquery = 'entity:naver-cloud AND 클라우드*'\n\n\
        [[topic]]\nid = \"firms\"\nname = \"기업\"\nquery = 'type:company'\nmin_score = 3\n\n\
        [[topic]]\nid = \"people\"\nname = \"인물\"\nquery = 'title:(type:person)'\n";
    let t = tagger(topics);
    let got = tag(&t, "", "NAVER Cloud는 클라우드 사업을 키운다. 엔비디아와 협력한다.");
    let ids: Vec<(&str, f64)> = got.iter().map(|s| (s.id.0.as_str(), s.score)).collect();
    assert_eq!(ids, [("cloud", 2.0)]);
    let evidence: Vec<(&str, u32)> = got[0].evidence.iter().map(|e| (e.term.as_str(), e.count)).collect();
    assert_eq!(evidence, [("entity:naver-cloud", 1), ("클라우드*", 1)]);

    let got = scores(&t, "김유원 대표, 엔비디아와 협력", "네이버클라우드와 엔비디아가 손잡았다.");
    // 클라우드* also matches inside 네이버클라우드, a compound.
    assert_eq!(got, [("firms".to_string(), 4.0), ("cloud".to_string(), 2.0), ("people".to_string(), 2.0)]);
}

#[test]
fn short_terms_match_inside_compounds() {
    // Unlike a name, a two-syllable term counts at a compound boundary (대규모|투자).
    let t = tagger(&one("투자"));
    assert!(fires(&t, "대규모투자를 발표했다"));
    assert!(!fires(&t, "투자자를 만났다"), "not before more of the word");
}

#[test]
fn near_counts_words_in_either_order() {
    let t = tagger(&one("GPU NEAR/3 (데이터센터 OR 클러스터)"));
    assert!(fires(&t, "GPU 공급 부족으로 데이터센터 확장이 늦어진다"));
    assert!(fires(&t, "데이터센터에 GPU를 넣었다"));
    assert!(fires(&t, "클러스터 하나에 GPU 만 개"));
    assert!(!fires(&t, "GPU 공급 부족으로 결국 데이터센터 확장이 늦어진다"), "four words apart");
    assert!(tag(&t, "GPU 품귀", "클러스터 증설").is_empty(), "title and body are not near");
}

#[test]
fn parents_are_reported_with_their_child() {
    let topics =
        "[[topic]]\nid = \"sovereign-ai\"\nname = \"소버린 AI\"\nparent = \"ai-policy\"\nquery = '\"소버린 AI\"'\n\n\
        [[topic]]\nid = \"ai-policy\"\nname = \"AI 정책\"\nquery = '\"AI 정책\"'\nmin_score = 5\n";
    let t = tagger(topics);
    let got = tag(&t, "", "소버린 AI가 중요하다. 소버린AI를 키운다.");
    let ids: Vec<(&str, f64)> = got.iter().map(|s| (s.id.0.as_str(), s.score)).collect();
    assert_eq!(ids, [("sovereign-ai", 2.0), ("ai-policy", 2.0)]);
    assert_eq!(got[1].evidence[0].term, "topic:sovereign-ai");
    assert!(tag(&t, "", "AI 정책이 나왔다.").is_empty(), "below the parent's min_score");
}

#[test]
fn not_excludes_and_does_not_count() {
    let t = tagger(&one("애플 NOT (사과 OR 과일)"));
    assert_eq!(scores(&t, "", "애플이 아이폰을 냈다. 애플 주가"), [("t".to_string(), 2.0)]);
    assert!(tag(&t, "", "애플은 사과라는 뜻이다").is_empty());
}

#[test]
fn builtin_topics_compile() {
    let tagger = builtin();
    assert!(tagger.dictionary().topics().len() >= 37, "{} topics", tagger.dictionary().topics().len());
    assert!(tagger.topics().terms().len() > 300);
    for id in ["sovereign-ai", "ai-policy", "llm", "cloud", "section-politics", "section-it-science", "section-sports"]
    {
        assert!(tagger.dictionary().topics().iter().any(|t| t.id.0 == id), "missing {id}");
    }
    // A headline gets its news section.
    let got = scores(tagger, "손흥민 시즌 10호골…토트넘 역전승", "");
    assert_eq!(got.first().map(|g| g.0.as_str()), Some("section-sports"), "{got:?}");
}

#[test]
fn sample_article_is_about_sovereign_ai() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/naver-cloud-sovereign-ai.txt");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is missing", path.display());
        return;
    };
    let (first, body) = text.split_once('\n').unwrap_or((&text, ""));
    let title = first.split_once("제목:").map_or(first, |(_, t)| t);
    let title = title.split("**").next().unwrap_or(title).trim();
    assert!(title.starts_with("네이버클라우드 대표"), "{title}");

    let topics = tag(builtin(), title, body);
    let ranking: Vec<(&str, f64)> = topics.iter().map(|t| (t.id.0.as_str(), t.score)).collect();
    eprintln!("{ranking:?}");
    assert_eq!(topics[0].id.0, "sovereign-ai", "{ranking:?}");
    assert!(
        topics[0].score > topics.iter().skip(1).find(|t| t.id.0 != "ai-policy").map_or(0.0, |t| t.score),
        "{ranking:?}"
    );
    for id in ["llm", "cloud", "ai-policy"] {
        assert!(topics.iter().any(|t| t.id.0 == id), "{id} missing from {ranking:?}");
    }
    let evidence: Vec<&str> = topics[0].evidence.iter().map(|e| e.term.as_str()).collect();
    assert_eq!(evidence.first(), Some(&"소버린 AI"), "{evidence:?}");
}

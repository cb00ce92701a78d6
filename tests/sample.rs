//! The real newsroom article in ../shared/samples, tagged with the built-in dictionaries:
//! every entity mention, at its character offset, and the parsed date.

use hantag::input::{read_input, InputPath, ReadOptions};
use hantag::{Dictionary, Morphology, Tagger};
use std::path::PathBuf;

const SAMPLE: &str = "../shared/samples/naver-cloud-sovereign-ai.txt";

/// `field:start=entity` for every mention, in reading order.
const EXPECTED: &[&str] = &[
    "title:0=naver-cloud",
    "body:17=korea",
    "body:40=hyperclova-x",
    "body:78=seoul",
    "body:81=newsis",
    "body:86=oh-donghyun",
    "body:95=kim-yuwon",
    "body:99=naver-cloud",
    "body:231=seoul",
    "body:234=gangnam",
    "body:238=naver-square",
    "body:252=naver-cloud",
    "body:274=korea",
    "body:335=korea",
    "body:377=usa",
    "body:381=china",
    "body:525=ukraine",
    "body:586=microsoft",
    "body:594=microsoft",
    "body:599=aws",
    "body:607=aws",
    "body:858=naver",
    "body:893=hyperclova",
    "body:916=korea",
    "body:920=usa",
    "body:924=china",
    "body:975=korea",
    "body:1031=naver-cloud-platform",
    "body:1086=hyperclova-x",
    "body:1277=naver-cloud",
    "body:1286=naver",
    "body:1299=hyperclova-x",
    "body:1358=korea",
    "body:1396=naver",
    "body:1579=korea",
    "body:1632=naver-carecall",
    "body:1661=khnp",
    "body:1812=naver",
    "body:1904=naver-cloud",
];

#[test]
fn sample_article_every_mention_and_the_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SAMPLE);
    if !path.exists() {
        eprintln!("skipped: {SAMPLE} is not here");
        return;
    }
    let opts = ReadOptions::default();
    let article = read_input(&InputPath::File(path), &opts).next().expect("one record").parse(&opts).expect("parses");
    assert_eq!(article.date.as_deref(), Some("2025-04-23T14:38:00+09:00"));
    assert!(article.title.starts_with("네이버클라우드 대표"), "{}", article.title);
    for morphology in [Morphology::OnDemand, Morphology::Off] {
        let tagger = Tagger::builder().morphology(morphology).build(Dictionary::builtin().unwrap()).unwrap();
        let tagged = tagger.tag(&article).unwrap();
        let offsets = hantag::export::char_offsets(&article, tagged.mentions());
        let got: Vec<String> = tagged
            .mentions()
            .iter()
            .zip(offsets)
            .map(|(m, (start, _))| format!("{}:{start}={}", m.field.as_str(), tagged.entity(m).id))
            .collect();
        assert_eq!(got, EXPECTED, "{morphology:?}");
        // Spelling variants were found as written: 하이퍼클로바X, MS, 네이버 클라우드 플랫폼.
        let surfaces: Vec<&str> = tagged.mentions().iter().map(|m| m.surface(&article)).collect();
        for s in ["MS", "AWS", "네이버 클라우드 플랫폼", "네이버 케어콜", "한국수력원자력"] {
            assert!(surfaces.contains(&s), "{s} missing from {surfaces:?}");
        }
    }
}

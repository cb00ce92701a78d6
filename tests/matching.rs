//! Table tests of the Korean matching semantics, replayed with and without morphology.

use hantag::{Article, Dictionary, Morphology, Tagger};

fn tagger(morphology: Morphology) -> Tagger {
    let dict = Dictionary::from_path("tests/fixtures/dict").expect("fixture dictionary");
    Tagger::builder().morphology(morphology).build(dict).expect("tagger")
}

/// (name, text, expected `entity=surface` mentions in order)
type Row = (&'static str, &'static str, &'static [&'static str]);

const BOTH: &[Row] = &[
    ("particle after name", "네이버클라우드는 발표했다", &["naver-cloud=네이버클라우드"]),
    ("object particle after latin end", "하이퍼클로바X를 공개했다", &["hyperclova-x=하이퍼클로바X"]),
    ("subject particle", "한국은행이 금리를 올렸다", &["bok=한국은행"]),
    ("spacing: hangul meets latin", "하이퍼클로바 X 모델", &["hyperclova-x=하이퍼클로바 X"]),
    ("spacing: alias with a space matches joined text", "네이버클라우드 대표", &["naver-cloud=네이버클라우드"]),
    (
        "spacing: joined alias matches spaced text",
        "소버린AI 전략과 소버린 AI",
        &["sovereign-ai=소버린AI", "sovereign-ai=소버린 AI"],
    ),
    ("no match across arbitrary removed spaces", "한국 전력 수요", &["korea=한국"]),
    ("nested names: longest wins", "삼성전자가 삼성의 계열사다", &["samsung-electronics=삼성전자", "samsung=삼성"]),
    ("mixed scripts", "LG전자와 SK하이닉스", &["lg-electronics=LG전자", "sk-hynix=SK하이닉스"]),
    ("full-width forms", "ＬＧ전자는 ＯｐｅｎＡＩ와", &["lg-electronics=ＬＧ전자", "openai=ＯｐｅｎＡＩ"]),
    ("latin edge inside a latin word", "SAID that LGBT", &[]),
    ("latin edge may touch hangul", "OpenAI의 모델", &["openai=OpenAI"]),
    ("exact case: MS", "MS와 ms와 Ms", &["ms=MS"]),
    ("exact case: LG in lowercase text", "lg 제품", &[]),
    ("particle, not Iran", "평등이란 무엇인가", &[]),
    ("adjective, not Oman", "오만한 태도", &[]),
    ("across a particle, not Ghana", "국가나 사회", &[]),
    ("Iran with a particle", "이란은 핵 협상을", &["iran=이란"]),
    ("Ghana as a word", "가나 대통령", &["ghana=가나"]),
    ("excludes: 인도적", "인도적 지원과 인도네시아", &[]),
    ("India with a particle", "인도는 성장했다", &["india=인도"]),
    ("requires missing", "애플 주스를 마셨다", &[]),
    ("requires present", "애플이 아이폰을 냈다", &["apple=애플"]),
    // Apple is not a common word: only the missing context term keeps it out.
    ("requires missing, unguarded alias", "Apple 주스를 마셨다", &[]),
    ("requires present, unguarded alias", "Apple이 아이폰을 냈다", &["apple=Apple"]),
    // 가나 + the copula 다 would be a name; the exclusion 가나다 keeps it out.
    ("excludes: the phrase holds a valid name", "가나다 순으로 적었다", &[]),
    ("noun suffix 들", "네이버클라우드 측은 밝혔다", &["naver-cloud=네이버클라우드"]),
    ("derivational suffix is not a name end", "한국적 가치", &[]),
    ("common word guarded", "사진을 찍었다", &[]),
    ("zero-width inside a name", "네이\u{200b}버가", &["naver=네이\u{200b}버"]),
    ("compound word is not the shorter name", "서울시청 앞", &[]),
    ("longer entity wins", "서울시는", &["seoul-city=서울시"]),
];

const MORPH_ONLY: &[Row] = &[
    ("verb: noun + 하고 with an auxiliary", "길을 인도하고 있다", &[]),
    // 강남구 starts at a compound boundary; 서울 is followed by a noun, not a particle.
    ("compound boundary from morphology", "서울강남구 일대", &["gangnam=강남구"]),
    ("verb-forming suffix", "인도한 뒤", &[]),
    // ko-dic reads 장애|인도, but two syllables inside a word are rarely a name.
    ("two syllables inside a word", "장애인도 시청자", &[]),
];

fn run(tagger: &Tagger, rows: &[Row], mode: &str) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, text, want) in rows {
        let article = Article::new("t", "", *text);
        let tagged = tagger.tag(&article).expect("tag");
        let got: Vec<String> =
            tagged.mentions().iter().map(|m| format!("{}={}", tagged.entity(m).id, m.surface(&article))).collect();
        if got != *want {
            failures.push(format!("[{mode}] {name}: {text:?}\n   want {want:?}\n    got {got:?}"));
        }
    }
    failures
}

#[test]
fn matching_semantics_table() {
    let on = tagger(Morphology::OnDemand);
    let off = tagger(Morphology::Off);
    let mut failures = run(&on, BOTH, "morph on");
    failures.extend(run(&off, BOTH, "morph off"));
    failures.extend(run(&on, MORPH_ONLY, "morph on"));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn spans_slice_the_original_text() {
    let tagger = tagger(Morphology::OnDemand);
    let article = Article::new("t", "ＬＧ전자  네이버\u{200b}클라우드", "  한국은행이\r\n하이퍼클로바\tX를 MS와");
    let tagged = tagger.tag(&article).expect("tag");
    assert_eq!(tagged.mentions().len(), 5);
    for m in tagged.mentions() {
        let field = if m.field == hantag::Field::Title { &article.title } else { &article.body };
        assert_eq!(&field[m.span()], m.surface(&article));
        assert!(!m.surface(&article).starts_with(' ') && !m.surface(&article).ends_with(' '));
    }
}

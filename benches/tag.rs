//! Criterion benchmarks: dictionary build, one article, a batch of synthetic articles, and the
//! two passes over every character of a text (normalization, word starts), each against its
//! character-wise reference.
//!
//! `cargo bench` (figures in BENCHMARKS.md; the corpus-scale runs are scripts/bench.sh).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use hantag::{Article, Dictionary, Morphology, Tagger};

fn fixture_articles() -> Vec<Article> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/articles");
    let opts = hantag::input::ReadOptions::default();
    let (paths, _) = hantag::input::expand_inputs(&[dir]);
    paths.iter().flat_map(|p| hantag::input::read_input(p, &opts)).filter_map(|r| r.parse(&opts).ok()).collect()
}

fn build(c: &mut Criterion) {
    let dict = Dictionary::builtin().unwrap();
    c.bench_function("build builtin tagger", |b| {
        b.iter_batched(|| dict.clone(), |d| Tagger::new(d).unwrap(), BatchSize::LargeInput)
    });
    c.bench_function("load builtin dictionary", |b| b.iter(|| Dictionary::builtin().unwrap()));
}

fn one_article(c: &mut Criterion) {
    let articles = fixture_articles();
    let article = articles.iter().max_by_key(|a| a.body.len()).unwrap().clone();
    let mut group = c.benchmark_group("one article");
    group.throughput(Throughput::Bytes((article.title.len() + article.body.len()) as u64));
    for (name, morph) in [("morph on", Morphology::OnDemand), ("morph off", Morphology::Off)] {
        let tagger = Tagger::builder().morphology(morph).build(Dictionary::builtin().unwrap()).unwrap();
        let mut worker = tagger.worker();
        group.bench_function(name, |b| b.iter(|| worker.tag(&article).unwrap()));
    }
    group.finish();
}

fn batch(c: &mut Criterion) {
    // 2,000 synthetic articles: the fixtures' sentences shuffled into new bodies.
    let sentences: Vec<String> = fixture_articles()
        .iter()
        .flat_map(|a| a.body.split(". ").map(str::to_string).collect::<Vec<_>>())
        .filter(|s| !s.trim().is_empty())
        .collect();
    let articles: Vec<Article> = (0..2000)
        .map(|i| {
            let body: Vec<&str> = (0..8).map(|k| sentences[(i * 7 + k * 13) % sentences.len()].as_str()).collect();
            Article::new(format!("s{i}"), sentences[i % sentences.len()].clone(), body.join(". "))
        })
        .collect();
    let bytes: usize = articles.iter().map(|a| a.title.len() + a.body.len()).sum();
    let tagger = Tagger::new(Dictionary::builtin().unwrap()).unwrap();
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("2000 synthetic articles, one worker", |b| {
        let mut worker = tagger.worker();
        b.iter(|| articles.iter().map(|a| worker.tag(a).unwrap().mentions().len()).sum::<usize>())
    });
    group.finish();
}

/// Titles and bodies of the news corpus when `../shared` is beside the repository, else of
/// the example articles.
fn texts() -> (Vec<String>, &'static str) {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/bench_news_corpus.jsonl");
    if let Ok(text) = std::fs::read_to_string(&corpus) {
        let texts = text
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .flat_map(|v| ["title", "body"].map(|k| v.get(k).and_then(|t| t.as_str()).unwrap_or("").to_string()))
            .collect();
        return (texts, "news corpus");
    }
    (fixture_articles().into_iter().flat_map(|a| [a.title, a.body]).collect(), "example articles")
}

fn text_passes(c: &mut Criterion) {
    use hantag::boundary::{for_each_word_start, for_each_word_start_general};
    use hantag::normalize::Normalized;
    let (texts, source) = texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    let normalized: Vec<String> = texts.iter().map(|t| hantag::normalize::normalize(t).as_str().to_string()).collect();
    let mut group = c.benchmark_group(format!("text passes ({source})"));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    let mut n = Normalized::default();
    type Refill = fn(&mut Normalized, &str, bool);
    for (name, refill) in
        [("normalize", Normalized::refill as Refill), ("normalize, character-wise", Normalized::refill_general)]
    {
        group.bench_function(name, |b| {
            b.iter(|| {
                texts
                    .iter()
                    .map(|t| {
                        refill(&mut n, t, true);
                        n.as_str().len()
                    })
                    .sum::<usize>()
            })
        });
    }
    let count = |f: fn(&str, &mut dyn FnMut(usize))| {
        normalized
            .iter()
            .map(|t| {
                let mut starts = 0;
                f(t, &mut |_| starts += 1);
                starts
            })
            .sum::<usize>()
    };
    group.bench_function("word starts", |b| b.iter(|| count(|t, f| for_each_word_start(t, f))));
    group.bench_function("word starts, character-wise", |b| b.iter(|| count(|t, f| for_each_word_start_general(t, f))));
    group.finish();
}

criterion_group!(benches, build, one_article, batch, text_passes);
criterion_main!(benches);

//! `articles.jsonl`: one object per input record.
//!
//! Fields (a contract; more may be added): `id`, `source`, `line` (for records of JSONL/CSV
//! files), `title`, `date`, `url`, `entities` (`id`, `name`, `type`, `count`, `mentions`
//! with `field`, `start`, `end`, `text`, `alias`), `topics` (`id`, `name`, `score`,
//! `evidence` with `term`, `count`), `errors`.

use super::{char_offsets, Outcome};
use crate::tagger::Tagger;
use serde::Serialize;

#[derive(Serialize)]
struct ArticleRecord<'a> {
    id: Option<&'a str>,
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    title: Option<&'a str>,
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    entities: Vec<EntityRecord<'a>>,
    topics: Vec<TopicRecord<'a>>,
    errors: Vec<String>,
}

#[derive(Serialize)]
struct EntityRecord<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    count: usize,
    mentions: Vec<MentionRecord<'a>>,
}

#[derive(Serialize)]
struct MentionRecord<'a> {
    field: &'static str,
    start: usize,
    end: usize,
    text: &'a str,
    alias: &'a str,
}

#[derive(Serialize)]
struct TopicRecord<'a> {
    id: &'a str,
    name: &'a str,
    score: f64,
    evidence: Vec<EvidenceRecord<'a>>,
}

#[derive(Serialize)]
struct EvidenceRecord<'a> {
    term: &'a str,
    count: u32,
}

/// Appends the JSONL line (with its newline) for one outcome to `out`.
pub fn render(tagger: &Tagger, outcome: &Outcome, out: &mut Vec<u8>) {
    let record = match outcome {
        Outcome::Failed(err) => ArticleRecord {
            id: None,
            source: &err.source,
            line: if err.source == "-" { None } else { err.line },
            title: None,
            date: None,
            url: None,
            entities: Vec::new(),
            topics: Vec::new(),
            errors: vec![err.message.clone()],
        },
        Outcome::Tagged(article, tagged) => {
            let offsets = char_offsets(article, tagged.mentions());
            let mut entities: Vec<EntityRecord> = Vec::new();
            let mut index: Vec<(u32, usize)> = Vec::new();
            for (m, &(start, end)) in tagged.mentions().iter().zip(&offsets) {
                let slot = match index.iter().find(|(e, _)| *e == m.entity) {
                    Some(&(_, slot)) => slot,
                    None => {
                        let e = tagged.entity(m);
                        entities.push(EntityRecord {
                            id: &e.id.0,
                            name: &e.name,
                            kind: &e.kind,
                            count: 0,
                            mentions: Vec::new(),
                        });
                        index.push((m.entity, entities.len() - 1));
                        entities.len() - 1
                    }
                };
                let entity = &mut entities[slot];
                entity.count += 1;
                entity.mentions.push(MentionRecord {
                    field: m.field.as_str(),
                    start,
                    end,
                    text: m.surface(article),
                    alias: tagger.alias_text(m.alias),
                });
            }
            let topics = tagged
                .topics()
                .iter()
                .map(|t| TopicRecord {
                    id: &t.id.0,
                    name: &t.name,
                    score: t.score,
                    evidence: t.evidence.iter().map(|e| EvidenceRecord { term: &e.term, count: e.count }).collect(),
                })
                .collect();
            ArticleRecord {
                id: Some(&article.id),
                source: &article.source,
                line: None,
                title: Some(&article.title),
                date: article.date.as_deref(),
                url: article.url.as_deref(),
                entities,
                topics,
                errors: Vec::new(),
            }
        }
    };
    // Serializing plain structs of strings and numbers into a Vec cannot fail.
    serde_json::to_writer(&mut *out, &record).expect("serializing a record to memory");
    out.push(b'\n');
}

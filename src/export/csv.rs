//! The analysts' CSV files.
//!
//! - `mentions.csv`: `article_id,source,date,field,start,end,entity_id,entity_name,type,text,context`
//! - `articles.csv`: `article_id,source,date,title,entity_count,mention_count,entities,topics,error,`
//!   `top_entity,top_entity_mentions,top_entity_in_title,top_entity_first_start` (`entities` is
//!   `id:count` joined by `|`, most mentioned first; `topics` is `id:score`; the top entity is
//!   the first of `entities`, `in_title` is 1 or 0, `first_start` the character offset of its
//!   first mention: in the title when `in_title` is 1, else in the body)
//! - `article_entities.csv`: `article_id,source,date,entity_id,entity_name,type,mentions,`
//!   `in_title,first_field,first_start,first_body_start`, one row per article and entity, in
//!   order of first mention (`first_body_start` is empty when the body does not mention it)
//! - `entities.csv`: `entity_id,entity_name,type,articles,mentions,title_mentions`
//! - `topics.csv`: `article_id,topic_id,topic_name,score`
//! - `errors.csv`: `source,line,error`
//!
//! With `excel`, every file starts with a UTF-8 BOM (so Excel shows Hangul) and a cell that
//! starts with `=`, `+`, `-` or `@` (after optional whitespace), other than a plain number,
//! gets a leading `'`: article text is untrusted input (CSV injection).

use super::{char_offsets, context, field_text, Outcome};
use crate::input::Article;
use crate::tagger::{Field, Tagged, Tagger};
use std::borrow::Cow;
use std::collections::HashMap;

/// Header of `mentions.csv`.
pub const MENTIONS_HEADER: &[&str] =
    &["article_id", "source", "date", "field", "start", "end", "entity_id", "entity_name", "type", "text", "context"];
/// Header of `articles.csv`.
pub const ARTICLES_HEADER: &[&str] = &[
    "article_id",
    "source",
    "date",
    "title",
    "entity_count",
    "mention_count",
    "entities",
    "topics",
    "error",
    "top_entity",
    "top_entity_mentions",
    "top_entity_in_title",
    "top_entity_first_start",
];
/// Header of `article_entities.csv`.
pub const ARTICLE_ENTITIES_HEADER: &[&str] = &[
    "article_id",
    "source",
    "date",
    "entity_id",
    "entity_name",
    "type",
    "mentions",
    "in_title",
    "first_field",
    "first_start",
    "first_body_start",
];
/// Header of `entities.csv`.
pub const ENTITIES_HEADER: &[&str] = &["entity_id", "entity_name", "type", "articles", "mentions", "title_mentions"];
/// Header of `topics.csv`.
pub const TOPICS_HEADER: &[&str] = &["article_id", "topic_id", "topic_name", "score"];
/// Header of `errors.csv`.
pub const ERRORS_HEADER: &[&str] = &["source", "line", "error"];

/// Makes a cell safe to open in a spreadsheet when `excel` is set.
pub fn cell(value: &str, excel: bool) -> Cow<'_, str> {
    if !excel {
        return Cow::Borrowed(value);
    }
    let trimmed = value.trim_start();
    let risky = trimmed.starts_with(['=', '+', '-', '@']) || value.starts_with(['\t', '\r']);
    if risky && !is_plain_number(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A number as a spreadsheet reads one: an optional sign, digits with at most one decimal
/// point, an optional exponent; no spaces, and not `inf` or `NaN` (which Rust would parse).
fn is_plain_number(value: &str) -> bool {
    let s = value.strip_prefix(['+', '-']).unwrap_or(value);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = mantissa.chars().filter(char::is_ascii_digit).count();
    let mantissa_ok =
        digits > 0 && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.') && mantissa.matches('.').count() <= 1;
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// Writes one CSV row of cells to `out`.
pub fn write_row<'a>(out: &mut Vec<u8>, cells: impl IntoIterator<Item = &'a str>, excel: bool) {
    let mut w = ::csv::WriterBuilder::new().has_headers(false).from_writer(out);
    let row: Vec<Cow<str>> = cells.into_iter().map(|c| cell(c, excel)).collect();
    // Writing to a Vec cannot fail.
    w.write_record(row.iter().map(|c| c.as_ref())).expect("writing CSV to memory");
    w.flush().expect("writing CSV to memory");
}

/// Appends the `mentions.csv` rows of one outcome.
pub fn render_mentions(tagger: &Tagger, outcome: &Outcome, excel: bool, out: &mut Vec<u8>) {
    let Outcome::Tagged(article, tagged) = outcome else { return };
    let _ = tagger;
    let offsets = char_offsets(article, tagged.mentions());
    let date = article.date.as_deref().unwrap_or("");
    for (m, (start, end)) in tagged.mentions().iter().zip(offsets) {
        let e = tagged.label(m);
        let (start, end) = (start.to_string(), end.to_string());
        let ctx = context(field_text(article, m.field), m.span(), 30);
        write_row(
            out,
            [
                article.id.as_str(),
                &article.source,
                date,
                m.field.as_str(),
                &start,
                &end,
                e.id,
                e.name,
                e.kind,
                m.surface(article),
                &ctx,
            ],
            excel,
        );
    }
}

/// Appends the `articles.csv` row of one outcome.
pub fn render_article(outcome: &Outcome, excel: bool, out: &mut Vec<u8>) {
    match outcome {
        Outcome::Failed(err) => {
            write_row(out, ["", &err.source, "", "", "0", "0", "", "", &err.message, "", "", "", ""], excel);
        }
        Outcome::Tagged(article, tagged) => {
            let details = entity_details(article, tagged);
            let mut counts: Vec<&EntityDetail> = details.iter().collect();
            counts.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(a.id.cmp(b.id)));
            let entity_cell = counts.iter().map(|d| format!("{}:{}", d.id, d.mentions)).collect::<Vec<_>>().join("|");
            let topic_cell =
                tagged.topics().iter().map(|t| format!("{}:{}", t.id, t.score)).collect::<Vec<_>>().join("|");
            let (ec, mc) = (details.len().to_string(), tagged.mentions().len().to_string());
            let top = counts.first();
            let top_cells = top.map_or([String::new(), String::new(), String::new(), String::new()], |d| {
                [d.id.to_string(), d.mentions.to_string(), u8::from(d.in_title).to_string(), d.first_start.to_string()]
            });
            write_row(
                out,
                [
                    article.id.as_str(),
                    &article.source,
                    article.date.as_deref().unwrap_or(""),
                    &article.title,
                    &ec,
                    &mc,
                    &entity_cell,
                    &topic_cell,
                    "",
                    &top_cells[0],
                    &top_cells[1],
                    &top_cells[2],
                    &top_cells[3],
                ],
                excel,
            );
        }
    }
}

/// What `article_entities.csv` says about one entity of one article.
struct EntityDetail<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'a str,
    mentions: usize,
    in_title: bool,
    /// The field of the first mention in reading order (the title comes first).
    first_field: &'static str,
    /// Character offset of that mention in its field.
    first_start: usize,
    /// Character offset of the first mention in the body, if any.
    first_body_start: Option<usize>,
}

/// The entities of an article in order of first mention, with their counts and positions.
fn entity_details<'a>(article: &Article, tagged: &'a Tagged) -> Vec<EntityDetail<'a>> {
    let offsets = char_offsets(article, tagged.mentions());
    let mut out: Vec<(u32, EntityDetail)> = Vec::new();
    for (m, &(start, _)) in tagged.mentions().iter().zip(&offsets) {
        let slot = match out.iter().position(|(e, _)| *e == m.entity) {
            Some(i) => i,
            None => {
                let e = tagged.label(m);
                out.push((
                    m.entity,
                    EntityDetail {
                        id: e.id,
                        name: e.name,
                        kind: e.kind,
                        mentions: 0,
                        in_title: false,
                        first_field: m.field.as_str(),
                        first_start: start,
                        first_body_start: None,
                    },
                ));
                out.len() - 1
            }
        };
        let d = &mut out[slot].1;
        d.mentions += 1;
        match m.field {
            Field::Title => d.in_title = true,
            Field::Body => {
                d.first_body_start.get_or_insert(start);
            }
        }
    }
    out.into_iter().map(|(_, d)| d).collect()
}

/// Appends the `article_entities.csv` rows of one outcome.
pub fn render_article_entities(outcome: &Outcome, excel: bool, out: &mut Vec<u8>) {
    let Outcome::Tagged(article, tagged) = outcome else { return };
    let date = article.date.as_deref().unwrap_or("");
    for d in entity_details(article, tagged) {
        let (mentions, in_title, start) =
            (d.mentions.to_string(), u8::from(d.in_title).to_string(), d.first_start.to_string());
        let body_start = d.first_body_start.map(|s| s.to_string()).unwrap_or_default();
        write_row(
            out,
            [
                article.id.as_str(),
                &article.source,
                date,
                d.id,
                d.name,
                d.kind,
                &mentions,
                &in_title,
                d.first_field,
                &start,
                &body_start,
            ],
            excel,
        );
    }
}

/// Appends the `topics.csv` rows of one outcome.
pub fn render_topics(outcome: &Outcome, excel: bool, out: &mut Vec<u8>) {
    let Outcome::Tagged(article, tagged) = outcome else { return };
    for t in tagged.topics() {
        write_row(out, [article.id.as_str(), &t.id.0, &t.name, &t.score.to_string()], excel);
    }
}

/// Appends the `errors.csv` row of one outcome.
pub fn render_error(outcome: &Outcome, excel: bool, out: &mut Vec<u8>) {
    let Outcome::Failed(err) = outcome else { return };
    let line = err.line.map(|l| l.to_string()).unwrap_or_default();
    write_row(out, [err.source.as_str(), &line, &err.message], excel);
}

/// Totals per entity over a run, for `entities.csv`.
#[derive(Debug, Default, Clone)]
pub struct EntityTotals {
    /// entity index → (articles, mentions, title mentions)
    counts: HashMap<u32, (u64, u64, u64)>,
}

impl EntityTotals {
    /// Adds one outcome's mentions.
    pub fn add(&mut self, outcome: &Outcome) {
        let Outcome::Tagged(_, tagged) = outcome else { return };
        let mut seen: Vec<u32> = Vec::new();
        for m in tagged.mentions() {
            let c = self.counts.entry(m.entity).or_default();
            if !seen.contains(&m.entity) {
                seen.push(m.entity);
                c.0 += 1;
            }
            c.1 += 1;
            if m.field == crate::tagger::Field::Title {
                c.2 += 1;
            }
        }
    }

    /// Adds the totals of another part of the run.
    pub fn merge(&mut self, other: EntityTotals) {
        for (e, (articles, mentions, title)) in other.counts {
            let c = self.counts.entry(e).or_default();
            c.0 += articles;
            c.1 += mentions;
            c.2 += title;
        }
    }

    /// Writes `entities.csv` rows, most mentioned first (then by id).
    pub fn render(&self, tagger: &Tagger, excel: bool, out: &mut Vec<u8>) {
        let dictionary = tagger.dictionary();
        let id = |e: &u32| dictionary.label(*e as usize).id;
        let mut rows: Vec<(&u32, &(u64, u64, u64))> = self.counts.iter().collect();
        rows.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then_with(|| id(a.0).cmp(id(b.0))));
        for (&e, &(articles, mentions, title)) in rows {
            let entity = dictionary.label(e as usize);
            write_row(
                out,
                [entity.id, entity.name, entity.kind, &articles.to_string(), &mentions.to_string(), &title.to_string()],
                excel,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralizes_formulas_only_with_excel() {
        assert_eq!(cell("=HYPERLINK(\"x\")", true), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("  @SUM(A1)", true), "'  @SUM(A1)");
        assert_eq!(cell("-12.5", true), "-12.5");
        assert_eq!(cell("+1e5", true), "+1e5");
        for risky in ["-inf", "+NaN", "-infinity", "  +1", "-1-1", "-.", "+"] {
            assert_eq!(cell(risky, true), format!("'{risky}"), "{risky}");
        }
        assert_eq!(cell("+82-2-123", true), "'+82-2-123");
        assert_eq!(cell("네이버", true), "네이버");
        assert_eq!(cell("=1+1", false), "=1+1");
    }

    #[test]
    fn rows_are_quoted() {
        let mut out = Vec::new();
        write_row(&mut out, ["a,b", "say \"hi\"", "줄\n바꿈"], false);
        assert_eq!(String::from_utf8(out).unwrap(), "\"a,b\",\"say \"\"hi\"\"\",\"줄\n바꿈\"\n");
    }
}

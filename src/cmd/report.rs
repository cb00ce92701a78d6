//! `hantag report`: one self-contained HTML file over the output of `hantag tag --out`.
//!
//! It reads `articles.jsonl` (the richest output: entities, topics, dates and the failed
//! records with their messages) and builds the page with plain string writes: no template
//! engine, no script, no network; charts are inline SVG, so the page reads the same in a
//! browser without JavaScript, in a mail client or printed. Every string that comes from
//! the articles or dictionaries goes through [`esc`].

use crate::cli::{PeriodArg, ReportArgs};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Runs the command; returns the exit code.
pub fn run(args: ReportArgs) -> u8 {
    let jsonl = if args.dir.is_file() { args.dir.clone() } else { args.dir.join("articles.jsonl") };
    let html_path = args.html.clone().unwrap_or_else(|| {
        if args.dir.is_file() {
            args.dir.with_extension("html")
        } else {
            args.dir.join("report.html")
        }
    });
    let file = match std::fs::File::open(&jsonl) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "error: {}: cannot read: {e}; give the directory written by `hantag tag INPUT… --out DIR` (or an articles.jsonl file)",
                jsonl.display()
            );
            return 2;
        }
    };
    let data = match Data::read(std::io::BufReader::new(file), &jsonl) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {}: cannot read: {e}", jsonl.display());
            return 2;
        }
    };
    let html = render(&data, &args, &jsonl);
    if let Err(e) = std::fs::write(&html_path, html) {
        eprintln!("error: {}: cannot write: {e}", html_path.display());
        return 2;
    }
    if args.quiet {
        return 0;
    }
    eprintln!(
        "hantag report: {} articles, {} failed records, {} entities, {} topics; written to {}",
        data.articles,
        data.errors.len(),
        data.entities.len(),
        data.topics.len(),
        html_path.display()
    );
    0
}

#[derive(Deserialize)]
struct Record {
    id: Option<String>,
    #[serde(default)]
    source: String,
    line: Option<u64>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    entities: Vec<EntityRecord>,
    #[serde(default)]
    topics: Vec<TopicRecord>,
    #[serde(default)]
    errors: Vec<String>,
}

#[derive(Deserialize)]
struct EntityRecord {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    count: u64,
    #[serde(default)]
    mentions: Vec<MentionRecord>,
}

#[derive(Deserialize)]
struct MentionRecord {
    #[serde(default)]
    field: String,
}

#[derive(Deserialize)]
struct TopicRecord {
    id: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Default)]
struct EntityStat {
    id: String,
    name: String,
    kind: String,
    articles: u64,
    mentions: u64,
    title_articles: u64,
}

#[derive(Debug, Default)]
struct TopicStat {
    id: String,
    name: String,
    articles: u64,
}

/// One failed record: source, line, message.
#[derive(Debug)]
struct ErrorRow {
    source: String,
    line: Option<u64>,
    message: String,
}

/// Everything the report shows, added up over `articles.jsonl`.
#[derive(Debug, Default)]
struct Data {
    articles: u64,
    mentions: u64,
    without_entities: u64,
    entities: Vec<EntityStat>,
    entity_index: HashMap<String, usize>,
    topics: Vec<TopicStat>,
    topic_index: HashMap<String, usize>,
    /// Day number → articles that day.
    days: BTreeMap<i64, u64>,
    /// (topic, day) → articles.
    topic_days: HashMap<(usize, i64), u64>,
    undated: u64,
    /// (entity, entity) with the first < second → articles with both.
    pairs: HashMap<(usize, usize), u64>,
    /// (topic, entity) → articles.
    topic_entities: HashMap<(usize, usize), u64>,
    errors: Vec<ErrorRow>,
}

impl Data {
    fn read(reader: impl BufRead, path: &Path) -> std::io::Result<Data> {
        let mut data = Data::default();
        for (n, line) in reader.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Record>(&line) {
                Ok(record) => data.add(record),
                Err(e) => data.errors.push(ErrorRow {
                    source: path.display().to_string(),
                    line: Some(n as u64 + 1),
                    message: format!("not an articles.jsonl record: {e}"),
                }),
            }
        }
        Ok(data)
    }

    fn add(&mut self, r: Record) {
        if r.id.is_none() {
            let message = if r.errors.is_empty() { "failed".to_string() } else { r.errors.join("; ") };
            self.errors.push(ErrorRow { source: r.source, line: r.line, message });
            return;
        }
        self.articles += 1;
        if r.entities.is_empty() {
            self.without_entities += 1;
        }
        let mut ents: Vec<usize> = Vec::new();
        for e in r.entities {
            let i = *self.entity_index.entry(e.id.clone()).or_insert_with(|| {
                self.entities.push(EntityStat { id: e.id.clone(), ..EntityStat::default() });
                self.entities.len() - 1
            });
            let stat = &mut self.entities[i];
            if stat.name.is_empty() {
                stat.name = e.name;
                stat.kind = e.kind;
            }
            let count = e.count.max(e.mentions.len() as u64);
            stat.mentions += count;
            self.mentions += count;
            if !ents.contains(&i) {
                ents.push(i);
                stat.articles += 1;
                if e.mentions.iter().any(|m| m.field == "title") {
                    stat.title_articles += 1;
                }
            }
        }
        ents.sort_unstable();
        for (a, &x) in ents.iter().enumerate() {
            for &y in &ents[a + 1..] {
                *self.pairs.entry((x, y)).or_default() += 1;
            }
        }
        let day = r.date.as_deref().and_then(parse_day);
        match day {
            Some(d) => *self.days.entry(d).or_default() += 1,
            None => self.undated += 1,
        }
        let mut seen: Vec<usize> = Vec::new();
        for t in r.topics {
            let i = *self.topic_index.entry(t.id.clone()).or_insert_with(|| {
                self.topics.push(TopicStat { id: t.id.clone(), name: t.name.clone(), articles: 0 });
                self.topics.len() - 1
            });
            if seen.contains(&i) {
                continue;
            }
            seen.push(i);
            self.topics[i].articles += 1;
            if let Some(d) = day {
                *self.topic_days.entry((i, d)).or_default() += 1;
            }
            for &e in &ents {
                *self.topic_entities.entry((i, e)).or_default() += 1;
            }
        }
    }
}

/// Days since 1970-01-01 of a date that starts `YYYY-MM-DD` (or with `.` or `/`).
fn parse_day(date: &str) -> Option<i64> {
    let head: String = date.trim().chars().take(10).collect();
    let mut parts = head.split(['-', '.', '/']);
    let y: i64 = parts.next()?.trim().parse().ok()?;
    let m: i64 = parts.next()?.trim().parse().ok()?;
    let d: i64 = parts.next()?.trim().parse().ok()?;
    if !(1000..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Howard Hinnant's days-from-civil.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn day_label(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The unit of the topics-over-time chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    fn choose(arg: PeriodArg, first: i64, last: i64) -> Period {
        match arg {
            PeriodArg::Day => Period::Day,
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
            PeriodArg::Auto if last - first <= 45 => Period::Day,
            PeriodArg::Auto if last - first <= 366 => Period::Week,
            PeriodArg::Auto => Period::Month,
        }
    }

    /// The period holding `day`, as an ordinal.
    fn of(self, day: i64) -> i64 {
        match self {
            Period::Day => day,
            // 1970-01-01 was a Thursday: day + 3 counts from a Monday.
            Period::Week => (day + 3).div_euclid(7),
            Period::Month => {
                let (y, m, _) = civil_from_days(day);
                y * 12 + (m - 1)
            }
        }
    }

    fn label(self, ordinal: i64) -> String {
        match self {
            Period::Day => day_label(ordinal),
            Period::Week => day_label(ordinal * 7 - 3),
            Period::Month => format!("{:04}-{:02}", ordinal.div_euclid(12), ordinal.rem_euclid(12) + 1),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week (starting Monday)",
            Period::Month => "month",
        }
    }
}

/// HTML-escapes text for element content and quoted attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `s`, with `…` when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// `1 article`, `2 articles`.
fn articles(n: u64) -> String {
    if n == 1 {
        "1 article".to_string()
    } else {
        format!("{n} articles")
    }
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0%".to_string()
    } else {
        let p = part as f64 * 100.0 / whole as f64;
        if p >= 10.0 || p == 0.0 {
            format!("{p:.0}%")
        } else {
            format!("{p:.1}%")
        }
    }
}

const PALETTE: [&str; 10] =
    ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

const STYLE: &str = r#"
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f7f8fa; --accent: #4e79a7; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; background: var(--bg); color: var(--ink);
  font-family: "Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", "Nanum Gothic",
    "NanumGothic", "Source Han Sans K", sans-serif;
  font-size: 14px; line-height: 1.5; word-break: keep-all; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 8px; }
p.sub, .note { color: var(--muted); margin: 0 0 8px; }
section { max-width: 1240px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; min-width: 150px; }
.card .n { font-size: 24px; font-weight: 700; }
.card .l { color: var(--muted); font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(580px, 1fr)); gap: 16px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 6px 0 0; padding: 0; list-style: none; }
.legend li { display: flex; align-items: center; gap: 6px; }
.sw { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: inherit; font-size: 12px; fill: var(--ink); }
svg .axis { stroke: #9aa5b1; stroke-width: 1; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .muted { fill: var(--muted); }
details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
code { font-size: 13px; }
"#;

/// The whole page.
fn render(data: &Data, args: &ReportArgs, source: &Path) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let title = esc(&args.title);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n\
         <p class=\"sub\">From <code>{}</code>, written by <code>hantag tag</code>.</p>\n</header>\n",
        esc(&display_path(source))
    );
    totals(&mut h, data);
    entities_by_type(&mut h, data, args.top.max(1));
    topics_over_time(&mut h, data, args.period);
    cooccurrence(&mut h, data, args.top.max(1) * 2);
    topic_entities(&mut h, data, args.top.max(1));
    errors(&mut h, data);
    h.push_str("</body>\n</html>\n");
    h
}

fn display_path(p: &Path) -> String {
    PathBuf::from(p).display().to_string()
}

fn totals(h: &mut String, data: &Data) {
    h.push_str("<section id=\"totals\">\n<h2>Totals</h2>\n<div class=\"cards\">\n");
    let range = match (data.days.keys().next(), data.days.keys().next_back()) {
        (Some(&a), Some(&b)) if a == b => day_label(a),
        (Some(&a), Some(&b)) => format!("{} – {}", day_label(a), day_label(b)),
        _ => "no dates".to_string(),
    };
    let cards = [
        (data.articles.to_string(), "articles tagged"),
        (data.errors.len().to_string(), "failed records"),
        (data.mentions.to_string(), "mentions"),
        (data.entities.len().to_string(), "distinct entities"),
        (data.topics.len().to_string(), "topics seen"),
        (data.without_entities.to_string(), "articles without entities"),
        (range, "dates"),
        (data.undated.to_string(), "articles without a date"),
    ];
    for (n, l) in cards {
        let _ = writeln!(h, "<div class=\"card\"><div class=\"n\">{}</div><div class=\"l\">{}</div></div>", esc(&n), l);
    }
    h.push_str("</div>\n</section>\n");
}

/// A horizontal bar chart: (label, value, text after the bar, tooltip).
fn bar_chart(h: &mut String, rows: &[(String, u64, String, String)], color: &str, label: &str) {
    const LABEL_W: f64 = 170.0;
    const BAR_W: f64 = 250.0;
    const ROW_H: f64 = 24.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let height = rows.len() as f64 * ROW_H + 8.0;
    let _ = writeln!(
        h,
        "<svg class=\"chart bars\" role=\"img\" aria-label=\"{}\" width=\"540\" height=\"{height:.0}\" viewBox=\"0 0 540 {height:.0}\">",
        esc(label)
    );
    for (i, (name, value, after, tip)) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW_H;
        let w = (*value as f64 / max * BAR_W).max(2.0);
        let _ = writeln!(
            h,
            "<g><title>{}</title><text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{LABEL_W}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.0}\" rx=\"2\" fill=\"{color}\"></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"muted\">{}</text></g>",
            esc(tip),
            LABEL_W - 8.0,
            y + 16.0,
            esc(&clip(name, 13)),
            y + 3.0,
            ROW_H - 6.0,
            LABEL_W + w + 6.0,
            y + 16.0,
            esc(after)
        );
    }
    h.push_str("</svg>\n");
}

fn entities_by_type(h: &mut String, data: &Data, top: usize) {
    h.push_str("<section id=\"entities\">\n<h2>Top entities by type</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">Bars: articles that mention the entity; the share is of all {} articles tagged.</p>",
        data.articles
    );
    let mut by_type: BTreeMap<&str, Vec<&EntityStat>> = BTreeMap::new();
    for e in &data.entities {
        by_type.entry(e.kind.as_str()).or_default().push(e);
    }
    if by_type.is_empty() {
        h.push_str("<p>No entities were found.</p>\n</section>\n");
        return;
    }
    let mut types: Vec<(&str, Vec<&EntityStat>)> = by_type.into_iter().collect();
    types.sort_by(|a, b| {
        let total = |v: &Vec<&EntityStat>| v.iter().map(|e| e.mentions).sum::<u64>();
        total(&b.1).cmp(&total(&a.1)).then(a.0.cmp(b.0))
    });
    h.push_str("<div class=\"grid\">\n");
    for (t, (kind, mut list)) in types.into_iter().enumerate() {
        list.sort_by(|a, b| b.articles.cmp(&a.articles).then(b.mentions.cmp(&a.mentions)).then(a.id.cmp(&b.id)));
        let shown = list.len().min(top);
        let _ = writeln!(
            h,
            "<div class=\"panel\" data-type=\"{}\"><h3>{} <span class=\"note\">({} entities, top {shown})</span></h3>",
            esc(kind),
            esc(if kind.is_empty() { "(no type)" } else { kind }),
            list.len()
        );
        let rows: Vec<(String, u64, String, String)> = list[..shown]
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    e.articles,
                    format!("{} · {}", e.articles, pct(e.articles, data.articles)),
                    format!(
                        "{} ({}): {} articles ({}), {} mentions, in {} titles",
                        e.name,
                        e.id,
                        e.articles,
                        pct(e.articles, data.articles),
                        e.mentions,
                        e.title_articles
                    ),
                )
            })
            .collect();
        bar_chart(h, &rows, PALETTE[t % PALETTE.len()], &format!("top {kind} entities"));
        h.push_str("</div>\n");
    }
    h.push_str("</div>\n</section>\n");
}

fn topics_over_time(h: &mut String, data: &Data, arg: PeriodArg) {
    h.push_str("<section id=\"topics-over-time\">\n<h2>Topics over time</h2>\n");
    let (Some(&first), Some(&last)) = (data.days.keys().next(), data.days.keys().next_back()) else {
        h.push_str("<p>No article has a date, so there is no timeline.</p>\n</section>\n");
        return;
    };
    if data.topics.is_empty() {
        h.push_str("<p>No topics were found.</p>\n</section>\n");
        return;
    }
    let period = Period::choose(arg, first, last);
    let (p0, p1) = (period.of(first), period.of(last));
    let periods: Vec<i64> = (p0..=p1).collect();
    let mut order: Vec<usize> = (0..data.topics.len()).collect();
    order.sort_by(|&a, &b| data.topics[b].articles.cmp(&data.topics[a].articles).then(a.cmp(&b)));
    order.truncate(8);
    let mut series: Vec<Vec<u64>> = vec![vec![0; periods.len()]; order.len()];
    for (&(topic, day), &n) in &data.topic_days {
        if let Some(s) = order.iter().position(|&t| t == topic) {
            series[s][(period.of(day) - p0) as usize] += n;
        }
    }
    let mut totals = vec![0u64; periods.len()];
    for (&day, &n) in &data.days {
        totals[(period.of(day) - p0) as usize] += n;
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">Articles per topic per {}, the {} most frequent topics, on one scale \
         (the grey row: all articles, on its own scale); {} dated articles{}.</p>",
        period.name(),
        order.len(),
        data.articles - data.undated,
        if data.undated > 0 { format!(", {} without a date left out", data.undated) } else { String::new() }
    );
    h.push_str("<div class=\"panel\">\n");
    timeline_chart(h, data, &order, &periods, &series, &totals, period);
    h.push_str("<ul class=\"legend\">\n");
    for (s, &t) in order.iter().enumerate() {
        let _ = writeln!(
            h,
            "<li><span class=\"sw\" style=\"background:{}\"></span>{} <span class=\"note\">({})</span></li>",
            PALETTE[s % PALETTE.len()],
            esc(&data.topics[t].name),
            articles(data.topics[t].articles)
        );
    }
    h.push_str("</ul>\n");
    if periods.len() <= 120 {
        h.push_str("<details><summary>The numbers</summary>\n<table class=\"timeline\">\n<thead><tr><th>");
        h.push_str(period.name());
        h.push_str("</th><th class=\"num\">all articles</th>");
        for &t in &order {
            let _ = write!(h, "<th class=\"num\">{}</th>", esc(&data.topics[t].name));
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        for (i, &p) in periods.iter().enumerate() {
            let _ = write!(h, "<tr><td>{}</td><td class=\"num\">{}</td>", period.label(p), totals[i]);
            for s in &series {
                let _ = write!(h, "<td class=\"num\">{}</td>", s[i]);
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody>\n</table>\n</details>\n");
    }
    h.push_str("</div>\n</section>\n");
}

/// Small multiples: one row of columns per topic (and one for all articles) on a shared
/// scale, periods left to right. Topics overlap (an article can have several), so stacking
/// them would add up to more than the articles, and crossing lines are hard to read.
fn timeline_chart(
    h: &mut String,
    data: &Data,
    order: &[usize],
    periods: &[i64],
    series: &[Vec<u64>],
    totals: &[u64],
    period: Period,
) {
    const W: f64 = 1000.0;
    const LABEL_W: f64 = 170.0;
    const RIGHT: f64 = 56.0;
    const ROW_H: f64 = 40.0;
    const GAP: f64 = 10.0;
    const AXIS_H: f64 = 28.0;
    let rows = series.len() + 1;
    let height = rows as f64 * (ROW_H + GAP) + AXIS_H;
    let plot_w = W - LABEL_W - RIGHT;
    let slot = plot_w / periods.len().max(1) as f64;
    let bar_w = (slot * 0.8).clamp(1.0, 48.0);
    let x = |i: usize| LABEL_W + slot * i as f64 + (slot - bar_w) / 2.0;
    let topic_max = series.iter().flatten().copied().max().unwrap_or(0).max(1);
    let total_max = totals.iter().copied().max().unwrap_or(0).max(1);
    let _ = writeln!(
        h,
        "<svg class=\"chart timeline\" role=\"img\" aria-label=\"articles per topic per {}\" \
         width=\"{W}\" height=\"{height:.0}\" viewBox=\"0 0 {W} {height:.0}\">",
        period.name()
    );
    let mut row = |r: usize, name: &str, values: &[u64], max: u64, color: &str| {
        let top = r as f64 * (ROW_H + GAP);
        let base = top + ROW_H;
        let sum: u64 = values.iter().sum();
        let _ = write!(
            h,
            "<g class=\"row\"><text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <line class=\"axis\" x1=\"{LABEL_W}\" x2=\"{:.0}\" y1=\"{base:.1}\" y2=\"{base:.1}\"></line>\
             <text x=\"{:.0}\" y=\"{:.1}\" class=\"muted\">max {}</text>",
            LABEL_W - 8.0,
            base - 4.0,
            esc(&clip(name, 13)),
            W - RIGHT,
            W - RIGHT + 6.0,
            base - 4.0,
            values.iter().max().copied().unwrap_or(0)
        );
        for (i, &v) in values.iter().enumerate() {
            if v == 0 {
                continue;
            }
            let bh = (ROW_H - 2.0) * v as f64 / max as f64;
            let _ = write!(
                h,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{bh:.1}\" fill=\"{color}\"><title>{} {}: {}</title></rect>",
                x(i),
                base - bh,
                esc(name),
                period.label(periods[i]),
                articles(v)
            );
        }
        let _ = writeln!(h, "<title>{}: {}</title></g>", esc(name), articles(sum));
    };
    row(0, "all articles", totals, total_max, "#9aa5b1");
    for (s, values) in series.iter().enumerate() {
        row(s + 1, &data.topics[order[s]].name, values, topic_max, PALETTE[s % PALETTE.len()]);
    }
    let label_every = periods.len().div_ceil(10).max(1);
    let axis_y = rows as f64 * (ROW_H + GAP) + 12.0;
    for (i, &p) in periods.iter().enumerate() {
        if i % label_every == 0 {
            let _ = writeln!(
                h,
                "<text x=\"{:.1}\" y=\"{axis_y:.0}\" text-anchor=\"middle\" class=\"muted\">{}</text>",
                (x(i) + bar_w / 2.0).min(W - RIGHT),
                period.label(p)
            );
        }
    }
    h.push_str("</svg>\n");
}

fn cooccurrence(h: &mut String, data: &Data, top: usize) {
    h.push_str("<section id=\"cooccurrence\">\n<h2>Entity co-occurrence</h2>\n");
    let mut pairs: Vec<(&(usize, usize), &u64)> = data.pairs.iter().collect();
    if pairs.is_empty() {
        h.push_str("<p>No article mentions two entities.</p>\n</section>\n");
        return;
    }
    let jaccard = |(a, b): (usize, usize), n: u64| {
        let union = data.entities[a].articles + data.entities[b].articles - n;
        n as f64 / union.max(1) as f64
    };
    pairs.sort_by(|x, y| {
        y.1.cmp(x.1)
            .then(jaccard(*y.0, *y.1).total_cmp(&jaccard(*x.0, *x.1)))
            .then(data.entities[x.0 .0].id.cmp(&data.entities[y.0 .0].id))
            .then(data.entities[x.0 .1].id.cmp(&data.entities[y.0 .1].id))
    });
    pairs.truncate(top);
    let _ = writeln!(
        h,
        "<p class=\"note\">Pairs of entities mentioned in the same article, most articles together first; \
         Jaccard = articles with both ÷ articles with either. {} pairs in all.</p>",
        data.pairs.len()
    );
    h.push_str("<div class=\"grid\">\n<div class=\"panel\">\n<table class=\"pairs\">\n<thead><tr><th>entity</th><th>entity</th>\
                <th class=\"num\">articles together</th><th class=\"num\">Jaccard</th></tr></thead>\n<tbody>\n");
    for (&(a, b), &n) in &pairs {
        let (ea, eb) = (&data.entities[a], &data.entities[b]);
        let _ = writeln!(
            h,
            "<tr><td title=\"{}\">{}</td><td title=\"{}\">{}</td><td class=\"num\">{n}</td><td class=\"num\">{:.2}</td></tr>",
            esc(&ea.id),
            esc(&ea.name),
            esc(&eb.id),
            esc(&eb.name),
            jaccard((a, b), n)
        );
    }
    h.push_str("</tbody>\n</table>\n</div>\n<div class=\"panel\">\n");
    network(h, data, &pairs);
    h.push_str("</div>\n</div>\n</section>\n");
}

/// The strongest pairs as a circle of nodes with edges as thick as the pair is frequent.
fn network(h: &mut String, data: &Data, pairs: &[(&(usize, usize), &u64)]) {
    const W: f64 = 560.0;
    const H: f64 = 400.0;
    const R: f64 = 140.0;
    let mut nodes: Vec<usize> = Vec::new();
    let mut edges: Vec<(usize, usize, u64)> = Vec::new();
    for (&(a, b), &n) in pairs {
        for e in [a, b] {
            if !nodes.contains(&e) && nodes.len() < 14 {
                nodes.push(e);
            }
        }
        if nodes.contains(&a) && nodes.contains(&b) {
            edges.push((a, b, n));
        }
    }
    let (cx, cy) = (W / 2.0, H / 2.0);
    let pos = |e: usize| {
        let i = nodes.iter().position(|&n| n == e).unwrap_or(0);
        let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / nodes.len() as f64;
        (cx + R * angle.cos(), cy + R * angle.sin(), angle)
    };
    let max_edge = edges.iter().map(|e| e.2).max().unwrap_or(1).max(1) as f64;
    let max_articles = nodes.iter().map(|&e| data.entities[e].articles).max().unwrap_or(1).max(1) as f64;
    let _ = writeln!(
        h,
        "<svg class=\"chart network\" role=\"img\" aria-label=\"co-occurrence network\" \
         width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\">"
    );
    for &(a, b, n) in &edges {
        let ((x1, y1, _), (x2, y2, _)) = (pos(a), pos(b));
        let _ = writeln!(
            h,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#4e79a7\" stroke-opacity=\"0.55\" \
             stroke-width=\"{:.1}\"><title>{} – {}: {n} articles</title></line>",
            1.0 + 7.0 * n as f64 / max_edge,
            esc(&data.entities[a].name),
            esc(&data.entities[b].name)
        );
    }
    for &e in &nodes {
        let (x, y, angle) = pos(e);
        let stat = &data.entities[e];
        let r = 5.0 + 9.0 * (stat.articles as f64 / max_articles).sqrt();
        let (lx, ly) = (x + (r + 6.0) * angle.cos(), y + (r + 6.0) * angle.sin() + 4.0);
        let anchor = if angle.cos() > 0.25 {
            "start"
        } else if angle.cos() < -0.25 {
            "end"
        } else {
            "middle"
        };
        let ly = if anchor == "middle" {
            if angle.sin() < 0.0 {
                ly - 4.0
            } else {
                ly + 8.0
            }
        } else {
            ly
        };
        let _ = writeln!(
            h,
            "<g><title>{} ({}): {} articles</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" \
             fill=\"#f28e2b\" stroke=\"#fff\" stroke-width=\"1.5\"></circle>\
             <text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"{anchor}\">{}</text></g>",
            esc(&stat.name),
            esc(&stat.id),
            stat.articles,
            esc(&clip(&stat.name, 12))
        );
    }
    h.push_str("</svg>\n");
}

fn topic_entities(h: &mut String, data: &Data, top: usize) {
    h.push_str("<section id=\"topic-entities\">\n<h2>Top entities per topic</h2>\n");
    if data.topics.is_empty() {
        h.push_str("<p>No topics were found.</p>\n</section>\n");
        return;
    }
    h.push_str(
        "<p class=\"note\">For each topic, the entities of its articles (number of those articles in brackets).</p>\n\
         <div class=\"panel\">\n<table class=\"topic-entities\">\n<thead><tr><th>topic</th><th class=\"num\">articles</th>\
         <th>top entities</th></tr></thead>\n<tbody>\n",
    );
    let mut by_topic: HashMap<usize, Vec<(usize, u64)>> = HashMap::new();
    for (&(t, e), &n) in &data.topic_entities {
        by_topic.entry(t).or_default().push((e, n));
    }
    let mut order: Vec<usize> = (0..data.topics.len()).collect();
    order.sort_by(|&a, &b| data.topics[b].articles.cmp(&data.topics[a].articles).then(a.cmp(&b)));
    for t in order {
        let topic = &data.topics[t];
        let mut list = by_topic.remove(&t).unwrap_or_default();
        list.sort_by(|a, b| b.1.cmp(&a.1).then(data.entities[a.0].id.cmp(&data.entities[b.0].id)));
        let cells: Vec<String> = list
            .iter()
            .take(top)
            .map(|&(e, n)| {
                format!("<span title=\"{}\">{}</span> ({n})", esc(&data.entities[e].id), esc(&data.entities[e].name))
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td title=\"{}\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&topic.id),
            esc(&topic.name),
            topic.articles,
            if cells.is_empty() { "—".to_string() } else { cells.join(", ") }
        );
    }
    h.push_str("</tbody>\n</table>\n</div>\n</section>\n");
}

fn errors(h: &mut String, data: &Data) {
    const SHOWN: usize = 500;
    h.push_str("<section id=\"errors\">\n<h2>Errors</h2>\n");
    if data.errors.is_empty() {
        h.push_str("<p>No errors: every record was read and tagged.</p>\n</section>\n");
        return;
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">{} records or files could not be read; they are in <code>errors.csv</code> too.</p>",
        data.errors.len()
    );
    h.push_str(
        "<div class=\"panel\">\n<table class=\"errors\">\n<thead><tr><th>source</th>\
         <th class=\"num\">line</th><th>error</th></tr></thead>\n<tbody>\n",
    );
    for e in data.errors.iter().take(SHOWN) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&e.source),
            e.line.map(|l| l.to_string()).unwrap_or_default(),
            esc(&e.message)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    if data.errors.len() > SHOWN {
        let _ =
            writeln!(h, "<p class=\"note\">… and {} more in <code>errors.csv</code>.</p>", data.errors.len() - SHOWN);
    }
    h.push_str("</div>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for (s, want) in
            [("2025-04-23T14:38:00+09:00", "2025-04-23"), ("2024.02.29", "2024-02-29"), ("1970-01-01", "1970-01-01")]
        {
            assert_eq!(day_label(parse_day(s).unwrap()), want);
        }
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("yesterday"), None);
        assert_eq!(parse_day("2025-13-01"), None);
        assert_eq!(parse_day(""), None);
    }

    #[test]
    fn periods() {
        let d = parse_day("2025-05-07").unwrap(); // a Wednesday
        assert_eq!(Period::Week.label(Period::Week.of(d)), "2025-05-05");
        assert_eq!(Period::Month.label(Period::Month.of(d)), "2025-05");
        assert_eq!(Period::choose(PeriodArg::Auto, d, d + 10), Period::Day);
        assert_eq!(Period::choose(PeriodArg::Auto, d, d + 100), Period::Week);
        assert_eq!(Period::choose(PeriodArg::Auto, d, d + 1000), Period::Month);
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(clip("가나다라마", 3), "가나…");
    }
}

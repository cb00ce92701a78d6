//! Topics: Boolean queries over terms and entity ids, scored per article.
//!
//! A topic (`[[topic]]` in `topics.toml`) is a query in the language analysts know from
//! media-monitoring tools, plus optional weighted `keywords`:
//!
//! | syntax | meaning |
//! |---|---|
//! | `반도체`, `GPU` | a bare term (one word; case, width and particles as for entity aliases) |
//! | `"소버린 AI"` | a phrase (spacing-tolerant: also matches 소버린AI) |
//! | `반도체*`, `"데이터 센터"*` | a wildcard: any continuation of the word (반도체주, 반도체를); needs at least two Hangul syllables or four Latin letters or digits |
//! | `a AND b`, `a b` | both; two operands side by side without an operator mean AND |
//! | `a OR b` | either |
//! | `NOT a`, `a AND NOT b`, `a NOT b` | negation; `a NOT b` means `a AND NOT b` |
//! | `a NEAR/n b` | an occurrence of `a` and one of `b` in the same field at most `n` words apart, either order; each side is a term, a phrase or a parenthesised OR of them |
//! | `entity:naver-cloud` | the article mentions that entity |
//! | `type:company` | the article mentions an entity of that type |
//! | `title:( … )`, `body:( … )` | only occurrences (and mentions) in that field count; `title:반도체` scopes one term |
//! | `( … )` | grouping |
//!
//! Precedence, tightest first: `NEAR`, `NOT`, `AND` (and juxtaposition), `OR`. Operators are
//! case-sensitive upper-case words: `and`, `or`, `not` and `near` are ordinary terms, and
//! `"AND"` in quotes is the word itself. A word is the run of characters between spaces in
//! the normalized text; the distance of two occurrences is the difference of the indices of
//! the words they start in (`소버린AI` holds both 소버린 and AI at distance 0).
//!
//! # Score
//!
//! When the query holds, the score is the weighted number of term occurrences and entity
//! mentions that made it hold: each counts the topic's `weight` (default 1), twice that in
//! the title. Only operands in positive positions count — nothing under a `NOT`, nothing in a
//! false branch of an `OR` — and an occurrence counted by two operands counts once. Every
//! occurrence of a `keywords` term (`term = weight`; the key is a term, a phrase or a wildcard
//! term, optionally scoped as `"title:코스피"`) adds that weight instead, twice in the title,
//! once the query holds. A topic whose query is the empty string `''` and that has keywords
//! holds when a keyword occurs, and its score is the weighted keyword sum alone: the built-in
//! news-section topics work this way, with title-scoped keywords learnt from headlines. A topic
//! is reported when its score is at least `min_score` (default 1).
//!
//! ```toml
//! [[topic]]
//! id = "ai-chips"
//! name = "AI 반도체·GPU"
//! query = '(GPU OR NPU OR "AI 반도체" OR 엔비디아 NEAR/5 (칩 OR 칩셋)) NOT "그래픽카드 게임"'
//! min_score = 2
//!
//! [topic.keywords]
//! "데이터센터" = 0.5
//! ```
//!
//! A topic with `parent = "id"` implies its parent: when the child is reported, so is the
//! parent, with the larger of its own score and the child's, and the evidence
//! `topic:CHILD` (count 1) next to its own.
//!
//! Evaluation never looks at the text: every term is one pattern of the tagger's automaton
//! (see [`TopicSet::terms`]), and [`TopicSet::score`] works from the validated term hits and
//! entity mentions alone, evaluating only the topics for which some positive term, entity
//! or type occurred.

use crate::dictionary::{compact_key, EntityNames, TopicDef, TopicId};
use crate::error::{Error, ErrorKind, Result};
use crate::matcher::TermSpec;
use crate::normalize::{is_syllable, normalize_key, script, Script};
use crate::tagger::{Field, Mention};
use rustc_hash::FxHashMap as HashMap;
use std::fmt;

/// A validated occurrence of a query term in an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TermHit {
    /// Index into [`TopicSet::terms`].
    pub term: u32,
    /// The field it is in.
    pub field: Field,
    /// Its word position in the field (number of spaces before it in the normalized text).
    pub word: u32,
}

/// One term or entity that made a topic fire, with how often.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The term as written in the query, or `entity:ID` / `type:KIND` / `topic:CHILD`.
    pub term: String,
    /// Number of occurrences.
    pub count: u32,
}

/// A topic an article is about.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicScore {
    /// The topic's id.
    pub id: TopicId,
    /// The topic's display name.
    pub name: String,
    /// Weighted count of the matched terms.
    pub score: f64,
    /// What fired, most frequent first.
    pub evidence: Vec<Evidence>,
}

/// The compiled topics.
#[derive(Debug, Clone, Default)]
pub struct TopicSet {
    terms: Vec<TermSpec>,
    /// For each term: its group, the terms with the same compact key (`소버린 AI`, `소버린AI`,
    /// `소버린 AI*`), so that one occurrence counts once in a topic however it was matched.
    term_group: Vec<u32>,
    /// For each term: the fields its occurrences count in (bit 1 title, bit 2 body).
    term_fields: Vec<u8>,
    /// Type names used by `type:` operands.
    kinds: Vec<String>,
    /// For each entity of the compiling dictionary: the index of its type in `kinds`, if used
    /// (`NO_KIND`, or past the end: not used).
    entity_kind: Vec<u32>,
    topics: Vec<Topic>,
    /// Topics to evaluate when a term occurs (positive operands and keywords; past the end:
    /// none).
    by_term: Vec<Vec<u32>>,
    /// Topics to evaluate when an entity is mentioned (past the end: none).
    by_entity: Vec<Vec<u32>>,
    /// Topics to evaluate when an entity of a type is mentioned (past the end: none).
    by_kind: Vec<Vec<u32>>,
    /// Topics whose query may hold with no positive operand present: always evaluated.
    always: Vec<u32>,
    /// The greatest number of ancestors of a topic.
    max_depth: u32,
}

const NO_KIND: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct Topic {
    id: TopicId,
    name: String,
    parent: Option<u32>,
    /// Number of ancestors.
    depth: u32,
    /// `None` for a keyword-only topic (empty query).
    query: Option<Node>,
    /// Keyword terms with their fields and weights, sorted by group.
    keywords: Vec<Keyword>,
    /// Evidence label by group (the first spelling in this topic), sorted by group.
    labels: Vec<(u32, String)>,
    min_score: f64,
    weight: f64,
}

/// A `keywords` entry: a term, the field it counts in (all when `None`), and its weight.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Keyword {
    term: u32,
    group: u32,
    field: Option<Field>,
    weight: f64,
}

/// A term operand: a term index and the field it is scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Leaf {
    term: u32,
    field: Option<Field>,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Term(Leaf),
    Entity { entity: u32, field: Option<Field> },
    Kind { kind: u32, field: Option<Field> },
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Near { n: u32, left: Vec<Leaf>, right: Vec<Leaf> },
}

impl TopicSet {
    /// Compiles topic definitions against the entities they may name.
    ///
    /// Errors name the place: `topics.toml:LINE:COL: unbalanced parenthesis` for a query,
    /// `topics.toml:LINE: …` for a parent or keyword problem.
    pub fn compile(defs: &[TopicDef], entities: &dyn EntityNames) -> Result<TopicSet> {
        // The per-entity tables grow only as far as a topic needs (readers use `get`): a large
        // gazetteer without `type:` or `entity:` queries costs nothing here.
        let mut set = TopicSet::default();
        // Only topics look entities up by id: a gazetteer without topics skips the map.
        let entity_ids: HashMap<&str, u32> = if defs.is_empty() {
            HashMap::default()
        } else {
            (0..entities.count()).map(|i| (entities.label(i).id, i as u32)).collect()
        };
        let topic_ids: HashMap<&TopicId, u32> = defs.iter().enumerate().map(|(i, t)| (&t.id, i as u32)).collect();
        let mut interner = Interner::default();
        for def in defs {
            let topic = compile_topic(def, &entity_ids, entities, &topic_ids, &mut interner, &mut set)?;
            set.topics.push(topic);
        }
        set.terms = interner.terms;
        set.term_group = interner.term_group;
        set.term_fields = interner.fields;

        // Parent cycles, and each topic's depth: children pass their scores up, deepest first.
        for i in 0..set.topics.len() {
            let mut path = vec![i];
            while let Some(p) = set.topics[*path.last().unwrap_or(&i)].parent {
                let p = p as usize;
                if let Some(start) = path.iter().position(|&q| q == p) {
                    let cycle: Vec<&str> = path[start..].iter().chain([&p]).map(|&q| defs[q].id.0.as_str()).collect();
                    let first = &defs[p];
                    return Err(Error::dictionary(
                        &first.origin.file,
                        Some(first.origin.line),
                        format!("topic \"{}\" is in a parent cycle ({})", first.id, cycle.join(" → ")),
                    ));
                }
                path.push(p);
            }
            let depth = path.len() as u32 - 1;
            set.topics[i].depth = depth;
            set.max_depth = set.max_depth.max(depth);
        }

        // Which topics each term, entity and type can make hold.
        for (t, topic) in set.topics.iter().enumerate() {
            let t = t as u32;
            let mut triggers = Triggers::default();
            if let Some(q) = &topic.query {
                if q.may_hold_without_positives() {
                    set.always.push(t);
                }
                q.positives(&mut triggers);
            }
            triggers.terms.extend(topic.keywords.iter().map(|k| k.term));
            for (list, ids) in [
                (&mut set.by_term, triggers.terms),
                (&mut set.by_entity, triggers.entities),
                (&mut set.by_kind, triggers.kinds),
            ] {
                for id in ids {
                    if list.len() <= id as usize {
                        list.resize_with(id as usize + 1, Vec::new);
                    }
                    let topics = &mut list[id as usize];
                    if topics.last() != Some(&t) {
                        topics.push(t);
                    }
                }
            }
        }
        Ok(set)
    }

    /// The terms that join the automaton: one per distinct normalized spelling and wildcard flag.
    pub fn terms(&self) -> &[TermSpec] {
        &self.terms
    }

    /// Whether an occurrence of term `term` in `field` can matter to any topic (as an operand,
    /// negated or not, or as a keyword); the tagger need not validate the others.
    ///
    /// The news-section keywords, for example, count in titles only.
    pub fn wants(&self, term: u32, field: Field) -> bool {
        self.term_fields.get(term as usize).is_some_and(|&mask| mask & field_bit(Some(field)) != 0)
    }

    /// Number of topics.
    pub fn len(&self) -> usize {
        self.topics.len()
    }

    /// Whether there are no topics.
    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }

    /// Scores one article from its term hits and entity mentions, highest score first (ties
    /// in definition order).
    ///
    /// `entities` must be the entities the set was compiled with; mention indices point into it.
    pub fn score(&self, hits: &[TermHit], mentions: &[Mention], entities: &dyn EntityNames) -> Vec<TopicScore> {
        if self.topics.is_empty() || (hits.is_empty() && mentions.is_empty() && self.always.is_empty()) {
            return Vec::new();
        }
        let ctx = Context::new(self, hits, mentions);

        // Only topics that something present can make hold.
        let mut candidates: Vec<u32> = self.always.clone();
        let mut last = None;
        for &h in &ctx.by_term {
            let term = hits[h as usize].term;
            if last != Some(term) {
                last = Some(term);
                if let Some(topics) = self.by_term.get(term as usize) {
                    candidates.extend(topics);
                }
            }
        }
        for &(kind, m) in &ctx.by_kind {
            if let Some(topics) = self.by_kind.get(kind as usize) {
                candidates.extend(topics);
            }
            if let Some(topics) = self.by_entity.get(mentions[m as usize].entity as usize) {
                candidates.extend(topics);
            }
        }
        if candidates.is_empty() {
            return Vec::new();
        }
        candidates.sort_unstable();
        candidates.dedup();

        let mut entries: Vec<Entry> = Vec::new();
        let mut contributions = Vec::new();
        for &t in &candidates {
            if let Some(own) = self.evaluate(t, &ctx, entities, &mut contributions) {
                entries.push(Entry { topic: t, own: Some(own), children: Vec::new() });
            }
        }
        if entries.is_empty() {
            return Vec::new();
        }

        // Children pass their scores up, deepest first; a parent is always shallower.
        let mut fired: Vec<(u32, TopicScore)> = Vec::new();
        for depth in (0..=self.max_depth).rev() {
            let mut i = 0;
            while i < entries.len() {
                let topic = &self.topics[entries[i].topic as usize];
                if topic.depth != depth {
                    i += 1;
                    continue;
                }
                let Entry { topic: t, own, children } = entries.swap_remove(i);
                let own_fires = own.as_ref().is_some_and(|o| o.score >= topic.min_score - 1e-9);
                if !own_fires && children.is_empty() {
                    continue;
                }
                let (mut score, mut evidence) = own.map_or((0.0, Vec::new()), |o| (o.score, o.evidence));
                for (child, child_score) in children {
                    score = score.max(child_score);
                    evidence.push(Evidence { term: format!("topic:{}", self.topics[child as usize].id), count: 1 });
                }
                evidence.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));
                if let Some(p) = topic.parent {
                    match entries.iter_mut().find(|e| e.topic == p) {
                        Some(e) => e.children.push((t, score)),
                        None => entries.push(Entry { topic: p, own: None, children: vec![(t, score)] }),
                    }
                }
                fired.push((t, TopicScore { id: topic.id.clone(), name: topic.name.clone(), score, evidence }));
            }
        }
        fired.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        fired.into_iter().map(|(_, s)| s).collect()
    }

    /// Evaluates topic `t`: its score and evidence if its query holds.
    fn evaluate(&self, t: u32, ctx: &Context, entities: &dyn EntityNames, out: &mut Vec<Contribution>) -> Option<Own> {
        let topic = &self.topics[t as usize];
        out.clear();
        let holds = match &topic.query {
            Some(q) => self.eval(q, topic, ctx, out),
            None => false,
        };
        let before_keywords = out.len();
        for k in &topic.keywords {
            for h in ctx.hits_of(k.term).filter(|h| in_field(k.field, h.field)) {
                out.push(self.term_contribution(topic, h));
            }
        }
        let holds = holds || (topic.query.is_none() && out.len() > before_keywords);
        if !holds {
            return None;
        }

        // Every occurrence counts once towards the score …
        out.sort_by_key(|c| c.occurrence);
        let mut score = 0.0;
        for (i, c) in out.iter().enumerate() {
            if i == 0 || out[i - 1].occurrence != c.occurrence {
                score += c.weight;
            }
        }
        let score = (score * 1e6).round() / 1e6;

        // … and once per operand in the evidence.
        out.sort_by_key(|c| (c.key, c.occurrence));
        out.dedup_by(|a, b| a.key == b.key && a.occurrence == b.occurrence);
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut last: Option<Key> = None;
        for c in out.iter() {
            if last == Some(c.key) {
                if let Some(e) = evidence.last_mut() {
                    e.count += 1;
                }
                continue;
            }
            last = Some(c.key);
            let term = match c.key {
                Key::Group(g) => topic
                    .labels
                    .binary_search_by_key(&g, |l| l.0)
                    .map_or_else(|_| String::new(), |i| topic.labels[i].1.clone()),
                Key::Entity(e) => {
                    let id = if (e as usize) < entities.count() { entities.label(e as usize).id } else { "?" };
                    format!("entity:{id}")
                }
                Key::Kind(k) => format!("type:{}", self.kinds[k as usize]),
            };
            evidence.push(Evidence { term, count: 1 });
        }
        Some(Own { score, evidence })
    }

    /// Whether `node` holds; pushes the occurrences that make it hold onto `out`.
    fn eval(&self, node: &Node, topic: &Topic, ctx: &Context, out: &mut Vec<Contribution>) -> bool {
        match node {
            Node::Term(leaf) => {
                let before = out.len();
                for h in ctx.hits_of(leaf.term).filter(|h| in_field(leaf.field, h.field)) {
                    out.push(self.term_contribution(topic, h));
                }
                out.len() > before
            }
            Node::Entity { entity, field } => {
                let before = out.len();
                for m in ctx.mentions_of_entity(*entity).filter(|&m| in_field(*field, ctx.mentions[m as usize].field)) {
                    out.push(mention_contribution(topic, Key::Entity(*entity), m, ctx.mentions[m as usize].field));
                }
                out.len() > before
            }
            Node::Kind { kind, field } => {
                let before = out.len();
                for m in ctx.mentions_of_kind(*kind).filter(|&m| in_field(*field, ctx.mentions[m as usize].field)) {
                    out.push(mention_contribution(topic, Key::Kind(*kind), m, ctx.mentions[m as usize].field));
                }
                out.len() > before
            }
            Node::Not(inner) => {
                let before = out.len();
                let holds = self.eval(inner, topic, ctx, out);
                out.truncate(before);
                !holds
            }
            Node::And(items) => {
                let before = out.len();
                for item in items {
                    if !self.eval(item, topic, ctx, out) {
                        out.truncate(before);
                        return false;
                    }
                }
                true
            }
            Node::Or(items) => {
                let mut any = false;
                for item in items {
                    let before = out.len();
                    if self.eval(item, topic, ctx, out) {
                        any = true;
                    } else {
                        out.truncate(before);
                    }
                }
                any
            }
            Node::Near { n, left, right } => {
                let side = |leaves: &[Leaf]| -> Vec<TermHit> {
                    leaves
                        .iter()
                        .flat_map(|leaf| ctx.hits_of(leaf.term).filter(move |h| in_field(leaf.field, h.field)).copied())
                        .collect()
                };
                let (left, right) = (side(left), side(right));
                let near = |a: &TermHit, b: &TermHit| {
                    a.field == b.field && a.word.abs_diff(b.word) <= *n && self.occurrence(a) != self.occurrence(b)
                };
                let before = out.len();
                for a in &left {
                    if right.iter().any(|b| near(a, b)) {
                        out.push(self.term_contribution(topic, a));
                    }
                }
                for b in &right {
                    if left.iter().any(|a| near(a, b)) {
                        out.push(self.term_contribution(topic, b));
                    }
                }
                out.len() > before
            }
        }
    }

    fn occurrence(&self, h: &TermHit) -> Occurrence {
        Occurrence::Term { field: h.field, word: h.word, group: self.term_group[h.term as usize] }
    }

    fn term_contribution(&self, topic: &Topic, h: &TermHit) -> Contribution {
        let group = self.term_group[h.term as usize];
        // A keyword's weight wins over the topic's for the occurrences it covers.
        let from = topic.keywords.partition_point(|k| k.group < group);
        let weight = topic.keywords[from..]
            .iter()
            .take_while(|k| k.group == group)
            .find(|k| in_field(k.field, h.field))
            .map_or(topic.weight, |k| k.weight);
        Contribution { key: Key::Group(group), occurrence: self.occurrence(h), weight: weight * field_factor(h.field) }
    }
}

fn mention_contribution(topic: &Topic, key: Key, mention: u32, field: Field) -> Contribution {
    Contribution { key, occurrence: Occurrence::Mention(mention), weight: topic.weight * field_factor(field) }
}

/// A title occurrence counts double.
fn field_factor(field: Field) -> f64 {
    match field {
        Field::Title => 2.0,
        Field::Body => 1.0,
    }
}

fn in_field(scope: Option<Field>, field: Field) -> bool {
    !matches!(scope, Some(f) if f != field)
}

/// A topic that held or that a child implies, with the scores its children pass up.
struct Entry {
    topic: u32,
    own: Option<Own>,
    children: Vec<(u32, f64)>,
}

/// A topic's own result when its query holds.
struct Own {
    score: f64,
    evidence: Vec<Evidence>,
}

/// What an evidence entry counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Group(u32),
    Entity(u32),
    Kind(u32),
}

/// One thing in the article that counts once: a term occurrence (by group) or a mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Occurrence {
    Term { field: Field, word: u32, group: u32 },
    Mention(u32),
}

#[derive(Debug, Clone, Copy)]
struct Contribution {
    key: Key,
    occurrence: Occurrence,
    weight: f64,
}

/// The hits and mentions of one article, indexed for lookups by term, entity and type.
struct Context<'a> {
    hits: &'a [TermHit],
    mentions: &'a [Mention],
    /// Hit indices sorted by term.
    by_term: Vec<u32>,
    /// Mention indices sorted by entity.
    by_entity: Vec<u32>,
    /// (type index or NO_KIND, mention index), sorted.
    by_kind: Vec<(u32, u32)>,
}

impl<'a> Context<'a> {
    fn new(set: &TopicSet, hits: &'a [TermHit], mentions: &'a [Mention]) -> Context<'a> {
        let mut by_term: Vec<u32> = (0..hits.len() as u32).collect();
        by_term.sort_by_key(|&h| {
            let h = hits[h as usize];
            (h.term, h.field, h.word)
        });
        let mut by_entity: Vec<u32> = (0..mentions.len() as u32).collect();
        by_entity.sort_by_key(|&m| mentions[m as usize].entity);
        let mut by_kind: Vec<(u32, u32)> = (0..mentions.len() as u32)
            .map(|m| (set.entity_kind.get(mentions[m as usize].entity as usize).copied().unwrap_or(NO_KIND), m))
            .collect();
        by_kind.sort_unstable();
        Context { hits, mentions, by_term, by_entity, by_kind }
    }

    fn hits_of(&self, term: u32) -> impl Iterator<Item = &'a TermHit> + '_ {
        let hits = self.hits;
        let from = self.by_term.partition_point(|&h| hits[h as usize].term < term);
        self.by_term[from..].iter().map(move |&h| &hits[h as usize]).take_while(move |h| h.term == term)
    }

    fn mentions_of_entity(&self, entity: u32) -> impl Iterator<Item = u32> + '_ {
        let from = self.by_entity.partition_point(|&m| self.mentions[m as usize].entity < entity);
        self.by_entity[from..].iter().copied().take_while(move |&m| self.mentions[m as usize].entity == entity)
    }

    fn mentions_of_kind(&self, kind: u32) -> impl Iterator<Item = u32> + '_ {
        let from = self.by_kind.partition_point(|&(k, _)| k < kind);
        self.by_kind[from..].iter().take_while(move |&&(k, _)| k == kind).map(|&(_, m)| m)
    }
}

/// What a query needs present to be worth evaluating.
#[derive(Default)]
struct Triggers {
    terms: Vec<u32>,
    entities: Vec<u32>,
    kinds: Vec<u32>,
}

impl Node {
    /// Whether the node might hold when none of its positive operands occur (`NOT x`).
    fn may_hold_without_positives(&self) -> bool {
        match self {
            Node::Term(_) | Node::Entity { .. } | Node::Kind { .. } | Node::Near { .. } => false,
            Node::Not(_) => true,
            Node::And(items) => items.iter().all(Node::may_hold_without_positives),
            Node::Or(items) => items.iter().any(Node::may_hold_without_positives),
        }
    }

    /// Collects the operands outside any `NOT`.
    fn positives(&self, out: &mut Triggers) {
        match self {
            Node::Term(leaf) => out.terms.push(leaf.term),
            Node::Entity { entity, .. } => out.entities.push(*entity),
            Node::Kind { kind, .. } => out.kinds.push(*kind),
            Node::Not(_) => {}
            Node::And(items) | Node::Or(items) => items.iter().for_each(|i| i.positives(out)),
            Node::Near { left, right, .. } => out.terms.extend(left.iter().chain(right).map(|l| l.term)),
        }
    }
}

/// The field bits of a scope: 1 title, 2 body, 3 both.
fn field_bit(scope: Option<Field>) -> u8 {
    match scope {
        Some(Field::Title) => 1,
        Some(Field::Body) => 2,
        None => 3,
    }
}

/// Distinct terms across all topics, and their groups.
#[derive(Default)]
struct Interner {
    terms: Vec<TermSpec>,
    term_group: Vec<u32>,
    /// The fields each term is used in (see [`field_bit`]).
    fields: Vec<u8>,
    ids: HashMap<(String, bool), u32>,
    groups: HashMap<String, u32>,
}

impl Interner {
    /// The index of a term used in `scope` (interning it) and its group.
    fn intern(&mut self, text: &str, prefix: bool, scope: Option<Field>) -> (u32, u32) {
        let key = (normalize_key(text), prefix);
        if let Some(&t) = self.ids.get(&key) {
            self.fields[t as usize] |= field_bit(scope);
            return (t, self.term_group[t as usize]);
        }
        let next_group = self.groups.len() as u32;
        let group = *self.groups.entry(compact_key(text)).or_insert(next_group);
        let t = self.terms.len() as u32;
        self.terms.push(TermSpec { text: text.to_string(), prefix });
        self.term_group.push(group);
        self.fields.push(field_bit(scope));
        self.ids.insert(key, t);
        (t, group)
    }
}

fn compile_topic(
    def: &TopicDef,
    entity_ids: &HashMap<&str, u32>,
    entities: &dyn EntityNames,
    topic_ids: &HashMap<&TopicId, u32>,
    interner: &mut Interner,
    set: &mut TopicSet,
) -> Result<Topic> {
    let file = &def.origin.file;
    let line_err = |msg: String| Error::dictionary(file, Some(def.origin.line), msg);
    let query_err = |(at, msg): (usize, String)| {
        let (line, col) = place_in_query(&def.query, def.query_at, at);
        Error::new(ErrorKind::Dictionary, msg).at(format!("{file}:{line}:{col}"))
    };
    let parent = match &def.parent {
        None => None,
        Some(p) => match topic_ids.get(p) {
            Some(&i) => Some(i),
            None => return Err(line_err(format!("topic \"{}\" has an unknown parent \"{p}\"", def.id))),
        },
    };
    let expr = parse(&def.query).map_err(query_err)?;
    if expr.is_none() && def.keywords.is_empty() {
        return Err(query_err((0, "empty query".to_string())));
    }
    let mut labels: Vec<(u32, String)> = Vec::new();
    let query = match expr {
        Some(expr) => {
            let mut lower =
                Lower { entity_ids, entities, interner: &mut *interner, set: &mut *set, labels: &mut labels };
            Some(lower.node(&expr).map_err(query_err)?)
        }
        None => None,
    };
    let mut keywords = Vec::new();
    for (key, weight) in &def.keywords {
        let keyword_err = |m: String| line_err(format!("topic \"{}\": keyword \"{key}\": {m}", def.id));
        let (field, text) = keyword_scope(key.trim()).map_err(keyword_err)?;
        let (text, prefix) = match text.strip_suffix('*') {
            Some(stem) => (stem.trim(), true),
            None => (text, false),
        };
        check_term(text, prefix).map_err(keyword_err)?;
        let (term, group) = interner.intern(text, prefix, field);
        keywords.push(Keyword { term, group, field, weight: *weight });
        let label = if prefix { format!("{text}*") } else { text.to_string() };
        if !labels.iter().any(|l| l.0 == group) {
            labels.push((group, label));
        }
    }
    keywords.sort_by_key(|k| k.group);
    labels.sort_by_key(|l| l.0);
    Ok(Topic {
        id: def.id.clone(),
        name: def.name.clone(),
        parent,
        depth: 0,
        query,
        keywords,
        labels,
        min_score: def.min_score,
        weight: def.weight,
    })
}

/// Splits a keyword key into its field scope and term: `title:코스피` → (title, 코스피).
fn keyword_scope(key: &str) -> std::result::Result<(Option<Field>, &str), String> {
    if let Some((name, rest)) = key.split_once(':') {
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic()) {
            let field = match name {
                "title" => Field::Title,
                "body" => Field::Body,
                _ => return Err(format!("unknown field scope \"{name}\" (keywords take title: or body:)")),
            };
            return Ok((Some(field), rest.trim()));
        }
    }
    Ok((None, key))
}

/// Resolves a parsed query: terms to automaton terms, entity ids and types to indices.
struct Lower<'a> {
    entity_ids: &'a HashMap<&'a str, u32>,
    entities: &'a dyn EntityNames,
    interner: &'a mut Interner,
    set: &'a mut TopicSet,
    labels: &'a mut Vec<(u32, String)>,
}

impl Lower<'_> {
    fn node(&mut self, expr: &Expr) -> std::result::Result<Node, (usize, String)> {
        Ok(match expr {
            Expr::Term { .. } => Node::Term(self.leaf(expr)),
            Expr::Entity { id, field, at } => match self.entity_ids.get(id.as_str()) {
                Some(&entity) => Node::Entity { entity, field: *field },
                None => return Err((*at, format!("unknown entity \"{id}\" in entity:"))),
            },
            Expr::Kind { kind, field, .. } => {
                let k = match self.set.kinds.iter().position(|k| k == kind) {
                    Some(k) => k as u32,
                    None => {
                        self.set.kinds.push(kind.clone());
                        let k = self.set.kinds.len() as u32 - 1;
                        for e in 0..self.entities.count() {
                            if self.entities.label(e).kind == kind {
                                let kinds = &mut self.set.entity_kind;
                                if kinds.len() <= e {
                                    kinds.resize(e + 1, NO_KIND);
                                }
                                kinds[e] = k;
                            }
                        }
                        k
                    }
                };
                Node::Kind { kind: k, field: *field }
            }
            Expr::Not(inner) => Node::Not(Box::new(self.node(inner)?)),
            Expr::And(items) => Node::And(items.iter().map(|i| self.node(i)).collect::<std::result::Result<_, _>>()?),
            Expr::Or(items) => Node::Or(items.iter().map(|i| self.node(i)).collect::<std::result::Result<_, _>>()?),
            Expr::Near { n, left, right } => Node::Near {
                n: *n,
                left: left.iter().map(|e| self.leaf(e)).collect(),
                right: right.iter().map(|e| self.leaf(e)).collect(),
            },
        })
    }

    /// A term operand (the parser guarantees `expr` is a term).
    fn leaf(&mut self, expr: &Expr) -> Leaf {
        let Expr::Term { text, prefix, field, .. } = expr else {
            unreachable!("NEAR operands and leaves are terms by construction")
        };
        let (term, group) = self.interner.intern(text, *prefix, *field);
        if !self.labels.iter().any(|l| l.0 == group) {
            self.labels.push((group, if *prefix { format!("{text}*") } else { text.clone() }));
        }
        Leaf { term, field: *field }
    }
}

/// The line and column in the file of the character `at` (a char offset) of the query.
fn place_in_query(query: &str, query_at: (u64, u64), at: usize) -> (u64, u64) {
    let before: String = query.chars().take(at).collect();
    match before.rfind('\n') {
        None => (query_at.0, query_at.1 + before.chars().count() as u64),
        Some(nl) => (query_at.0 + before.matches('\n').count() as u64, before[nl + 1..].chars().count() as u64 + 1),
    }
}

/// A parsed query, before names are resolved.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Term {
        text: String,
        prefix: bool,
        field: Option<Field>,
        at: usize,
    },
    Entity {
        id: String,
        field: Option<Field>,
        at: usize,
    },
    Kind {
        kind: String,
        field: Option<Field>,
        at: usize,
    },
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// Both sides are lists of `Term`s.
    Near {
        n: u32,
        left: Vec<Expr>,
        right: Vec<Expr>,
    },
}

/// An S-expression, for tests and messages: `(AND 반도체 (NOT title:"소버린 AI"))`.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = |field: &Option<Field>| field.map_or(String::new(), |f| format!("{}:", f.as_str()));
        let list = |f: &mut fmt::Formatter<'_>, items: &[Expr]| -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{item}")?;
            }
            Ok(())
        };
        match self {
            Expr::Term { text, prefix, field, .. } => {
                let star = if *prefix { "*" } else { "" };
                if text.contains(' ') {
                    write!(f, "{}\"{text}\"{star}", scope(field))
                } else {
                    write!(f, "{}{text}{star}", scope(field))
                }
            }
            Expr::Entity { id, field, .. } => write!(f, "{}entity:{id}", scope(field)),
            Expr::Kind { kind, field, .. } => write!(f, "{}type:{kind}", scope(field)),
            Expr::Not(inner) => write!(f, "(NOT {inner})"),
            Expr::And(items) => {
                f.write_str("(AND ")?;
                list(f, items)?;
                f.write_str(")")
            }
            Expr::Or(items) => {
                f.write_str("(OR ")?;
                list(f, items)?;
                f.write_str(")")
            }
            Expr::Near { n, left, right } => {
                write!(f, "(NEAR/{n} (")?;
                list(f, left)?;
                f.write_str(") (")?;
                list(f, right)?;
                f.write_str("))")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    Near(u32),
    Term { text: String, prefix: bool },
    Entity(String),
    Kind(String),
    Scope(Field),
}

/// A token and the char offset where it starts in the query.
#[derive(Debug, Clone, PartialEq)]
struct Token {
    tok: Tok,
    at: usize,
}

type ParseResult<T> = std::result::Result<T, (usize, String)>;

/// Splits a query into tokens.
fn tokenize(query: &str) -> ParseResult<Vec<Token>> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            tokens.push(Token { tok: if c == '(' { Tok::Open } else { Tok::Close }, at: i });
            i += 1;
        } else if c == '"' {
            let Some(len) = chars[i + 1..].iter().position(|&c| c == '"') else {
                return Err((i, "unterminated quote".to_string()));
            };
            let text: String = chars[i + 1..i + 1 + len].iter().collect();
            let mut end = i + len + 2;
            let prefix = chars.get(end) == Some(&'*');
            if prefix {
                end += 1;
            }
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if text.is_empty() {
                return Err((i, "empty phrase".to_string()));
            }
            check_term(&text, prefix).map_err(|m| (i, format!("\"{text}\": {m}")))?;
            tokens.push(Token { tok: Tok::Term { text, prefix }, at: i });
            i = end;
        } else {
            let len = chars[i..]
                .iter()
                .position(|&c| c.is_whitespace() || matches!(c, '(' | ')' | '"'))
                .unwrap_or(chars.len() - i);
            let word: String = chars[i..i + len].iter().collect();
            word_tokens(&word, i, &mut tokens)?;
            i += len;
        }
    }
    Ok(tokens)
}

/// Classifies one space-delimited word starting at char offset `at`.
fn word_tokens(word: &str, at: usize, tokens: &mut Vec<Token>) -> ParseResult<()> {
    let tok = match word {
        "AND" => Tok::And,
        "OR" => Tok::Or,
        "NOT" => Tok::Not,
        _ if word == "NEAR" || word.starts_with("NEAR/") => {
            match word.strip_prefix("NEAR/").and_then(|n| n.parse::<u32>().ok()) {
                Some(n) => Tok::Near(n),
                None => return Err((at, "NEAR without a number".to_string())),
            }
        }
        _ => {
            if let Some((name, rest)) = word.split_once(':') {
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic()) {
                    return prefixed_tokens(name, rest, at, tokens);
                }
            }
            let (text, prefix) = match word.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (word, false),
            };
            if text.contains('*') {
                return Err((at, format!("\"{word}\": a wildcard * may only end a term")));
            }
            check_term(text, prefix).map_err(|m| (at, format!("\"{word}\": {m}")))?;
            Tok::Term { text: text.to_string(), prefix }
        }
    };
    tokens.push(Token { tok, at });
    Ok(())
}

/// `entity:ID`, `type:KIND`, `title:`, `body:` (`rest` is what follows the colon in the word).
fn prefixed_tokens(name: &str, rest: &str, at: usize, tokens: &mut Vec<Token>) -> ParseResult<()> {
    match name {
        "entity" if rest.is_empty() => Err((at, "entity: needs an entity id".to_string())),
        "entity" => {
            tokens.push(Token { tok: Tok::Entity(rest.to_string()), at });
            Ok(())
        }
        "type" if !is_type_word(rest) => Err((at, format!("type:{rest} needs a lowercase type name such as company"))),
        "type" => {
            tokens.push(Token { tok: Tok::Kind(rest.to_string()), at });
            Ok(())
        }
        "title" | "body" => {
            let field = if name == "title" { Field::Title } else { Field::Body };
            tokens.push(Token { tok: Tok::Scope(field), at });
            if rest.is_empty() {
                Ok(())
            } else {
                word_tokens(rest, at + name.chars().count() + 1, tokens)
            }
        }
        _ => Err((at, format!("unknown field scope \"{name}\" (expected title:, body:, entity: or type:)"))),
    }
}

fn is_type_word(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Checks that a term is not empty after normalization and that a wildcard stem is long
/// enough: two Hangul syllables or four Latin letters or digits (반도체*, chip* is too short).
fn check_term(text: &str, prefix: bool) -> std::result::Result<(), String> {
    let key = compact_key(text);
    if key.is_empty() {
        return Err("the term is empty after normalization".to_string());
    }
    if prefix {
        let hangul = key.chars().filter(|&c| is_syllable(c)).count();
        let alnum = key.chars().filter(|&c| script(c) == Script::Alnum).count();
        if hangul < 2 && alnum < 4 {
            return Err(
                "wildcard too short (a wildcard term needs at least two Hangul syllables or four Latin letters)"
                    .to_string(),
            );
        }
    }
    Ok(())
}

/// Parses a query; `None` when it is empty.
fn parse(query: &str) -> ParseResult<Option<Expr>> {
    let tokens = tokenize(query)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut parser = Parser { tokens, pos: 0, end: query.chars().count(), depth: 0 };
    let expr = parser.or(None)?;
    if let Some(t) = parser.peek() {
        // `or` stops only before `)` or at the end.
        return Err((t.at, "unbalanced parenthesis".to_string()));
    }
    Ok(Some(expr))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: usize,
    /// Nesting of parentheses, NOTs and scopes: bounded, because parsing and evaluating
    /// recurse and a hostile query must be an error, not a stack overflow.
    depth: u32,
}

/// The deepest nesting a query may have.
const MAX_NESTING: u32 = 100;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_tok(&self) -> Option<&Tok> {
        self.peek().map(|t| &t.tok)
    }

    fn enter(&mut self, at: usize) -> ParseResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err((at, format!("the query is nested too deeply (more than {MAX_NESTING} levels)")));
        }
        Ok(())
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// Whether the next token can start an operand (of AND, OR or NOT).
    fn at_operand(&self) -> bool {
        matches!(
            self.peek_tok(),
            Some(Tok::Term { .. } | Tok::Entity(_) | Tok::Kind(_) | Tok::Scope(_) | Tok::Open | Tok::Not)
        )
    }

    /// or := and ("OR" and)*
    fn or(&mut self, field: Option<Field>) -> ParseResult<Expr> {
        let mut items = vec![self.and(field)?];
        while let Some(Tok::Or) = self.peek_tok() {
            let at = self.next().map_or(self.end, |t| t.at);
            if !self.at_operand() {
                return Err((at, "OR needs a term after it".to_string()));
            }
            items.push(self.and(field)?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::Or(items) })
    }

    /// and := unary (("AND")? unary | "NOT" unary)*: juxtaposition means AND, `a NOT b` AND NOT.
    fn and(&mut self, field: Option<Field>) -> ParseResult<Expr> {
        let mut items = vec![self.unary(field)?];
        loop {
            match self.peek_tok() {
                None | Some(Tok::Or | Tok::Close) => break,
                Some(Tok::And) => {
                    let at = self.next().map_or(self.end, |t| t.at);
                    if !self.at_operand() {
                        return Err((at, "AND needs a term after it".to_string()));
                    }
                    items.push(self.unary(field)?);
                }
                Some(_) => items.push(self.unary(field)?),
            }
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Expr::And(items) })
    }

    /// unary := "NOT" unary | near
    fn unary(&mut self, field: Option<Field>) -> ParseResult<Expr> {
        if let Some(Tok::Not) = self.peek_tok() {
            let at = self.next().map_or(self.end, |t| t.at);
            if !self.at_operand() {
                return Err((at, "NOT needs a term after it".to_string()));
            }
            self.enter(at)?;
            let inner = self.unary(field)?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.near(field)
    }

    /// near := primary ("NEAR/n" primary)?
    fn near(&mut self, field: Option<Field>) -> ParseResult<Expr> {
        let left = self.primary(field)?;
        let Some(&Tok::Near(n)) = self.peek_tok() else { return Ok(left) };
        let at = self.next().map_or(self.end, |t| t.at);
        let operands_error =
            || (at, "NEAR needs a term, a phrase or a parenthesised OR of them on each side".to_string());
        let left = near_operands(left).ok_or_else(operands_error)?;
        if !matches!(self.peek_tok(), Some(Tok::Term { .. } | Tok::Scope(_) | Tok::Open)) {
            return Err(operands_error());
        }
        let right = near_operands(self.primary(field)?).ok_or_else(operands_error)?;
        if let Some(t) = self.peek().filter(|t| matches!(t.tok, Tok::Near(_))) {
            return Err((t.at, "NEAR needs a term, a phrase or a parenthesised OR of them on each side".to_string()));
        }
        Ok(Expr::Near { n, left, right })
    }

    /// primary := term | phrase | entity:ID | type:KIND | scope: primary | "(" or ")"
    fn primary(&mut self, field: Option<Field>) -> ParseResult<Expr> {
        let Some(Token { tok, at }) = self.next() else {
            return Err((self.end, "the query ends too early".to_string()));
        };
        match tok {
            Tok::Term { text, prefix } => Ok(Expr::Term { text, prefix, field, at }),
            Tok::Entity(id) => Ok(Expr::Entity { id, field, at }),
            Tok::Kind(kind) => Ok(Expr::Kind { kind, field, at }),
            Tok::Scope(scope) => {
                if let Some(outer) = field.filter(|&f| f != scope) {
                    return Err((
                        at,
                        format!("field scope {}: inside {}: never matches", scope.as_str(), outer.as_str()),
                    ));
                }
                if !matches!(
                    self.peek_tok(),
                    Some(Tok::Term { .. } | Tok::Entity(_) | Tok::Kind(_) | Tok::Scope(_) | Tok::Open)
                ) {
                    return Err((at, format!("{}: needs a term or a parenthesised query after it", scope.as_str())));
                }
                self.enter(at)?;
                let inner = self.primary(Some(scope))?;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Open => {
                if let Some(Tok::Close) = self.peek_tok() {
                    return Err((at, "empty parentheses".to_string()));
                }
                self.enter(at)?;
                let inner = self.or(field)?;
                self.depth -= 1;
                match self.next() {
                    Some(Token { tok: Tok::Close, .. }) => Ok(inner),
                    _ => Err((at, "unbalanced parenthesis".to_string())),
                }
            }
            Tok::Close => Err((at, "unbalanced parenthesis".to_string())),
            Tok::And => Err((at, "AND needs a term before it".to_string())),
            Tok::Or => Err((at, "OR needs a term before it".to_string())),
            Tok::Near(_) => Err((at, "NEAR needs a term before it".to_string())),
            Tok::Not => Err((at, "NOT is not allowed here".to_string())),
        }
    }
}

/// The terms of a NEAR side: a term, or an OR of terms (nested ORs flattened).
fn near_operands(expr: Expr) -> Option<Vec<Expr>> {
    match expr {
        Expr::Term { .. } => Some(vec![expr]),
        Expr::Or(items) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(near_operands(item)?);
            }
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dictionary::{Entity, EntityId, Origin};

    fn show(query: &str) -> String {
        match parse(query) {
            Ok(Some(e)) => e.to_string(),
            Ok(None) => "<empty>".to_string(),
            Err((at, msg)) => format!("error at {at}: {msg}"),
        }
    }

    #[test]
    fn parser_table() {
        let rows = [
            ("반도체", "반도체"),
            ("\"소버린 AI\"", "\"소버린 AI\""),
            ("\"  소버린   AI \"", "\"소버린 AI\""),
            ("a AND b", "(AND a b)"),
            ("a b", "(AND a b)"),
            ("a OR b", "(OR a b)"),
            ("NOT a", "(NOT a)"),
            ("a AND NOT b", "(AND a (NOT b))"),
            ("a NOT b", "(AND a (NOT b))"),
            ("a OR b AND c", "(OR a (AND b c))"),
            ("a AND b OR c", "(OR (AND a b) c)"),
            ("NOT a AND b", "(AND (NOT a) b)"),
            ("NOT a OR b", "(OR (NOT a) b)"),
            ("NOT NOT a", "(NOT (NOT a))"),
            ("(a OR b) AND c", "(AND (OR a b) c)"),
            ("a OR b c OR d", "(OR a (AND b c) d)"),
            ("a and b or c", "(AND a and b or c)"),
            ("\"AND\" OR near", "(OR AND near)"),
            ("a NEAR/3 b", "(NEAR/3 (a) (b))"),
            ("(a OR \"b c\") NEAR/5 (d OR (e OR f))", "(NEAR/5 (a \"b c\") (d e f))"),
            ("NOT a NEAR/2 b", "(NOT (NEAR/2 (a) (b)))"),
            ("x a NEAR/0 b OR c", "(OR (AND x (NEAR/0 (a) (b))) c)"),
            ("title:(반도체 OR GPU)", "(OR title:반도체 title:GPU)"),
            ("body:(a NEAR/2 b)", "(NEAR/2 (body:a) (body:b))"),
            ("title:반도체 AND body:\"소버린 AI\"", "(AND title:반도체 body:\"소버린 AI\")"),
            ("title:(entity:naver type:company)", "(AND title:entity:naver title:type:company)"),
            ("title:(title:a)", "title:a"),
            ("title: a", "title:a"),
            ("entity:naver-cloud OR type:company", "(OR entity:naver-cloud type:company)"),
            ("반도체* OR chip* OR \"데이터 센터\"*", "(OR 반도체* chip* \"데이터 센터\"*)"),
            ("10:30", "10:30"),
            ("(((a)))", "a"),
            (
                "(GPU OR NPU OR \"AI 반도체\" OR 엔비디아 NEAR/5 (칩 OR 칩셋)) NOT \"그래픽카드 게임\"",
                "(AND (OR GPU NPU \"AI 반도체\" (NEAR/5 (엔비디아) (칩 칩셋))) (NOT \"그래픽카드 게임\"))",
            ),
            ("", "<empty>"),
            ("   ", "<empty>"),
        ];
        for (query, want) in rows {
            assert_eq!(show(query), want, "query {query:?}");
        }
    }

    #[test]
    fn parser_errors() {
        let rows = [
            ("(a OR b", "error at 0: unbalanced parenthesis"),
            ("a OR b)", "error at 6: unbalanced parenthesis"),
            ("(a OR (b)", "error at 0: unbalanced parenthesis"),
            ("a NEAR b", "error at 2: NEAR without a number"),
            ("a NEAR/x b", "error at 2: NEAR without a number"),
            ("a NEAR/2 b NEAR/2 c", "error at 11: NEAR needs a term, a phrase or a parenthesised OR of them on each side"),
            ("(a AND b) NEAR/2 c", "error at 10: NEAR needs a term, a phrase or a parenthesised OR of them on each side"),
            ("a NEAR/2 entity:x", "error at 2: NEAR needs a term, a phrase or a parenthesised OR of them on each side"),
            ("반* OR x", "error at 0: \"반*\": wildcard too short (a wildcard term needs at least two Hangul syllables or four Latin letters)"),
            ("AI*", "error at 0: \"AI*\": wildcard too short (a wildcard term needs at least two Hangul syllables or four Latin letters)"),
            ("a 반*도체", "error at 2: \"반*도체\": a wildcard * may only end a term"),
            ("date:(x)", "error at 0: unknown field scope \"date\" (expected title:, body:, entity: or type:)"),
            ("title:(body:(x))", "error at 7: field scope body: inside title: never matches"),
            ("a title:", "error at 2: title: needs a term or a parenthesised query after it"),
            ("title:OR a", "error at 0: title: needs a term or a parenthesised query after it"),
            ("a AND", "error at 2: AND needs a term after it"),
            ("a OR OR b", "error at 2: OR needs a term after it"),
            ("OR a", "error at 0: OR needs a term before it"),
            ("a NOT", "error at 2: NOT needs a term after it"),
            ("()", "error at 0: empty parentheses"),
            ("\"abc", "error at 0: unterminated quote"),
            ("\"\"", "error at 0: empty phrase"),
            ("entity:", "error at 0: entity: needs an entity id"),
            ("type:Company", "error at 0: type:Company needs a lowercase type name such as company"),
            ("\u{200b}", "error at 0: \"\u{200b}\": the term is empty after normalization"),
        ];
        for (query, want) in rows {
            assert_eq!(show(query), want, "query {query:?}");
        }
    }

    fn def(id: &str, query: &str) -> TopicDef {
        TopicDef {
            id: TopicId(id.to_string()),
            name: id.to_uppercase(),
            parent: None,
            query: query.to_string(),
            keywords: Vec::new(),
            min_score: 1.0,
            weight: 1.0,
            origin: Origin { file: "topics.toml".to_string(), line: 3 },
            query_at: (5, 10),
        }
    }

    fn entity(id: &str, kind: &str) -> Entity {
        Entity {
            id: EntityId(id.to_string()),
            kind: kind.to_string(),
            name: id.to_string(),
            aliases: vec![id.to_string()],
            exact_aliases: Vec::new(),
            requires: Vec::new(),
            excludes: Vec::new(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn compile_errors_name_line_and_column() {
        let entities = [entity("naver", "company")];
        let err = |d: TopicDef| TopicSet::compile(&[d], &entities).unwrap_err().to_string();
        assert_eq!(err(def("a", "(반도체 OR GPU")), "topics.toml:5:10: unbalanced parenthesis");
        assert_eq!(err(def("a", "반도체 OR GPU)")), "topics.toml:5:20: unbalanced parenthesis");
        assert_eq!(err(def("a", "GPU OR entity:x")), "topics.toml:5:17: unknown entity \"x\" in entity:");
        assert_eq!(err(def("a", "a NEAR b")), "topics.toml:5:12: NEAR without a number");
        assert_eq!(err(def("a", "")), "topics.toml:5:10: empty query");
        assert_eq!(err(def("a", "반도체\nOR (x")), "topics.toml:6:4: unbalanced parenthesis");
        let mut child = def("a", "x");
        child.parent = Some(TopicId("nope".to_string()));
        assert_eq!(err(child), "topics.toml:3: topic \"a\" has an unknown parent \"nope\"");
        let mut kw = def("a", "");
        kw.keywords = vec![("반*".to_string(), 1.0)];
        assert!(err(kw).starts_with("topics.toml:3: topic \"a\": keyword \"반*\": wildcard too short"));

        let mut a = def("a", "x");
        let mut b = def("b", "y");
        a.parent = Some(TopicId("b".to_string()));
        b.parent = Some(TopicId("a".to_string()));
        let e = TopicSet::compile(&[a, b], &entities).unwrap_err();
        assert_eq!(e.to_string(), "topics.toml:3: topic \"a\" is in a parent cycle (a → b → a)");
        assert_eq!(e.kind(), ErrorKind::Dictionary);
        let mut me = def("me", "x");
        me.parent = Some(TopicId("me".to_string()));
        assert!(TopicSet::compile(&[me], &entities).unwrap_err().to_string().contains("parent cycle (me → me)"));
    }

    #[test]
    fn terms_are_shared_across_topics() {
        let set = TopicSet::compile(
            &[def("a", "GPU OR \"소버린 AI\""), def("b", "gpu OR \"소버린 ai\" OR 소버린AI OR gpus OR GPUs*")],
            &[],
        )
        .unwrap();
        let terms: Vec<(&str, bool)> = set.terms().iter().map(|t| (t.text.as_str(), t.prefix)).collect();
        assert_eq!(terms, [("GPU", false), ("소버린 AI", false), ("소버린AI", false), ("gpus", false), ("GPUs", true)]);
        assert_eq!(set.term_group, [0, 1, 1, 2, 2]);
        assert_eq!(set.len(), 2);
        assert!(set.wants(0, Field::Title) && set.wants(0, Field::Body));

        let mut section = def("s", "title:x OR NOT body:y");
        section.keywords = vec![("title:z".to_string(), 1.0)];
        let set = TopicSet::compile(&[section], &Vec::new()).unwrap();
        let wants: Vec<(bool, bool)> =
            (0..3).map(|t| (set.wants(t, Field::Title), set.wants(t, Field::Body))).collect();
        assert_eq!(wants, [(true, false), (false, true), (true, false)]);
    }

    fn hit(term: u32, field: Field, word: u32) -> TermHit {
        TermHit { term, field, word }
    }

    fn mention(entity: u32, field: Field) -> Mention {
        Mention { entity, field, span: 0..1, alias: 0 }
    }

    /// A reported topic: id, score, evidence.
    type Fired = (String, f64, Vec<(String, u32)>);

    /// Scores `hits` (given as (term text, field, word)) against the topics.
    fn run(
        defs: &[TopicDef],
        entities: &dyn EntityNames,
        hits: &[(&str, Field, u32)],
        mentions: &[Mention],
    ) -> Vec<Fired> {
        let set = TopicSet::compile(defs, entities).unwrap();
        let mut term_hits: Vec<TermHit> = hits
            .iter()
            .map(|&(text, field, word)| {
                let (text, prefix) = text.strip_suffix('*').map_or((text, false), |t| (t, true));
                let t = set
                    .terms()
                    .iter()
                    .position(|t| t.text == text && t.prefix == prefix)
                    .unwrap_or_else(|| panic!("no term {text}"));
                hit(t as u32, field, word)
            })
            .collect();
        term_hits.sort();
        term_hits.dedup();
        set.score(&term_hits, mentions, entities)
            .into_iter()
            .map(|s| (s.id.0, s.score, s.evidence.into_iter().map(|e| (e.term, e.count)).collect()))
            .collect()
    }

    fn ev(items: &[(&str, u32)]) -> Vec<(String, u32)> {
        items.iter().map(|&(t, c)| (t.to_string(), c)).collect()
    }

    use Field::{Body, Title};

    #[test]
    fn title_counts_double_and_evidence_is_sorted() {
        let got = run(
            &[def("ai", "\"소버린 AI\" OR LLM OR GPU")],
            &[],
            &[("소버린 AI", Title, 0), ("소버린 AI", Body, 3), ("LLM", Body, 5), ("GPU", Body, 7), ("GPU", Body, 9)],
            &[],
        );
        assert_eq!(got, [("ai".to_string(), 6.0, ev(&[("GPU", 2), ("소버린 AI", 2), ("LLM", 1)]))]);
    }

    #[test]
    fn min_score_weight_and_ranking() {
        let mut strict = def("strict", "GPU");
        strict.min_score = 3.0;
        let mut heavy = def("heavy", "LLM");
        heavy.weight = 2.5;
        let plain = def("plain", "GPU OR LLM");
        let defs = [strict, heavy, plain];
        let got = run(&defs, &[], &[("GPU", Body, 1), ("LLM", Body, 2)], &[]);
        let ids: Vec<(&str, f64)> = got.iter().map(|g| (g.0.as_str(), g.1)).collect();
        assert_eq!(ids, [("heavy", 2.5), ("plain", 2.0)]);
        let got = run(&defs, &[], &[("GPU", Title, 0), ("GPU", Body, 1)], &[]);
        let ids: Vec<(&str, f64)> = got.iter().map(|g| (g.0.as_str(), g.1)).collect();
        // Ties keep definition order.
        assert_eq!(ids, [("strict", 3.0), ("plain", 3.0)]);
    }

    #[test]
    fn boolean_operators() {
        let defs = [
            def("and", "a AND b"),
            def("or", "a OR b"),
            def("not", "a NOT b"),
            def("nested", "(a OR c) AND NOT (b AND c)"),
        ];
        let ids = |hits: &[(&str, Field, u32)]| -> Vec<String> {
            let mut ids: Vec<String> = run(&defs, &[], hits, &[]).into_iter().map(|g| g.0).collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(&[("a", Body, 0)]), ["nested", "not", "or"]);
        assert_eq!(ids(&[("a", Body, 0), ("b", Body, 1)]), ["and", "nested", "or"]);
        assert_eq!(ids(&[("b", Body, 0), ("c", Body, 1)]), ["or"]);
        assert_eq!(ids(&[("c", Body, 0)]), ["nested"]);
    }

    #[test]
    fn only_positive_operands_count() {
        // b is under NOT; the false AND branch contributes nothing; an occurrence counts once.
        let got = run(
            &[def("t", "(a AND NOT b) OR (c AND d) OR a OR 수출*")],
            &[],
            &[("a", Body, 0), ("c", Body, 1), ("수출*", Body, 2)],
            &[],
        );
        assert_eq!(got, [("t".to_string(), 2.0, ev(&[("a", 1), ("수출*", 1)]))]);
        // A NOT-only query needs no positive operand, so it is always evaluated.
        let mut none = def("none", "NOT b");
        none.min_score = 0.0;
        let got = run(&[none.clone(), def("x", "a")], &[], &[], &[]);
        assert_eq!(got, [("none".to_string(), 0.0, ev(&[]))]);
        assert!(run(&[none], &[], &[("b", Body, 0)], &[]).is_empty());
    }

    #[test]
    fn near_both_orders_and_distance() {
        let defs = [def("near", "(gpu OR npu) NEAR/2 \"데이터 센터\"")];
        let fired = |hits: &[(&str, Field, u32)]| run(&defs, &[], hits, &[]);
        assert!(!fired(&[("gpu", Body, 0), ("데이터 센터", Body, 2)]).is_empty());
        assert!(!fired(&[("데이터 센터", Body, 0), ("npu", Body, 2)]).is_empty());
        assert!(!fired(&[("데이터 센터", Body, 4), ("npu", Body, 4)]).is_empty());
        assert!(fired(&[("gpu", Body, 0), ("데이터 센터", Body, 3)]).is_empty(), "three words apart");
        assert!(fired(&[("gpu", Title, 0), ("데이터 센터", Body, 1)]).is_empty(), "different fields");
        // Only the occurrences that are near something count.
        let got = fired(&[("gpu", Body, 0), ("데이터 센터", Body, 1), ("npu", Body, 10), ("gpu", Body, 30)]);
        assert_eq!(got, [("near".to_string(), 2.0, ev(&[("gpu", 1), ("데이터 센터", 1)]))]);
        // A term NEAR itself needs two occurrences.
        let same = [def("same", "AI NEAR/3 AI")];
        assert!(run(&same, &[], &[("AI", Body, 0)], &[]).is_empty());
        assert_eq!(run(&same, &[], &[("AI", Body, 0), ("AI", Body, 3)], &[])[0].1, 2.0);
    }

    #[test]
    fn field_scopes() {
        let defs = [def("t", "title:(GPU) OR body:LLM")];
        assert!(run(&defs, &[], &[("GPU", Body, 0), ("LLM", Title, 0)], &[]).is_empty());
        let got = run(&defs, &[], &[("GPU", Title, 0), ("GPU", Body, 0), ("LLM", Body, 1)], &[]);
        assert_eq!(got, [("t".to_string(), 3.0, ev(&[("GPU", 1), ("LLM", 1)]))]);
    }

    #[test]
    fn entities_and_types() {
        let entities = [entity("naver", "company"), entity("kim", "person"), entity("kakao", "company")];
        let defs = [
            def("naver", "entity:naver"),
            def("firms", "type:company AND AI"),
            def("title-people", "title:(type:person)"),
        ];
        let mentions = [mention(0, Title), mention(0, Body), mention(2, Body), mention(1, Body)];
        let got = run(&defs, &entities, &[("AI", Body, 4)], &mentions);
        assert_eq!(
            got,
            [
                ("firms".to_string(), 5.0, ev(&[("type:company", 3), ("AI", 1)])),
                ("naver".to_string(), 3.0, ev(&[("entity:naver", 2)])),
            ]
        );
        let got = run(&defs, &entities, &[], &[mention(1, Title)]);
        assert_eq!(got, [("title-people".to_string(), 2.0, ev(&[("type:person", 1)]))]);
        // An unused type and a mention of an entity no topic names are fine.
        assert!(run(&[def("x", "type:place")], &entities, &[], &[mention(1, Body)]).is_empty());
    }

    #[test]
    fn keywords() {
        let mut gated = def("gated", "AI");
        gated.keywords = vec![("반도체".to_string(), 0.5), ("AI".to_string(), 3.0)];
        let mut section = def("section", "");
        section.keywords = vec![("반도체".to_string(), 0.25), ("수출*".to_string(), 1.5)];
        section.min_score = 1.0;
        let defs = [gated, section];
        // Keywords alone do not make a query hold.
        let got = run(&defs, &[], &[("반도체", Body, 0), ("반도체", Title, 1)], &[]);
        assert!(got.is_empty(), "{got:?}");
        let got = run(&defs, &[], &[("반도체", Body, 0), ("AI", Body, 1), ("수출*", Title, 2)], &[]);
        assert_eq!(
            got,
            [
                ("gated".to_string(), 3.5, ev(&[("AI", 1), ("반도체", 1)])),
                ("section".to_string(), 3.25, ev(&[("반도체", 1), ("수출*", 1)])),
            ]
        );
    }

    #[test]
    fn keywords_with_a_field_scope() {
        let mut section = def("economy", "");
        section.keywords = vec![("title:코스피".to_string(), 1.5), ("body: 금리".to_string(), 0.5)];
        let defs = [section];
        assert!(run(&defs, &[], &[("코스피", Body, 0), ("금리", Title, 1)], &[]).is_empty());
        let got = run(&defs, &[], &[("코스피", Title, 0), ("금리", Body, 1), ("금리", Body, 4)], &[]);
        assert_eq!(got, [("economy".to_string(), 4.0, ev(&[("금리", 2), ("코스피", 1)]))]);
        let mut bad = def("bad", "");
        bad.keywords = vec![("entity:x".to_string(), 1.0)];
        let err = TopicSet::compile(&[bad], &Vec::new()).unwrap_err().to_string();
        assert_eq!(err, "topics.toml:3: topic \"bad\": keyword \"entity:x\": unknown field scope \"entity\" (keywords take title: or body:)");
    }

    #[test]
    fn parents_are_implied() {
        let mut child = def("sovereign-ai", "\"소버린 AI\"");
        child.parent = Some(TopicId("ai-policy".to_string()));
        let mut grandchild = def("k-sovereign", "\"소버린 AI\" AND 한국");
        grandchild.parent = Some(TopicId("sovereign-ai".to_string()));
        let parent = def("ai-policy", "\"AI 정책\"");
        let defs = [grandchild, child, parent];
        let got = run(&defs, &[], &[("소버린 AI", Body, 0), ("소버린 AI", Body, 5)], &[]);
        assert_eq!(
            got,
            [
                ("sovereign-ai".to_string(), 2.0, ev(&[("소버린 AI", 2)])),
                ("ai-policy".to_string(), 2.0, ev(&[("topic:sovereign-ai", 1)])),
            ]
        );
        let got = run(
            &defs,
            &[],
            &[("소버린 AI", Body, 0), ("한국", Body, 1), ("AI 정책", Title, 9), ("AI 정책", Body, 9)],
            &[],
        );
        assert_eq!(
            got,
            [
                ("ai-policy".to_string(), 3.0, ev(&[("AI 정책", 2), ("topic:sovereign-ai", 1)])),
                ("k-sovereign".to_string(), 2.0, ev(&[("소버린 AI", 1), ("한국", 1)])),
                ("sovereign-ai".to_string(), 2.0, ev(&[("topic:k-sovereign", 1), ("소버린 AI", 1)])),
            ]
        );
        // A parent below its own min_score still fires through its child.
        let mut child = def("c", "x");
        child.parent = Some(TopicId("p".to_string()));
        let mut parent = def("p", "y");
        parent.min_score = 10.0;
        let got = run(&[child, parent], &[], &[("x", Body, 0), ("y", Body, 1)], &[]);
        assert_eq!(got[1], ("p".to_string(), 1.0, ev(&[("topic:c", 1), ("y", 1)])));
    }

    #[test]
    fn place_in_query_counts_chars_and_lines() {
        assert_eq!(place_in_query("소버린 AI (", (4, 10), 7), (4, 17));
        assert_eq!(place_in_query("a\nbc (", (4, 12), 5), (5, 4));
    }
}
